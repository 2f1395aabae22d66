-- One row per division (province, prefecture, county, township), keyed by the 12-digit statistical code,
-- with the official short code of its level and its ancestors' codes and names.
with divisions as (
    select * from {{ ref('stg_reference__region') }}
),

coded as (
    select
        divisions.*,
        case when division_level = 'township' then substring(division_code, 1, 9)
             else substring(division_code, 1, 6) end as region_code
    from divisions
)

select
    d.division_code,
    d.region_code,
    d.division_level,
    case d.division_level
        when 'province' then '省级'
        when 'prefecture' then '地级'
        when 'county' then '县级'
        when 'township' then '乡级'
    end as division_level_zh,
    d.name_zh,
    d.short_name_zh,
    d.parent_division_code,
    substring(d.province_division_code, 1, 6) as province_code,
    province.name_zh as province_name_zh,
    substring(d.prefecture_division_code, 1, 6) as prefecture_code,
    prefecture.name_zh as prefecture_name_zh,
    d.county_code,
    county.name_zh as county_name_zh,
    case when d.division_level = 'township' then d.region_code end as township_code,
    case when d.division_level = 'township' then d.name_zh end as township_name_zh,
    d.township_type_zh,
    d.urban_rural,
    case d.urban_rural when 'urban' then '城市' when 'rural' then '农村' end as urban_rural_zh
from coded as d
left join divisions as province
    on province.division_code = d.province_division_code
left join divisions as prefecture
    on prefecture.division_code = d.prefecture_division_code
left join divisions as county
    on county.division_level = 'county' and county.county_code = d.county_code

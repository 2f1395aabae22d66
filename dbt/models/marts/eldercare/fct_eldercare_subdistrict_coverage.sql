-- One row per county × month of mart_eldercare_county_month: how many of the county's 街道 (sub-districts)
-- have at least one eldercare facility (养老机构 or 社区养老服务设施) in the month's bed report. A measure
-- model of the plan registry (ref_plan_indicator.measure_model): it approximates 街道具备综合功能的养老服务机构
-- 覆盖率, since a Jinmin bed report does not say which facility is "comprehensive". NULL measures when the
-- county did not report that month, or has no 街道 (coverage is then undefined, not 0).
with months as (
    select county_code, month_start, is_reported
    from {{ ref('mart_eldercare_county_month') }}
),

subdistricts as (
    select county_code, township_code
    from {{ ref('dim_region') }}
    where division_level = 'township' and township_type_zh = '街道'
),

subdistrict_counts as (
    select county_code, count(*) as subdistricts
    from subdistricts
    group by county_code
),

covered as (
    select capacity.county_code, capacity.month_start, count(distinct capacity.township_code) as subdistricts_with_facility
    from {{ ref('fct_eldercare_capacity') }} as capacity
    inner join subdistricts
        on subdistricts.township_code = capacity.township_code
    group by capacity.county_code, capacity.month_start
)

select
    months.county_code,
    months.month_start,
    months.is_reported,
    case when months.is_reported then coalesce(subdistrict_counts.subdistricts, 0) end as subdistricts,
    case when months.is_reported then coalesce(covered.subdistricts_with_facility, 0) end as subdistricts_with_facility,
    case
        when months.is_reported and subdistrict_counts.subdistricts > 0
            then cast(coalesce(covered.subdistricts_with_facility, 0) as {{ type_double() }}) / subdistrict_counts.subdistricts
    end as subdistrict_facility_coverage
from months
left join subdistrict_counts
    on subdistrict_counts.county_code = months.county_code
left join covered
    on covered.county_code = months.county_code
    and covered.month_start = months.month_start

-- One row per prefecture: what the dashboards report and when the data was last loaded. as_of_month is the
-- latest month any county reported in (the month the "latest month" charts show); loaded_at is the newest
-- _loaded_at of the rows in the warehouse, i.e. the last successful load (a failed load writes no rows).
-- Labels are in Beijing time (loads are stamped in UTC) for the dashboards' 数据说明 line.
with loads as (
    select county_code, _loaded_at from {{ ref('stg_jinmin__assistance_roster') }}
    union all
    select county_code, _loaded_at from {{ ref('stg_jinmin__eldercare_institutions') }}
    union all
    select county_code, _loaded_at from {{ ref('stg_jinmin__volunteer_roster') }}
    union all
    select county_code, _loaded_at from {{ ref('stg_jinmin__volunteer_service') }}
    union all
    select county_code, _loaded_at from {{ ref('stg_jinmin__lottery_sales') }}
),

loaded as (
    select r.prefecture_code, max(l._loaded_at) as loaded_at
    from loads as l
    inner join {{ ref('dim_region') }} as r on l.county_code = r.county_code
    group by r.prefecture_code
),

months as (
    select
        prefecture_code,
        min(prefecture_name_zh) as prefecture_name_zh,
        max(month_start) as as_of_month,
        count(distinct month_start) as months_loaded
    from {{ ref('mart_overview_county_month') }}
    group by prefecture_code
)

select
    m.prefecture_code,
    m.prefecture_name_zh,
    m.as_of_month,
    cast({{ date_part_int('year', 'm.as_of_month') }} as {{ dbt.type_string() }}) || '年'
        || cast({{ date_part_int('month', 'm.as_of_month') }} as {{ dbt.type_string() }}) || '月'
        as as_of_label_zh,
    m.months_loaded,
    l.loaded_at,
    {{ minute_label(dbt.dateadd('hour', 8, 'l.loaded_at')) }} || '（北京时间）' as loaded_at_label_zh,
    '金民工程月度导出（社会救助、养老服务、志愿服务、福利彩票），规划目标与填报值来自市民政局规划文本及各县区、科室季度填报'
        as data_source_zh
from months as m
left join loaded as l on m.prefecture_code = l.prefecture_code

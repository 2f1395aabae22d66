-- One row per prefecture: what the dashboards report and when the data was last loaded. as_of_month is the
-- latest month any county reported in (the month the "latest month" charts show); loaded_at is the newest
-- _loaded_at of the rows in the warehouse, i.e. the last successful load (a failed load writes no rows).
-- Labels are in Beijing time (loads are stamped in UTC) for the dashboards' 数据说明 line.
-- reporting_label_zh says how complete the as-of month is: on the first days of a month only some counties
-- have reported, and a leader reading that month's prefecture figures must see so (counts only: no county
-- is named, as a county login reads this table in full).
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
),

counties as (
    select prefecture_code, count(*) as counties_total
    from {{ ref('dim_region') }}
    where division_level = 'county'
    group by prefecture_code
),

as_of_reports as (
    select
        o.prefecture_code,
        {{ sum_count('case when o.domains_reported > 0 then 1 else 0 end') }} as counties_reported,
        {{ sum_count('case when o.domains_reported = 4 then 1 else 0 end') }} as counties_complete
    from {{ ref('mart_overview_county_month') }} as o
    inner join months as m on o.prefecture_code = m.prefecture_code and o.month_start = m.as_of_month
    group by o.prefecture_code
)

select
    m.prefecture_code,
    m.prefecture_name_zh,
    m.as_of_month,
    cast({{ date_part_int('year', 'm.as_of_month') }} as {{ dbt.type_string() }}) || '年'
        || cast({{ date_part_int('month', 'm.as_of_month') }} as {{ dbt.type_string() }}) || '月'
        as as_of_label_zh,
    m.months_loaded,
    c.counties_total,
    coalesce(a.counties_reported, 0) as counties_reported,
    coalesce(a.counties_complete, 0) as counties_complete,
    case
        when coalesce(a.counties_complete, 0) = c.counties_total
            then '全部' || cast(c.counties_total as {{ dbt.type_string() }}) || '个县区四项业务均已报送'
        else cast(coalesce(a.counties_complete, 0) as {{ dbt.type_string() }}) || '/'
            || cast(c.counties_total as {{ dbt.type_string() }})
            || '个县区四项业务均已报送，缺报的县区和业务标“未报送”，全市合计只含已报送县区'
    end as reporting_label_zh,
    l.loaded_at,
    {{ minute_label(dbt.dateadd('hour', 8, 'l.loaded_at')) }} || '（北京时间）' as loaded_at_label_zh,
    '金民工程月度导出（社会救助、养老服务、志愿服务、福利彩票），规划目标与填报值来自市民政局规划文本及各县区、科室季度填报'
        as data_source_zh
from months as m
inner join counties as c on m.prefecture_code = c.prefecture_code
left join as_of_reports as a on m.prefecture_code = a.prefecture_code
left join loaded as l on m.prefecture_code = l.prefecture_code

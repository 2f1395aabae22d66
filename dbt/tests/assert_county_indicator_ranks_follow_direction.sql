-- mart_county_indicator_month ranks exactly the counties with a value in each prefecture × month ×
-- ranked indicator (none of an indicator with is_ranked false), from 1, with rank 1 on the best value in the indicator's direction (highest, or lowest for
-- direction = 'lower'); its values are the overview's columns × display_scale (checked for one
-- indicator of each direction); and the direction agrees with ref_plan_indicator where the indicator
-- measures a plan indicator. Returns the offending groups.
with groups as (
    select
        prefecture_code,
        month_start,
        indicator_code,
        'rank' as problem
    from {{ ref('mart_county_indicator_month') }}
    group by prefecture_code, month_start, indicator_code
    having count(case when is_ranked then value end) != count(county_rank)
        or max(counties_ranked) != count(case when is_ranked then value end)
        or min(counties_ranked) != max(counties_ranked)
        or (count(county_rank) > 0 and min(county_rank) != 1)
        or max(county_rank) > count(value)
        or (bool_and(is_ranked) and max(case when county_rank = 1 then value end)
            != case when max(direction) = 'lower' then min(value) else max(value) end)
),

values_differ as (
    select
        long.prefecture_code,
        long.month_start,
        long.indicator_code,
        'value' as problem
    from {{ ref('mart_county_indicator_month') }} as long
    inner join {{ ref('mart_overview_county_month') }} as wide
        on wide.county_code = long.county_code
        and wide.month_start = long.month_start
    where (long.indicator_code = 'nursing_bed_share'
            and abs(coalesce(long.value, -1) - coalesce(wide.nursing_bed_share * 100, -1)) > 1e-9)
        or (long.indicator_code = 'dibao_standard_ratio_urban_rural'
            and abs(coalesce(long.value, -1) - coalesce(wide.dibao_standard_ratio_urban_rural, -1)) > 1e-9)
),

direction_differs as (
    select
        cast(null as {{ dbt.type_string() }}) as prefecture_code,
        cast(null as date) as month_start,
        indicator.indicator_code,
        'direction' as problem
    from {{ ref('ref_county_indicator') }} as indicator
    inner join {{ ref('ref_plan_indicator') }} as plan
        on plan.indicator_code = indicator.plan_indicator_code
    where plan.direction != indicator.direction
)

select * from groups
union all
select * from values_differ
union all
select * from direction_differs

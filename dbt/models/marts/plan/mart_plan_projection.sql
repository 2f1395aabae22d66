-- One row per region × numeric indicator with a final target: where the current trend leads by the plan's
-- target month, and whether that meets the target. The method is stated, not a black box:
--
--   points      the last N months with an actual value (N = var('plan_projection_points', 4)), up to the
--               region's latest period of the indicator;
--   trend       linear: the least-squares slope of value on month number over those points (value per
--               month); at least 2 points, else no projection (数据不足);
--   projection  projected_value = latest value + slope × months from the latest period to the target
--               month (December of the target year); a latest period at or after the target month
--               projects the latest value itself;
--   meets       projected_value satisfies the target's operator ('>=', '>', '<=', '<', 'ratio>=', 'ratio<=')
--               with the tolerance of mart_plan_progress; '=' targets and qualitative indicators are not
--               projected (方法不适用).
{%- set points = var('plan_projection_points', 4) %}
{%- set dbl = type_double() %}
with progress as (
    select * from {{ ref('mart_plan_progress') }}
    where value_type = 'numeric'
),

observed as (
    select
        region_code,
        indicator_code,
        period,
        cast(actual_value as {{ dbl }}) as actual_value,
        year(period) * 12 + month(period) as month_number,
        row_number() over (partition by region_code, indicator_code order by period desc) as recency
    from progress
    where actual_value is not null
),

trend as (
    select
        region_code,
        indicator_code,
        count(*) as points_used,
        min(period) as first_period_used,
        max(period) as latest_period,
        -- one point has no slope (DuckDB's regr_slope returns NaN there, Spark's NULL): NULL on both
        case when count(*) >= 2 then regr_slope(actual_value, month_number) end as slope_per_month,
        max(case when recency = 1 then actual_value end) as latest_value
    from observed
    where recency <= {{ points }}
    group by region_code, indicator_code
),

latest as (
    select *
    from (
        select
            progress.*,
            row_number() over (partition by region_code, indicator_code order by period desc) as recency
        from progress
    ) as ranked
    where recency = 1
),

projected as (
    select
        latest.region_code,
        latest.region_name_zh,
        latest.region_level,
        latest.prefecture_code,
        latest.prefecture_name_zh,
        latest.indicator_code,
        latest.indicator_name_zh,
        latest.domain_zh,
        latest.unit,
        latest.direction,
        latest.operator,
        latest.operator_zh,
        latest.target_year,
        latest.target_month,
        cast(latest.target_value as {{ dbl }}) as target_value,
        latest.attribute_zh,
        latest.is_binding,
        trend.latest_period,
        trend.latest_value,
        coalesce(trend.points_used, 0) as points_used,
        trend.first_period_used,
        trend.slope_per_month,
        case
            when latest.operator not in ('>=', '>', '<=', '<', 'ratio>=', 'ratio<=') then null
            when coalesce(trend.points_used, 0) < 2 or trend.slope_per_month is null then null
            else trend.latest_value + trend.slope_per_month * greatest(
                0,
                (year(latest.target_month) * 12 + month(latest.target_month))
                - (year(trend.latest_period) * 12 + month(trend.latest_period))
            )
        end as projected_value
    from latest
    left join trend
        on trend.region_code = latest.region_code
        and trend.indicator_code = latest.indicator_code
    where latest.target_value is not null
),

judged as (
    select
        *,
        1e-9 * greatest(1, abs(target_value)) as tolerance
    from projected
)

select
    region_code,
    region_name_zh,
    region_level,
    prefecture_code,
    prefecture_name_zh,
    indicator_code,
    indicator_name_zh,
    domain_zh,
    unit,
    direction,
    operator,
    operator_zh,
    target_year,
    target_month,
    target_value,
    attribute_zh,
    is_binding,
    latest_period,
    latest_value,
    points_used,
    first_period_used,
    slope_per_month,
    round(projected_value, 6) as projected_value,
    case
        when projected_value is null then null
        when operator in ('>=', 'ratio>=') then projected_value >= target_value - tolerance
        when operator = '>' then projected_value > target_value + tolerance
        when operator in ('<=', 'ratio<=') then projected_value <= target_value + tolerance
        when operator = '<' then projected_value < target_value - tolerance
    end as projected_meets,
    case
        when operator not in ('>=', '>', '<=', '<', 'ratio>=', 'ratio<=') then '方法不适用'
        when projected_value is null then '数据不足'
        when (operator in ('>=', 'ratio>=') and projected_value >= target_value - tolerance)
            or (operator = '>' and projected_value > target_value + tolerance)
            or (operator in ('<=', 'ratio<=') and projected_value <= target_value + tolerance)
            or (operator = '<' and projected_value < target_value - tolerance) then '预计达标'
        else '预计未达标'
    end as projection_status_zh,
    case
        when points_used < 2 then '报告不足2次，不外推'
        else '线性趋势：最近' || cast(points_used as {{ dbt.type_string() }}) || '次报告的最小二乘斜率，外推至'
            || cast(year(target_month) as {{ dbt.type_string() }}) || '年12月'
    end as method_zh
from judged

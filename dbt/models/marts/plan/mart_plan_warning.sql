-- One row per region (county or prefecture) × plan indicator that needs a leader's attention (预警): in its
-- latest month with data it is behind pace (进度滞后, the rule of mart_plan_progress) or its trend is
-- projected to miss the final target (预计未达标, the rule of mart_plan_projection). Binding (约束性)
-- indicators come first (warning_order), then behind-and-projected-to-miss, then behind, then projected.
with latest as (
    select * from {{ ref('mart_plan_progress') }}
    where is_latest_period
),

projection as (
    select * from {{ ref('mart_plan_projection') }}
),

flagged as (
    select
        latest.*,
        projection.projected_value,
        projection.projection_status_zh,
        projection.method_zh as projection_method_zh,
        latest.status_code = 'behind' as is_behind,
        coalesce(projection.projected_meets = false, false) as is_projected_miss
    from latest
    left join projection
        on projection.region_code = latest.region_code
        and projection.indicator_code = latest.indicator_code
)

select
    region_code,
    region_name_zh,
    region_level,
    prefecture_code,
    prefecture_name_zh,
    period,
    period_label_zh,
    indicator_code,
    indicator_name_zh,
    domain_zh,
    unit,
    coalesce(attribute_zh, '未标注') as attribute_zh,
    is_binding,
    coalesce(operator_zh, '定性') as operator_zh,
    target_value,
    target_text,
    actual_value,
    actual_text,
    completion_ratio,
    expected_pace,
    status_zh,
    projected_value,
    coalesce(projection_status_zh, '方法不适用') as projection_status_zh,
    coalesce(projection_method_zh, '定性指标不外推') as projection_method_zh,
    is_behind,
    is_projected_miss,
    -- the figures as the dashboard and the brief print them: a value with its unit, or why there is none
    coalesce(
        case when coalesce(operator_zh, '定性') <> '定性' and target_value is not null
            then operator_zh || {{ plan_number('target_value') }} || coalesce(unit, '') end,
        target_text,
        '未设定'
    ) as target_label_zh,
    coalesce(
        {{ plan_number('actual_value') }} || coalesce(unit, ''), actual_text, '本期无数据'
    ) as actual_label_zh,
    coalesce({{ plan_number('projected_value') }} || coalesce(unit, ''), projection_status_zh, '不外推')
        as projected_label_zh,
    case
        when is_behind and is_projected_miss then '进度滞后，且按趋势预计未达标'
        when is_behind then '进度滞后'
        else '按趋势预计未达标'
    end as warning_reason_zh,
    (case when is_binding then 0 else 10 end)
        + case when is_behind and is_projected_miss then 1 when is_behind then 2 else 3 end as warning_order
from flagged
where is_behind or is_projected_miss

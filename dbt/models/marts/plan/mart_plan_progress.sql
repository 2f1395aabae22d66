-- One row per region (prefecture or county) × indicator × month: the final (2025) target that applies,
-- the actual value, the baseline, the completion ratio, the expected pace ("时间过半、任务过半") and the
-- status. The status rules live here and only here (tests/targets checks them at their edges):
--
--   baseline     the target's own base value (target_basis plan / breakdown); else the value observed in the
--                base month (December of baseline_year); else the first value observed after it
--                (baseline_basis = first_observation: progress is then measured from when tracking began).
--   pace         expected_pace = months from the baseline month to the period / months from the baseline
--                month to December of the target year, clamped to [0, 1]. With the 2020 baseline a year-end
--                value describes December, so 2023-06 gives 30 / 60 = 0.5 (时间过半), as dim_month's
--                plan_elapsed_share does.
--   completion   (actual - baseline) / (target - baseline), for higher- and lower-is-better alike; when the
--                baseline already meets the target, 1 if met else 0; '=' targets: 1 - |actual - target| /
--                |baseline - target|; qualitative targets: 1 if achieved else 0. A met target shows >= 1.
--   met          actual satisfies the operator against the target ('>=', '>', '<=', '<', '=', 'ratio>=',
--                'ratio<=' on x of x:1), comparing with a tolerance of 1e-9 × max(1, |target|) so that a
--                value computed exactly at the target counts as at the target; qualitative: achieved.
--   status       无数据 no_data   no actual value (or, qualitative, no achieved flag) in the month
--                已完成 met       the target is met
--                进度滞后 behind  not met and the target month has come, or completion < pace - band
--                进度超前 ahead   completion > pace + band
--                符合进度 on_pace otherwise (|completion - pace| <= band)
--                band = var('plan_pace_band', 0.05): 5 percentage points of the way from baseline to target.
--   is_binding_behind: a 约束性 (binding) indicator that is behind.
-- Counties are ranked within their prefecture per indicator and month (rank_by_value: 1 = best value in the
-- indicator's direction; rank_by_progress: 1 = highest completion ratio). Prefecture values of measured
-- indicators are rolled up from the counties in fct_plan_actual (ratios recomputed from summed numerators
-- and denominators).
{%- set band = var('plan_pace_band', 0.05) %}
{%- set dbl = type_double() %}
{%- set one = 'cast(1 as ' ~ dbl ~ ')' %}
{%- set zero = 'cast(0 as ' ~ dbl ~ ')' %}
with targets as (
    select * from {{ ref('int_plan__targets_resolved') }}
    where is_final_target
),

milestones as (
    select region_code, indicator_code, target_year as milestone_year, target_value as milestone_value,
           target_text as milestone_text
    from {{ ref('int_plan__targets_resolved') }}
    where not is_final_target
),

actuals as (
    select * from {{ ref('fct_plan_actual') }}
),

regions as (
    select region_code, prefecture_code
    from {{ ref('dim_region') }}
    where division_level in ('prefecture', 'county')
),

-- the months shown for a prefecture and its counties: every month the warehouse or a report has data for
periods as (
    select distinct prefecture_code, month_start as period
    from {{ ref('mart_overview_county_month') }}
    union
    select distinct regions.prefecture_code, actuals.period
    from actuals
    inner join regions
        on regions.region_code = actuals.region_code
),

grid as (
    select targets.*, periods.period
    from targets
    inner join periods
        on periods.prefecture_code = targets.prefecture_code
        and periods.period >= targets.baseline_month
),

first_observation as (
    select grid.region_code, grid.indicator_code, min(grid.period) as first_period
    from grid
    inner join actuals
        on actuals.region_code = grid.region_code
        and actuals.indicator_code = grid.indicator_code
        and actuals.period = grid.period
    where actuals.actual_value is not null
    group by grid.region_code, grid.indicator_code
),

baselines as (
    select
        targets.region_code,
        targets.indicator_code,
        case
            when targets.value_type = 'qualitative' then null
            when targets.baseline_value is not null then targets.baseline_value
            when base.actual_value is not null then base.actual_value
            else first_value.actual_value
        end as baseline_value_used,
        case
            when targets.value_type = 'qualitative' then 'not_applicable'
            when targets.baseline_value is not null then 'plan'
            when base.actual_value is not null then 'observed_base_month'
            when first_value.actual_value is not null then 'first_observation'
            else 'unknown'
        end as baseline_basis,
        case
            when targets.value_type = 'qualitative' or targets.baseline_value is not null
                or base.actual_value is not null then targets.baseline_month
            else coalesce(first_observation.first_period, targets.baseline_month)
        end as baseline_period
    from targets
    left join actuals as base
        on base.region_code = targets.region_code
        and base.indicator_code = targets.indicator_code
        and base.period = targets.baseline_month
        and base.actual_value is not null
    left join first_observation
        on first_observation.region_code = targets.region_code
        and first_observation.indicator_code = targets.indicator_code
    left join actuals as first_value
        on first_value.region_code = targets.region_code
        and first_value.indicator_code = targets.indicator_code
        and first_value.period = first_observation.first_period
),

observed as (
    select
        grid.*,
        actuals.actual_value,
        actuals.actual_achieved,
        actuals.actual_text,
        actuals.actual_as_of,
        actuals.actual_source,
        actuals.actual_source_detail,
        actuals.warehouse_value,
        actuals.reported_value,
        actuals.numerator,
        actuals.denominator,
        actuals.counties_with_data,
        actuals.counties_total,
        baselines.baseline_value_used,
        baselines.baseline_basis,
        baselines.baseline_period,
        {{ dbt.datediff('baselines.baseline_period', 'grid.period', 'month') }} as months_elapsed,
        {{ dbt.datediff('baselines.baseline_period', 'grid.target_month', 'month') }} as months_planned,
        {{ dbt.datediff('grid.baseline_month', 'grid.period', 'month') }} as plan_months_elapsed,
        {{ dbt.datediff('grid.baseline_month', 'grid.target_month', 'month') }} as plan_months_total,
        1e-9 * greatest(1, abs(coalesce(grid.target_value, 0))) as tolerance,
        case grid.direction when 'lower' then -1 else 1 end as direction_sign
    from grid
    left join actuals
        on actuals.region_code = grid.region_code
        and actuals.indicator_code = grid.indicator_code
        and actuals.period = grid.period
    inner join baselines
        on baselines.region_code = grid.region_code
        and baselines.indicator_code = grid.indicator_code
),

judged as (
    select
        observed.*,
        case
            when value_type = 'qualitative' then actual_achieved
            when actual_value is null then null
            when operator in ('>=', 'ratio>=') then actual_value >= target_value - tolerance
            when operator = '>' then actual_value > target_value + tolerance
            when operator in ('<=', 'ratio<=') then actual_value <= target_value + tolerance
            when operator = '<' then actual_value < target_value - tolerance
            when operator = '=' then abs(actual_value - target_value) <= tolerance
        end as is_met,
        case
            when months_planned <= 0 then cast(1 as {{ dbl }})
            else least(cast(1 as {{ dbl }}), greatest(cast(0 as {{ dbl }}), cast(months_elapsed as {{ dbl }}) / months_planned))
        end as expected_pace
    from observed
),

completed as (
    select
        judged.*,
        case
            when value_type = 'qualitative' then
                case when actual_achieved then {{ one }} when actual_achieved is not null then {{ zero }} end
            when actual_value is null or baseline_value_used is null then null
            when direction = 'equals' then
                case
                    when is_met then {{ one }}
                    when abs(baseline_value_used - target_value) > tolerance
                        then greatest({{ zero }}, 1 - abs(actual_value - target_value) / abs(baseline_value_used - target_value))
                    else {{ zero }}
                end
            -- the baseline already meets the target: no distance to cover
            when (target_value - baseline_value_used) * direction_sign <= tolerance then
                case when is_met then {{ one }} else {{ zero }} end
            else (actual_value - baseline_value_used) / (target_value - baseline_value_used)
        end as raw_completion
    from judged
),

statused as (
    select
        completed.*,
        case when is_met then greatest({{ one }}, coalesce(raw_completion, {{ one }})) else raw_completion end
            as completion_ratio,
        case
            when (value_type = 'qualitative' and actual_achieved is null)
                or (value_type = 'numeric' and actual_value is null) then 'no_data'
            when is_met then 'met'
            when period >= target_month then 'behind'
            when raw_completion - expected_pace > {{ band }} + 1e-9 then 'ahead'
            when raw_completion - expected_pace < -({{ band }} + 1e-9) then 'behind'
            else 'on_pace'
        end as status_code
    from completed
),

ranked as (
    select
        statused.*,
        case
            when value_type = 'qualitative' then case when actual_achieved then {{ one }} else {{ zero }} end
            when direction = 'lower' then -actual_value
            when direction = 'equals' then -abs(actual_value - target_value)
            else actual_value
        end as value_score,
        case
            when region_level = 'county' and status_code <> 'no_data' then 1 else 0
        end as is_rankable
    from statused
)

select
    ranked.region_code,
    ranked.region_name_zh,
    ranked.region_level,
    ranked.region_level_zh,
    ranked.prefecture_code,
    ranked.prefecture_name_zh,
    ranked.indicator_code,
    ranked.indicator_name_zh,
    ranked.domain,
    ranked.domain_zh,
    ranked.unit,
    ranked.direction,
    ranked.value_type,
    ranked.period,
    months.month_label_zh as period_label_zh,
    months.year,
    ranked.actual_value,
    ranked.actual_achieved,
    ranked.actual_text,
    ranked.actual_as_of,
    ranked.actual_source,
    ranked.actual_source_detail,
    ranked.warehouse_value,
    ranked.reported_value,
    ranked.numerator,
    ranked.denominator,
    ranked.counties_with_data,
    ranked.counties_total,
    ranked.baseline_year,
    ranked.baseline_value_used as baseline_value,
    ranked.baseline_basis,
    ranked.baseline_period,
    ranked.baseline_text,
    ranked.target_year,
    ranked.target_month,
    ranked.operator,
    case
        when ranked.operator in ('>=', 'ratio>=') then '≥'
        when ranked.operator = '>' then '＞'
        when ranked.operator in ('<=', 'ratio<=') then '≤'
        when ranked.operator = '<' then '＜'
        when ranked.operator = '=' then '＝'
        else '定性'
    end as operator_zh,
    ranked.target_value,
    ranked.target_text,
    ranked.target_basis,
    ranked.target_basis_zh,
    ranked.inherited_from_region_code,
    ranked.attribute_zh,
    ranked.attribute_basis,
    ranked.is_binding,
    milestones.milestone_year,
    milestones.milestone_value,
    milestones.milestone_text,
    ranked.is_met,
    ranked.completion_ratio,
    ranked.expected_pace,
    ranked.completion_ratio - ranked.expected_pace as pace_gap,
    case
        when ranked.plan_months_total <= 0 then cast(1 as {{ dbl }})
        else least(cast(1 as {{ dbl }}), cast(ranked.plan_months_elapsed as {{ dbl }}) / ranked.plan_months_total)
    end as time_elapsed_share,
    ranked.status_code,
    case ranked.status_code
        when 'met' then '已完成'
        when 'ahead' then '进度超前'
        when 'on_pace' then '符合进度'
        when 'behind' then '进度滞后'
        when 'no_data' then '无数据'
    end as status_zh,
    case ranked.status_code
        when 'behind' then 1 when 'no_data' then 2 when 'on_pace' then 3 when 'ahead' then 4 when 'met' then 5
    end as status_order,
    ranked.is_binding and ranked.status_code = 'behind' as is_binding_behind,
    -- as the dashboard's tables print them: never blank, a missing figure says why
    coalesce(ranked.attribute_zh, '规划未注明') as attribute_label_zh,
    coalesce(
        case when ranked.target_value is not null and ranked.operator <> 'qualitative'
            then {{ plan_number('ranked.target_value') }} || coalesce(ranked.unit, '') end,
        ranked.target_text,
        '未设定'
    ) as target_label_zh,
    coalesce(
        {{ plan_number('ranked.actual_value') }} || coalesce(ranked.unit, ''),
        ranked.actual_text,
        case when ranked.actual_achieved then '已完成' when not ranked.actual_achieved then '未完成' end,
        '本期无数据'
    ) as actual_label_zh,
    case when ranked.is_rankable = 1 then
        rank() over (
            partition by ranked.prefecture_code, ranked.indicator_code, ranked.period, ranked.is_rankable
            order by ranked.value_score desc
        )
    end as rank_by_value,
    case when ranked.is_rankable = 1 then
        rank() over (
            partition by ranked.prefecture_code, ranked.indicator_code, ranked.period, ranked.is_rankable
            order by ranked.completion_ratio desc
        )
    end as rank_by_progress,
    case when ranked.is_rankable = 1 then
        sum(ranked.is_rankable) over (partition by ranked.prefecture_code, ranked.indicator_code, ranked.period)
    end as counties_ranked,
    ranked.source_document,
    ranked.source_document_title_zh,
    ranked.source_clause,
    ranked.source_quote,
    ranked.note as target_note,
    ranked.period = coalesce(
        max(case when ranked.status_code <> 'no_data' then ranked.period end)
            over (partition by ranked.region_code, ranked.indicator_code),
        max(ranked.period) over (partition by ranked.region_code, ranked.indicator_code)
    ) as is_latest_period
from ranked
left join {{ ref('dim_month') }} as months
    on months.month_start = ranked.period
left join milestones
    on milestones.region_code = ranked.region_code
    and milestones.indicator_code = ranked.indicator_code
    and milestones.milestone_year = months.year

-- One row per region (prefecture or county) × month: how many of the region's plan indicators are met,
-- ahead, on pace, behind or without data, how many binding (约束性) indicators are behind, and which ones
-- — the leaders' "are we on track, and which counties hold us back" in one row per county.
-- Counties are ranked within their prefecture by indicators behind (1 = most behind).
with progress as (
    select * from {{ ref('mart_plan_progress') }}
),

counts as (
    select
        region_code,
        min(region_name_zh) as region_name_zh,
        min(region_level) as region_level,
        min(region_level_zh) as region_level_zh,
        min(prefecture_code) as prefecture_code,
        min(prefecture_name_zh) as prefecture_name_zh,
        period,
        min(period_label_zh) as period_label_zh,
        cast(count(*) as bigint) as indicators_total,
        cast(sum(case when status_code = 'met' then 1 else 0 end) as bigint) as indicators_met,
        cast(sum(case when status_code = 'ahead' then 1 else 0 end) as bigint) as indicators_ahead,
        cast(sum(case when status_code = 'on_pace' then 1 else 0 end) as bigint) as indicators_on_pace,
        cast(sum(case when status_code = 'behind' then 1 else 0 end) as bigint) as indicators_behind,
        cast(sum(case when status_code = 'no_data' then 1 else 0 end) as bigint) as indicators_no_data,
        cast(sum(case when is_binding then 1 else 0 end) as bigint) as binding_indicators,
        cast(sum(case when is_binding_behind then 1 else 0 end) as bigint) as binding_indicators_behind
    from progress
    group by region_code, period
),

behind_names as (
    select
        region_code,
        period,
        {{ dbt.listagg('indicator_name_zh', "'、'", 'order by indicator_name_zh') }} as behind_indicators_zh
    from progress
    where status_code = 'behind'
    group by region_code, period
)

select
    counts.*,
    counts.indicators_total - counts.indicators_no_data as indicators_with_data,
    case
        when counts.indicators_total > counts.indicators_no_data
            then cast(counts.indicators_met + counts.indicators_ahead + counts.indicators_on_pace as {{ type_double() }})
                 / (counts.indicators_total - counts.indicators_no_data)
    end as on_track_share,
    behind_names.behind_indicators_zh,
    case when counts.region_level = 'county' then
        rank() over (
            partition by counts.prefecture_code, counts.period, counts.region_level
            order by counts.binding_indicators_behind desc, counts.indicators_behind desc
        )
    end as rank_most_behind
from counts
left join behind_names
    on behind_names.region_code = counts.region_code
    and behind_names.period = counts.period

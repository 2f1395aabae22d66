-- One row per county × month of mart_overview_county_month × comparison indicator (ref_county_indicator):
-- the overview's headline indicators in long format for the county comparison (县区对比), each with its
-- domain, Chinese name and display unit, and its rank among the prefecture's counties in the month in the
-- indicator's direction (1 = best: the highest value, or the lowest for a lower-is-better indicator).
-- Values are the overview's (never recomputed) scaled to the display unit; a county that did not report
-- keeps its row with a NULL value and no rank, and does not push the others down. An indicator set
-- prefecture-wide (is_ranked false in the seed, e.g. 城乡低保标准之比) is shown but never ranked.
-- Reference values for the county bars: the prefecture's own value of the indicator in the month (from
-- mart_overview_prefecture_month, recomputed from the prefecture's sums, not an average of county ratios)
-- and the county's final plan target where the indicator is a plan indicator with a numeric target in
-- the same unit (int_plan__targets_resolved: a 分解 target, or the prefecture's target inherited).
-- county_axis_label_zh puts the rank in front of the name (①宝塔区), so that a chart that orders its
-- categories by text (Superset's mixed chart) shows the counties best first.
{%- set columns = [] %}
{%- for domain_columns in overview_indicators().values() %}{% do columns.extend(domain_columns) %}{% endfor %}

with overview as (
    select * from {{ ref('mart_overview_county_month') }}
),

domains as (
    select domain, min(domain_zh) as domain_zh
    from {{ ref('ref_plan_indicator') }}
    group by domain
),

indicators as (
    select
        indicator.indicator_code,
        indicator.indicator_name_zh,
        indicator.domain,
        domains.domain_zh,
        indicator.unit,
        indicator.direction,
        indicator.source_column,
        indicator.display_scale,
        indicator.sort_order,
        indicator.is_ranked,
        indicator.plan_indicator_code
    from {{ ref('ref_county_indicator') }} as indicator
    left join domains
        on domains.domain = indicator.domain
),

prefecture as (
    select * from {{ ref('mart_overview_prefecture_month') }}
),

targets as (
    select region_code, indicator_code, unit, operator, target_value
    from {{ ref('int_plan__targets_resolved') }}
    where is_final_target
        and operator in ('>=', '<=', '>', '<', '=')
        and target_value is not null
),

unpivoted as (
    select
        overview.county_code,
        overview.county_name_zh,
        overview.prefecture_code,
        overview.prefecture_name_zh,
        overview.month_start,
        overview.year,
        overview.month_label_zh,
        indicators.domain,
        indicators.domain_zh,
        indicators.indicator_code,
        indicators.indicator_name_zh,
        indicators.sort_order,
        indicators.unit,
        indicators.direction,
        indicators.is_ranked,
        indicators.source_column,
        case indicators.source_column
            {%- for column in columns %}
            when '{{ column }}' then cast(overview.{{ column }} as {{ type_double() }})
            {%- endfor %}
        end * indicators.display_scale as value,
        case indicators.source_column
            {%- for column in columns %}
            when '{{ column }}' then cast(prefecture.{{ column }} as {{ type_double() }})
            {%- endfor %}
        end * indicators.display_scale as prefecture_value,
        targets.operator as target_operator,
        cast(targets.target_value as {{ type_double() }}) as target_value
    from overview
    cross join indicators
    left join prefecture
        on prefecture.prefecture_code = overview.prefecture_code
        and prefecture.month_start = overview.month_start
    left join targets
        on targets.region_code = overview.county_code
        and targets.indicator_code = indicators.plan_indicator_code
        and targets.unit = indicators.unit
),

ranked as (
    select
        unpivoted.*,
        case when not is_ranked then null when direction = 'lower' then -value else value end as ranking_value
    from unpivoted
),

final as (
    select
        county_code,
        county_name_zh,
        prefecture_code,
        prefecture_name_zh,
        month_start,
        year,
        month_label_zh,
        domain,
        domain_zh,
        indicator_code,
        indicator_name_zh,
        {{ dbt.concat(['domain_zh', "'·'", 'indicator_name_zh']) }} as indicator_label_zh,
        sort_order as indicator_sort_order,
        unit,
        direction,
        case when direction = 'lower' then '越低越好' else '越高越好' end as direction_zh,
        source_column,
        is_ranked,
        value,
        cast({{ rank_within_prefecture('ranking_value', partition_by=['prefecture_code', 'month_start', 'indicator_code']) }}
            as integer) as county_rank,
        cast(count(ranking_value) over (partition by prefecture_code, month_start, indicator_code) as integer)
            as counties_ranked,
        prefecture_value,
        target_operator,
        target_value
    from ranked
)

select
    final.*,
    -- ① … ㊿ sort by code point in rank order; a county without a rank sorts after them, by name
    {{ dbt.concat([circled_number('county_rank'), 'county_name_zh']) }} as county_axis_label_zh
from final

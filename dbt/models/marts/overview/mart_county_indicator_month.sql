-- One row per county × month of mart_overview_county_month × comparison indicator (ref_county_indicator):
-- the overview's headline indicators in long format for the county comparison (县区对比), each with its
-- domain, Chinese name and display unit, and its rank among the prefecture's counties in the month in the
-- indicator's direction (1 = best: the highest value, or the lowest for a lower-is-better indicator).
-- Values are the overview's (never recomputed) scaled to the display unit; a county that did not report
-- keeps its row with a NULL value and no rank, and does not push the others down. An indicator set
-- prefecture-wide (is_ranked false in the seed, e.g. 城乡低保标准之比) is shown but never ranked.
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
        indicator.is_ranked
    from {{ ref('ref_county_indicator') }} as indicator
    left join domains
        on domains.domain = indicator.domain
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
        end * indicators.display_scale as value
    from overview
    cross join indicators
),

ranked as (
    select
        unpivoted.*,
        case when not is_ranked then null when direction = 'lower' then -value else value end as ranking_value
    from unpivoted
)

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
        as counties_ranked
from ranked

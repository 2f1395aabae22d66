-- One row per region (county or prefecture) × indicator × month with an observed value:
--   * county values from the domain marts, unpivoted by ref_plan_indicator.measure_model / measure_column
--     × measure_scale (the dictionary decides which mart column measures which indicator);
--   * prefecture values rolled up from those county values: aggregation = 'ratio' recomputes
--     sum(numerator_column) / sum(denominator_column) × measure_scale over the counties that reported
--     (never an average of county ratios); aggregation = 'sum' adds the counties' values, and only when
--     every county of the prefecture reported (a partial sum would understate the total);
--     aggregation = 'none' has no roll-up;
--   * values reported by a document or the statistics staff (stg_plan__reported_values: shipped and uploaded), which take precedence
--     over the warehouse value of the same region, indicator and month (the latest as_of_date of the month).
-- The measure models this may read (declared so dbt orders the build):
-- depends_on: {{ ref('ref_plan_indicator') }}
-- depends_on: {{ ref('mart_assistance_county_month') }}
-- depends_on: {{ ref('mart_eldercare_county_month') }}
-- depends_on: {{ ref('mart_volunteer_county_month') }}
-- depends_on: {{ ref('mart_lottery_county_month') }}
-- depends_on: {{ ref('mart_overview_county_month') }}
-- depends_on: {{ ref('fct_eldercare_subdistrict_coverage') }}
{%- set allowed_models = ['mart_assistance_county_month', 'mart_eldercare_county_month', 'mart_volunteer_county_month',
                          'mart_lottery_county_month', 'mart_overview_county_month', 'fct_eldercare_subdistrict_coverage'] %}
{%- set dbl = type_double() %}
{%- set str = dbt.type_string() %}
{%- set measures = [] %}
{#- Compiling before the seeds or marts exist (e.g. `dbt compile` on an empty file) yields no measures and
    skips the column checks; `dbt build` creates them first, in DAG order. #}
{%- if execute and load_relation(ref('ref_plan_indicator')) is not none %}
    {%- set dictionary = run_query(
        "select indicator_code, measure_model, measure_column, measure_scale, numerator_column, denominator_column "
        ~ "from " ~ ref('ref_plan_indicator') ~ " where measure_model is not null order by indicator_code") %}
    {%- for row in dictionary.rows %}
        {%- set code, model, column, scale, numerator, denominator = row[0], row[1], row[2], row[3], row[4], row[5] %}
        {%- if model not in allowed_models %}
            {{ exceptions.raise_compiler_error("ref_plan_indicator." ~ code ~ ": measure_model '" ~ model ~ "' is not one of " ~ allowed_models | join(', ')) }}
        {%- endif %}
        {%- set relation = ref(model) %}
        {%- set built = load_relation(relation) is not none %}
        {%- set available = adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | list %}
        {%- for needed in [column, numerator, denominator] %}
            {%- if built and needed and needed | lower not in available %}
                {{ exceptions.raise_compiler_error("ref_plan_indicator." ~ code ~ ": column '" ~ needed ~ "' is not in " ~ model) }}
            {%- endif %}
        {%- endfor %}
        {%- do measures.append({'code': code, 'model': model, 'relation': relation, 'column': column,
                                'scale': scale if scale is not none else 1, 'numerator': numerator, 'denominator': denominator}) %}
    {%- endfor %}
{%- endif %}

with county_values as (
    {%- for m in measures %}
    select
        cast('{{ m.code }}' as {{ str }}) as indicator_code,
        county_code as region_code,
        month_start as period,
        cast({{ m.column }} as {{ dbl }}) * {{ m.scale }} as actual_value,
        {% if m.numerator %}cast({{ m.numerator }} as {{ dbl }}){% else %}cast(null as {{ dbl }}){% endif %} as numerator,
        {% if m.denominator %}cast({{ m.denominator }} as {{ dbl }}){% else %}cast(null as {{ dbl }}){% endif %} as denominator,
        cast('{{ m.model }}.{{ m.column }}' as {{ str }}) as source_detail
    from {{ m.relation }}
    where {{ m.column }} is not null
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
    {%- if measures | length == 0 %}
    select
        cast(null as {{ str }}) as indicator_code, cast(null as {{ str }}) as region_code, cast(null as date) as period,
        cast(null as {{ dbl }}) as actual_value, cast(null as {{ dbl }}) as numerator, cast(null as {{ dbl }}) as denominator,
        cast(null as {{ str }}) as source_detail
    where 1 = 0
    {%- endif %}
),

counties as (
    select region_code as county_code, prefecture_code
    from {{ ref('dim_region') }}
    where division_level = 'county'
),

county_totals as (
    select prefecture_code, count(*) as counties_total
    from counties
    group by prefecture_code
),

rollup_sums as (
    select
        v.indicator_code,
        counties.prefecture_code as region_code,
        v.period,
        indicator.aggregation,
        indicator.measure_scale,
        sum(v.actual_value) as sum_value,
        sum(v.numerator) as numerator,
        sum(v.denominator) as denominator,
        count(*) as counties_with_data,
        min(v.source_detail) as source_detail
    from county_values as v
    inner join counties
        on counties.county_code = v.region_code
    inner join {{ ref('ref_plan_indicator') }} as indicator
        on indicator.indicator_code = v.indicator_code
    where indicator.aggregation in ('sum', 'ratio')
    group by v.indicator_code, counties.prefecture_code, v.period, indicator.aggregation, indicator.measure_scale
),

rollup as (
    select
        s.indicator_code,
        s.region_code,
        s.period,
        case
            when s.aggregation = 'ratio' and s.denominator > 0
                then s.numerator / s.denominator * coalesce(s.measure_scale, 1)
            when s.aggregation = 'sum' and s.counties_with_data = t.counties_total
                then s.sum_value
        end as actual_value,
        s.numerator,
        s.denominator,
        s.counties_with_data,
        t.counties_total,
        s.source_detail
    from rollup_sums as s
    inner join county_totals as t
        on t.prefecture_code = s.region_code
),

warehouse as (
    select
        v.indicator_code, v.region_code, v.period, v.actual_value, v.numerator, v.denominator,
        cast(null as bigint) as counties_with_data, cast(null as bigint) as counties_total,
        cast('mart' as {{ str }}) as source, v.source_detail
    from county_values as v
    union all
    select
        r.indicator_code, r.region_code, r.period, r.actual_value, r.numerator, r.denominator,
        r.counties_with_data, r.counties_total,
        cast('rollup' as {{ str }}) as source, r.source_detail
    from rollup as r
),

reported_ranked as (
    select
        region_code,
        indicator_code,
        cast({{ dbt.date_trunc('month', 'as_of_date') }} as date) as period,
        as_of_date,
        value,
        value_text,
        achieved,
        source_document,
        source_clause,
        row_number() over (
            partition by region_code, indicator_code, cast({{ dbt.date_trunc('month', 'as_of_date') }} as date)
            order by as_of_date desc
        ) as position_in_month
    from {{ ref('stg_plan__reported_values') }}
),

reported as (
    select * from reported_ranked where position_in_month = 1
)

select
    coalesce(reported.region_code, warehouse.region_code) as region_code,
    coalesce(reported.indicator_code, warehouse.indicator_code) as indicator_code,
    coalesce(reported.period, warehouse.period) as period,
    case when reported.region_code is not null then reported.value else warehouse.actual_value end as actual_value,
    reported.achieved as actual_achieved,
    reported.value_text as actual_text,
    coalesce(reported.as_of_date, cast({{ dbt.last_day('warehouse.period', 'month') }} as date)) as actual_as_of,
    case when reported.region_code is not null then 'reported' else warehouse.source end as actual_source,
    case
        when reported.region_code is not null
            then {{ dbt.concat(['reported.source_document', "' '", "coalesce(reported.source_clause, '')"]) }}
        else warehouse.source_detail
    end as actual_source_detail,
    warehouse.actual_value as warehouse_value,
    warehouse.source as warehouse_source,
    reported.value as reported_value,
    warehouse.numerator,
    warehouse.denominator,
    warehouse.counties_with_data,
    warehouse.counties_total
from reported
full outer join warehouse
    on warehouse.region_code = reported.region_code
    and warehouse.indicator_code = reported.indicator_code
    and warehouse.period = reported.period

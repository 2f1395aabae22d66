{#
  Indicator helpers shared by the county and prefecture marts, so a ratio is defined once and the
  prefecture roll-up recomputes it from summed numerators and denominators (never an average of ratios).
#}

{# n / d as a floating-point number; NULL when d is NULL or 0. #}
{% macro safe_divide(numerator, denominator, scale=1) -%}
    case
        when {{ denominator }} is null or {{ denominator }} = 0 then null
        else cast({{ numerator }} as {{ type_double() }}) * {{ scale }} / {{ denominator }}
    end
{%- endmacro %}

{#
  Rank of an indicator among the counties of the same prefecture in the same month: 1 = highest value
  (or lowest, with descending=false). Counties whose indicator is NULL (not reported) get no rank and
  do not push others down. Ties share a rank (SQL RANK).
#}
{% macro rank_within_prefecture(column, descending=true, partition_by=['prefecture_code', 'month_start']) -%}
    case when {{ column }} is not null then
        rank() over (
            partition by {{ partition_by | join(', ') }}, case when {{ column }} is null then 1 else 0 end
            order by {{ column }} {{ 'desc' if descending else 'asc' }}
        )
    end
{%- endmacro %}

{# Year-on-year growth as a fraction (0.05 = +5%); NULL when last year's value is missing or 0. #}
{% macro growth_rate(current, previous) -%}
    case
        when {{ previous }} is null or {{ previous }} = 0 or {{ current }} is null then null
        else cast({{ current }} as {{ type_double() }}) / {{ previous }} - 1
    end
{%- endmacro %}

{# Sum of an integer count as BIGINT (DuckDB widens sum(bigint) to HUGEINT, which BI drivers dislike). #}
{% macro sum_count(expr) -%}
    cast(sum({{ expr }}) as bigint)
{%- endmacro %}

{# Sum of a money (元) or hours amount as DECIMAL(18,2) (DuckDB widens sums to DECIMAL(38,2)). #}
{% macro sum_amount(expr) -%}
    cast(sum({{ expr }}) as decimal(18, 2))
{%- endmacro %}

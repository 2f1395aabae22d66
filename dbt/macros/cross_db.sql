{#
  Small portable helpers. Everything that differs between DuckDB and Spark goes through
  adapter.dispatch with a default__ implementation (dbt's cross-database macros underneath) and a
  spark__ one where Spark needs other SQL. Models never call DuckDB-only functions directly.
#}

{# First day of the month of a date or timestamp, as a DATE. #}
{% macro month_start(expr) -%}
    {{ return(adapter.dispatch('month_start', 'minzheng')(expr)) }}
{%- endmacro %}

{% macro default__month_start(expr) -%}
    cast({{ dbt.date_trunc('month', expr) }} as date)
{%- endmacro %}

{% macro spark__month_start(expr) -%}
    trunc({{ expr }}, 'MM')
{%- endmacro %}

{# A date shifted by a whole number of months (or days / years), as a DATE. #}
{% macro add_to_date(datepart, interval, expr) -%}
    {{ return(adapter.dispatch('add_to_date', 'minzheng')(datepart, interval, expr)) }}
{%- endmacro %}

{% macro default__add_to_date(datepart, interval, expr) -%}
    cast({{ dbt.dateadd(datepart, interval, expr) }} as date)
{%- endmacro %}

{% macro spark__add_to_date(datepart, interval, expr) -%}
    {#- date_add / add_months take an INT: series numbers and arithmetic may be BIGINT or DOUBLE -#}
    {%- if datepart == 'month' -%} add_months({{ expr }}, cast({{ interval }} as int))
    {%- elif datepart == 'year' -%} add_months({{ expr }}, 12 * cast({{ interval }} as int))
    {%- elif datepart == 'day' -%} date_add({{ expr }}, cast({{ interval }} as int))
    {%- else -%} {{ exceptions.raise_compiler_error("add_to_date: unsupported datepart " ~ datepart) }}
    {%- endif -%}
{%- endmacro %}

{# A DATE literal from 'YYYY-MM-DD'. #}
{% macro date_literal(iso) -%}
    cast('{{ iso }}' as date)
{%- endmacro %}

{# Extract a date part as an integer (year, quarter, month, day, dayofweek ISO 1=Monday..7=Sunday). #}
{% macro date_part_int(part, expr) -%}
    {{ return(adapter.dispatch('date_part_int', 'minzheng')(part, expr)) }}
{%- endmacro %}

{% macro default__date_part_int(part, expr) -%}
    {%- if part == 'isodow' -%} cast(extract(isodow from {{ expr }}) as integer)
    {%- else -%} cast(extract({{ part }} from {{ expr }}) as integer)
    {%- endif -%}
{%- endmacro %}

{% macro spark__date_part_int(part, expr) -%}
    {%- if part == 'isodow' -%} cast(((dayofweek({{ expr }}) + 5) % 7) + 1 as integer)
    {%- else -%} cast(extract({{ part }} from {{ expr }}) as integer)
    {%- endif -%}
{%- endmacro %}

{# Left-pad an integer with zeros to a fixed width, as a string ('7' -> '07'). #}
{% macro zero_pad(expr, width) -%}
    {{ return(adapter.dispatch('zero_pad', 'minzheng')(expr, width)) }}
{%- endmacro %}

{% macro default__zero_pad(expr, width) -%}
    lpad(cast({{ expr }} as {{ dbt.type_string() }}), {{ width }}, '0')
{%- endmacro %}

{# Surrogate key: md5 over the '|'-joined, null-safe string forms of the given expressions. #}
{% macro surrogate_key(exprs) -%}
    {%- set parts = [] -%}
    {%- for e in exprs -%}
        {%- do parts.append("coalesce(cast(" ~ e ~ " as " ~ dbt.type_string() ~ "), '~null~')") -%}
        {%- if not loop.last %}{% do parts.append("'|'") %}{% endif -%}
    {%- endfor -%}
    {{ dbt.hash(dbt.concat(parts)) }}
{%- endmacro %}

{# Integer division rounded down (DuckDB's `/` is floating-point division). #}
{% macro int_div(a, b) -%}
    cast(floor(cast({{ a }} as {{ type_double() }}) / ({{ b }})) as integer)
{%- endmacro %}

{# Number of calendar years spanned by the calendar_start / calendar_end vars (parse-time constant). #}
{% macro calendar_years() -%}
    {{ return((var('calendar_end')[:4] | int) - (var('calendar_start')[:4] | int) + 1) }}
{%- endmacro %}

{# The fixed key of a dimension's "unknown / not applicable" member. #}
{% macro unknown_key() -%}
    {{ dbt.hash("'-1'") }}
{%- endmacro %}

{# 64-bit floating point for ratios (dbt.type_float() is 32-bit FLOAT on DuckDB and Spark). #}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'minzheng')()) }}
{%- endmacro %}

{% macro default__type_double() -%}
    double
{%- endmacro %}

{# A Jinja string as a SQL string literal: quotes doubled, newlines folded into spaces. #}
{% macro sql_string(value) -%}
    '{{ (value | string) | replace("'", "''") | replace("\n", " ") | trim }}'
{%- endmacro %}

{# Session settings run before every model and seed (a pre-hook): nothing on DuckDB; on Spark, ANSI mode. #}
{% macro engine_session_settings() -%}
    {{ return(adapter.dispatch('engine_session_settings', 'minzheng')()) }}
{%- endmacro %}

{% macro default__engine_session_settings() -%}
{%- endmacro %}

{% macro spark__engine_session_settings() -%}
    set spark.sql.ansi.enabled = true
{%- endmacro %}

{# A number as text with a fixed number of decimals ('12.30'); NULL stays NULL. Rounded half away from
   zero first, so DuckDB's printf and Spark's (Java) formatter print the same digits; the explicit NULL
   branch because Spark formats NULL as the string 'null'. #}
{% macro fixed_decimals(expr, decimals) -%}
    case when {{ expr }} is null then null
    else printf('%.{{ decimals }}f', round(cast({{ expr }} as {{ type_double() }}), {{ decimals }})) end
{%- endmacro %}

{# A share (0..1) as a percentage number string with fixed decimals (0.1234 -> '12.3'). #}
{% macro percent_label(expr, decimals) -%}
    {{ fixed_decimals('cast(' ~ expr ~ ' as ' ~ type_double() ~ ') * 100', decimals) }}
{%- endmacro %}

{# A timestamp as 'YYYY-MM-DD HH:MM' text. #}
{% macro minute_label(expr) -%}
    {{ return(adapter.dispatch('minute_label', 'minzheng')(expr)) }}
{%- endmacro %}

{% macro default__minute_label(expr) -%}
    strftime({{ expr }}, '%Y-%m-%d %H:%M')
{%- endmacro %}

{% macro spark__minute_label(expr) -%}
    date_format({{ expr }}, 'yyyy-MM-dd HH:mm')
{%- endmacro %}

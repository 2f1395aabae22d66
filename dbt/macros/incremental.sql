{#
  Monthly partitioned incremental facts (fct_assistance_payment, fct_lottery_sales, fct_volunteer_service).

  Every fact row carries month_start, county_code and the raw _load_id of the file it came from (one load
  per county-month: ingestion replaces a county-month atomically). A build rebuilds whole months:

  * vars min_period / max_period set (the Dagster partition window): every month in the window is
    rebuilt from raw; months outside it are neither read nor touched;
  * no vars: only months whose set of (county_code, _load_id) differs between raw and the fact, i.e.
    a county-month was loaded, corrected (_更正N) or emptied since the last build.

  DuckDB: delete+insert on unique_key month_start (delete the batch's months, insert the batch).
  Spark:  insert_overwrite partitioned by month_start (dynamic partition overwrite), same effect.
#}

{# The config of every monthly incremental model: `{{ config(**monthly_incremental_config()) }}`. #}
{% macro monthly_incremental_config() -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': monthly_incremental_strategy(),
        'unique_key': 'month_start',
        'partition_by': monthly_partition_by(),
        'on_schema_change': 'append_new_columns',
    }) }}
{%- endmacro %}

{% macro monthly_incremental_strategy() -%}
    {{ return('insert_overwrite' if target.type == 'spark' else 'delete+insert') }}
{%- endmacro %}

{% macro monthly_partition_by() -%}
    {{ return('month_start' if target.type == 'spark' else none) }}
{%- endmacro %}

{#
  A period var as 'YYYY-MM-01' (accepts 2024-06, 2024-06-01, or a YAML date), or none. The window can also
  come from the environment, MINZHENG_DBT_MIN_PERIOD / MINZHENG_DBT_MAX_PERIOD (used when the var is not
  set): dbt re-parses the whole project whenever --vars differ from the previous invocation's (~4 s of a
  province month's build), while a changed environment variable only re-parses the files that read it. And
  none read it while dbt parses (`execute` is false; the window only shapes predicates, never a ref or a
  config), so a new month's window re-parses nothing (about 1 s of every month's build).
#}
{% macro period_var(name) -%}
    {%- if not execute -%}{{ return(none) }}{%- endif -%}
    {%- set value = var(name, none) -%}
    {%- if value is none or (value | string | trim) in ('', 'None', 'null') -%}
        {%- set value = env_var('MINZHENG_DBT_' ~ (name | upper), '') -%}
    {%- endif -%}
    {%- if value is none or (value | string | trim) in ('', 'None', 'null') -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set text = value | string | trim -%}
    {%- if text | length == 7 -%}{%- set text = text ~ '-01' -%}{%- endif -%}
    {%- if text | length != 10 or text[4] != '-' or text[7] != '-' -%}
        {{ exceptions.raise_compiler_error("var " ~ name ~ " must be YYYY-MM or YYYY-MM-DD, got " ~ value) }}
    {%- endif -%}
    {{ return(text[:8] ~ '01') }}
{%- endmacro %}

{% macro has_period_window() -%}
    {{ return(period_var('min_period') is not none or period_var('max_period') is not none) }}
{%- endmacro %}

{# SQL predicate: the month column lies inside the min_period/max_period window (true without vars);
   months_after > 0 widens the window by that many months after max_period. #}
{% macro in_period_window(column, months_after=0) -%}
    {%- set lo = period_var('min_period') -%}
    {%- set parts = [] -%}
    {%- if lo is not none %}{% do parts.append(column ~ " >= " ~ date_literal(lo)) %}{% endif -%}
    {%- if period_var('max_period') is not none -%}
        {%- do parts.append(not_after_period_window(column, months_after) | trim) -%}
    {%- endif -%}
    {{ parts | join(' and ') if parts else '1 = 1' }}
{%- endmacro %}

{#
  SQL predicate: the month column is not after the window's last month (true without max_period). For the
  whole-table reconciliations of marts with raw: a backfill loads many months into raw first and builds them
  window by window afterwards, so raw may already hold months that a later window builds. Those months are
  not this build's; the build that writes them tests them. Months up to the window's end are compared in
  full, on both sides. Also the upper bound of in_period_window (months_after: that many months later).
#}
{% macro not_after_period_window(column, months_after=0) -%}
    {%- set hi = period_var('max_period') -%}
    {%- if hi is none -%}
        1 = 1
    {%- elif months_after -%}
        {{ column ~ " <= " ~ add_to_date('month', months_after, date_literal(hi)) }}
    {%- else -%}
        {{ column ~ " <= " ~ date_literal(hi) }}
    {%- endif -%}
{%- endmacro %}

{#
  SQL predicate for an incremental fact's source rows: in the window, and on incremental runs without a
  window, in a month whose loads changed. `source` is the staging relation with month_start, county_code
  and _load_id columns.
#}
{% macro monthly_rebuild_filter(source, column='month_start') -%}
    ({{ in_period_window(column) }})
    {%- if is_incremental() and not has_period_window() %}
    and {{ column }} in (
        select month_start from (
            select month_start, county_code, _load_id from {{ source }}
            {{ dbt.except() }}
            select month_start, county_code, _load_id from {{ this }}
        ) as new_loads
        union
        select month_start from (
            select month_start, county_code, _load_id from {{ this }}
            {{ dbt.except() }}
            select month_start, county_code, _load_id from {{ source }}
        ) as gone_loads
    )
    {%- endif %}
{%- endmacro %}

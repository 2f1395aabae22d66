{#
  Spark implementations of dbt's own cross-database macros where dbt-spark's are missing, slow or wrong.
  dbt looks for <adapter>__<macro> in the root project first, so models keep calling dbt.<macro>().
#}

{# dbt's default builds the series from 2^k cross joins (40 s for 180 rows on local Spark); one generator. #}
{% macro spark__generate_series(upper_bound) -%}
    select explode(sequence(1, {{ upper_bound }})) as generated_number
{%- endmacro %}

{#
  Calendar differences as DuckDB's date_diff counts them: boundaries crossed (month: 2024-01-31 ->
  2024-02-01 is 1), an integer. dbt-spark's month variant goes through months_between, a DOUBLE that
  counts whole months elapsed instead.
#}
{% macro spark__datediff(first_date, second_date, datepart) -%}
    {%- if datepart == 'day' -%}
        datediff(cast({{ second_date }} as date), cast({{ first_date }} as date))
    {%- elif datepart == 'month' -%}
        ((year({{ second_date }}) * 12 + month({{ second_date }})) - (year({{ first_date }}) * 12 + month({{ first_date }})))
    {%- elif datepart == 'quarter' -%}
        ((year({{ second_date }}) * 4 + quarter({{ second_date }})) - (year({{ first_date }}) * 4 + quarter({{ first_date }})))
    {%- elif datepart == 'year' -%}
        (year({{ second_date }}) - year({{ first_date }}))
    {%- else -%}
        {{ exceptions.raise_compiler_error("datediff: datepart " ~ datepart ~ " is not implemented for Spark in this project") }}
    {%- endif -%}
{%- endmacro %}

{#
  Seeds declare their column types once, in DuckDB's words (varchar). Spark has no unbounded VARCHAR:
  the same declarations, with varchar/text read as string, go to dbt-spark's own seed macros.
#}
{% macro spark_seed_node(model) -%}
    {%- set types = {} -%}
    {%- for name, type in (model['config'].get('column_types') or {}).items() -%}
        {%- set t = type | string | trim | lower -%}
        {%- do types.update({name: 'string' if t in ('varchar', 'text', 'char', 'bpchar') else type}) -%}
    {%- endfor -%}
    {%- set config = {} -%}
    {%- do config.update(model['config']) -%}
    {%- do config.update({'column_types': types}) -%}
    {%- set node = {} -%}
    {%- do node.update(model) -%}
    {%- do node.update({'config': config}) -%}
    {{ return(node) }}
{%- endmacro %}

{% macro spark__create_csv_table(model, agate_table) -%}
    {{ return(dbt.spark__create_csv_table(spark_seed_node(model), agate_table)) }}
{%- endmacro %}

{% macro spark__load_csv_rows(model, agate_table) -%}
    {{ return(dbt.spark__load_csv_rows(spark_seed_node(model), agate_table)) }}
{%- endmacro %}

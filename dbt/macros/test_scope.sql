{#
  Tests scoped to the months a build rewrites.

  A partition-window build (vars min_period / max_period, see macros/incremental.sql) rewrites only the
  window's months of the incremental facts; every other month is neither read nor touched, and was tested
  by the build that wrote it. Testing the whole table again costs time proportional to the months already
  loaded (on a province the `unique` tests of the facts were most of an incremental month's dbt time). So:

  * every generic test gets `where: "__months_built__"` (dbt_project.yml, data_tests);
  * a model or source whose rows outside the window are untouched by a window build declares the column
    the window applies to: `meta: {test_window_column: month_start}` (raw sources: `period`), and
    `test_window_months_after: N` when its build also rewrites N months after the window
    (fct_assistance_caseload rebuilds the month after each rebuilt month: its entries/exits look back);
  * with a window set, such a model's generic tests see only the window's rows; without a window (a full
    build, `dbt build` without vars, a Dagster build that cannot prove which months changed) and on every
    model without the declaration (tables rebuilt in full each run: dimensions, marts) they see the whole
    table, as before. Dagster's dbt asset sets the window to the months whose raw loads changed
    (dagster_project/assets/dbt_window.py); a new windowed model needs a row there.

  The token is replaced at run time (the `where` config is rendered when the project is parsed, where
  macros and a run's vars are not available), following dbt's documented way of customising `where`: an
  override of `get_where_subquery` in the root project. The SQL it writes is portable (a DATE comparison).
  A test that needs the whole table on a windowed model sets its own `where` (any text without the token).
#}

{% macro default__get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- if where and '__months_built__' in where -%}
        {%- set window = test_window_predicate() -%}
        {%- set where = where | replace('__months_built__', window if window is not none else '1 = 1') -%}
        {%- if (where | trim) == '1 = 1' -%}{%- set where = '' -%}{%- endif -%}
    {%- endif -%}
    {%- if where -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {{ return(filtered) }}
    {%- else -%}
        {{ return(relation) }}
    {%- endif -%}
{%- endmacro %}

{# The model or source a generic test is attached to, as a graph node (dict), or none. #}
{% macro test_tested_node() -%}
    {%- set attached = model.get('attached_node') if model is mapping else model.attached_node -%}
    {%- if attached and attached in graph.nodes -%}
        {{ return(graph.nodes[attached]) }}
    {%- endif -%}
    {%- for dep in model.depends_on.nodes -%}
        {%- if dep.startswith('source.') and dep in graph.sources -%}
            {{ return(graph.sources[dep]) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(none) }}
{%- endmacro %}

{#
  SQL predicate restricting the current generic test to the months the build rewrites, or none when the
  test runs on the whole table (no window set, the tested relation declares no test_window_column, or the
  test's own `where` does not ask for it). `on_column`: the same window on another relation's column
  (equal_sums filters its compare side with it, so both sides cover the same months).
#}
{% macro test_window_predicate(on_column=none) -%}
    {%- if not has_period_window() or '__months_built__' not in (config.get('where', '') or '') -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set node = test_tested_node() -%}
    {%- set meta = {} if node is none else (node.get('config', {}).get('meta') or node.get('meta') or {}) -%}
    {%- set column = meta.get('test_window_column') -%}
    {%- if not column -%}{{ return(none) }}{%- endif -%}
    {{ return(in_period_window(on_column or column, months_after=meta.get('test_window_months_after', 0) | int)) }}
{%- endmacro %}

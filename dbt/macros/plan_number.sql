{#- A plan figure as text for dashboards and briefs: up to two decimals, trailing zeros dropped (55 -> 55,
    56.25 -> 56.25, 0.5 -> 0.5); NULL stays NULL. -#}
{% macro plan_number(column) -%}
    regexp_replace(regexp_replace({{ fixed_decimals(column, 2) }}, '0+$', ''), '[.]$', '')
{%- endmacro %}

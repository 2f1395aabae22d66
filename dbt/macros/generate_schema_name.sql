{#
  Schemas are exactly the configured names (staging, intermediate, marts, seeds), not dbt's default
  <target_schema>_<custom_schema>: there is one warehouse file per environment, so developers cannot
  collide inside it, and Superset, the serving publish and analysts rely on the plain names.
  Models without a custom schema go to the target schema (main).
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}

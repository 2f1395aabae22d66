{#
  Rows of an upload table of the staff registry, with the load's sequence number, or no rows when nothing
  was ever uploaded (the tables do not exist yet). `columns` is a list of (name, type) pairs: the stored
  text is cast to the type of the matching seed column. The dbt source is the load audit
  (source plan_registry.plan_upload_audit, one Dagster asset: plan/target_templates); the upload tables
  sit next to it in the same schema and are written in the same transaction (dagster_project/targets/store.py).
#}
{% macro registry_uploads(table, columns) -%}
    {%- set audit = source('plan_registry', 'plan_upload_audit') -%}
    {%- set relation = api.Relation.create(database=audit.database, schema=audit.schema, identifier=table) -%}
    {%- if execute and load_relation(relation) is not none and load_relation(audit) is not none %}
    select
        {%- for name, type in columns %}
        cast(u.{{ name }} as {{ type }}) as {{ name }},
        {%- endfor %}
        u._load_id,
        a.load_seq
    from {{ relation }} as u
    inner join {{ audit }} as a
        on a.load_id = u._load_id
        and a.status = 'loaded'
    {%- else %}
    select
        {%- for name, type in columns %}
        cast(null as {{ type }}) as {{ name }},
        {%- endfor %}
        cast(null as {{ dbt.type_string() }}) as _load_id,
        cast(null as integer) as load_seq
    where 1 = 0
    {%- endif %}
{%- endmacro %}

-- One row per model × documented column of the staging, intermediate and marts layers (and the plan
-- models): the data dictionary of schema.yml as a table, so SQL users and Superset can read the grain,
-- the descriptions and the Chinese display names (meta.display_name_zh) next to the data.
{%- set rows = [] %}
{%- if execute %}
    {%- for node in graph.nodes.values() | sort(attribute='unique_id') %}
        {%- if node.resource_type == 'model' and node.package_name == project_name %}
            {%- for column in node.columns.values() %}
                {%- do rows.append({
                    'schema': node.schema,
                    'model': node.name,
                    'model_zh': node.meta.get('display_name_zh', '') if node.meta else '',
                    'model_description': node.description or '',
                    'position': loop.index,
                    'column': column.name,
                    'column_zh': column.meta.get('display_name_zh', '') if column.meta else '',
                    'column_description': column.description or '',
                }) %}
            {%- endfor %}
        {%- endif %}
    {%- endfor %}
{%- endif %}


{%- if rows %}
{%- for row in rows %}
select
    {{ text_literal(row.schema) }} as schema_name,
    {{ text_literal(row.model) }} as model_name,
    {{ text_literal(row.model_zh) }} as model_display_name_zh,
    {{ text_literal(row.model_description) }} as model_description,
    {{ row.position }} as column_position,
    {{ text_literal(row.column) }} as column_name,
    {{ text_literal(row.column_zh) }} as display_name_zh,
    {{ text_literal(row.column_description) }} as column_description
{% if not loop.last %}union all{% endif %}
{%- endfor %}
{%- else %}
select
    cast(null as {{ dbt.type_string() }}) as schema_name,
    cast(null as {{ dbt.type_string() }}) as model_name,
    cast(null as {{ dbt.type_string() }}) as model_display_name_zh,
    cast(null as {{ dbt.type_string() }}) as model_description,
    cast(null as integer) as column_position,
    cast(null as {{ dbt.type_string() }}) as column_name,
    cast(null as {{ dbt.type_string() }}) as display_name_zh,
    cast(null as {{ dbt.type_string() }}) as column_description
where 1 = 0
{%- endif %}

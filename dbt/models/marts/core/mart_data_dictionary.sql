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
{%- else %}
    {#- parse time: the graph is not built yet; one placeholder row keeps the SQL valid (never run) #}
    {%- do rows.append({'schema': '', 'model': '', 'model_zh': '', 'model_description': '', 'position': 0,
                        'column': '', 'column_zh': '', 'column_description': ''}) %}
{%- endif %}


select
    cast(schema_name as {{ dbt.type_string() }}) as schema_name,
    cast(model_name as {{ dbt.type_string() }}) as model_name,
    cast(model_display_name_zh as {{ dbt.type_string() }}) as model_display_name_zh,
    cast(model_description as {{ dbt.type_string() }}) as model_description,
    cast(column_position as integer) as column_position,
    cast(column_name as {{ dbt.type_string() }}) as column_name,
    cast(display_name_zh as {{ dbt.type_string() }}) as display_name_zh,
    cast(column_description as {{ dbt.type_string() }}) as column_description
from (
    values
    {%- for row in rows %}
    ({{ sql_string(row.schema) }}, {{ sql_string(row.model) }}, {{ sql_string(row.model_zh) }},
     {{ sql_string(row.model_description) }}, {{ row.position }}, {{ sql_string(row.column) }},
     {{ sql_string(row.column_zh) }}, {{ sql_string(row.column_description) }}){{ ',' if not loop.last }}
    {%- endfor %}
) as dictionary (
    schema_name, model_name, model_display_name_zh, model_description,
    column_position, column_name, display_name_zh, column_description
)


-- Rename and cast only: one row per service record line.
with source as (
    select * from {{ source('jinmin', 'volunteer_service') }}
)

select
    cast(county_code as {{ dbt.type_string() }}) as county_code,
    cast(period as date) as month_start,
    cast(activity_id as {{ dbt.type_string() }}) as activity_id,
    cast(volunteer_id as {{ dbt.type_string() }}) as volunteer_id,
    cast(service_date as date) as service_date,
    cast(hours as decimal(14, 2)) as service_hours,
    cast(service_category as {{ dbt.type_string() }}) as service_category_zh,
    cast(row_seq as integer) as row_seq,
    cast(_source_file as {{ dbt.type_string() }}) as _source_file,
    cast(_source_row as integer) as _source_row,
    cast(_source_sheet as {{ dbt.type_string() }}) as _source_sheet,
    cast(_load_id as {{ dbt.type_string() }}) as _load_id,
    cast(_loaded_at as {{ dbt.type_timestamp() }}) as _loaded_at
from source

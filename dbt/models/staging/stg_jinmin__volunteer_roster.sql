-- Rename and cast only: one row per volunteer line of the month-end roster snapshot.
with source as (
    select * from {{ source('jinmin', 'volunteer_roster') }}
)

select
    cast(county_code as {{ dbt.type_string() }}) as county_code,
    cast(period as date) as month_start,
    cast(volunteer_id as {{ dbt.type_string() }}) as volunteer_id,
    cast(person_key as {{ dbt.type_string() }}) as person_key,
    cast(birth_year as integer) as birth_year,
    cast(registered_on as date) as registered_on,
    cast(team_name as {{ dbt.type_string() }}) as team_name,
    cast(township_code as {{ dbt.type_string() }}) as township_code,
    cast(row_seq as integer) as row_seq,
    cast(_source_file as {{ dbt.type_string() }}) as _source_file,
    cast(_source_row as integer) as _source_row,
    cast(_source_sheet as {{ dbt.type_string() }}) as _source_sheet,
    cast(_load_id as {{ dbt.type_string() }}) as _load_id,
    cast(_loaded_at as {{ dbt.type_timestamp() }}) as _loaded_at
from source

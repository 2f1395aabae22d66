-- Rename and cast only: one row per loaded roster line (recipient × pay month × program).
with source as (
    select * from {{ source('jinmin', 'assistance_roster') }}
)

select
    cast(county_code as {{ dbt.type_string() }}) as county_code,
    cast(period as date) as month_start,
    cast(person_key as {{ dbt.type_string() }}) as person_key,
    cast(household_key as {{ dbt.type_string() }}) as household_key,
    cast(gender as {{ dbt.type_string() }}) as gender,
    cast(birth_year as integer) as birth_year,
    cast(household_size as integer) as household_size,
    cast(program as {{ dbt.type_string() }}) as program_name_zh,
    cast(amount as decimal(14, 2)) as amount,
    cast(division_code as {{ dbt.type_string() }}) as division_code,
    cast(pay_month as date) as pay_month,
    cast(disability_grade as {{ dbt.type_string() }}) as disability_grade,
    cast(row_seq as integer) as row_seq,
    cast(_source_file as {{ dbt.type_string() }}) as _source_file,
    cast(_source_row as integer) as _source_row,
    cast(_source_sheet as {{ dbt.type_string() }}) as _source_sheet,
    cast(_load_id as {{ dbt.type_string() }}) as _load_id,
    cast(_loaded_at as {{ dbt.type_timestamp() }}) as _loaded_at
from source

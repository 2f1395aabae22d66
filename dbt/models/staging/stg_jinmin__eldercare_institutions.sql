-- Rename and cast only: one row per institution line of the monthly bed report.
with source as (
    select * from {{ source('jinmin', 'eldercare_institutions') }}
)

select
    cast(county_code as {{ dbt.type_string() }}) as county_code,
    cast(period as date) as month_start,
    cast(credit_code as {{ dbt.type_string() }}) as credit_code,
    cast(institution_name as {{ dbt.type_string() }}) as institution_name,
    cast(institution_type as {{ dbt.type_string() }}) as institution_type_name_zh,
    cast(beds_total as integer) as beds_total,
    cast(nursing_beds as integer) as nursing_beds,
    cast(residents as integer) as residents,
    cast(dementia_beds as integer) as dementia_beds,
    cast(star_rating as integer) as star_rating,
    cast(township_code as {{ dbt.type_string() }}) as township_code,
    cast(row_seq as integer) as row_seq,
    cast(_source_file as {{ dbt.type_string() }}) as _source_file,
    cast(_source_row as integer) as _source_row,
    cast(_source_sheet as {{ dbt.type_string() }}) as _source_sheet,
    cast(_load_id as {{ dbt.type_string() }}) as _load_id,
    cast(_loaded_at as {{ dbt.type_timestamp() }}) as _loaded_at
from source

-- Rename and cast only: one row per outlet × game × day line of the daily sales report.
with source as (
    select * from {{ source('jinmin', 'lottery_sales') }}
)

select
    cast(county_code as {{ dbt.type_string() }}) as county_code,
    cast(period as date) as month_start,
    cast(outlet_id as {{ dbt.type_string() }}) as outlet_id,
    cast(outlet_name as {{ dbt.type_string() }}) as outlet_name,
    cast(township_code as {{ dbt.type_string() }}) as township_code,
    cast(game as {{ dbt.type_string() }}) as game_name_zh,
    cast(sale_date as date) as sale_date,
    cast(sales_amount as decimal(14, 2)) as sales_amount,
    cast(row_seq as integer) as row_seq,
    cast(_source_file as {{ dbt.type_string() }}) as _source_file,
    cast(_source_row as integer) as _source_row,
    cast(_source_sheet as {{ dbt.type_string() }}) as _source_sheet,
    cast(_load_id as {{ dbt.type_string() }}) as _load_id,
    cast(_loaded_at as {{ dbt.type_timestamp() }}) as _loaded_at
from source

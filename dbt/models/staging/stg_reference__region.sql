-- Rename and cast only: one row per division of the reference seed (ref_region.csv).
select
    cast(division_code as {{ dbt.type_string() }}) as division_code,
    cast(division_level as {{ dbt.type_string() }}) as division_level,
    cast(name_zh as {{ dbt.type_string() }}) as name_zh,
    cast(short_name_zh as {{ dbt.type_string() }}) as short_name_zh,
    cast(nullif(parent_code, '') as {{ dbt.type_string() }}) as parent_division_code,
    cast(province_code as {{ dbt.type_string() }}) as province_division_code,
    cast(nullif(prefecture_code, '') as {{ dbt.type_string() }}) as prefecture_division_code,
    cast(nullif(county_code, '') as {{ dbt.type_string() }}) as county_code,
    cast(nullif(township_type, '') as {{ dbt.type_string() }}) as township_type_zh,
    cast(nullif(urban_rural, '') as {{ dbt.type_string() }}) as urban_rural
from {{ ref('ref_region') }}

-- Rename and cast only: one row per division × year of the population seed.
select
    cast(division_code as {{ dbt.type_string() }}) as division_code,
    cast(year as integer) as year,
    cast(resident_population as bigint) as resident_population,
    cast(population_60plus as bigint) as population_60plus,
    cast(source as {{ dbt.type_string() }}) as population_source,
    cast(is_estimate as boolean) as is_estimate
from {{ ref('ref_region_population') }}

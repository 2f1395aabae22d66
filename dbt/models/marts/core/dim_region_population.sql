-- One row per division × year: resident population (常住人口) and residents aged 60+ from the seed.
select
    population.division_code,
    region.region_code,
    region.division_level,
    region.name_zh,
    population.year,
    population.resident_population,
    population.population_60plus,
    {{ safe_divide('population.population_60plus', 'population.resident_population') }} as share_60plus,
    population.population_source,
    population.is_estimate
from {{ ref('stg_reference__region_population') }} as population
inner join {{ ref('dim_region') }} as region
    on region.division_code = population.division_code

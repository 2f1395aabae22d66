-- One row per county × calendar year of dim_month: the population denominators of the indicators.
-- A year without its own figure uses the latest earlier year (or, before the first figure, the
-- earliest one); population_year says which year was used. Urban/rural residents split the resident
-- population with ref_urban_population_share (same as-of rule); NULL where the seed has no row.
with counties as (
    select county_code, division_code, prefecture_code
    from {{ ref('int_region__divisions') }}
    where division_level = 'county'
),

years as (
    select distinct year from {{ ref('int_calendar__months') }}
),

population_candidates as (
    select
        counties.county_code,
        years.year,
        population.year as population_year,
        population.resident_population,
        population.population_60plus,
        population.is_estimate,
        row_number() over (
            partition by counties.county_code, years.year
            order by
                case when population.year <= years.year then 0 else 1 end,
                case when population.year <= years.year then -population.year else population.year end
        ) as preference
    from counties
    cross join years
    inner join {{ ref('stg_reference__region_population') }} as population
        on population.division_code = counties.division_code
),

urban_candidates as (
    select
        share.county_code,
        years.year,
        cast(share.urban_population_share as {{ type_double() }}) as urban_population_share,
        share.is_assumption,
        row_number() over (
            partition by share.county_code, years.year
            order by
                case when share.year <= years.year then 0 else 1 end,
                case when share.year <= years.year then -share.year else share.year end
        ) as preference
    from {{ ref('ref_urban_population_share') }} as share
    cross join years
)

select
    population.county_code,
    population.year,
    population.population_year,
    population.resident_population,
    population.population_60plus,
    cast(round(population.resident_population * urban.urban_population_share, 0) as bigint) as urban_population,
    population.resident_population
        - cast(round(population.resident_population * urban.urban_population_share, 0) as bigint) as rural_population,
    urban.urban_population_share,
    population.is_estimate as population_is_estimate,
    urban.is_assumption as urban_share_is_assumption
from population_candidates as population
left join urban_candidates as urban
    on urban.county_code = population.county_code
    and urban.year = population.year
    and urban.preference = 1
where population.preference = 1

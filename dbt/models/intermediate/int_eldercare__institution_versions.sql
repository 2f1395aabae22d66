-- One row per institution × version (SCD type 2, derived from the monthly reports themselves, so a
-- backfill or a corrected month rebuilds the same history). A new version starts in the first month
-- whose type, capacity (beds, nursing beds, dementia beds), star rating, name or township differs from
-- the previous reported month. valid_to is the first month of the next version (exclusive), NULL for
-- the current version.
{%- set tracked = ['institution_name', 'institution_type_code', 'beds_total', 'nursing_beds',
                   'dementia_beds', 'star_rating', 'county_code', 'township_code'] %}

with months as (
    select
        institution_months.*,
        {{ surrogate_key(tracked) }} as attribute_hash
    from {{ ref('int_eldercare__institution_months') }} as institution_months
),

flagged as (
    select
        months.*,
        case
            when lag(attribute_hash) over (partition by credit_code order by month_start) = attribute_hash then 0
            else 1
        end as starts_version
    from months
),

numbered as (
    select
        flagged.*,
        cast(sum(starts_version) over (
            partition by credit_code order by month_start rows between unbounded preceding and current row
        ) as integer) as version_number
    from flagged
),

versions as (
    select
        credit_code,
        version_number,
        {% for column in tracked %}max({{ column }}) as {{ column }},
        {% endfor -%}
        min(month_start) as valid_from,
        max(month_start) as last_reported_month
    from numbered
    group by credit_code, version_number
)

select
    {{ surrogate_key(['credit_code', 'valid_from']) }} as institution_key,
    versions.*,
    lead(valid_from) over (partition by credit_code order by valid_from) as valid_to
from versions

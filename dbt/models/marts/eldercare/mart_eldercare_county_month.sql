-- One row per county × month (counties of each reporting prefecture × months with any loaded bed
-- report): eldercare capacity indicators, each ranked among the prefecture's counties.
-- Institution (养老机构) measures exclude community facilities; beds_per_1000_elderly counts both, as the
-- national statistics of 养老床位 do.
{%- set ranked = ['beds_per_1000_elderly', 'nursing_bed_share', 'occupancy_rate', 'dementia_beds'] %}

with capacity as (
    select * from {{ ref('fct_eldercare_capacity') }}
),

spine as (
    {{ county_month_spine('capacity') }}
),

totals as (
    select
        county_code,
        month_start,
        {{ sum_count("case when is_eldercare_institution then 1 else 0 end") }} as institutions,
        {{ sum_count("case when not is_eldercare_institution then 1 else 0 end") }} as community_facilities,
        {{ sum_count("case when is_eldercare_institution and ownership_code = 'public' then 1 else 0 end") }} as public_institutions,
        {{ sum_count("case when is_eldercare_institution and ownership_code = 'private' then 1 else 0 end") }} as private_institutions,
        {{ sum_count("beds_total") }} as total_beds,
        {{ sum_count("case when is_eldercare_institution then beds_total else 0 end") }} as institution_beds,
        {{ sum_count("case when not is_eldercare_institution then beds_total else 0 end") }} as community_beds,
        {{ sum_count("case when is_eldercare_institution and ownership_code = 'private' then beds_total else 0 end") }} as private_institution_beds,
        {{ sum_count("case when is_eldercare_institution then nursing_beds else 0 end") }} as institution_nursing_beds,
        {{ sum_count("case when is_eldercare_institution then occupied_beds else 0 end") }} as institution_occupied_beds,
        {{ sum_count("dementia_beds") }} as dementia_beds
    from capacity
    group by county_code, month_start
),

base as (
    select
        spine.*,
        totals.institutions,
        totals.community_facilities,
        totals.public_institutions,
        totals.private_institutions,
        totals.total_beds,
        totals.institution_beds,
        totals.community_beds,
        totals.private_institution_beds,
        totals.institution_nursing_beds,
        totals.institution_occupied_beds,
        totals.dementia_beds
    from spine
    left join totals
        on totals.county_code = spine.county_code
        and totals.month_start = spine.month_start
),

indicators as (
    select
        base.*,
        {{ eldercare_indicators() }}
    from base
)

select
    indicators.*,
    {{ rank_columns(ranked) }}
from indicators

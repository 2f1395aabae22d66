-- One row per county × month (counties of each reporting prefecture × months with any loaded roster or
-- service records): volunteer indicators, each ranked among the prefecture's counties.
-- is_reported refers to the month-end roster; service measures are NULL where the county's service
-- records were not loaded (is_service_reported = false).
{%- set ranked = ['registered_volunteers_per_10k', 'volunteers_with_hours_share', 'hours_per_volunteer'] %}

with snapshot as (
    select * from {{ ref('fct_volunteer_monthly_snapshot') }}
),

roster_reported as (
    select county_code, month_start from snapshot where is_roster_reported
),

spine as (
    {{ county_month_spine('snapshot') }}
),

base as (
    select
        spine.county_code,
        spine.county_name_zh,
        spine.prefecture_code,
        spine.prefecture_name_zh,
        spine.month_start,
        spine.year,
        spine.month_label_zh,
        roster_reported.county_code is not null as is_reported,
        coalesce(snapshot.is_service_reported, false) as is_service_reported,
        spine.resident_population,
        snapshot.registered_volunteers,
        snapshot.new_registrations,
        snapshot.volunteer_teams,
        snapshot.volunteers_with_hours,
        case when snapshot.is_service_reported then snapshot.service_records end as service_records,
        case when snapshot.is_service_reported then snapshot.service_hours end as service_hours
    from spine
    left join snapshot
        on snapshot.county_code = spine.county_code
        and snapshot.month_start = spine.month_start
    left join roster_reported
        on roster_reported.county_code = spine.county_code
        and roster_reported.month_start = spine.month_start
),

indicators as (
    select
        base.*,
        {{ volunteer_indicators() }}
    from base
)

select
    indicators.*,
    {{ rank_columns(ranked) }}
from indicators

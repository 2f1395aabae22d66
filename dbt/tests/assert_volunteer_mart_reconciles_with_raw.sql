-- Reconciliation: service hours per county-month in the mart equal the sum of raw.volunteer_service
-- hours, and registered volunteers equal the distinct volunteer ids of the raw month-end roster.
-- A window build compares the months up to its last one (macros/incremental.sql, not_after_period_window).
with raw_hours as (
    select county_code, period as month_start, sum(hours) as raw_hours
    from {{ source('jinmin', 'volunteer_service') }}
    group by county_code, period
),

raw_roster as (
    select county_code, period as month_start, count(distinct volunteer_id) as raw_volunteers
    from {{ source('jinmin', 'volunteer_roster') }}
    group by county_code, period
),

mart as (
    select * from {{ ref('mart_volunteer_county_month') }}
    where {{ not_after_period_window('month_start') }}
)

select mart.county_code, mart.month_start, mart.service_hours, raw_hours.raw_hours,
       mart.registered_volunteers, raw_roster.raw_volunteers
from mart
left join raw_hours
    on raw_hours.county_code = mart.county_code and raw_hours.month_start = mart.month_start
left join raw_roster
    on raw_roster.county_code = mart.county_code and raw_roster.month_start = mart.month_start
where coalesce(mart.service_hours, -1) != coalesce(raw_hours.raw_hours, -1)
   or coalesce(mart.registered_volunteers, -1) != coalesce(raw_roster.raw_volunteers, -1)
   or mart.is_reported != (raw_roster.county_code is not null)
   or mart.is_service_reported != (raw_hours.county_code is not null)

-- One row per county × month with a loaded roster or service records: registered volunteers in the
-- month-end roster, new registrations, teams, and service activity (records, hours, volunteers of the
-- roster with at least one recorded hour in the month).
with roster as (
    select * from {{ ref('int_volunteer__roster_months') }}
),

service as (
    select * from {{ ref('fct_volunteer_service') }}
),

roster_totals as (
    select
        county_code,
        month_start,
        count(*) as registered_volunteers,
        {{ sum_count("case when " ~ month_start('registered_on') ~ " = month_start then 1 else 0 end") }} as new_registrations,
        count(distinct team_name) as volunteer_teams,
        {{ sum_count('case when team_name is null then 1 else 0 end') }} as volunteers_without_team
    from roster
    group by county_code, month_start
),

service_totals as (
    select
        county_code,
        month_start,
        count(*) as service_records,
        {{ sum_amount('service_hours') }} as service_hours,
        count(distinct volunteer_id) as serving_volunteers,
        count(distinct activity_id) as activities
    from service
    group by county_code, month_start
),

volunteers_with_hours as (
    select roster.county_code, roster.month_start, count(*) as volunteers_with_hours
    from roster
    where exists (
        select 1 from service
        where service.county_code = roster.county_code
            and service.month_start = roster.month_start
            and service.volunteer_id = roster.volunteer_id
            and service.service_hours > 0
    )
    group by roster.county_code, roster.month_start
),

county_months as (
    select county_code, month_start from roster_totals
    union
    select county_code, month_start from service_totals
)

select
    {{ surrogate_key(['county_months.county_code', 'county_months.month_start']) }} as snapshot_key,
    county_months.county_code,
    county_months.month_start,
    roster_totals.county_code is not null as is_roster_reported,
    service_totals.county_code is not null as is_service_reported,
    roster_totals.registered_volunteers,
    roster_totals.new_registrations,
    roster_totals.volunteer_teams,
    roster_totals.volunteers_without_team,
    case when roster_totals.county_code is not null and service_totals.county_code is not null
        then coalesce(volunteers_with_hours.volunteers_with_hours, 0) end as volunteers_with_hours,
    coalesce(service_totals.service_records, 0) as service_records,
    coalesce(service_totals.service_hours, 0) as service_hours,
    coalesce(service_totals.serving_volunteers, 0) as serving_volunteers,
    coalesce(service_totals.activities, 0) as activities
from county_months
left join roster_totals
    on roster_totals.county_code = county_months.county_code
    and roster_totals.month_start = county_months.month_start
left join service_totals
    on service_totals.county_code = county_months.county_code
    and service_totals.month_start = county_months.month_start
left join volunteers_with_hours
    on volunteers_with_hours.county_code = county_months.county_code
    and volunteers_with_hours.month_start = county_months.month_start

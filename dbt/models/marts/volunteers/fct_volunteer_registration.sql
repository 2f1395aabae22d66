-- One row per volunteer × registration (志愿者编号 + 注册日期) seen in any month-end roster, with the
-- county, township and team of its latest listing and the months it was listed.
with memberships as (
    select * from {{ ref('int_volunteer__roster_months') }}
),

registrations as (
    select
        volunteer_id,
        registered_on,
        min(month_start) as first_listed_month,
        max(month_start) as last_listed_month,
        count(*) as months_listed
    from memberships
    group by volunteer_id, registered_on
),

latest_listing as (
    -- the listing in the last month (the smallest county code if two counties listed it that month)
    select
        memberships.volunteer_id,
        memberships.registered_on,
        min(memberships.county_code) as county_code
    from memberships
    inner join registrations
        on registrations.volunteer_id = memberships.volunteer_id
        and registrations.registered_on = memberships.registered_on
        and registrations.last_listed_month = memberships.month_start
    group by memberships.volunteer_id, memberships.registered_on
),

latest_snapshot as (
    select county_code, max(month_start) as month_start from memberships group by county_code
)

select
    {{ surrogate_key(['registrations.volunteer_id', 'registrations.registered_on']) }} as registration_key,
    registrations.volunteer_id,
    listing.person_key,
    listing.birth_year,
    registrations.registered_on,
    {{ month_start('registrations.registered_on') }} as registration_month,
    listing.county_code,
    listing.township_code,
    {{ volunteer_team_key('listing.county_code', 'listing.team_name') }} as team_key,
    registrations.first_listed_month,
    registrations.last_listed_month,
    registrations.months_listed,
    latest_snapshot.month_start = registrations.last_listed_month as is_listed_in_latest_roster
from registrations
inner join latest_listing
    on latest_listing.volunteer_id = registrations.volunteer_id
    and latest_listing.registered_on = registrations.registered_on
inner join memberships as listing
    on listing.volunteer_id = registrations.volunteer_id
    and listing.registered_on = registrations.registered_on
    and listing.month_start = registrations.last_listed_month
    and listing.county_code = latest_listing.county_code
left join latest_snapshot
    on latest_snapshot.county_code = listing.county_code

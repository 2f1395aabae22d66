-- One row per volunteer × registration (志愿者编号 + 注册日期) seen in any month-end roster, with the
-- county, township and team of its latest snapshot and the months it was listed.
with memberships as (
    select * from {{ ref('int_volunteer__roster_months') }}
),

ranked as (
    select
        memberships.*,
        row_number() over (
            partition by volunteer_id, registered_on order by month_start desc, county_code
        ) as recency,
        min(month_start) over (partition by volunteer_id, registered_on) as first_listed_month,
        max(month_start) over (partition by volunteer_id, registered_on) as last_listed_month,
        count(*) over (partition by volunteer_id, registered_on) as months_listed
    from memberships
),

latest_snapshot as (
    select county_code, max(month_start) as month_start from memberships group by county_code
)

select
    {{ surrogate_key(['ranked.volunteer_id', 'ranked.registered_on']) }} as registration_key,
    ranked.volunteer_id,
    ranked.person_key,
    ranked.birth_year,
    ranked.registered_on,
    {{ month_start('ranked.registered_on') }} as registration_month,
    ranked.county_code,
    ranked.township_code,
    ranked.team_key,
    ranked.first_listed_month,
    ranked.last_listed_month,
    ranked.months_listed,
    latest_snapshot.month_start is not null as is_listed_in_latest_roster
from ranked
left join latest_snapshot
    on latest_snapshot.county_code = ranked.county_code
    and latest_snapshot.month_start = ranked.month_start
where ranked.recency = 1

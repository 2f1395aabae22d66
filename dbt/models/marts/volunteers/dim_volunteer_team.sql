-- One row per volunteer team (所属队伍) of a county, plus one "未加入队伍" member for volunteers
-- registered without a team. A team is identified by its name within its county.
with memberships as (
    select * from {{ ref('int_volunteer__roster_months') }}
),

latest_month as (
    select county_code, max(month_start) as month_start
    from memberships
    group by county_code
),

teams as (
    select
        team_key,
        min(team_name) as team_name,
        min(county_code) as county_code,
        min(month_start) as first_seen_month,
        max(month_start) as last_seen_month
    from memberships
    where team_name is not null
    group by team_key
),

latest_members as (
    select memberships.team_key, count(*) as members_latest
    from memberships
    inner join latest_month
        on latest_month.county_code = memberships.county_code
        and latest_month.month_start = memberships.month_start
    group by memberships.team_key
)

select
    teams.team_key,
    teams.team_name,
    teams.county_code,
    teams.first_seen_month,
    teams.last_seen_month,
    coalesce(latest_members.members_latest, 0) as members_latest,
    false as is_unknown_member
from teams
left join latest_members
    on latest_members.team_key = teams.team_key

union all

select
    {{ unknown_key() }} as team_key,
    '未加入队伍' as team_name,
    cast(null as {{ dbt.type_string() }}) as county_code,
    cast(null as date) as first_seen_month,
    cast(null as date) as last_seen_month,
    cast(null as bigint) as members_latest,
    true as is_unknown_member

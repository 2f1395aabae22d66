-- One row per volunteer team (所属队伍) of a county, plus one "未加入队伍" member for volunteers
-- registered without a team. A team is identified by its name within its county.
with memberships as (
    select county_code, month_start, team_name, count(*) as members
    from {{ ref('int_volunteer__roster_months') }}
    where team_name is not null
    group by county_code, month_start, team_name
),

latest_month as (
    select county_code, max(month_start) as month_start
    from {{ ref('int_volunteer__roster_months') }}
    group by county_code
),

teams as (
    select
        memberships.county_code,
        memberships.team_name,
        min(memberships.month_start) as first_seen_month,
        max(memberships.month_start) as last_seen_month,
        {{ sum_count('case when memberships.month_start = latest_month.month_start then memberships.members else 0 end') }}
            as members_latest
    from memberships
    inner join latest_month
        on latest_month.county_code = memberships.county_code
    group by memberships.county_code, memberships.team_name
)

select
    {{ volunteer_team_key('county_code', 'team_name') }} as team_key,
    team_name,
    county_code,
    first_seen_month,
    last_seen_month,
    members_latest,
    false as is_unknown_member
from teams

union all

select
    {{ unknown_key() }} as team_key,
    '未加入队伍' as team_name,
    cast(null as {{ dbt.type_string() }}) as county_code,
    cast(null as date) as first_seen_month,
    cast(null as date) as last_seen_month,
    cast(null as bigint) as members_latest,
    true as is_unknown_member

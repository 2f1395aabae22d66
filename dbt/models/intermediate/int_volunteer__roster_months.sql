{{ config(**monthly_incremental_config()) }}
-- One row per county × month × volunteer in the month-end roster snapshot. A volunteer listed twice in
-- the same county-month counts once (the lines normally agree; otherwise the smallest value of each
-- attribute is kept). The team is resolved to dim_volunteer_team's key downstream, from team_name.
-- Incremental by month like the big facts (macros/incremental.sql): the rosters are the largest table.
{%- set roster = ref('stg_jinmin__volunteer_roster') %}
select
    county_code,
    month_start,
    volunteer_id,
    min(person_key) as person_key,
    min(birth_year) as birth_year,
    min(registered_on) as registered_on,
    min(nullif(trim(team_name), '')) as team_name,
    min(substring(township_code, 1, 9)) as township_code,
    min(_load_id) as _load_id,
    '{{ invocation_id }}' as _dbt_invocation_id
from {{ roster }}
where {{ monthly_rebuild_filter(roster) }}
group by county_code, month_start, volunteer_id

-- One row per county × month × volunteer in the month-end roster snapshot (a volunteer listed twice in
-- the same county-month counts once; the first line wins), with the team key resolved.
with lines as (
    select
        roster.*,
        row_number() over (
            partition by roster.county_code, roster.month_start, roster.volunteer_id
            order by roster._source_row
        ) as line_rank
    from {{ ref('stg_jinmin__volunteer_roster') }} as roster
)

select
    county_code,
    month_start,
    volunteer_id,
    person_key,
    birth_year,
    registered_on,
    nullif(trim(team_name), '') as team_name,
    case
        when nullif(trim(team_name), '') is null then {{ unknown_key() }}
        else {{ surrogate_key(['county_code', 'trim(team_name)']) }}
    end as team_key,
    substring(township_code, 1, 9) as township_code,
    _load_id
from lines
where line_rank = 1

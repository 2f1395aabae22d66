{{ config(**monthly_incremental_config()) }}
-- One row per recipient × paying county × month × program: the amount paid (several roster lines of
-- the same recipient, month and program are summed). Incremental by month (macros/incremental.sql).
{%- set roster = ref('stg_jinmin__assistance_roster') %}

with lines as (
    select *
    from {{ roster }}
    where {{ monthly_rebuild_filter(roster) }}
),

programs as (
    select program_code, program_name_zh from {{ ref('dim_assistance_program') }}
),

payments as (
    select
        lines.person_key,
        lines.county_code,
        lines.month_start,
        programs.program_code,
        lines._load_id,
        min(lines.household_key) as household_key,
        max(lines.household_size) as household_size,
        min(lines.gender) as gender,
        min(lines.birth_year) as birth_year,
        min(lines.division_code) as village_division_code,
        max(lines.disability_grade) as disability_grade,
        {{ sum_amount('lines.amount') }} as amount,
        count(*) as roster_lines,
        min(lines._source_file) as _source_file,
        min(lines._source_row) as _first_source_row
    from lines
    left join programs
        on programs.program_name_zh = lines.program_name_zh
    group by lines.person_key, lines.county_code, lines.month_start, programs.program_code, lines._load_id
)

select
    {{ surrogate_key(['person_key', 'county_code', 'month_start', 'program_code']) }} as payment_key,
    person_key as recipient_key,
    household_key,
    county_code,
    substring(village_division_code, 1, 9) as township_code,
    village_division_code,
    month_start,
    program_code,
    gender,
    birth_year,
    household_size,
    disability_grade,
    amount,
    roster_lines,
    _source_file,
    _first_source_row,
    _load_id,
    '{{ invocation_id }}' as _dbt_invocation_id
from payments

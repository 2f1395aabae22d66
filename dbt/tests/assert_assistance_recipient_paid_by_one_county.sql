{{ config(severity='warn') }}
-- Data quality (warning): a recipient should be paid for a program by one county in a month. Rows
-- here are recipients on two counties' rosters in the same month (a transfer not closed, or a duplicate).
select recipient_key, month_start, program_code, count(distinct county_code) as counties
from {{ ref('fct_assistance_payment') }}
-- A partition-window build (vars min_period/max_period) checks the months it rebuilt, not all history.
where {{ in_period_window('month_start') }}
group by recipient_key, month_start, program_code
having count(distinct county_code) > 1

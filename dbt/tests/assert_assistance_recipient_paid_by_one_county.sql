{{ config(severity='warn') }}
-- Data quality (warning): a recipient should be paid for a program by one county in a month. Rows
-- here are recipients on two counties' rosters in the same month (a transfer not closed, or a duplicate).
select recipient_key, month_start, program_code, count(distinct county_code) as counties
from {{ ref('fct_assistance_payment') }}
group by recipient_key, month_start, program_code
having count(distinct county_code) > 1

{{ config(severity='warn') }}
-- Data quality (warning): an institution should appear once in a month's bed reports. Rows here are
-- listed more than once (only the first line is counted by int_eldercare__institution_months).
select credit_code, month_start, lines_in_month
from {{ ref('int_eldercare__institution_months') }}
where lines_in_month > 1

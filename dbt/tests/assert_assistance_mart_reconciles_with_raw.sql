-- Reconciliation: total assistance spending per county-month in the mart equals the sum of
-- raw.assistance_roster.amount over the loaded rows of that county-month (and no county-month is
-- reported in one and missing in the other). Returns the county-months that differ.
-- A window build compares the months up to its last one (macros/incremental.sql, not_after_period_window).
with raw_totals as (
    select county_code, period as month_start, sum(amount) as raw_spending, count(*) as raw_rows
    from {{ source('jinmin', 'assistance_roster') }}
    where {{ not_after_period_window('period') }}
    group by county_code, period
),

mart as (
    select county_code, month_start, assistance_spending
    from {{ ref('mart_assistance_county_month') }}
    where is_reported and {{ not_after_period_window('month_start') }}
)

select
    coalesce(mart.county_code, raw_totals.county_code) as county_code,
    coalesce(mart.month_start, raw_totals.month_start) as month_start,
    mart.assistance_spending,
    raw_totals.raw_spending
from mart
full outer join raw_totals
    on raw_totals.county_code = mart.county_code
    and raw_totals.month_start = mart.month_start
where mart.county_code is null
    or raw_totals.county_code is null
    or abs(mart.assistance_spending - raw_totals.raw_spending) > 0.005

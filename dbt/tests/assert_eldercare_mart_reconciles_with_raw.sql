-- Reconciliation: facilities per county-month in the mart equal the distinct institutions
-- (统一社会信用代码) of the raw bed report, and beds equal the raw beds of their first line.
with raw_first_lines as (
    select county_code, period as month_start, credit_code, beds_total,
           row_number() over (partition by credit_code, period order by county_code, _source_row) as line_rank
    from {{ source('jinmin', 'eldercare_institutions') }}
),

raw_totals as (
    select county_code, month_start, count(*) as raw_facilities, sum(beds_total) as raw_beds
    from raw_first_lines
    where line_rank = 1
    group by county_code, month_start
),

mart as (
    select county_code, month_start, institutions + community_facilities as facilities, total_beds
    from {{ ref('mart_eldercare_county_month') }}
    where is_reported
)

select
    coalesce(mart.county_code, raw_totals.county_code) as county_code,
    coalesce(mart.month_start, raw_totals.month_start) as month_start,
    mart.facilities, raw_totals.raw_facilities, mart.total_beds, raw_totals.raw_beds
from mart
full outer join raw_totals
    on raw_totals.county_code = mart.county_code and raw_totals.month_start = mart.month_start
where mart.county_code is null
    or raw_totals.county_code is null
    or mart.facilities != raw_totals.raw_facilities
    or mart.total_beds != raw_totals.raw_beds

-- The prefecture roll-up sums exactly its counties, and its ratios come from those sums (checked on
-- 低保 coverage and the nursing-bed share), not from averaging the county ratios.
with counties as (
    select
        prefecture_code,
        month_start,
        sum(assistance_spending) as assistance_spending,
        sum(dibao_recipients) as dibao_recipients,
        sum(case when is_reported then resident_population end) as reporting_population
    from {{ ref('mart_assistance_county_month') }}
    group by prefecture_code, month_start
),

beds as (
    select prefecture_code, month_start,
           sum(institution_nursing_beds) as nursing, sum(institution_beds) as beds, sum(total_beds) as total_beds
    from {{ ref('mart_eldercare_county_month') }}
    group by prefecture_code, month_start
),

sales as (
    select prefecture_code, month_start, sum(sales_amount) as sales_amount
    from {{ ref('mart_lottery_county_month') }}
    group by prefecture_code, month_start
)

select prefecture.prefecture_code, prefecture.month_start
from {{ ref('mart_overview_prefecture_month') }} as prefecture
left join counties
    on counties.prefecture_code = prefecture.prefecture_code and counties.month_start = prefecture.month_start
left join beds
    on beds.prefecture_code = prefecture.prefecture_code and beds.month_start = prefecture.month_start
left join sales
    on sales.prefecture_code = prefecture.prefecture_code and sales.month_start = prefecture.month_start
where coalesce(prefecture.assistance_spending, 0) != coalesce(counties.assistance_spending, 0)
   or coalesce(prefecture.total_beds, 0) != coalesce(beds.total_beds, 0)
   or coalesce(prefecture.sales_amount, 0) != coalesce(sales.sales_amount, 0)
   or abs(coalesce(prefecture.dibao_coverage_per_100, -1)
          - coalesce(100.0 * counties.dibao_recipients / nullif(counties.reporting_population, 0), -1)) > 1e-9
   or abs(coalesce(prefecture.nursing_bed_share, -1)
          - coalesce(1.0 * beds.nursing / nullif(beds.beds, 0), -1)) > 1e-9

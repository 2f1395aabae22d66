-- One row per county × month (counties of each reporting prefecture × months with any loaded sales
-- report): welfare-lottery indicators, each ranked among the prefecture's counties.
-- Year-on-year growth compares with the same month of the previous year (NULL if that month was not
-- loaded); comparable_* hold this year's amounts where last year's exist, so roll-ups stay like-for-like.
{%- set ranked = ['sales_per_capita', 'welfare_fund_amount', 'sales_per_outlet', 'sales_yoy_growth'] %}

with sales as (
    select * from {{ ref('fct_lottery_sales') }}
),

spine as (
    {{ county_month_spine('sales') }}
),

totals as (
    select
        county_code,
        month_start,
        {{ sum_amount('sales_amount') }} as sales_amount,
        {{ sum_amount('welfare_fund_amount') }} as welfare_fund_amount,
        count(distinct outlet_key) as active_outlets,
        count(distinct sale_date) as sales_days
    from sales
    group by county_code, month_start
),

base as (
    select
        spine.*,
        totals.sales_amount,
        totals.welfare_fund_amount,
        totals.active_outlets,
        totals.sales_days,
        last_year.sales_amount as sales_amount_last_year,
        last_year.welfare_fund_amount as welfare_fund_amount_last_year,
        case when last_year.sales_amount is not null then totals.sales_amount end as comparable_sales_amount,
        case when last_year.welfare_fund_amount is not null
            then totals.welfare_fund_amount end as comparable_welfare_fund_amount
    from spine
    left join totals
        on totals.county_code = spine.county_code
        and totals.month_start = spine.month_start
    left join totals as last_year
        on last_year.county_code = spine.county_code
        and last_year.month_start = {{ add_to_date('month', -12, 'spine.month_start') }}
),

indicators as (
    select
        base.*,
        {{ lottery_indicators() }}
    from base
)

select
    indicators.*,
    {{ rank_columns(ranked) }}
from indicators

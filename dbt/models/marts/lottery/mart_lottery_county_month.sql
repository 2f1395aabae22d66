-- One row per county × month (counties of each reporting prefecture × months with any loaded sales
-- report): welfare-lottery indicators, each ranked among the prefecture's counties.
-- Year-on-year growth compares with the same month of the previous year (NULL if that month was not
-- loaded); comparable_* hold this year's amounts where last year's exist, so roll-ups stay like-for-like.
{%- set ranked = ['sales_per_capita', 'welfare_fund_amount', 'sales_per_outlet', 'sales_yoy_growth'] %}

-- The county-month totals come from int_lottery__county_months (summed from fct_lottery_sales once per
-- month, incrementally), not from the sales lines of every month.
with totals as (
    select county_code, month_start, sales_amount, welfare_fund_amount, active_outlets, sales_days
    from {{ ref('int_lottery__county_months') }}
),

spine as (
    {{ county_month_spine('totals') }}
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

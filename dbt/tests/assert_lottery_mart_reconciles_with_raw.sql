-- Reconciliation: lottery sales per county-month in the mart equal the sum of raw.lottery_sales, and
-- 公益金 equals the sum over games of sales × the game's share (each rounded per outlet-game-day).
-- A window build compares the months up to its last one (macros/incremental.sql, not_after_period_window).
with raw_totals as (
    select
        sales.county_code,
        sales.period as month_start,
        sum(sales.sales_amount) as raw_sales,
        sum(sales.sales_amount * games.welfare_fund_share) as raw_welfare_fund,
        count(*) as raw_rows
    from {{ source('jinmin', 'lottery_sales') }} as sales
    left join {{ ref('dim_lottery_game') }} as games
        on games.game_name_zh = sales.game
    where {{ not_after_period_window('sales.period') }}
    group by sales.county_code, sales.period
),

mart as (
    select county_code, month_start, sales_amount, welfare_fund_amount
    from {{ ref('mart_lottery_county_month') }}
    where is_reported and {{ not_after_period_window('month_start') }}
)

select
    coalesce(mart.county_code, raw_totals.county_code) as county_code,
    coalesce(mart.month_start, raw_totals.month_start) as month_start,
    mart.sales_amount,
    raw_totals.raw_sales,
    mart.welfare_fund_amount,
    raw_totals.raw_welfare_fund
from mart
full outer join raw_totals
    on raw_totals.county_code = mart.county_code
    and raw_totals.month_start = mart.month_start
where mart.county_code is null
    or raw_totals.county_code is null
    or abs(mart.sales_amount - raw_totals.raw_sales) > 0.005
    -- rounding to fen per outlet × game × day: at most half a fen per row
    or abs(mart.welfare_fund_amount - raw_totals.raw_welfare_fund) > 0.005 * raw_totals.raw_rows + 0.005

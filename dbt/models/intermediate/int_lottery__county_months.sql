{{ config(**monthly_incremental_config()) }}
-- One row per county × month with a loaded lottery sales report: sales, 公益金, active outlets and days
-- with sales, summed from fct_lottery_sales. mart_lottery_county_month reads these rows instead of every
-- sales line of every month, so a new month costs the same however many months are loaded.
-- Incremental by month like the sales it sums (macros/incremental.sql).
{%- set sales = ref('fct_lottery_sales') %}
select
    county_code,
    month_start,
    {{ sum_amount('sales_amount') }} as sales_amount,
    {{ sum_amount('welfare_fund_amount') }} as welfare_fund_amount,
    count(distinct outlet_key) as active_outlets,
    count(distinct sale_date) as sales_days,
    min(_load_id) as _load_id,
    '{{ invocation_id }}' as _dbt_invocation_id
from {{ sales }}
where {{ monthly_rebuild_filter(sales) }}
group by county_code, month_start

-- Every sale_date of fct_lottery_sales lies in its row's month_start (ingestion quarantines other dates as
-- date_outside_period). This is what lets a partition-window build test the sales keys month by month
-- (macros/test_scope.sql): sales_key and (outlet_key, game_code, sale_date) cannot repeat across months.
select sales_key, sale_date, month_start
from {{ ref('fct_lottery_sales') }}
where {{ in_period_window('month_start') }}
    and {{ month_start('sale_date') }} <> month_start

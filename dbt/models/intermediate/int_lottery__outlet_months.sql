{{ config(**monthly_incremental_config()) }}
-- One row per county × month × lottery outlet with sales lines in the month: the outlet's latest name in
-- the month (the non-empty name of its latest sale date; the latest line if no line has a name) with that
-- line's township and sale date, and the month's first and last sale dates. dim_lottery_outlet folds these
-- rows instead of every sales line of every month: the same choice (the latest named line overall is the
-- latest of the months' latest named lines), at a cost that does not grow with the lines of past months.
-- Incremental by month like the sales it summarises (macros/incremental.sql).
{%- set sales = ref('stg_jinmin__lottery_sales') %}

with lines as (
    select
        county_code,
        outlet_id,
        nullif(trim(outlet_name), '') as outlet_name,
        substring(township_code, 1, 9) as township_code,
        sale_date,
        month_start,
        _load_id
    from {{ sales }}
    where {{ monthly_rebuild_filter(sales) }}
),

latest as (
    select
        lines.*,
        row_number() over (
            partition by county_code, outlet_id, month_start
            order by case when outlet_name is null then 1 else 0 end, sale_date desc
        ) as recency
    from lines
),

activity as (
    select
        county_code,
        outlet_id,
        month_start,
        min(sale_date) as first_sale_date,
        max(sale_date) as last_sale_date,
        min(_load_id) as _load_id
    from lines
    group by county_code, outlet_id, month_start
)

select
    latest.county_code,
    latest.month_start,
    latest.outlet_id,
    latest.outlet_name,
    latest.township_code,
    latest.sale_date as latest_line_sale_date,
    activity.first_sale_date,
    activity.last_sale_date,
    activity._load_id,
    '{{ invocation_id }}' as _dbt_invocation_id
from latest
inner join activity
    on activity.county_code = latest.county_code
    and activity.outlet_id = latest.outlet_id
    and activity.month_start = latest.month_start
where latest.recency = 1

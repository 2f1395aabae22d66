-- One row per lottery outlet (销售网点) of a county: latest name and township (type 1), first and last
-- sale date, and months with sales. Folded from int_lottery__outlet_months (one row per outlet × month,
-- built incrementally), so a new month does not re-read the sales lines of the months before it.
with months as (
    select * from {{ ref('int_lottery__outlet_months') }}
),

latest as (
    select
        months.*,
        row_number() over (
            partition by county_code, outlet_id
            order by case when outlet_name is null then 1 else 0 end, latest_line_sale_date desc
        ) as recency
    from months
),

activity as (
    select
        county_code,
        outlet_id,
        min(first_sale_date) as first_sale_date,
        max(last_sale_date) as last_sale_date,
        count(distinct month_start) as months_with_sales
    from months
    group by county_code, outlet_id
)

select
    {{ surrogate_key(['latest.county_code', 'latest.outlet_id']) }} as outlet_key,
    latest.outlet_id,
    latest.outlet_name,
    latest.county_code,
    latest.township_code,
    activity.first_sale_date,
    activity.last_sale_date,
    activity.months_with_sales
from latest
inner join activity
    on activity.county_code = latest.county_code
    and activity.outlet_id = latest.outlet_id
where latest.recency = 1

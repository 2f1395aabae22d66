-- One row per calendar month from var calendar_start to calendar_end, with fiscal year/quarter (China's
-- fiscal year is the calendar year) and the month's position in its five-year plan period (十四五 = 2021-2025).
{%- set str = dbt.type_string() %}
with numbers as (
    {{ dbt.generate_series(12 * calendar_years()) }}
),

months as (
    select {{ add_to_date('month', 'generated_number - 1', date_literal(var('calendar_start'))) }} as month_start
    from numbers
),

parts as (
    select
        month_start,
        {{ date_part_int('year', 'month_start') }} as year,
        {{ date_part_int('month', 'month_start') }} as month,
        {{ int_div(date_part_int('month', 'month_start') ~ ' + 2', 3) }} as quarter,
        {{ int_div(date_part_int('year', 'month_start') ~ ' - 2016', 5) }} as plan_index
    from months
    where month_start <= {{ date_literal(var('calendar_end')) }}
)

select
    month_start,
    {{ add_to_date('day', -1, add_to_date('month', 1, 'month_start')) }} as month_end,
    year * 100 + month as month_key,
    year,
    quarter,
    month,
    {{ dbt.concat(["cast(year as " ~ str ~ ")", "'-'", zero_pad('month', 2)]) }} as year_month,
    {{ dbt.concat(["cast(year as " ~ str ~ ")", "'Q'", "cast(quarter as " ~ str ~ ")"]) }} as year_quarter,
    {{ dbt.concat(["cast(year as " ~ str ~ ")", "'年'", "cast(month as " ~ str ~ ")", "'月'"]) }} as month_label_zh,
    {{ dbt.concat(["cast(year as " ~ str ~ ")", "'年第'", "cast(quarter as " ~ str ~ ")", "'季度'"]) }} as quarter_label_zh,
    year as fiscal_year,
    quarter as fiscal_quarter,
    {{ dbt.datediff('month_start', add_to_date('month', 1, 'month_start'), 'day') }} as days_in_month,
    case plan_index when 0 then '13th' when 1 then '14th' when 2 then '15th' end as plan_period_code,
    case plan_index when 0 then '十三五' when 1 then '十四五' when 2 then '十五五' end as plan_period_name_zh,
    2016 + 5 * plan_index as plan_period_start_year,
    2020 + 5 * plan_index as plan_period_end_year,
    year - (2016 + 5 * plan_index) + 1 as plan_year_number,
    12 * (year - (2016 + 5 * plan_index)) + month as plan_month_number,
    cast(12 * (year - (2016 + 5 * plan_index)) + month as {{ type_double() }}) / 60 as plan_elapsed_share,
    year = 2020 + 5 * plan_index as is_plan_final_year,
    {{ add_to_date('month', -1, 'month_start') }} as previous_month_start,
    {{ add_to_date('month', -12, 'month_start') }} as same_month_last_year
from parts

-- One row per calendar day (for the daily lottery sales), from var calendar_start to calendar_end.
with numbers as (
    {{ dbt.generate_series(366 * calendar_years()) }}
),

days as (
    select {{ add_to_date('day', 'generated_number - 1', date_literal(var('calendar_start'))) }} as date_day
    from numbers
)

select
    date_day,
    {{ month_start('date_day') }} as month_start,
    {{ date_part_int('year', 'date_day') }} as year,
    {{ date_part_int('month', 'date_day') }} as month,
    {{ date_part_int('day', 'date_day') }} as day_of_month,
    {{ date_part_int('isodow', 'date_day') }} as iso_day_of_week,
    {{ date_part_int('isodow', 'date_day') }} >= 6 as is_weekend,
    {{ dbt.concat([
        "cast(" ~ date_part_int('year', 'date_day') ~ " as " ~ dbt.type_string() ~ ")", "'年'",
        "cast(" ~ date_part_int('month', 'date_day') ~ " as " ~ dbt.type_string() ~ ")", "'月'",
        "cast(" ~ date_part_int('day', 'date_day') ~ " as " ~ dbt.type_string() ~ ")", "'日'"]) }} as date_label_zh
from days
where date_day <= {{ date_literal(var('calendar_end')) }}

-- One row per calendar month: the conformed calendar dimension, built in intermediate (int_calendar__months)
-- so the intermediate models read it below the marts.
select * from {{ ref('int_calendar__months') }}

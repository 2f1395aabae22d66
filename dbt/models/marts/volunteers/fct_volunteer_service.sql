{{ config(**monthly_incremental_config()) }}
-- One row per volunteer service record (志愿服务记录) loaded: hours served by a volunteer in an activity
-- on a day. The record is identified by its line in the county-month's file (one file per county-month):
-- its sheet (in a workbook of several sheets) and row.
-- Incremental by month (macros/incremental.sql).
{%- set service = ref('stg_jinmin__volunteer_service') %}

with records as (
    select *
    from {{ service }}
    where {{ monthly_rebuild_filter(service) }}
)

select
    {{ surrogate_key(['county_code', 'month_start', '_source_sheet', '_source_row']) }} as service_record_key,
    county_code,
    month_start,
    activity_id,
    volunteer_id,
    service_date,
    service_hours,
    service_category_zh,
    _source_file,
    _source_row,
    _source_sheet,
    _load_id,
    '{{ invocation_id }}' as _dbt_invocation_id
from records

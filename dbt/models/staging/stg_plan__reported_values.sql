-- One row per region × indicator × as-of date: values a document reports (seed ref_plan_reported_value, e.g.
-- the 泰安 mid-term table) and values statistics staff upload (source plan_registry), an upload replacing
-- a shipped row with the same key, the latest load winning.
{%- set str = dbt.type_string() %}
{%- set columns = [
    ('region_code', str), ('indicator_code', str), ('as_of_date', 'date'), ('value', type_double()),
    ('value_text', str), ('achieved', 'boolean'), ('source_document', str), ('source_clause', str),
    ('source_quote', str), ('note', str)] %}
{%- set names = columns | map(attribute=0) | join(', ') %}
with candidates as (
    select {{ names }}, cast('shipped' as {{ str }}) as registry_source, cast(null as {{ str }}) as _load_id, 0 as load_seq
    from {{ ref('ref_plan_reported_value') }}
    union all
    select {{ names }}, cast('upload' as {{ str }}), uploads._load_id, uploads.load_seq
    from (
        {{ registry_uploads('plan_reported_value_upload', columns) }}
    ) as uploads
),

ranked as (
    select
        candidates.*,
        row_number() over (partition by region_code, indicator_code, as_of_date order by load_seq desc) as position
    from candidates
)

select {{ names }}, registry_source, _load_id
from ranked
where position = 1

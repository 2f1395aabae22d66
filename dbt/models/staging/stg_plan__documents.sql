-- One row per source document a target or reported value cites: the shipped ones (seed ref_plan_document)
-- and those an upload named for the first time (source plan_registry).
{%- set str = dbt.type_string() %}
{%- set columns = [
    ('document_code', str), ('title_zh', str), ('issuer_zh', str), ('issued_on', str),
    ('plan_period_zh', str), ('document_ref', str), ('note', str)] %}
{%- set names = columns | map(attribute=0) | join(', ') %}
with candidates as (
    select {{ names }}, cast('shipped' as {{ str }}) as registry_source, 0 as load_seq
    from {{ ref('ref_plan_document') }}
    union all
    select {{ names }}, cast('upload' as {{ str }}), uploads.load_seq
    from (
        {{ registry_uploads('plan_document_upload', columns) }}
    ) as uploads
),

ranked as (
    select candidates.*, row_number() over (partition by document_code order by load_seq desc) as position
    from candidates
)

select {{ names }}, registry_source
from ranked
where position = 1

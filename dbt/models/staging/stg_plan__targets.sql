-- One row per region × indicator × target year: the plan targets in force. The targets the plan documents
-- publish ship as seeds (ref_plan_target: the plan's own region, target_basis 'plan'; ref_plan_target_breakdown:
-- county rows of a 分解 table, 'breakdown'); statistics staff's uploads (source plan_registry) replace a
-- shipped row with the same key or add one, the latest load winning. registry_source: shipped / upload.
{%- set str = dbt.type_string() %}
{%- set dbl = type_double() %}
{%- set columns = [
    ('region_code', str), ('indicator_code', str), ('target_year', 'integer'), ('operator', str),
    ('target_value', dbl), ('target_text', str), ('baseline_year', 'integer'), ('baseline_value', dbl),
    ('baseline_text', str), ('attribute_zh', str), ('source_document', str), ('source_clause', str),
    ('source_quote', str), ('note', str)] %}
{%- set names = columns | map(attribute=0) | join(', ') %}
with candidates as (
    select {{ names }}, cast('plan' as {{ str }}) as target_basis, cast('shipped' as {{ str }}) as registry_source,
        cast(null as {{ str }}) as _load_id, 0 as load_seq
    from {{ ref('ref_plan_target') }}
    union all
    select {{ names }}, cast('breakdown' as {{ str }}), cast('shipped' as {{ str }}), cast(null as {{ str }}), 0
    from {{ ref('ref_plan_target_breakdown') }}
    union all
    select {{ names }}, uploads.target_basis, cast('upload' as {{ str }}), uploads._load_id, uploads.load_seq
    from (
        {{ registry_uploads('plan_target_upload', columns + [('target_basis', str)]) }}
    ) as uploads
),

ranked as (
    select
        candidates.*,
        row_number() over (partition by region_code, indicator_code, target_year order by load_seq desc) as position
    from candidates
)

select {{ names }}, target_basis, registry_source, _load_id
from ranked
where position = 1

-- One row per region × indicator × target year: the targets that apply to each prefecture and county.
--   * stated targets (stg_plan__targets: shipped seeds with staff uploads merged over them): the plan's own
--     region (target_basis = 'plan') and county rows of a 分解 table (target_basis = 'breakdown');
--   * inherited targets: a prefecture target is copied to every county of the prefecture when the indicator
--     declares county_inherits and the county has no target of its own for that indicator (any year);
--     the copy keeps operator, target, years and attribute but not the baseline, which for a county is
--     taken from the warehouse (see mart_plan_progress).
-- is_final_target marks the latest target year of a region × indicator (2025); earlier years are milestones.
-- baseline_month / target_month: December of the base / target year (a year-end value describes December).
{%- set december_of = "cast(" ~ dbt.dateadd('month', '12 * (YEAR - 2000)', "cast('2000-12-01' as date)") ~ " as date)" %}
with indicator as (
    select * from {{ ref('ref_plan_indicator') }}
),

regions as (
    select region_code, division_level, name_zh, prefecture_code, prefecture_name_zh
    from {{ ref('int_region__divisions') }}
    where division_level in ('prefecture', 'county')
),

stated as (
    select
        region_code, indicator_code, target_year, operator, target_value, target_text, baseline_year,
        baseline_value, baseline_text, attribute_zh, source_document, source_clause, source_quote, note,
        target_basis
    from {{ ref('stg_plan__targets') }}
),

stated_with_parent as (
    select
        stated.*,
        cast(null as {{ dbt.type_string() }}) as inherited_from_region_code
    from stated
),

own_targets as (
    select distinct region_code, indicator_code from stated
),

inherited as (
    select
        county.region_code,
        s.indicator_code,
        s.target_year,
        s.operator,
        s.target_value,
        s.target_text,
        s.baseline_year,
        cast(null as {{ type_double() }}) as baseline_value,
        cast(null as {{ dbt.type_string() }}) as baseline_text,
        s.attribute_zh,
        s.source_document,
        s.source_clause,
        s.source_quote,
        s.note,
        'inherited' as target_basis,
        s.region_code as inherited_from_region_code
    from stated as s
    inner join regions as prefecture
        on prefecture.region_code = s.region_code
        and prefecture.division_level = 'prefecture'
    inner join indicator
        on indicator.indicator_code = s.indicator_code
        and indicator.county_inherits
    inner join regions as county
        on county.division_level = 'county'
        and county.prefecture_code = prefecture.region_code
    left join own_targets
        on own_targets.region_code = county.region_code
        and own_targets.indicator_code = s.indicator_code
    where own_targets.region_code is null
),

all_targets as (
    select * from stated_with_parent
    union all
    select * from inherited
)

select
    t.region_code,
    regions.name_zh as region_name_zh,
    regions.division_level as region_level,
    case regions.division_level when 'prefecture' then '市级' when 'county' then '县级' end as region_level_zh,
    regions.prefecture_code,
    regions.prefecture_name_zh,
    t.indicator_code,
    indicator.indicator_name_zh,
    indicator.domain,
    indicator.domain_zh,
    indicator.unit,
    indicator.direction,
    indicator.value_type,
    t.target_year,
    t.target_year = max(t.target_year) over (partition by t.region_code, t.indicator_code) as is_final_target,
    t.operator,
    t.target_value,
    t.target_text,
    t.baseline_year,
    t.baseline_value,
    t.baseline_text,
    {{ december_of | replace('YEAR', 't.baseline_year') }} as baseline_month,
    {{ december_of | replace('YEAR', 't.target_year') }} as target_month,
    coalesce(t.attribute_zh, indicator.default_attribute_zh) as attribute_zh,
    case
        when t.attribute_zh is not null then 'document'
        when indicator.default_attribute_zh is not null then 'indicator_default'
    end as attribute_basis,
    coalesce(coalesce(t.attribute_zh, indicator.default_attribute_zh) = '约束性', false) as is_binding,
    t.target_basis,
    case t.target_basis when 'plan' then '规划目标' when 'breakdown' then '分解目标' when 'inherited' then '继承市级目标' end
        as target_basis_zh,
    t.inherited_from_region_code,
    t.source_document,
    documents.title_zh as source_document_title_zh,
    t.source_clause,
    t.source_quote,
    t.note,
    -- the operator agrees with the indicator's direction and type (checked by a data test)
    case
        when indicator.value_type = 'qualitative' then t.operator = 'qualitative'
        when indicator.direction = 'higher' then t.operator in ('>=', '>', 'ratio>=')
        when indicator.direction = 'lower' then t.operator in ('<=', '<', 'ratio<=')
        when indicator.direction = 'equals' then t.operator = '='
        else false
    end and t.target_year > t.baseline_year as is_consistent
from all_targets as t
inner join indicator
    on indicator.indicator_code = t.indicator_code
left join regions
    on regions.region_code = t.region_code
left join {{ ref('stg_plan__documents') }} as documents
    on documents.document_code = t.source_document

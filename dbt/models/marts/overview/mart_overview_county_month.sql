-- One row per county × month in which the county reported in at least one domain (for the counties of
-- each reporting prefecture): the headline indicators of all four domains side by side, with the
-- ranks computed in the domain marts (rank among the prefecture's counties in the month).
{%- set headline = overview_indicators() %}
{%- set assistance = headline['assistance'] %}
{%- set eldercare = headline['eldercare'] %}
{%- set volunteers = headline['volunteers'] %}
{%- set lottery = headline['lottery'] %}

with assistance as (
    select * from {{ ref('mart_assistance_county_month') }}
),

eldercare as (
    select * from {{ ref('mart_eldercare_county_month') }}
),

volunteers as (
    select * from {{ ref('mart_volunteer_county_month') }}
),

lottery as (
    select * from {{ ref('mart_lottery_county_month') }}
),

reported as (
    select county_code, month_start from assistance where is_reported
    union
    select county_code, month_start from eldercare where is_reported
    union
    select county_code, month_start from volunteers where is_reported or is_service_reported
    union
    select county_code, month_start from lottery where is_reported
),

spine as (
    {{ county_month_spine('reported') }}
)

select
    spine.county_code,
    spine.county_name_zh,
    spine.prefecture_code,
    spine.prefecture_name_zh,
    spine.month_start,
    spine.year,
    spine.month_label_zh,
    spine.resident_population,
    spine.population_60plus,
    coalesce(assistance.is_reported, false) as is_assistance_reported,
    coalesce(eldercare.is_reported, false) as is_eldercare_reported,
    coalesce(volunteers.is_reported, false) as is_volunteer_reported,
    coalesce(lottery.is_reported, false) as is_lottery_reported,
    case when coalesce(assistance.is_reported, false) then 1 else 0 end
        + case when coalesce(eldercare.is_reported, false) then 1 else 0 end
        + case when coalesce(volunteers.is_reported, false) then 1 else 0 end
        + case when coalesce(lottery.is_reported, false) then 1 else 0 end as domains_reported,
    assistance.dibao_recipients,
    eldercare.total_beds,
    volunteers.registered_volunteers,
    lottery.sales_amount,
    {%- for column in assistance %}
    assistance.{{ column }},
    {%- endfor %}
    {%- for column in eldercare %}
    eldercare.{{ column }},
    {%- endfor %}
    {%- for column in volunteers %}
    volunteers.{{ column }},
    {%- endfor %}
    {%- for column in lottery %}
    lottery.{{ column }},
    {%- endfor %}
    {%- for domain, columns in [('assistance', assistance), ('eldercare', eldercare), ('volunteers', volunteers), ('lottery', lottery)] %}
    {%- set outer = loop %}
    {%- for column in columns %}
    {{ domain }}.rank_{{ column }},
    {%- endfor %}
    {%- endfor %}
    -- the share and its rank as the dashboards' tables show them: why a value is missing, never blank
    case
        when not coalesce(eldercare.is_reported, false) then '未报送'
        when eldercare.nursing_bed_share is null then '无养老机构'
        else {{ dbt.concat([percent_label('eldercare.nursing_bed_share', 1), "'%'"]) }}
    end as nursing_bed_share_label_zh,
    case
        when not coalesce(eldercare.is_reported, false) then '未报送'
        when eldercare.rank_nursing_bed_share is null then '无养老机构'
        else cast(eldercare.rank_nursing_bed_share as {{ dbt.type_string() }})
    end as nursing_bed_share_rank_label_zh
from spine
left join assistance
    on assistance.county_code = spine.county_code and assistance.month_start = spine.month_start
left join eldercare
    on eldercare.county_code = spine.county_code and eldercare.month_start = spine.month_start
left join volunteers
    on volunteers.county_code = spine.county_code and volunteers.month_start = spine.month_start
left join lottery
    on lottery.county_code = spine.county_code and lottery.month_start = spine.month_start

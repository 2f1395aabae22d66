-- One row per county × month (counties of each reporting prefecture × months with any loaded roster):
-- the social-assistance indicators leaders read, each ranked among the prefecture's counties.
-- Counts and amounts are NULL where the county's roster was not loaded (is_reported = false).
{%- set ranked = [
    'urban_dibao_coverage_per_100', 'rural_dibao_coverage_per_100', 'dibao_coverage_per_100',
    'dibao_standard_ratio_urban_rural', 'tekun_institutional_share', 'temporary_assistance_cases',
    'assistance_spending',
] %}

with caseload as (
    select * from {{ ref('fct_assistance_caseload') }}
),

spine as (
    {{ county_month_spine('caseload') }}
),

pivoted as (
    select
        county_code,
        month_start,
        {{ sum_count("case when program_code = 'urban_dibao' then recipients end") }} as urban_dibao_recipients,
        {{ sum_count("case when program_code = 'urban_dibao' then households end") }} as urban_dibao_households,
        {{ sum_amount("case when program_code = 'urban_dibao' then spending end") }} as urban_dibao_spending,
        {{ sum_count("case when program_code = 'rural_dibao' then recipients end") }} as rural_dibao_recipients,
        {{ sum_count("case when program_code = 'rural_dibao' then households end") }} as rural_dibao_households,
        {{ sum_amount("case when program_code = 'rural_dibao' then spending end") }} as rural_dibao_spending,
        {{ sum_count("case when program_code in ('urban_dibao', 'rural_dibao') then recipients end") }} as dibao_recipients,
        {{ sum_amount("case when program_code in ('urban_dibao', 'rural_dibao') then spending end") }} as dibao_spending,
        {{ sum_count("case when program_code = 'tekun_institutional' then recipients end") }} as tekun_institutional_recipients,
        {{ sum_count("case when program_code = 'tekun_dispersed' then recipients end") }} as tekun_dispersed_recipients,
        {{ sum_count("case when program_code in ('tekun_institutional', 'tekun_dispersed') then recipients end") }} as tekun_recipients,
        {{ sum_amount("case when program_code in ('tekun_institutional', 'tekun_dispersed') then spending end") }} as tekun_spending,
        {{ sum_count("case when program_code = 'temporary' then payment_records end") }} as temporary_assistance_cases,
        {{ sum_amount("case when program_code = 'temporary' then spending end") }} as temporary_assistance_spending,
        {{ sum_amount('spending') }} as assistance_spending,
        {{ sum_count("case when program_code in ('urban_dibao', 'rural_dibao') then entries end") }} as dibao_entries,
        {{ sum_count("case when program_code in ('urban_dibao', 'rural_dibao') then exits end") }} as dibao_exits,
        max(case when program_code = 'urban_dibao' then standard_monthly end) as urban_dibao_standard,
        max(case when program_code = 'rural_dibao' then standard_monthly end) as rural_dibao_standard
    from caseload
    group by county_code, month_start
),

base as (
    select
        spine.*,
        pivoted.urban_dibao_recipients,
        pivoted.urban_dibao_households,
        pivoted.urban_dibao_spending,
        pivoted.rural_dibao_recipients,
        pivoted.rural_dibao_households,
        pivoted.rural_dibao_spending,
        pivoted.dibao_recipients,
        pivoted.dibao_spending,
        pivoted.tekun_institutional_recipients,
        pivoted.tekun_dispersed_recipients,
        pivoted.tekun_recipients,
        pivoted.tekun_spending,
        pivoted.temporary_assistance_cases,
        pivoted.temporary_assistance_spending,
        pivoted.assistance_spending,
        pivoted.dibao_entries,
        pivoted.dibao_exits,
        pivoted.urban_dibao_standard,
        pivoted.rural_dibao_standard
    from spine
    left join pivoted
        on pivoted.county_code = spine.county_code
        and pivoted.month_start = spine.month_start
),

indicators as (
    select
        base.*,
        {{ assistance_indicators() }}
    from base
)

select
    indicators.*,
    {{ rank_columns(ranked) }}
from indicators

-- One row per prefecture × month: the county marts rolled up. Counts and amounts are summed over the
-- counties that reported in the domain that month, and every ratio is recomputed from those sums with
-- the same formulas as the county marts (never an average of county ratios): coverage uses the
-- population of the reporting counties only. Local 低保 standards are averaged weighted by urban
-- resp. rural population; year-on-year growth is like-for-like (counties with both years loaded).
{%- set amounts = ['urban_dibao_spending', 'rural_dibao_spending', 'dibao_spending', 'tekun_spending',
    'temporary_assistance_spending', 'assistance_spending', 'service_hours', 'sales_amount', 'welfare_fund_amount',
    'sales_amount_last_year', 'welfare_fund_amount_last_year', 'comparable_sales_amount',
    'comparable_welfare_fund_amount'] %}
{%- set assistance_sums = ['urban_dibao_recipients', 'urban_dibao_households', 'urban_dibao_spending',
    'rural_dibao_recipients', 'rural_dibao_households', 'rural_dibao_spending', 'dibao_recipients',
    'dibao_spending', 'tekun_institutional_recipients', 'tekun_dispersed_recipients', 'tekun_recipients',
    'tekun_spending', 'temporary_assistance_cases', 'temporary_assistance_spending', 'assistance_spending',
    'dibao_entries', 'dibao_exits'] %}
{%- set eldercare_sums = ['institutions', 'community_facilities', 'public_institutions', 'private_institutions',
    'total_beds', 'institution_beds', 'community_beds', 'private_institution_beds', 'institution_nursing_beds',
    'institution_occupied_beds', 'dementia_beds'] %}
{%- set volunteer_sums = ['registered_volunteers', 'new_registrations', 'volunteer_teams',
    'volunteers_with_hours', 'service_records', 'service_hours'] %}
{%- set lottery_sums = ['sales_amount', 'welfare_fund_amount', 'active_outlets', 'sales_amount_last_year',
    'welfare_fund_amount_last_year', 'comparable_sales_amount', 'comparable_welfare_fund_amount'] %}

with prefecture_months as (
    select
        prefecture_code,
        min(prefecture_name_zh) as prefecture_name_zh,
        month_start,
        min(year) as year,
        min(month_label_zh) as month_label_zh,
        count(*) as counties_total,
        {{ sum_count('resident_population') }} as resident_population,
        {{ sum_count('population_60plus') }} as population_60plus
    from {{ ref('mart_overview_county_month') }}
    group by prefecture_code, month_start
),

assistance_sums as (
    select
        prefecture_code,
        month_start,
        {{ sum_count('case when is_reported then 1 else 0 end') }} as counties_reported_assistance,
        {{ sum_count('case when is_reported then resident_population end') }} as resident_population,
        {{ sum_count('case when is_reported then urban_population end') }} as urban_population,
        {{ sum_count('case when is_reported then rural_population end') }} as rural_population,
        {%- for column in assistance_sums %}
        {{ sum_amount(column) if column in amounts else sum_count(column) }} as {{ column }},
        {%- endfor %}
        {{ safe_divide('sum(urban_dibao_standard * urban_population)',
                       'sum(case when urban_dibao_standard is not null then urban_population end)') }} as urban_dibao_standard,
        {{ safe_divide('sum(rural_dibao_standard * rural_population)',
                       'sum(case when rural_dibao_standard is not null then rural_population end)') }} as rural_dibao_standard
    from {{ ref('mart_assistance_county_month') }}
    group by prefecture_code, month_start
),

assistance as (
    select assistance_sums.*, {{ assistance_indicators() }} from assistance_sums
),

eldercare_sums as (
    select
        prefecture_code,
        month_start,
        {{ sum_count('case when is_reported then 1 else 0 end') }} as counties_reported_eldercare,
        {{ sum_count('case when is_reported then population_60plus end') }} as population_60plus,
        {%- for column in eldercare_sums %}
        {{ sum_amount(column) if column in amounts else sum_count(column) }} as {{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ ref('mart_eldercare_county_month') }}
    group by prefecture_code, month_start
),

eldercare as (
    select eldercare_sums.*, {{ eldercare_indicators() }} from eldercare_sums
),

volunteer_sums as (
    select
        prefecture_code,
        month_start,
        {{ sum_count('case when is_reported then 1 else 0 end') }} as counties_reported_volunteers,
        {{ sum_count('case when is_reported then resident_population end') }} as resident_population,
        {{ sum_count('registered_volunteers') }} as registered_volunteers,
        {{ sum_count('new_registrations') }} as new_registrations,
        {{ sum_count('volunteer_teams') }} as volunteer_teams,
        {#- ratios over volunteers need both the roster and the service records of the same counties #}
        {{ sum_count('case when is_reported and is_service_reported then volunteers_with_hours end') }} as volunteers_with_hours,
        {{ sum_count('service_records') }} as service_records,
        {{ sum_amount('case when is_reported and is_service_reported then service_hours end') }} as service_hours,
        {{ sum_count('case when is_reported and is_service_reported then registered_volunteers end') }} as registered_volunteers_with_service
    from {{ ref('mart_volunteer_county_month') }}
    group by prefecture_code, month_start
),

volunteers as (
    select
        volunteer_sums.*,
        {{ safe_divide('registered_volunteers', 'resident_population', 10000) }} as registered_volunteers_per_10k,
        {{ safe_divide('volunteers_with_hours', 'registered_volunteers_with_service') }} as volunteers_with_hours_share,
        {{ safe_divide('service_hours', 'registered_volunteers_with_service') }} as hours_per_volunteer,
        {{ safe_divide('service_hours', 'volunteers_with_hours') }} as hours_per_active_volunteer
    from volunteer_sums
),

lottery_sums as (
    select
        prefecture_code,
        month_start,
        {{ sum_count('case when is_reported then 1 else 0 end') }} as counties_reported_lottery,
        {{ sum_count('case when is_reported then resident_population end') }} as resident_population,
        {%- for column in lottery_sums %}
        {{ sum_amount(column) if column in amounts else sum_count(column) }} as {{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ ref('mart_lottery_county_month') }}
    group by prefecture_code, month_start
),

lottery as (
    select lottery_sums.*, {{ lottery_indicators() }} from lottery_sums
)

select
    prefecture_months.prefecture_code,
    prefecture_months.prefecture_name_zh,
    prefecture_months.month_start,
    prefecture_months.year,
    prefecture_months.month_label_zh,
    prefecture_months.counties_total,
    prefecture_months.resident_population,
    prefecture_months.population_60plus,
    coalesce(assistance.counties_reported_assistance, 0) as counties_reported_assistance,
    coalesce(eldercare.counties_reported_eldercare, 0) as counties_reported_eldercare,
    coalesce(volunteers.counties_reported_volunteers, 0) as counties_reported_volunteers,
    coalesce(lottery.counties_reported_lottery, 0) as counties_reported_lottery,
    {%- for column in assistance_sums + ['urban_dibao_standard', 'rural_dibao_standard',
        'urban_dibao_coverage_per_100', 'rural_dibao_coverage_per_100', 'dibao_coverage_per_100',
        'dibao_standard_ratio_urban_rural', 'urban_dibao_avg_amount', 'rural_dibao_avg_amount',
        'dibao_avg_amount_ratio_urban_rural', 'tekun_institutional_share', 'temporary_assistance_cases_per_10k'] %}
    assistance.{{ column }},
    {%- endfor %}
    {%- for column in eldercare_sums + ['beds_per_1000_elderly', 'institution_beds_per_1000_elderly',
        'nursing_bed_share', 'occupancy_rate', 'private_bed_share'] %}
    eldercare.{{ column }},
    {%- endfor %}
    {%- for column in volunteer_sums + ['registered_volunteers_per_10k', 'volunteers_with_hours_share',
        'hours_per_volunteer', 'hours_per_active_volunteer'] %}
    volunteers.{{ column }},
    {%- endfor %}
    {%- for column in lottery_sums + ['sales_per_capita', 'sales_per_outlet', 'welfare_fund_share',
        'sales_yoy_growth', 'welfare_fund_yoy_growth'] %}
    lottery.{{ column }}{{ ',' if not loop.last }}
    {%- endfor %}
from prefecture_months
left join assistance
    on assistance.prefecture_code = prefecture_months.prefecture_code
    and assistance.month_start = prefecture_months.month_start
left join eldercare
    on eldercare.prefecture_code = prefecture_months.prefecture_code
    and eldercare.month_start = prefecture_months.month_start
left join volunteers
    on volunteers.prefecture_code = prefecture_months.prefecture_code
    and volunteers.month_start = prefecture_months.month_start
left join lottery
    on lottery.prefecture_code = prefecture_months.prefecture_code
    and lottery.month_start = prefecture_months.month_start

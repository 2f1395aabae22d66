-- Every rank_<indicator> of the county marts ranks exactly the counties with a value: within a
-- prefecture-month the ranks run from 1, the highest value has rank 1, and a NULL value has no rank.
{%- set marts = {
    'mart_assistance_county_month': ['dibao_coverage_per_100', 'urban_dibao_coverage_per_100',
        'rural_dibao_coverage_per_100', 'tekun_institutional_share', 'temporary_assistance_cases',
        'assistance_spending', 'dibao_standard_ratio_urban_rural'],
    'mart_eldercare_county_month': ['beds_per_1000_elderly', 'nursing_bed_share', 'occupancy_rate', 'dementia_beds'],
    'mart_volunteer_county_month': ['registered_volunteers_per_10k', 'volunteers_with_hours_share', 'hours_per_volunteer'],
    'mart_lottery_county_month': ['sales_per_capita', 'welfare_fund_amount', 'sales_per_outlet', 'sales_yoy_growth'],
} %}
{% for mart, indicators in marts.items() %}
{%- set outer = loop %}
{%- for indicator in indicators %}
select '{{ mart }}' as mart, '{{ indicator }}' as indicator, prefecture_code, month_start
from {{ ref(mart) }}
group by prefecture_code, month_start
having count({{ indicator }}) != count(rank_{{ indicator }})
    or (count({{ indicator }}) > 0 and min(rank_{{ indicator }}) != 1)
    or max(rank_{{ indicator }}) > count({{ indicator }})
    or max(case when rank_{{ indicator }} = 1 then {{ indicator }} end) != max({{ indicator }})
{% if not (outer.last and loop.last) %}union all{% endif %}
{% endfor %}
{% endfor %}

{#
  Building blocks of the wide county × month marts.

  county_month_spine(reported): every county of each prefecture that reported in the domain × every
  month in which any county of that prefecture reported. `reported` is a relation or CTE name with
  county_code and month_start (one row per reported county-month, duplicates allowed). Adds
  is_reported, the labels of dim_month and the population denominators of the year.
#}
{% macro county_month_spine(reported) -%}
    select
        counties.county_code,
        counties.county_name_zh,
        counties.prefecture_code,
        counties.prefecture_name_zh,
        months.month_start,
        calendar.year,
        calendar.month_label_zh,
        coalesce(reported_flags.is_reported, false) as is_reported,
        population.resident_population,
        population.population_60plus,
        population.urban_population,
        population.rural_population
    from {{ ref('int_region__counties') }} as counties
    inner join (
        select distinct counties_r.prefecture_code, r.month_start
        from {{ reported }} as r
        inner join {{ ref('int_region__counties') }} as counties_r
            on counties_r.county_code = r.county_code
    ) as months
        on months.prefecture_code = counties.prefecture_code
    inner join {{ ref('dim_month') }} as calendar
        on calendar.month_start = months.month_start
    left join (
        select distinct county_code, month_start, true as is_reported from {{ reported }}
    ) as reported_flags
        on reported_flags.county_code = counties.county_code
        and reported_flags.month_start = months.month_start
    left join {{ ref('int_region__county_year_population') }} as population
        on population.county_code = counties.county_code
        and population.year = calendar.year
{%- endmacro %}

{#
  The headline indicators of mart_overview_county_month, by domain mart: the columns the overview takes
  (with their ranks) from each domain mart, and the columns mart_county_indicator_month can unpivot.
#}
{% macro overview_indicators() -%}
    {{ return({
        'assistance': ['dibao_coverage_per_100', 'urban_dibao_coverage_per_100', 'rural_dibao_coverage_per_100',
                       'dibao_standard_ratio_urban_rural', 'tekun_institutional_share',
                       'temporary_assistance_cases', 'assistance_spending'],
        'eldercare': ['beds_per_1000_elderly', 'nursing_bed_share', 'occupancy_rate'],
        'volunteers': ['registered_volunteers_per_10k', 'volunteers_with_hours_share', 'hours_per_volunteer'],
        'lottery': ['sales_per_capita', 'welfare_fund_amount', 'sales_per_outlet', 'sales_yoy_growth'],
    }) }}
{%- endmacro %}

{# The rank_<indicator> columns of a mart, one per indicator (1 = highest in the prefecture and month). #}
{% macro rank_columns(indicators, ascending=[]) -%}
    {%- for indicator in indicators %}
    {{ rank_within_prefecture(indicator, descending=(indicator not in ascending)) }} as rank_{{ indicator }}{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}


{# ---- Indicators computed from summed columns (same SQL for county rows and prefecture roll-ups) ---- #}

{% macro assistance_indicators() -%}
    {{ safe_divide('urban_dibao_recipients', 'urban_population', 100) }} as urban_dibao_coverage_per_100,
    {{ safe_divide('rural_dibao_recipients', 'rural_population', 100) }} as rural_dibao_coverage_per_100,
    {{ safe_divide('dibao_recipients', 'resident_population', 100) }} as dibao_coverage_per_100,
    {{ safe_divide('urban_dibao_standard', 'rural_dibao_standard') }} as dibao_standard_ratio_urban_rural,
    {{ safe_divide('urban_dibao_spending', 'urban_dibao_recipients') }} as urban_dibao_avg_amount,
    {{ safe_divide('rural_dibao_spending', 'rural_dibao_recipients') }} as rural_dibao_avg_amount,
    {{ safe_divide(safe_divide('urban_dibao_spending', 'urban_dibao_recipients'),
                   safe_divide('rural_dibao_spending', 'rural_dibao_recipients')) }} as dibao_avg_amount_ratio_urban_rural,
    {{ safe_divide('tekun_institutional_recipients', 'tekun_recipients') }} as tekun_institutional_share,
    {{ safe_divide('temporary_assistance_cases', 'resident_population', 10000) }} as temporary_assistance_cases_per_10k
{%- endmacro %}

{% macro eldercare_indicators() -%}
    {{ safe_divide('total_beds', 'population_60plus', 1000) }} as beds_per_1000_elderly,
    {{ safe_divide('institution_beds', 'population_60plus', 1000) }} as institution_beds_per_1000_elderly,
    {{ safe_divide('institution_nursing_beds', 'institution_beds') }} as nursing_bed_share,
    {{ safe_divide('institution_occupied_beds', 'institution_beds') }} as occupancy_rate,
    {{ safe_divide('private_institution_beds', 'institution_beds') }} as private_bed_share
{%- endmacro %}

{% macro volunteer_indicators() -%}
    {{ safe_divide('registered_volunteers', 'resident_population', 10000) }} as registered_volunteers_per_10k,
    {{ safe_divide('volunteers_with_hours', 'registered_volunteers') }} as volunteers_with_hours_share,
    {{ safe_divide('service_hours', 'registered_volunteers') }} as hours_per_volunteer,
    {{ safe_divide('service_hours', 'volunteers_with_hours') }} as hours_per_active_volunteer
{%- endmacro %}

{% macro lottery_indicators() -%}
    {{ safe_divide('sales_amount', 'resident_population') }} as sales_per_capita,
    {{ safe_divide('sales_amount', 'active_outlets') }} as sales_per_outlet,
    {{ safe_divide('welfare_fund_amount', 'sales_amount') }} as welfare_fund_share,
    {{ growth_rate('comparable_sales_amount', 'sales_amount_last_year') }} as sales_yoy_growth,
    {{ growth_rate('comparable_welfare_fund_amount', 'welfare_fund_amount_last_year') }} as welfare_fund_yoy_growth
{%- endmacro %}

{# The key of a volunteer team (dim_volunteer_team): county and team name; the unknown member without a name. #}
{% macro volunteer_team_key(county_code, team_name) -%}
    case
        when {{ team_name }} is null then {{ unknown_key() }}
        else {{ surrogate_key([county_code, team_name]) }}
    end
{%- endmacro %}


{# A rank as a circled number (1 -> ①, up to 50 -> ㊿; '' when NULL or larger). The 50 characters sort by code
   point in numeric order, so a label that starts with one sorts by rank. #}
{% macro circled_number(expr) -%}
    {%- set circled = ['①', '②', '③', '④', '⑤', '⑥', '⑦', '⑧', '⑨', '⑩', '⑪', '⑫', '⑬', '⑭', '⑮', '⑯', '⑰', '⑱', '⑲', '⑳', '㉑', '㉒', '㉓', '㉔', '㉕', '㉖', '㉗', '㉘', '㉙', '㉚', '㉛', '㉜', '㉝', '㉞', '㉟', '㊱', '㊲', '㊳', '㊴', '㊵', '㊶', '㊷', '㊸', '㊹', '㊺', '㊻', '㊼', '㊽', '㊾', '㊿'] -%}
    case {{ expr }}
        {%- for c in circled %} when {{ loop.index }} then '{{ c }}'{% endfor %}
        else ''
    end
{%- endmacro %}

-- The monthly incremental models hold exactly the loads present in raw: every (county, month, _load_id) of a
-- raw table is in its fact and the fact has no load that raw no longer has. A stale month (a
-- correction not yet rebuilt, or rows left behind by a reload) fails here.
{%- set pairs = [
    ('assistance_roster', 'fct_assistance_payment'),
    ('volunteer_service', 'fct_volunteer_service'),
    ('lottery_sales', 'fct_lottery_sales'),
    ('volunteer_roster', 'int_volunteer__roster_months'),
    ('lottery_sales', 'int_lottery__outlet_months'),
    ('lottery_sales', 'int_lottery__county_months'),
] %}
{%- set window = in_period_window('month_start') %}

{% for raw_table, fact in pairs %}
select '{{ fact }}' as fact, 'missing in fact' as problem, county_code, month_start, _load_id
from (
    select distinct county_code, period as month_start, _load_id from {{ source('jinmin', raw_table) }}
    {{ dbt.except() }}
    select distinct county_code, month_start, _load_id from {{ ref(fact) }}
) as missing
where {{ window }}
union all
select '{{ fact }}' as fact, 'stale in fact' as problem, county_code, month_start, _load_id
from (
    select distinct county_code, month_start, _load_id from {{ ref(fact) }}
    {{ dbt.except() }}
    select distinct county_code, period as month_start, _load_id from {{ source('jinmin', raw_table) }}
) as stale
where {{ window }}
{% if not loop.last %}union all{% endif %}
{% endfor %}

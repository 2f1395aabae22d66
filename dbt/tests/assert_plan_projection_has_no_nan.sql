-- A projection is a number or NULL, never NaN: NaN compares unequal to itself downstream (a published mart
-- that reads differently on every query) and prints as 'nan' on the dashboards. One report has no slope.
select region_code, indicator_code, slope_per_month, projected_value
from {{ ref('mart_plan_projection') }}
where isnan(slope_per_month) or isnan(projected_value)

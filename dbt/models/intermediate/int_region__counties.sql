-- One row per county-level division with its prefecture: the row set of every county × month mart.
select
    county_code,
    name_zh as county_name_zh,
    prefecture_code,
    prefecture_name_zh,
    province_code,
    province_name_zh,
    urban_rural as county_urban_rural
from {{ ref('int_region__divisions') }}
where division_level = 'county'

-- One row per division (province, prefecture, county, township): the conformed region dimension.
-- Built in intermediate (int_region__divisions) so the intermediate models read it below the marts.
select * from {{ ref('int_region__divisions') }}

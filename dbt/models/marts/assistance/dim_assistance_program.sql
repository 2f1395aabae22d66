-- One row per social-assistance program (城市低保, 农村低保, 特困集中供养, 特困分散供养, 临时救助).
select
    program_code,
    program_name_zh,
    program_family,
    program_family_zh,
    urban_rural,
    urban_rural_zh,
    nullif(care_mode, '') as care_mode,
    nullif(care_mode_zh, '') as care_mode_zh,
    national_category_code,
    national_category_name_zh,
    sort_order,
    source as definition_source,
    is_assumption
from {{ ref('ref_assistance_program') }}

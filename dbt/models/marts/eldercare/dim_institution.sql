-- One row per eldercare institution × version (SCD type 2): type, ownership (公办/民办), star rating and
-- capacity as reported from valid_from until valid_to (exclusive; NULL = current version).
select
    versions.institution_key,
    versions.credit_code,
    versions.version_number,
    versions.valid_from,
    versions.valid_to,
    versions.valid_to is null as is_current,
    versions.last_reported_month,
    versions.institution_name,
    versions.institution_type_code,
    types.institution_type_name_zh,
    types.ownership_code,
    types.ownership_zh,
    types.facility_class,
    types.facility_class_zh,
    types.is_eldercare_institution,
    versions.star_rating,
    versions.beds_total,
    versions.nursing_beds,
    versions.dementia_beds,
    versions.county_code,
    versions.township_code
from {{ ref('int_eldercare__institution_versions') }} as versions
left join {{ ref('dim_institution_type') }} as types
    on types.institution_type_code = versions.institution_type_code

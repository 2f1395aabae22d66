-- One row per eldercare facility type, with ownership (公办/民办) and institution vs community facility.
select
    institution_type_code,
    institution_type_name_zh,
    ownership_code,
    ownership_zh,
    facility_class,
    facility_class_zh,
    is_eldercare_institution,
    sort_order,
    source as classification_source,
    is_assumption
from {{ ref('ref_institution_type') }}

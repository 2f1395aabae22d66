-- One row per institution × month reported: beds, nursing-care beds, occupied beds (residents) and
-- dementia-care beds, linked to the institution version valid in that month.
select
    {{ surrogate_key(['months.credit_code', 'months.month_start']) }} as capacity_key,
    versions.institution_key,
    months.credit_code,
    months.month_start,
    months.county_code,
    months.township_code,
    months.institution_type_code,
    types.ownership_code,
    types.is_eldercare_institution,
    months.beds_total,
    months.nursing_beds,
    months.residents as occupied_beds,
    months.dementia_beds,
    {{ safe_divide('months.residents', 'months.beds_total') }} as occupancy_rate,
    months._load_id,
    months._source_file,
    months._source_row
from {{ ref('int_eldercare__institution_months') }} as months
left join {{ ref('int_eldercare__institution_versions') }} as versions
    on versions.credit_code = months.credit_code
    and versions.valid_from <= months.month_start
    and (versions.valid_to is null or months.month_start < versions.valid_to)
left join {{ ref('dim_institution_type') }} as types
    on types.institution_type_code = months.institution_type_code

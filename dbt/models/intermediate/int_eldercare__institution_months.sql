-- One row per institution (统一社会信用代码) × month: the institution's line in the month's bed report,
-- with its type resolved. If an institution is listed twice in a month, the first line (by county, then
-- row number) is kept; the test eldercare_institution_listed_once warns about such months.
with lines as (
    select
        report.*,
        row_number() over (
            partition by report.credit_code, report.month_start
            order by report.county_code, report._source_row
        ) as line_rank,
        count(*) over (partition by report.credit_code, report.month_start) as lines_in_month
    from {{ ref('stg_jinmin__eldercare_institutions') }} as report
)

select
    lines.credit_code,
    lines.month_start,
    lines.county_code,
    substring(lines.township_code, 1, 9) as township_code,
    lines.institution_name,
    types.institution_type_code,
    lines.institution_type_name_zh,
    lines.beds_total,
    lines.nursing_beds,
    coalesce(lines.dementia_beds, 0) as dementia_beds,
    lines.residents,
    lines.star_rating,
    lines.lines_in_month,
    lines._load_id,
    lines._source_file,
    lines._source_row
from lines
left join {{ ref('ref_institution_type') }} as types
    on types.institution_type_name_zh = lines.institution_type_name_zh
where lines.line_rank = 1

-- SCD type 2: the versions of an institution are contiguous and never overlap, exactly one is
-- current, and every monthly capacity row falls into exactly one version.
with versions as (
    select
        credit_code, valid_from, valid_to, is_current,
        lead(valid_from) over (partition by credit_code order by valid_from) as next_valid_from
    from {{ ref('dim_institution') }}
),

bad_versions as (
    select credit_code, valid_from
    from versions
    where (valid_to is null) != (next_valid_from is null)
       or valid_to != next_valid_from
       or valid_to <= valid_from
       or is_current != (valid_to is null)
),

bad_months as (
    select capacity.credit_code, capacity.month_start as valid_from
    from {{ ref('fct_eldercare_capacity') }} as capacity
    inner join {{ ref('dim_institution') }} as institution
        on institution.credit_code = capacity.credit_code
        and institution.valid_from <= capacity.month_start
        and (institution.valid_to is null or capacity.month_start < institution.valid_to)
    group by capacity.credit_code, capacity.month_start
    having count(*) != 1
)

select * from bad_versions
union all
select * from bad_months

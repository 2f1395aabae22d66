{{ config(**monthly_incremental_config()) }}
-- One row per county × month × program for every county-month whose roster was loaded (all five programs,
-- zeros where the county had none): recipients, households, spending, average amount per recipient,
-- the local 低保 standard, and entries/exits against the previous month.
-- entries: recipients of the program not paid by the county in the previous month; exits: paid in the
-- previous month, not in this one. Both NULL when the previous month's roster was not loaded.
-- Incremental by month like the payments it counts (macros/incremental.sql): the months whose payments
-- changed (or the var window) are rebuilt, and so is the month after each, whose entries and exits
-- look back at it; only those months and the months before them are read.
-- Recipients, entries and exits are counts of payment rows: fct_assistance_payment has one row per
-- recipient × county × month × program (its unique_combination and not_null tests, which `dbt build`
-- runs before this model), so within a county, month and program each row is a distinct recipient.
-- A count(distinct) of the 64-character keys gave the same numbers (a province month's select: 1.85 s
-- with it and joins over every month read, 1.25 s now).
{%- set paid = ref('fct_assistance_payment') %}
{#- A table built before this model was incremental has no _load_id to compare: rebuild every month once. #}
{%- set has_load_ids = is_incremental() and '_load_id' in (
    adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list
) %}

with changed_months as (
    select distinct month_start from {{ paid }}
    where {{ monthly_rebuild_filter(paid) if has_load_ids or not is_incremental() else in_period_window('month_start') }}
),

rebuilt_months as (
    select month_start from changed_months
    union
    select {{ add_to_date('month', 1, 'month_start') }} from changed_months
),

read_months as (
    select month_start from rebuilt_months
    union
    select {{ add_to_date('month', -1, 'month_start') }} from rebuilt_months
),

payments as (
    select county_code, month_start, program_code, recipient_key, household_key, amount, _load_id
    from {{ paid }}
    where month_start in (select month_start from read_months)
),

reported as (
    select county_code, month_start, min(_load_id) as _load_id
    from payments
    group by county_code, month_start
),

spine as (
    select
        reported.county_code,
        reported.month_start,
        reported._load_id,
        programs.program_code,
        programs.urban_rural
    from reported
    cross join {{ ref('dim_assistance_program') }} as programs
    where reported.month_start in (select month_start from rebuilt_months)
),

totals as (
    select
        county_code,
        month_start,
        program_code,
        count(*) as recipients,
        count(distinct household_key) as households,
        count(*) as payment_records,
        {{ sum_amount('amount') }} as spending
    from payments
    group by county_code, month_start, program_code
),

with_previous as (
    select
        current_month.county_code,
        current_month.month_start,
        current_month.program_code,
        current_month.recipient_key,
        previous_month.recipient_key as previous_recipient_key
    from payments as current_month
    left join payments as previous_month
        on previous_month.recipient_key = current_month.recipient_key
        and previous_month.county_code = current_month.county_code
        and previous_month.program_code = current_month.program_code
        and previous_month.month_start = {{ add_to_date('month', -1, 'current_month.month_start') }}
    where current_month.month_start in (select month_start from rebuilt_months)
),

entries as (
    select county_code, month_start, program_code, count(*) as entries
    from with_previous
    where previous_recipient_key is null
    group by county_code, month_start, program_code
),

with_next as (
    select
        previous_month.county_code,
        {{ add_to_date('month', 1, 'previous_month.month_start') }} as month_start,
        previous_month.program_code,
        previous_month.recipient_key,
        current_month.recipient_key as current_recipient_key
    from payments as previous_month
    left join payments as current_month
        on current_month.recipient_key = previous_month.recipient_key
        and current_month.county_code = previous_month.county_code
        and current_month.program_code = previous_month.program_code
        and current_month.month_start = {{ add_to_date('month', 1, 'previous_month.month_start') }}
    where {{ add_to_date('month', 1, 'previous_month.month_start') }} in (select month_start from rebuilt_months)
),

exits as (
    select county_code, month_start, program_code, count(*) as exits
    from with_next
    where current_recipient_key is null
    group by county_code, month_start, program_code
),

standards as (
    select
        cast(county_code as {{ dbt.type_string() }}) as county_code,
        year,
        urban_standard_monthly,
        rural_standard_monthly
    from {{ ref('ref_dibao_standard') }}
)

select
    {{ surrogate_key(['spine.county_code', 'spine.month_start', 'spine.program_code']) }} as caseload_key,
    spine.county_code,
    spine.month_start,
    spine.program_code,
    coalesce(totals.recipients, 0) as recipients,
    coalesce(totals.households, 0) as households,
    coalesce(totals.payment_records, 0) as payment_records,
    coalesce(totals.spending, 0) as spending,
    {{ safe_divide('totals.spending', 'totals.recipients') }} as average_amount_per_recipient,
    case spine.urban_rural
        when 'urban' then standards.urban_standard_monthly
        when 'rural' then standards.rural_standard_monthly
    end as standard_monthly,
    case when previous_reported.county_code is not null then coalesce(entries.entries, 0) end as entries,
    case when previous_reported.county_code is not null then coalesce(exits.exits, 0) end as exits,
    spine._load_id,
    '{{ invocation_id }}' as _dbt_invocation_id
from spine
left join totals
    on totals.county_code = spine.county_code
    and totals.month_start = spine.month_start
    and totals.program_code = spine.program_code
left join reported as previous_reported
    on previous_reported.county_code = spine.county_code
    and previous_reported.month_start = {{ add_to_date('month', -1, 'spine.month_start') }}
left join entries
    on entries.county_code = spine.county_code
    and entries.month_start = spine.month_start
    and entries.program_code = spine.program_code
left join exits
    on exits.county_code = spine.county_code
    and exits.month_start = spine.month_start
    and exits.program_code = spine.program_code
left join standards
    on standards.county_code = spine.county_code
    and standards.year = {{ date_part_int('year', 'spine.month_start') }}

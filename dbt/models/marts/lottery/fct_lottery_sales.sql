{{ config(**monthly_incremental_config()) }}
-- One row per outlet × game × day: sales and the 公益金 raised at the game's share (dim_lottery_game).
-- Several report lines of the same outlet, game and day are summed. Incremental by month
-- (macros/incremental.sql); after editing a game's share in ref_lottery_game, rebuild with --full-refresh.
{%- set sales = ref('stg_jinmin__lottery_sales') %}

with lines as (
    select *
    from {{ sales }}
    where {{ monthly_rebuild_filter(sales) }}
),

daily as (
    select
        lines.county_code,
        lines.month_start,
        lines.outlet_id,
        lines.game_name_zh,
        lines.sale_date,
        lines._load_id,
        min(substring(lines.township_code, 1, 9)) as township_code,
        {{ sum_amount('lines.sales_amount') }} as sales_amount,
        count(*) as report_lines
    from lines
    group by lines.county_code, lines.month_start, lines.outlet_id, lines.game_name_zh, lines.sale_date, lines._load_id
)

select
    {{ surrogate_key(['daily.county_code', 'daily.outlet_id', 'games.game_code', 'daily.sale_date']) }} as sales_key,
    {{ surrogate_key(['daily.county_code', 'daily.outlet_id']) }} as outlet_key,
    daily.outlet_id,
    daily.county_code,
    daily.township_code,
    games.game_code,
    daily.sale_date,
    daily.month_start,
    daily.sales_amount,
    cast(daily.sales_amount * games.welfare_fund_share as decimal(16, 2)) as welfare_fund_amount,
    daily.report_lines,
    daily._load_id,
    '{{ invocation_id }}' as _dbt_invocation_id
from daily
left join {{ ref('dim_lottery_game') }} as games
    on games.game_name_zh = daily.game_name_zh

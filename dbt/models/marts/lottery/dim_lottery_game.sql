-- One row per welfare-lottery game with the share of its sales that goes to 公益金.
select
    game_code,
    game_name_zh,
    game_type,
    game_type_zh,
    cast(welfare_fund_share as decimal(6, 4)) as welfare_fund_share,
    sort_order,
    source as share_source,
    is_assumption as share_is_assumption
from {{ ref('ref_lottery_game') }}

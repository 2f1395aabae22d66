"""The dashboards of the bundle, by slug: (title, rows of charts), each row at most 12 wide. Every
dashboard opens with the same first row, 数据说明 (charts.PUBLISH_STATUS)."""

from __future__ import annotations

from ..charts import PUBLISH_STATUS, Board
from . import county_comparison, domains, overview, plan_targets

_BOARDS: dict[str, Board] = {
    "overview": (overview.TITLE, overview.ROWS),
    "county_comparison": (county_comparison.TITLE, county_comparison.ROWS),
    "plan_targets": (plan_targets.TITLE, plan_targets.ROWS),
    **domains.BOARDS,
}
DASHBOARDS: dict[str, Board] = {
    slug: (title, [[PUBLISH_STATUS], *rows]) for slug, (title, rows) in _BOARDS.items()
}

"""d3 number formats of the metrics and the chart axes."""

from __future__ import annotations

PCT = ".1%"
NUM = ",.0f"
DEC = ",.2f"
PCT_UNIT = ",.1f"  # a share already in % (mart_county_indicator_month's display unit)

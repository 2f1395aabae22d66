"""What an export of each source looks like: headers, column roles, titles.

Headers, required columns and column roles come from the one export contract, ingestion/spec.py.
Column roles drive the Excel cell types (numbers vs text), the 合计 row and where each kind of dirt
can go.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field

# Headers, roles and the allowed categories are declared once, in the ingestion contract.
from dagster_project.ingestion.spec import GAMES as GAMES
from dagster_project.ingestion.spec import SERVICE_CATEGORIES as SERVICE_CATEGORIES
from dagster_project.ingestion.spec import SOURCES as SPECS
from dagster_project.ingestion.spec import Kind


@dataclass(frozen=True)
class SourceContract:
    source: str
    headers: tuple[str, ...]
    required: tuple[str, ...]  # a blank cell is quarantined (missing_required)
    numbers: tuple[str, ...] = ()  # written as numbers in Excel; negative / text dirt goes here
    sums: tuple[str, ...] = ()  # totalled in the 合计 row
    ids: tuple[str, ...] = ()  # resident ID numbers
    personal: tuple[str, ...] = ()  # values never copied into the manifest
    months: tuple[str, ...] = ()  # a calendar month, in the partition month
    dates: tuple[str, ...] = ()  # a day in the partition month
    past_dates: tuple[str, ...] = ()  # a day not after the end of the partition month
    division: str | None = None  # 12-digit township/division code of the file's county
    categories: dict[str, tuple[str, ...]] = field(default_factory=dict)  # column -> bad values
    digits: tuple[str, ...] = ()  # columns where full-width digits can appear
    sheet_name: str = "Sheet1"

    @property
    def date_columns(self) -> tuple[str, ...]:
        return self.months + self.dates + self.past_dates


def _contract(
    source: str,
    *,
    categories: dict[str, tuple[str, ...]] | None = None,
    digits: tuple[str, ...] = (),
    sheet_name: str = "Sheet1",
) -> SourceContract:
    """The simulator's view of a source: headers, required columns and column roles from the ingestion
    contract (ingestion/spec.py); only what the simulator adds (bad category values, where full-width
    digits go, the sheet name) is stated here."""
    spec = SPECS[source]
    return SourceContract(
        source=source,
        headers=spec.headers,
        required=spec.headers_where(lambda c: c.required),
        numbers=spec.headers_where(lambda c: c.kind in (Kind.INT, Kind.DECIMAL)),
        sums=spec.headers_where(lambda c: c.totalled),
        ids=spec.headers_where(lambda c: c.kind is Kind.PERSON_ID),
        personal=spec.headers_where(lambda c: c.personal),
        months=spec.headers_where(lambda c: c.kind is Kind.MONTH),
        dates=spec.headers_where(lambda c: c.kind is Kind.DATE and c.in_period),
        past_dates=spec.headers_where(lambda c: c.kind is Kind.DATE and not c.in_period),
        division=next((c.header for c in spec.columns if c.kind is Kind.DIVISION), None),
        categories=categories or {},
        digits=digits,
        sheet_name=sheet_name,
    )


ASSISTANCE = _contract(
    "assistance",
    categories={"救助类别": ("城镇低保", "五保户", "低保边缘", "农村特困")},
    digits=("身份证号码", "户主身份证号码", "保障金额(元)", "行政区划代码", "发放年月"),
    sheet_name="花名册",
)

ELDERCARE = _contract(
    "eldercare",
    categories={"机构类型": ("养老公寓", "医养结合机构", "光荣院")},
    digits=("床位总数", "护理型床位数", "在院人数", "乡镇代码"),
    sheet_name="床位情况",
)

VOLUNTEER_ROSTER = _contract(
    "volunteer_roster",
    digits=("志愿者编号", "身份证号码", "注册日期", "乡镇代码"),
    sheet_name="志愿者",
)

VOLUNTEER_SERVICE = _contract(
    "volunteer_service",
    categories={"服务类别": ("其它", "志愿活动", "敬老", "义务劳动")},
    digits=("志愿者编号", "服务日期", "服务时长(小时)"),
    sheet_name="服务记录",
)

LOTTERY = _contract(
    "lottery",
    categories={"游戏": ("快3", "中福在线", "刮刮乐")},
    digits=("销售网点编号", "乡镇代码", "销售日期", "销售额(元)"),
    sheet_name="销售日报",
)

CONTRACTS: dict[str, SourceContract] = {
    c.source: c for c in (ASSISTANCE, ELDERCARE, VOLUNTEER_ROSTER, VOLUNTEER_SERVICE, LOTTERY)
}
SOURCES: tuple[str, ...] = tuple(CONTRACTS)


def titles(source: str, county_display: str, period: dt.date, style: int) -> tuple[str, str]:
    """(first title row, second title row) for an export. `style` varies the wording per county."""
    y, m = period.year, period.month
    last = calendar.monthrange(y, m)[1]
    match source:
        case "assistance":
            first = (
                f"{county_display}{y}年{m}月城乡低保对象花名册",
                f"{county_display}{y}年{m}月社会救助对象花名册",
                f"{county_display}{y}年{m}月城乡低保、特困供养及临时救助对象花名册",
            )[style % 3]
            return first, f"单位：元 统计时间：{y}年{m}月"
        case "eldercare":
            return (
                f"{county_display}{y}年{m}月养老机构床位情况统计表",
                f"填报单位：{county_display}民政局 统计时间：{y}年{m}月",
            )
        case "volunteer_roster":
            return (
                f"{county_display}注册志愿者花名册（截至{y}年{m}月{last}日）",
                f"统计时间：{y}年{m}月",
            )
        case "volunteer_service":
            return f"{county_display}{y}年{m}月志愿服务记录", f"单位：小时 统计时间：{y}年{m}月"
        case "lottery":
            return f"{county_display}{y}年{m}月福利彩票销售日报", f"单位：元 统计时间：{y}年{m}月"
    raise KeyError(source)

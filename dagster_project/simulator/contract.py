"""What an export of each source looks like: headers (docs/ARCHITECTURE.md), column roles, titles.

Column roles drive the Excel cell types (numbers vs text), the 合计 row and where each kind of dirt
can go. Headers are exactly the ones in the architecture document, in that order.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field

# The allowed categories are declared once, in the ingestion contract the simulator writes for.
from ..ingestion.spec import GAMES as GAMES
from ..ingestion.spec import SERVICE_CATEGORIES as SERVICE_CATEGORIES


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


ASSISTANCE = SourceContract(
    source="assistance",
    headers=(
        "序号",
        "姓名",
        "身份证号码",
        "性别",
        "户主身份证号码",
        "家庭人口",
        "救助类别",
        "保障金额(元)",
        "行政区划代码",
        "发放年月",
        "残疾等级",
    ),
    required=(
        "姓名",
        "身份证号码",
        "性别",
        "户主身份证号码",
        "家庭人口",
        "救助类别",
        "保障金额(元)",
        "行政区划代码",
        "发放年月",
    ),
    numbers=("序号", "家庭人口", "保障金额(元)"),
    sums=("保障金额(元)",),
    ids=("身份证号码", "户主身份证号码"),
    personal=("姓名", "身份证号码", "户主身份证号码"),
    months=("发放年月",),
    division="行政区划代码",
    categories={"救助类别": ("城镇低保", "五保户", "低保边缘", "农村特困")},
    digits=("身份证号码", "户主身份证号码", "保障金额(元)", "行政区划代码", "发放年月"),
    sheet_name="花名册",
)

ELDERCARE = SourceContract(
    source="eldercare",
    headers=(
        "序号",
        "机构名称",
        "统一社会信用代码",
        "机构类型",
        "床位总数",
        "护理型床位数",
        "在院人数",
        "认知障碍照护床位数",
        "星级",
        "乡镇代码",
    ),
    required=("机构名称", "统一社会信用代码", "机构类型", "床位总数", "护理型床位数", "在院人数", "乡镇代码"),
    numbers=("序号", "床位总数", "护理型床位数", "在院人数", "认知障碍照护床位数", "星级"),
    sums=("床位总数", "护理型床位数", "在院人数", "认知障碍照护床位数"),
    division="乡镇代码",
    categories={"机构类型": ("养老公寓", "医养结合机构", "光荣院")},
    digits=("床位总数", "护理型床位数", "在院人数", "乡镇代码"),
    sheet_name="床位情况",
)

VOLUNTEER_ROSTER = SourceContract(
    source="volunteer_roster",
    headers=("序号", "志愿者编号", "姓名", "身份证号码", "注册日期", "所属队伍", "乡镇代码"),
    required=("志愿者编号", "姓名", "身份证号码", "注册日期", "乡镇代码"),
    numbers=("序号",),
    ids=("身份证号码",),
    personal=("姓名", "身份证号码"),
    past_dates=("注册日期",),
    division="乡镇代码",
    digits=("志愿者编号", "身份证号码", "注册日期", "乡镇代码"),
    sheet_name="志愿者",
)

VOLUNTEER_SERVICE = SourceContract(
    source="volunteer_service",
    headers=("序号", "活动编号", "志愿者编号", "服务日期", "服务时长(小时)", "服务类别"),
    required=("活动编号", "志愿者编号", "服务日期", "服务时长(小时)", "服务类别"),
    numbers=("序号", "服务时长(小时)"),
    sums=("服务时长(小时)",),
    dates=("服务日期",),
    categories={"服务类别": ("其它", "志愿活动", "敬老", "义务劳动")},
    digits=("志愿者编号", "服务日期", "服务时长(小时)"),
    sheet_name="服务记录",
)

LOTTERY = SourceContract(
    source="lottery",
    headers=("序号", "销售网点编号", "网点名称", "乡镇代码", "游戏", "销售日期", "销售额(元)"),
    required=("销售网点编号", "乡镇代码", "游戏", "销售日期", "销售额(元)"),
    numbers=("序号", "销售额(元)"),
    sums=("销售额(元)",),
    dates=("销售日期",),
    division="乡镇代码",
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

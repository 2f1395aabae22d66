"""The export contract: one declaration per source, read by everything that handles a source.

Per column: the Chinese header and its aliases, the raw column, the kind (type, and with it the role:
personal / amount / count / date / code / category / text), whether it is required, its range and, for
numbers, whether the export's 合计 row totals it. Per source: the raw table, the Dagster group, the
clerk-facing title and the cadence (monthly: one month × county partition per export file; daily: the
month-to-date 销售日报, day × county partitions). Ingestion (readers, transform, totals), the simulator
(minzheng simulator contract), the Dagster partitions, jobs, schedules and landing sensor, and the
quality suites read it from here; partitions.py turns the cadence into partitions and keys.
A new source is one SourceSpec added to SOURCES (see docs/ARCHITECTURE.md)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum


class Cadence(StrEnum):
    MONTHLY = "monthly"  # one export per county and month: month × county partitions
    DAILY = "daily"  # a month-to-date export per county, rows dated by day: day × county partitions


class Role(StrEnum):
    PERSONAL = "personal"  # hashed at ingestion, never in clear anywhere
    AMOUNT = "amount"
    COUNT = "count"
    DATE = "date"
    CODE = "code"
    CATEGORY = "category"
    TEXT = "text"


class Kind(StrEnum):
    TEXT = "text"
    CODE = "code"  # identifiers kept verbatim (after full-width normalisation)
    PERSON_ID = "person_id"  # 18-digit resident ID, validated then hashed
    PERSON_NAME = "person_name"  # hashed
    INT = "int"
    DECIMAL = "decimal"
    MONTH = "month"  # a calendar month, parsed to its first day
    DATE = "date"
    DIVISION = "division"  # 12-digit statistical division code inside the file's county
    CATEGORY = "category"


@dataclass(frozen=True)
class Column:
    header: str
    name: str
    kind: Kind
    required: bool = True
    aliases: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    in_period: bool = False
    max_value: float | None = None
    totalled: bool = (
        False  # the export's 合计 row sums it (the simulator writes it; ingestion checks any sum)
    )
    # Public by nature (an institution's or a lottery outlet's name or code, in public registers): its
    # quarantined values are shown in clear, IDs and phone numbers masked (redact.redact_public). Any
    # other non-personal value is shown only when it is demonstrably not personal (redact.redact_value).
    public: bool = False
    # A number of hours: besides 1.5, a duration as Excel shows an [h]:mm cell (12:30) or as written out
    # (2小时30分) is read as hours (normalize.parse_hours).
    hours: bool = False
    # Other names of a category that other systems and clerks write (城市最低生活保障 for 城市低保, 男性 for
    # 男, 1级 for 一级): (written, category) pairs, read as the category. Only unambiguous synonyms.
    category_aliases: tuple[tuple[str, str], ...] = ()

    @property
    def role(self) -> Role:
        return _ROLES[self.kind]

    @property
    def own_identity(self) -> bool:
        """The row's own person (its ID or name, not the household head's): never shared by two rows."""
        return self.personal and not self.name.startswith("household")

    @property
    def personal(self) -> bool:
        return self.role is Role.PERSONAL

    @property
    def output_name(self) -> str:
        """Column name in the raw table (personal columns are stored as keys, never in clear)."""
        if self.kind is Kind.PERSON_ID:
            return {"id_number": "person_key", "household_id": "household_key"}[self.name]
        if self.kind is Kind.PERSON_NAME:
            return "name_key"
        return self.name


@dataclass(frozen=True)
class SourceSpec:
    source: str
    table: str
    group: str
    title_zh: str
    columns: tuple[Column, ...]
    sql_types: dict[str, str] = field(default_factory=dict)
    cadence: Cadence = Cadence.MONTHLY

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def daily(self) -> bool:
        return self.cadence is Cadence.DAILY

    @property
    def headers(self) -> tuple[str, ...]:
        """The Chinese headers of an export, in order."""
        return tuple(c.header for c in self.columns)

    def headers_where(self, predicate: Callable[[Column], bool]) -> tuple[str, ...]:
        return tuple(c.header for c in self.columns if predicate(c))


# Jinmin and other systems name the resident ID column in several ways (a non-ID value under any of them is
# quarantined as invalid_id by its check digit).
ID_ALIASES = ("身份证号", "公民身份号码", "身份证件号码", "公民身份证号码", "证件号码")

SEQ = Column("序号", "row_seq", Kind.INT, required=False, aliases=("编号", "序"))

PROGRAMS = ("城市低保", "农村低保", "特困集中供养", "特困分散供养", "临时救助")
INSTITUTION_TYPES = (
    "敬老院/特困供养服务设施",
    "公办养老院",
    "民办养老机构",
    "社区日间照料中心",
    "农村互助幸福院",
)
GAMES = ("双色球", "福彩3D", "七乐彩", "快乐8", "即开票")
SERVICE_CATEGORIES = (
    "助老",
    "扶残",
    "济困",
    "环保",
    "社区服务",
    "应急救援",
    "文明实践",
    "助学",
    "文化体育",
    "其他",
)
DISABILITY_GRADES = ("一级", "二级", "三级", "四级")
# The programs' full names. (城镇低保 is not among them: whether a 城镇 roster is the urban program is a
# province's rule, and the simulator's dirt uses it as an unknown program.)
PROGRAM_ALIASES = (
    ("城市最低生活保障", "城市低保"),
    ("城市居民最低生活保障", "城市低保"),
    ("农村最低生活保障", "农村低保"),
    ("农村居民最低生活保障", "农村低保"),
    ("特困人员集中供养", "特困集中供养"),
    ("特困人员分散供养", "特困分散供养"),
)
GENDER_ALIASES = (("男性", "男"), ("女性", "女"))
GRADE_ALIASES = tuple(
    (form, grade)
    for n, grade in enumerate(DISABILITY_GRADES, start=1)
    for form in (f"{n}级", f"{grade}残疾", f"残疾{grade}")
)

ASSISTANCE = SourceSpec(
    source="assistance",
    table="assistance_roster",
    group="social_assistance",
    title_zh="社会救助对象花名册",
    columns=(
        SEQ,
        Column("姓名", "name", Kind.PERSON_NAME, aliases=("救助对象姓名",)),
        Column("身份证号码", "id_number", Kind.PERSON_ID, aliases=ID_ALIASES),
        Column("性别", "gender", Kind.CATEGORY, categories=("男", "女"), category_aliases=GENDER_ALIASES),
        Column(
            "户主身份证号码",
            "household_id",
            Kind.PERSON_ID,
            aliases=("户主身份证号", "户主身份证件号码", "户主证件号码", "户主公民身份号码"),
        ),
        Column("家庭人口", "household_size", Kind.INT, max_value=30, aliases=("家庭人口数", "人口数量")),
        Column(
            "救助类别",
            "program",
            Kind.CATEGORY,
            categories=PROGRAMS,
            aliases=("救助类型",),
            category_aliases=PROGRAM_ALIASES,
        ),
        Column(
            "保障金额(元)",
            "amount",
            Kind.DECIMAL,
            aliases=("保障金额", "救助金额(元)", "发放金额(元)"),
            totalled=True,
        ),
        Column("行政区划代码", "division_code", Kind.DIVISION, aliases=("区划代码",)),
        Column("发放年月", "pay_month", Kind.MONTH, in_period=True, aliases=("发放月份",)),
        Column(
            "残疾等级",
            "disability_grade",
            Kind.CATEGORY,
            required=False,
            categories=DISABILITY_GRADES,
            category_aliases=GRADE_ALIASES,
        ),
    ),
)

ELDERCARE = SourceSpec(
    source="eldercare",
    table="eldercare_institutions",
    group="eldercare",
    title_zh="养老机构床位情况",
    columns=(
        SEQ,
        Column("机构名称", "institution_name", Kind.TEXT, public=True),
        Column("统一社会信用代码", "credit_code", Kind.CODE, aliases=("信用代码",), public=True),
        Column("机构类型", "institution_type", Kind.CATEGORY, categories=INSTITUTION_TYPES),
        Column("床位总数", "beds_total", Kind.INT, aliases=("床位数",), totalled=True),
        Column("护理型床位数", "nursing_beds", Kind.INT, aliases=("护理型床位",), totalled=True),
        Column("在院人数", "residents", Kind.INT, aliases=("入住人数",), totalled=True),
        Column(
            "认知障碍照护床位数",
            "dementia_beds",
            Kind.INT,
            required=False,
            aliases=("认知障碍照护床位",),
            totalled=True,
        ),
        Column("星级", "star_rating", Kind.INT, required=False, max_value=5, aliases=("等级",)),
        Column("乡镇代码", "township_code", Kind.DIVISION, aliases=("所在乡镇代码",)),
    ),
)

VOLUNTEER_ROSTER = SourceSpec(
    source="volunteer_roster",
    table="volunteer_roster",
    group="volunteers",
    title_zh="注册志愿者花名册",
    columns=(
        SEQ,
        Column("志愿者编号", "volunteer_id", Kind.CODE),
        Column("姓名", "name", Kind.PERSON_NAME),
        Column("身份证号码", "id_number", Kind.PERSON_ID, aliases=ID_ALIASES),
        Column("注册日期", "registered_on", Kind.DATE, aliases=("注册时间",)),
        Column("所属队伍", "team_name", Kind.TEXT, required=False, aliases=("所属团队", "志愿队伍")),
        Column("乡镇代码", "township_code", Kind.DIVISION, aliases=("乡镇", "所在乡镇代码")),
    ),
)

VOLUNTEER_SERVICE = SourceSpec(
    source="volunteer_service",
    table="volunteer_service",
    group="volunteers",
    title_zh="志愿服务记录",
    columns=(
        SEQ,
        Column("活动编号", "activity_id", Kind.CODE),
        Column("志愿者编号", "volunteer_id", Kind.CODE),
        Column("服务日期", "service_date", Kind.DATE, in_period=True),
        Column(
            "服务时长(小时)",
            "hours",
            Kind.DECIMAL,
            aliases=("服务时长", "时长(小时)"),
            totalled=True,
            hours=True,
        ),
        Column("服务类别", "service_category", Kind.CATEGORY, categories=SERVICE_CATEGORIES),
    ),
)

LOTTERY = SourceSpec(
    source="lottery",
    table="lottery_sales",
    group="lottery",
    title_zh="福利彩票销售日报",
    columns=(
        SEQ,
        Column("销售网点编号", "outlet_id", Kind.CODE, aliases=("网点编号",), public=True),
        Column("网点名称", "outlet_name", Kind.TEXT, required=False, public=True),
        Column("乡镇代码", "township_code", Kind.DIVISION),
        Column("游戏", "game", Kind.CATEGORY, categories=GAMES, aliases=("游戏名称", "玩法")),
        Column("销售日期", "sale_date", Kind.DATE, in_period=True),
        Column("销售额(元)", "sales_amount", Kind.DECIMAL, aliases=("销售额", "销量(元)"), totalled=True),
    ),
    cadence=Cadence.DAILY,
)

SOURCES: dict[str, SourceSpec] = {
    s.source: s for s in (ASSISTANCE, ELDERCARE, VOLUNTEER_ROSTER, VOLUNTEER_SERVICE, LOTTERY)
}

_ROLES: dict[Kind, Role] = {
    Kind.TEXT: Role.TEXT,
    Kind.CODE: Role.CODE,
    Kind.PERSON_ID: Role.PERSONAL,
    Kind.PERSON_NAME: Role.PERSONAL,
    Kind.INT: Role.COUNT,
    Kind.DECIMAL: Role.AMOUNT,
    Kind.MONTH: Role.DATE,
    Kind.DATE: Role.DATE,
    Kind.DIVISION: Role.CODE,
    Kind.CATEGORY: Role.CATEGORY,
}


def sources_with(cadence: Cadence) -> tuple[str, ...]:
    return tuple(name for name, spec in SOURCES.items() if spec.cadence is cadence)


SQL_TYPES: dict[Kind, str] = {
    Kind.TEXT: "VARCHAR",
    Kind.CODE: "VARCHAR",
    Kind.PERSON_ID: "VARCHAR",
    Kind.PERSON_NAME: "VARCHAR",
    Kind.INT: "INTEGER",
    Kind.DECIMAL: "DECIMAL(14,2)",
    Kind.MONTH: "DATE",
    Kind.DATE: "DATE",
    Kind.DIVISION: "VARCHAR",
    Kind.CATEGORY: "VARCHAR",
}

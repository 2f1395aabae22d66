"""What in the landing folder cannot be loaded, found by the landing sensor and shown to the clerk as a
failed run (red in the UI's Runs, with the failure notifier's log line and webhook), never left in
silence: a file the load would refuse in a month folder (a .zip, .ods or .pdf, a sub-folder, a name
without a county of the region), and anything the load never looks at (a file in the landing folder
itself or in a source folder, an unknown source folder, a month folder not named YYYY-MM, a month
outside the partitions: before PLAN_START or after the current month).

A file of the current month of a monthly source is not a problem: it waits (landing_sensor) and is
loaded once the month has ended and its partition exists.
"""

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from dagster import Config, Failure, OpExecutionContext, job, op

from ..ingestion.landing import PLAN_TARGETS_FOLDER, discover, is_ignored, relative_name
from ..ingestion.spec import SOURCES
from ..partitions import PLAN_START, all_counties

SOURCES_ZH = "、".join(f"{name}（{spec.title_zh}）" for name, spec in SOURCES.items())
_LOOKS_LIKE_MONTH = re.compile(r"^(\d{4})\s*[-_./年]?\s*(\d{1,2})\s*月?$")


@dataclass(frozen=True)
class Problem:
    relative: str  # relative to the landing folder, every part as it may be shown (redact_file_name)
    problem_zh: str
    expected_zh: str
    stamp: str  # what changes when the entry changes (size and mtime): a changed entry is reported anew

    def text(self) -> str:
        return f"{self.relative}：{self.problem_zh}；应为：{self.expected_zh}"


def _shown(path: Path, landing_dir: Path) -> str:
    """As the load records names (landing.relative_name), the last part masked where it may be personal."""
    return relative_name(path, landing_dir)


def _stamp(path: Path) -> str:
    st = path.lstat()
    return f"{st.st_size}:{st.st_mtime}"


def month_of(folder: str) -> dt.date | None:
    """The month of a month folder named exactly YYYY-MM, as the load looks for it (landing.month_folder):
    "2024-6" or "202406" is not read by any load."""
    try:
        period = dt.datetime.strptime(folder, "%Y-%m").date()
    except ValueError:
        return None
    return period if folder == f"{period:%Y-%m}" else None


def _month_name_hint(name: str) -> str:
    m = _LOOKS_LIKE_MONTH.match(name)
    if m and 1 <= int(m.group(2)) <= 12:
        return f"月份文件夹名称应为 {int(m.group(1)):04d}-{int(m.group(2)):02d}（4位年份-2位月份）"
    return "月份文件夹，名称为 4位年份-2位月份，例如 2024-06"


def month_in_range(period: dt.date, today: dt.date) -> bool:
    """A month the partitions have or will have by the end of this month: PLAN_START to this month."""
    return dt.date.fromisoformat(PLAN_START) <= period <= today.replace(day=1)


def find_problems(
    landing_dir: Path, today: dt.date, resolve_county, min_age: float, now: float
) -> list[Problem]:
    """Every entry of the landing folder that no load will read, or that its load refuses; entries younger
    than `min_age` seconds are left for a later look (they may still be being copied)."""
    if not landing_dir.is_dir():
        return []
    problems: list[Problem] = []

    def add(path: Path, problem_zh: str, expected_zh: str) -> None:
        try:
            if now - path.lstat().st_mtime < min_age:
                return
            problems.append(Problem(_shown(path, landing_dir), problem_zh, expected_zh, _stamp(path)))
        except OSError:  # gone meanwhile
            return

    example = "assistance/2024-06/610602_宝塔区.xlsx"
    for top in sorted(landing_dir.iterdir()):
        if is_ignored(top.name):
            continue
        if top.name == PLAN_TARGETS_FOLDER and top.is_dir():
            continue  # the staff's plan-target templates (make demo writes them): loaded by plan/target_templates
        if top.name not in SOURCES or not top.is_dir():
            if top.is_dir():
                add(
                    top,
                    "不是报表来源文件夹，其中的文件不会被导入",
                    f"着陆文件夹下只放来源文件夹：{SOURCES_ZH}",
                )
            else:
                add(
                    top,
                    "直接放在着陆文件夹下，没有放进来源和月份文件夹，未导入",
                    f"<来源>/<年-月>/ 文件夹中，例如 {example}",
                )
            continue
        for month_dir in sorted(top.iterdir()):
            if is_ignored(month_dir.name):
                continue
            if not month_dir.is_dir():
                add(
                    month_dir,
                    "直接放在来源文件夹下，没有放进月份文件夹，未导入",
                    f"{top.name}/<年-月>/ 文件夹中，例如 {top.name}/2024-06/",
                )
                continue
            period = month_of(month_dir.name)
            if period is None:
                add(month_dir, "文件夹名称不是月份，其中的文件不会被导入", _month_name_hint(month_dir.name))
                continue
            if not month_in_range(period, today):
                when = (
                    "早于本系统数据的起始月份"
                    if period < dt.date.fromisoformat(PLAN_START)
                    else "是将来的月份"
                )
                add(
                    month_dir,
                    f"月份 {period:%Y-%m} {when}，其中的文件不会被导入",
                    f"数据所属月份的文件夹（{PLAN_START[:7]} 至 {today:%Y-%m}）；请核对文件夹名称",
                )
                continue
            counties = set(all_counties())
            for f in discover(landing_dir, top.name, period, resolve_county):
                if f.refused:
                    add(f.path, f.refused, f.refused_expected)
                elif f.county_code is None:
                    add(
                        f.path,
                        "文件名中无法识别县（市、区），未导入",
                        "<6位区划代码>_<县区名称>.xlsx，例如 610602_宝塔区.xlsx",
                    )
                elif f.county_code not in counties:
                    add(
                        f.path,
                        f"区划代码 {f.county_code} 不是本地区的县（市、区），未导入",
                        "本地区县（市、区）的6位区划代码",
                    )
    return problems


def problems_message(texts: list[str]) -> str:
    """The failure message of a problems run: every entry with what is wrong and what it should be."""
    lines = [f"着陆文件夹中有 {len(texts)} 个文件或文件夹无法导入（其余文件照常导入）："]
    lines += [f"  - {t}" for t in texts]
    lines.append(
        "请按“应为”改正（移动、改名或另存为 .xlsx）后系统自动导入，不需要其他操作；不是数据的文件请移出着陆文件夹。"
    )
    return "\n".join(lines)


class ProblemsConfig(Config):
    problems: list[str]  # Problem.text() of each entry, already safe to show


@op(description="报告着陆文件夹中无法导入的文件（运行失败，错误信息写明文件、问题和应该怎样放）")
def report_landing_problems(context: OpExecutionContext, config: ProblemsConfig) -> None:
    message = problems_message(config.problems)
    context.log.error(message)
    raise Failure(description=message, allow_retries=False)


@job(
    name="landing_folder_problems",
    description="着陆文件夹检查：有无法导入的文件时由 landing_sensor 启动，运行失败并写明是哪个文件、问题和应该怎样放",
)
def landing_problems_job() -> None:
    report_landing_problems()

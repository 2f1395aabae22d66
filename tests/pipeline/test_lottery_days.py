"""Lottery sales by day × county, on a real Dagster instance and real landing folders.

A day partition loads its county's month-to-date 销售日报 (the county-month stays the unit of
replacement) and the run materializes exactly the days whose sales the file holds.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest
from dagster import (
    AssetKey,
    DagsterInstance,
    Definitions,
    PartitionKeyRange,
    build_schedule_context,
    build_sensor_context,
)

from dagster_project.assets.raw import raw_assets
from dagster_project.automation.landing_sensor import STABLE_SECONDS, LandedFile, landing_sensor, run_requests
from dagster_project.automation.requests import RANGE_END, RANGE_START, day_range_tags
from dagster_project.automation.schedules import lottery_daily_schedule
from dagster_project.jobs import lottery_job, raw_monthly_job
from dagster_project.partitions import all_counties, day_county, days_by_month, group_by_month
from dagster_project.resources import (
    LandingResource,
    PseudonymiserResource,
    ServingResource,
    WarehouseResource,
)
from minzheng_simulator import SimulationConfig, simulate

LOTTERY = AssetKey(["raw", "lottery_sales"])
HEADER = ["序号", "销售网点编号", "网点名称", "乡镇代码", "游戏", "销售日期", "销售额(元)"]
TOWNSHIP = {"610602": "610602001000", "610603": "610603001000"}
SHANGHAI = ZoneInfo("Asia/Shanghai")


def write_daily_report(path: Path, county: str, days: list[dt.date]) -> Path:
    """A month-to-date 销售日报 as a clerk exports it (title row, header, 合计 row; CSV, UTF-8 BOM)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([f"{county}福利彩票销售日报"])
    w.writerow(HEADER)
    seq = 0
    for day in days:
        for outlet in ("01", "02"):
            seq += 1
            w.writerow(
                [
                    seq,
                    f"{county}{outlet}",
                    f"投注站{outlet}",
                    TOWNSHIP[county],
                    "双色球",
                    day,
                    f"{100 + seq}.00",
                ]
            )
    w.writerow(["合计"])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8"))
    return path


def _age(path: Path, seconds: float) -> None:
    t = time.time() - seconds
    os.utime(path, (t, t))


def june(*days: int) -> list[dt.date]:
    return [dt.date(2024, 6, d) for d in days]


@pytest.fixture
def resources(tmp_path: Path, monkeypatch) -> dict:
    monkeypatch.setenv("MINZHENG_HMAC_KEY", "lottery-days-test-key-0123456789")
    return {
        "warehouse": WarehouseResource(path=str(tmp_path / "w.duckdb")),
        "landing": LandingResource(path=str(tmp_path / "landing")),
        "serving": ServingResource(path=str(tmp_path / "serving.duckdb")),
        "pseudonymiser": PseudonymiserResource(key_file=str(tmp_path / "unused.key")),
    }


def _job(resources: dict):
    """The project's lottery job (jobs.lottery_job) over the project's raw assets, on test resources."""
    return Definitions(
        assets=raw_assets, jobs=[raw_monthly_job, lottery_job], resources=resources
    ).resolve_job_def(lottery_job.name)


def _days(instance: DagsterInstance, county: str | None = None) -> set[str]:
    keys = instance.get_materialized_partitions(LOTTERY)
    return {k for k in keys if county is None or k.startswith(f"{county}|")}


def _keys(county: str, days: list[dt.date]) -> set[str]:
    return {f"{county}|{d.isoformat()}" for d in days}


# --- schedule and sensor -------------------------------------------------------------------------------


def test_daily_schedule_requests_yesterday_for_all_counties() -> None:
    with DagsterInstance.ephemeral() as instance:
        mid = lottery_daily_schedule(
            build_schedule_context(
                instance=instance, scheduled_execution_time=dt.datetime(2025, 7, 15, 7, tzinfo=SHANGHAI)
            )
        )
        first = lottery_daily_schedule(
            build_schedule_context(instance=instance, scheduled_execution_time=dt.datetime(2025, 7, 1, 7))
        )
        # the daemon hands the tick time over in any zone: 23:00 UTC on 14 July is 07:00 on 15 July here
        utc = lottery_daily_schedule(
            build_schedule_context(
                instance=instance,
                scheduled_execution_time=dt.datetime(2025, 7, 14, 23, tzinfo=dt.UTC),
            )
        )
    counties = all_counties()
    assert mid.tags[RANGE_START] == f"{counties[0]}|2025-07-14"
    assert mid.tags[RANGE_END] == f"{counties[-1]}|2025-07-14"
    assert first.tags[RANGE_START].endswith("|2025-06-30")  # on 1 July: June's final export
    assert utc.tags == mid.tags and utc.run_key == mid.run_key == "lottery-2025-07-14"
    assert [k.path for k in mid.asset_selection] == [["raw", "lottery_sales"]]
    assert lottery_daily_schedule.job_name == "load_lottery_sales"
    # the range is exactly yesterday × the 13 counties, one run
    requested = day_county.get_partition_keys_in_range(
        PartitionKeyRange(mid.tags[RANGE_START], mid.tags[RANGE_END])
    )
    assert sorted(requested) == sorted(f"{c}|2025-07-14" for c in counties)


def test_sensor_requests_the_closed_days_of_a_changed_lottery_file(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    f = write_daily_report(landing / "lottery" / "2024-06" / "610602_宝塔区.csv", "610602", june(1, 2, 3))
    (landing / "lottery" / "2024-06" / "610603_安塞区.csv.part").write_bytes(b"half-copied")
    _age(f, STABLE_SECONDS + 5)
    res = {"landing": LandingResource(path=str(landing))}
    with DagsterInstance.ephemeral() as instance:
        first = build_sensor_context(instance=instance, resources=res)
        landing_sensor(first)  # first sight: not yet known to be stable
        second = build_sensor_context(instance=instance, cursor=first.cursor, resources=res)
        requests = landing_sensor(second)
        # the clerk drops tomorrow's re-export (more days): one new run, again the month for that county
        write_daily_report(f, "610602", june(1, 2, 3, 4))
        _age(f, STABLE_SECONDS + 2)
        third = build_sensor_context(instance=instance, cursor=second.cursor, resources=res)
        landing_sensor(third)
        fourth = build_sensor_context(instance=instance, cursor=third.cursor, resources=res)
        again = landing_sensor(fourth)
    assert isinstance(requests, list) and len(requests) == 1
    req = requests[0]
    assert req.job_name == "load_lottery_sales"
    assert [k.path for k in req.asset_selection] == [["raw", "lottery_sales"]]
    # a past month: every day of June, for 宝塔区 only (the half-copied 安塞区 file is not picked up)
    assert (req.tags[RANGE_START], req.tags[RANGE_END]) == ("610602|2024-06-01", "610602|2024-06-30")
    assert isinstance(again, list) and len(again) == 1 and again[0].run_key != req.run_key
    assert again[0].tags[RANGE_END] == "610602|2024-06-30"


def test_sensor_clips_the_current_month_to_yesterday() -> None:
    changed = [
        LandedFile("lottery", dt.date(2025, 7, 1), "610631", "lottery/2025-07/610631_黄龙县.xls", "ab" * 32)
    ]
    (req,) = run_requests(changed, now=dt.datetime(2025, 7, 15, 9, 30, tzinfo=SHANGHAI))
    assert (req.tags[RANGE_START], req.tags[RANGE_END]) == ("610631|2025-07-01", "610631|2025-07-14")
    # on 1 July no July day has closed: nothing to launch, the next morning's schedule loads it
    assert run_requests(changed, now=dt.datetime(2025, 7, 1, 9, tzinfo=SHANGHAI)) == []
    # a monthly source still gets its single month × county partition, through its own job
    monthly = LandedFile(
        "eldercare", dt.date(2025, 6, 1), "610631", "eldercare/2025-06/610631_黄龙县.xls", "cd" * 32
    )
    (m,) = run_requests([monthly])
    assert m.partition_key == "610631|2025-06-01" and m.job_name == "load_jinmin_exports"


# --- materializations through the real job -------------------------------------------------------------


def test_rerun_one_day_materializes_exactly_the_days_in_the_file(tmp_path: Path, resources: dict) -> None:
    """'Rerun 宝塔区 for 15 June' is one partition; the run loads the month-to-date file and reports the
    days it holds (1–10 June without the 4th), not the 15th, which is not in the file yet."""
    folder = tmp_path / "landing" / "lottery" / "2024-06"
    in_file = june(1, 2, 3, 5, 6, 7, 8, 9, 10)
    write_daily_report(folder / "610602_宝塔区.csv", "610602", in_file)
    write_daily_report(folder / "610603_安塞区.csv", "610603", june(1, 2))
    with DagsterInstance.ephemeral() as instance:
        result = _job(resources).execute_in_process(instance=instance, partition_key="610602|2024-06-15")
        assert result.success
        assert _days(instance) == _keys("610602", in_file)  # 安塞区 was not requested: not loaded
        mats = result.asset_materializations_for_node("raw__lottery_sales")
        assert {m.metadata["当日行数"].value for m in mats} == {2}
        assert result.dagster_run.tags["dagster/partition"] == "610602|2024-06-15"
        logged = [e.user_message for e in instance.all_logs(result.run_id)]
        assert any("没有以下日期的销售记录：06-15" in m for m in logged), logged

        # the next export adds 11–15 June (the 4th still missing): a rerun of the 15th now reports it too
        write_daily_report(
            folder / "610602_宝塔区_更正1.csv", "610602", [*in_file, *june(11, 12, 13, 14, 15)]
        )
        rerun = _job(resources).execute_in_process(instance=instance, partition_key="610602|2024-06-15")
        assert rerun.success
        assert _days(instance) == _keys("610602", [*in_file, *june(11, 12, 13, 14, 15)])
        assert "610602|2024-06-04" not in _days(instance)

        # a correction that drops a day already loaded: the warehouse no longer has it, and the run says so
        write_daily_report(
            folder / "610602_宝塔区_更正2.csv", "610602", [*in_file[1:], *june(11, 12, 13, 14, 15)]
        )
        dropped = _job(resources).execute_in_process(instance=instance, partition_key="610602|2024-06-15")
        assert dropped.success
        logged = [e.user_message for e in instance.all_logs(dropped.run_id)]
        assert any("不再包含以下日期" in m and "06-01" in m for m in logged), logged
    with duckdb.connect(resources["warehouse"].path, read_only=True) as con:
        # one county-month in the warehouse, replaced as a whole by the corrected export
        assert con.execute(
            "SELECT county_code, count(DISTINCT sale_date), count(DISTINCT _source_file) FROM raw.lottery_sales "
            "GROUP BY 1"
        ).fetchall() == [("610602", 13, 1)]
        audit = con.execute(
            "SELECT source_file, status FROM raw.load_audit WHERE source = 'lottery' ORDER BY started_at, source_file"
        ).fetchall()
    assert ("lottery/2024-06/610602_宝塔区_更正2.csv", "loaded") in audit


def test_simulated_month_materializes_the_days_present(tmp_path: Path, resources: dict) -> None:
    """The simulator's 销售日报 for two counties, loaded by the day partitions of one run (all of June for
    both): the materialized day partitions are exactly the sale dates in the warehouse, and every row
    read was loaded (no dirt), so they are the days of the files."""
    landing = tmp_path / "landing"
    simulate(
        SimulationConfig(
            out=landing,
            months=["2024-06"],
            scale=0.01,
            dirty_rate=0.0,
            corrections=0,
            sources=("lottery",),
            counties=("610602", "610631"),
            workers=1,
        )
    )
    tags = day_range_tags(dt.date(2024, 6, 1), dt.date(2024, 6, 30), ["610602", "610631"])
    with DagsterInstance.ephemeral() as instance:
        result = _job(resources).execute_in_process(instance=instance, tags=tags)
        assert result.success
        materialized = _days(instance)
    with duckdb.connect(resources["warehouse"].path, read_only=True) as con:
        in_warehouse = {
            f"{c}|{d.isoformat()}"
            for c, d in con.execute(
                "SELECT DISTINCT county_code, sale_date FROM raw.lottery_sales"
            ).fetchall()
        }
        audit = con.execute(
            "SELECT count(*), sum(rows_read - rows_skipped), sum(rows_loaded) FROM raw.load_audit WHERE status = 'loaded'"
        ).fetchone()
    assert materialized == in_warehouse
    assert {k.split("|")[0] for k in materialized} == {"610602", "610631"}
    assert audit[0] == 2 and audit[1] == audit[2] > 0


def test_day_range_backfill_is_one_run_grouped_by_month(tmp_path: Path, resources: dict) -> None:
    """A backfill of 28 May – 3 June for two counties: one run (single-run policy), one load per
    county-month, and each month's file reports its own days."""
    landing = tmp_path / "landing" / "lottery"
    write_daily_report(
        landing / "2024-05" / "610602_宝塔区.csv", "610602", [dt.date(2024, 5, d) for d in range(1, 32)]
    )
    write_daily_report(
        landing / "2024-05" / "610603_安塞区.csv", "610603", [dt.date(2024, 5, d) for d in range(1, 32)]
    )
    write_daily_report(landing / "2024-06" / "610602_宝塔区.csv", "610602", june(1, 2, 3))
    write_daily_report(landing / "2024-06" / "610603_安塞区.csv", "610603", june(1, 2))
    asset = next(a for a in raw_assets if a.key == LOTTERY)
    assert asset.backfill_policy is not None and asset.backfill_policy.max_partitions_per_run is None
    tags = day_range_tags(dt.date(2024, 5, 28), dt.date(2024, 6, 3), ["610602", "610603"])
    with DagsterInstance.ephemeral() as instance:
        result = _job(resources).execute_in_process(instance=instance, tags=tags)
        assert result.success
        runs = instance.get_runs()
        materialized = _days(instance)
    assert len(runs) == 1
    keys = list(day_county.get_partition_keys_in_range(PartitionKeyRange(tags[RANGE_START], tags[RANGE_END])))
    assert len(keys) == 7 * 2 and list(group_by_month(keys)) == [dt.date(2024, 5, 1), dt.date(2024, 6, 1)]
    assert days_by_month(keys)[dt.date(2024, 6, 1)]["610603"] == set(june(1, 2, 3))
    may = [dt.date(2024, 5, d) for d in range(1, 32)]
    assert materialized == _keys("610602", [*may, *june(1, 2, 3)]) | _keys("610603", [*may, *june(1, 2)])
    with duckdb.connect(resources["warehouse"].path, read_only=True) as con:
        loads = con.execute(
            "SELECT period, count(*) FROM raw.load_audit WHERE status = 'loaded' GROUP BY 1 ORDER BY 1"
        ).fetchall()
    assert loads == [(dt.date(2024, 5, 1), 2), (dt.date(2024, 6, 1), 2)]

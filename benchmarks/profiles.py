"""What each profile runs. Scale 1.0 is 延安市 as it is (one prefecture, 13 counties: ~120k 低保/特困/临时救助
payment rows and ~65k lottery rows a month); a province is about ten prefectures, approximated here by the
same prefecture at scale 10 (~1.2M payment rows a month, ~14.4M a year: the issue's ~15M)."""

from __future__ import annotations

from dataclasses import dataclass, replace

ALL_SOURCES = ("assistance", "eldercare", "volunteer_roster", "volunteer_service", "lottery")
PAYMENTS_AND_LOTTERY = ("assistance", "eldercare", "lottery")


def month_list(first: str, count: int) -> list[str]:
    y, m = map(int, first.split("-"))
    out = []
    for _ in range(count):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


@dataclass(frozen=True)
class Scenario:
    name: str
    scale: float
    months: tuple[str, ...]  # loaded, then built in full
    incremental: str | None  # one more month loaded and built incrementally afterwards
    sources: tuple[str, ...]
    description: str
    matrix_rows: int = (
        0  # > 0: build the format matrix (same export as xlsx / CSV GBK / CSV UTF-8) and run naive
    )
    limit: bool = True  # the raw-read limit on the first month's files
    dagster: bool = False  # one month through the Dagster job as well
    quality: bool = True
    dbt: bool = True
    dashboards: bool = True
    scaling: str | None = None  # "1x", "4x", "16x": a row of the scaling table
    spark: bool = False  # also build the dbt project on a local Spark (scripts/spark.sh) after DuckDB
    # More points of the "incremental month vs the months already loaded" table: with N months loaded
    # (N != len(months)), one more month is measured as the incremental one is. N < len(months): on a
    # warehouse of its own holding the first N months (full build first); N > len(months): on the main
    # warehouse after its incremental month, once months len(months)+2..N are loaded and built.
    loaded_points: tuple[int, ...] = ()

    @property
    def incremental_points(self) -> list[int]:
        """Months already loaded at each measured incremental month, ascending."""
        if not self.incremental:
            return []
        return sorted({len(self.months), *self.loaded_points})

    @property
    def all_months(self) -> list[str]:
        last = max(
            [len(self.months) + (1 if self.incremental else 0), *(n + 1 for n in self.incremental_points)]
        )
        return month_list(self.months[0], last)


def quick() -> list[Scenario]:
    return [
        Scenario(
            "tiny",
            0.01,
            ("2024-01",),
            "2024-02",
            ALL_SOURCES,
            "smoke run: 1% of 延安市, one month loaded + one incremental month",
            matrix_rows=300,
            dagster=True,
        )
    ]


def prefecture(months: int = 12) -> list[Scenario]:
    year = month_list("2024-01", months)
    return [
        Scenario(
            "prefecture-month",
            1.0,
            ("2024-01",),
            "2024-02",
            ALL_SOURCES,
            "延安市 as it is, all five sources: one month, then one incremental month",
            matrix_rows=20_000,
            dagster=True,
        ),
        Scenario(
            "prefecture-year",
            1.0,
            tuple(year[:-1]),
            year[-1],
            ALL_SOURCES,
            f"延安市, all five sources: {len(year) - 1} months loaded and built, then month {len(year)} incrementally",
            limit=False,
        ),
        *[
            Scenario(
                f"scale-{k}x",
                float(k),
                ("2024-01",),
                "2024-02",
                PAYMENTS_AND_LOTTERY,
                f"{k}x the payment, eldercare and lottery volume of 延安市: one month, then one incremental month",
                scaling=f"{k}x",
            )
            for k in (1, 4, 16)
        ],
    ]


def province(months: int = 24) -> list[Scenario]:
    """Scale 10. The full build, quality checks and dashboards run with 11 months loaded (a year with the
    12th incremental, as before); the incremental month is also measured with 1 and with `months - 1`
    months loaded, to show whether its cost grows with the history (issue 17: flat)."""
    span = month_list("2024-01", months)
    base = min(11, months - 1)
    points = tuple(sorted({1, base, months - 1}))
    return [
        Scenario(
            "province-year",
            10.0,
            tuple(span[:base]),
            span[base],
            PAYMENTS_AND_LOTTERY,
            f"a province ≈ 10 prefectures ≈ 延安市 at scale 10; payments, eldercare and lottery; "
            f"{base} months loaded and built, then month {base + 1} incrementally; the incremental month "
            f"also with {' and '.join(str(n) for n in points if n != base)} month(s) loaded",
            matrix_rows=20_000,
            dagster=False,
            spark=True,  # the same full build on a local Spark beside DuckDB (`--skip spark` leaves it out)
            loaded_points=points,
        )
    ]


def spark(months: int = 3) -> list[Scenario]:
    """DuckDB and Spark on the same data in one run, at 1x and 2x: how each grows (issue 15). A local
    Spark on 2 cores is not a cluster; the ratio and the growth are the point, not the absolute time."""
    loaded = tuple(month_list("2024-01", months))
    return [
        Scenario(
            f"spark-{k}x",
            float(k),
            loaded,
            None,
            PAYMENTS_AND_LOTTERY,
            f"{k}x the payment, eldercare and lottery volume of 延安市, {months} months: the full dbt build on "
            "DuckDB and on a local Spark (Thrift server, local[2]) from the same raw rows",
            limit=False,
            quality=False,
            dashboards=False,
            scaling=f"{k}x",
            spark=True,
        )
        for k in (1, 2)
    ]


PROFILES = {"quick": quick, "prefecture": prefecture, "province": province, "spark": spark}


def scenarios(profile: str, months: int | None = None, scale: float | None = None) -> list[Scenario]:
    build = PROFILES[profile]
    out = build(months) if months and profile != "quick" else build()
    if scale is not None:
        out = [replace(s, scale=scale) for s in out]
    return out

"""minzheng-simulate: write simulated Jinmin exports into a landing folder.

minzheng-simulate --start 2024-01 --end 2024-12 --scale 1.0 --out data/landing
python -m minzheng_simulator --months 2024-06 --scale 0.05 --dirty-rate 0.02 --out /tmp/landing
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .contract import SOURCES
from .engine import MANIFEST_DIR, MANIFEST_NAME, SimulationConfig, simulate


def _default_out() -> Path:
    from dagster_project.settings import Settings

    return Settings.from_env().landing_dir


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="minzheng-simulate",
        description="Write simulated 金民工程 exports (one file per county x month x source) into a landing folder.",
    )
    p.add_argument(
        "--region", default="610600", help="prefecture code, 6 or 12 digits (default 610600 延安市)"
    )
    p.add_argument("--start", default="2024-01", help="first month YYYY-MM (default 2024-01)")
    p.add_argument("--end", default="2024-12", help="last month YYYY-MM (default 2024-12)")
    p.add_argument("--months", help="comma-separated YYYY-MM list; overrides --start/--end")
    p.add_argument("--scale", type=float, default=1.0, help="1.0 = a realistic prefecture (default)")
    p.add_argument(
        "--dirty-rate", type=float, default=0.002, help="share of rows with one dirt item (0 = clean)"
    )
    p.add_argument("--seed", type=int, default=20241231)
    p.add_argument("--corrections", type=int, default=3, help="corrected re-exports (_更正N) to write")
    p.add_argument(
        "--sources", default=",".join(SOURCES), help=f"comma-separated subset of {','.join(SOURCES)}"
    )
    p.add_argument("--counties", help="comma-separated 6-digit county codes (default: all of the region)")
    p.add_argument("--workers", type=int, default=0, help="processes (default: min(2, CPUs))")
    p.add_argument("--out", type=Path, help="landing folder (default: $MINZHENG_LANDING_DIR or data/landing)")
    p.add_argument("--quiet", action="store_true")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    region = args.region[:6]
    config = SimulationConfig(
        out=args.out or _default_out(),
        region=region,
        start=args.start,
        end=args.end,
        months=[m for m in args.months.split(",") if m.strip()] if args.months else None,
        scale=args.scale,
        dirty_rate=args.dirty_rate,
        seed=args.seed,
        corrections=args.corrections,
        sources=tuple(s.strip() for s in args.sources.split(",") if s.strip()),
        counties=tuple(c.strip() for c in args.counties.split(",")) if args.counties else None,
        workers=args.workers,
    )
    try:
        result = simulate(config)
    except ValueError as exc:
        print(f"minzheng-simulate: {exc}", file=sys.stderr)
        return 2
    if not args.quiet:
        months = config.month_list()
        print(
            f"wrote {len(result.files)} files for {len(months)} month(s) "
            f"{months[0]:%Y-%m}..{months[-1]:%Y-%m} into {result.landing_dir} in {result.seconds:.1f}s"
        )
        for source, rows in sorted(result.rows_by_source().items()):
            print(f"  {source:18s} {rows:>10,d} rows ({rows / len(months):,.0f} per month)")
        kinds: dict[str, int] = {}
        for d in result.dirt:
            kinds[d.kind] = kinds.get(d.kind, 0) + 1
        print(
            f"  dirt items: {sum(kinds.values())} " + ", ".join(f"{k}={v}" for k, v in sorted(kinds.items()))
        )
        print(f"  manifest: {result.landing_dir / MANIFEST_DIR / MANIFEST_NAME}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

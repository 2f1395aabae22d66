"""`python -m dagster_project.summary`: where things are and what was loaded (printed by `make demo`)."""

from __future__ import annotations

import duckdb

from .settings import Settings


def main() -> None:
    s = Settings.from_env()
    print(f"DuckDB warehouse (read-write, pipeline only): {s.warehouse_path}")
    print(f"DuckDB serving copy (read-only, Superset/analysts): {s.serving_path}")
    print(f"Landing folder: {s.landing_dir}")
    if s.warehouse_path.exists():
        with duckdb.connect(str(s.warehouse_path), read_only=True) as con:
            rows = con.execute(
                """SELECT source, count(DISTINCT period) AS months, count(DISTINCT county_code) AS counties,
                          sum(rows_read), sum(rows_loaded), sum(rows_quarantined),
                          count(*) FILTER (WHERE status = 'failed')
                   FROM raw.load_audit GROUP BY source ORDER BY source"""
            ).fetchall()
        print(
            f"{'source':<20}{'months':>8}{'counties':>10}{'read':>12}{'loaded':>12}{'quarantined':>13}{'failed files':>14}"
        )
        for r in rows:
            print(f"{r[0]:<20}{r[1]:>8}{r[2]:>10}{r[3]:>12}{r[4]:>12}{r[5]:>13}{r[6]:>14}")
    print(f"Dagster UI: http://127.0.0.1:{s.dagster_port}")
    demo = s.superset_demo_password
    where = f"password {demo}" if demo else f"passwords in {s.data_dir}/superset/initial_passwords"
    print(
        f"Superset:   http://127.0.0.1:{s.superset_port}  (logins: {s.superset_admin_user}, "
        f"leader, c610602, …; {where})"
    )


if __name__ == "__main__":
    main()

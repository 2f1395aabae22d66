"""The pipeline's environment: libraries that the Dagster step workers import must import there.

Dagster's step workers are forkserver children whose __main__ has no file, exactly like `python -c`. With
pyspark in the same environment, Great Expectations' `import pyspark.sql.connect` took that for pyspark's
own doctest runner and called sys.exit(0): every quality-check step died with "SystemExit: 0" and no
dropped file ever reached the dashboards. pyspark therefore lives in .spark-venv (scripts/spark_venv.sh).
"""

from __future__ import annotations

import subprocess
import sys


def test_great_expectations_imports_in_a_process_whose_main_has_no_file() -> None:
    code = "import great_expectations, dagster_project.quality.gx_runner; print('imported')"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0 and proc.stdout.strip().endswith("imported"), proc.stderr[-3000:]


def test_pyspark_is_not_in_the_pipeline_environment() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", "import pyspark"], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode != 0, "pyspark belongs in .spark-venv (scripts/spark_venv.sh), not in .venv"

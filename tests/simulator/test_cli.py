"""The console script's arguments and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

from minzheng_simulator.cli import main


def test_cli_writes_files_and_manifest(tmp_path: Path, capsys) -> None:
    out = tmp_path / "landing"
    code = main(
        [
            "--months",
            "2024-03",
            "--scale",
            "0.01",
            "--dirty-rate",
            "0",
            "--corrections",
            "0",
            "--sources",
            "eldercare,lottery",
            "--counties",
            "610602,610631",
            "--workers",
            "1",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert "_simulator/manifest.json" in files
    assert {f.split("/")[0] for f in files} == {"_simulator", "eldercare", "lottery"}
    manifest = json.loads((out / "_simulator" / "manifest.json").read_text("utf-8"))
    assert {f["county_code"] for f in manifest["files"]} == {"610602", "610631"}
    assert "wrote 4 files" in capsys.readouterr().out


def test_cli_rejects_months_outside_the_simulated_range(tmp_path: Path, capsys) -> None:
    assert main(["--start", "2018-01", "--end", "2018-02", "--out", str(tmp_path)]) == 2
    assert "months must lie in" in capsys.readouterr().err

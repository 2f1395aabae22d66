"""The clerk-report HTTP server: serves the reports and Data Docs folders, nothing else of the data
directory (the warehouse, the landing folder, a key), whatever the path says."""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from dagster_project.report_server import make_server, public_url


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, int, Path]]:
    data = tmp_path / "data"
    (data / "reports" / "2025-12").mkdir(parents=True)
    (data / "reports" / "2025-12" / "assistance_质量报告.xlsx").write_bytes(b"PK report")
    (data / "quality" / "data_docs").mkdir(parents=True)
    (data / "quality" / "data_docs" / "index.html").write_text("<html>docs</html>")
    (data / "warehouse").mkdir()
    (data / "warehouse" / "minzheng.duckdb").write_bytes(b"secret warehouse")
    (data / "landing").mkdir()
    (data / "reports" / "escape").symlink_to(data / "warehouse")
    server = make_server("127.0.0.1", 0, data)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield "127.0.0.1", server.server_address[1], data
    finally:
        server.shutdown()
        server.server_close()


def _get(host: str, port: int, path: str) -> tuple[int, bytes]:
    con = http.client.HTTPConnection(host, port, timeout=10)
    con.request("GET", path)  # sent as written: no client-side normalisation of '..'
    r = con.getresponse()
    return r.status, r.read()


def test_reports_and_docs_are_served(served, monkeypatch) -> None:
    host, port, data = served
    monkeypatch.setenv("MINZHENG_REPORTS_PORT", str(port))
    url = public_url(data / "reports" / "2025-12" / "assistance_质量报告.xlsx", data_dir=data)
    assert url.startswith(f"http://127.0.0.1:{port}/reports/2025-12/")
    status, body = _get(host, port, url.split(str(port), 1)[1])
    assert (status, body) == (200, b"PK report")
    docs = public_url(data / "quality" / "data_docs" / "index.html", "col-x", data_dir=data)
    assert docs.endswith("/quality/data_docs/index.html#col-x")
    assert _get(host, port, "/quality/data_docs/index.html")[0] == 200


@pytest.mark.parametrize(
    "path",
    [
        "/warehouse/minzheng.duckdb",
        "/landing/",
        "/",
        "/reports/../warehouse/minzheng.duckdb",
        "/reports/%2e%2e/warehouse/minzheng.duckdb",
        "/reports/..%2fwarehouse/minzheng.duckdb",
        "/reports/escape/minzheng.duckdb",  # a symlink out of the reports folder
        "/quality/data_docs/../../warehouse/minzheng.duckdb",
    ],
)
def test_nothing_else_of_the_data_folder_is_served(served, path: str) -> None:
    host, port, _ = served
    status, body = _get(host, port, path)
    assert status == 404 and b"secret" not in body


def test_paths_outside_the_served_folders_are_not_made_into_links(tmp_path: Path) -> None:
    assert public_url(tmp_path / "warehouse" / "x.duckdb", data_dir=tmp_path).startswith("file://")

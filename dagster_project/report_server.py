"""A small read-only HTTP server for what clerks download: the clerk reports and the Data Docs.

    python -m dagster_project.report_server            # 127.0.0.1:$MINZHENG_REPORTS_PORT (8089)

It serves only two folders of the data directory, `reports/` (the Excel quality reports) and
`quality/data_docs/` (Great Expectations Data Docs), GET and HEAD only, bound to 127.0.0.1 by default.
Anything else (the warehouse, the landing folder, the HMAC key, `..`, a symlink out of those folders)
answers 404. The Dagster UI and the reports link here (`public_url`) instead of to server paths.
scripts/dagster_ui.sh starts and stops it with the Dagster webserver.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import posixpath
import urllib.parse
from pathlib import Path

from .settings import DEFAULT_REPORTS_PORT, Settings

DEFAULT_PORT = DEFAULT_REPORTS_PORT
PORT_ENV = "MINZHENG_REPORTS_PORT"  # Settings.reports_port
URL_ENV = "MINZHENG_REPORTS_URL"  # Settings.reports_url: the address clerks use, if not 127.0.0.1 (a proxy)
SERVED = ("reports", "quality/data_docs")  # relative to the data directory


def base_url(settings: Settings | None = None) -> str:
    return (settings or Settings.from_env()).reports_base_url


def served_roots(data_dir: Path) -> list[Path]:
    return [(data_dir / rel).resolve() for rel in SERVED]


def public_url(path: Path, anchor: str | None = None, data_dir: Path | None = None) -> str:
    """The HTTP address of a file under a served folder; a file:// URI for anything else."""
    settings = Settings.from_env()
    data_dir = (data_dir or settings.data_dir).resolve()
    resolved = Path(path).resolve()
    if not any(resolved.is_relative_to(root) for root in served_roots(data_dir)):
        url = resolved.as_uri()
    else:
        rel = resolved.relative_to(data_dir).as_posix()
        url = f"{settings.reports_base_url}/{urllib.parse.quote(rel)}"
    return url + (f"#{anchor}" if anchor else "")


class ReportHandler(http.server.SimpleHTTPRequestHandler):
    """SimpleHTTPRequestHandler rooted at the data directory, answering only under SERVED."""

    def __init__(self, *args, data_dir: Path, **kwargs) -> None:
        self.data_dir = data_dir.resolve()
        super().__init__(*args, directory=str(self.data_dir), **kwargs)

    def _allowed(self) -> bool:
        path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
        parts = [p for p in posixpath.normpath(path).split("/") if p]
        if ".." in parts:
            return False
        target = (self.data_dir.joinpath(*parts)).resolve()
        return any(target == root or target.is_relative_to(root) for root in served_roots(self.data_dir))

    def send_head(self):  # noqa: ANN201 - the base class's signature
        if not self._allowed():
            self.send_error(404, "Not found")
            return None
        return super().send_head()

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        pass  # request lines would only repeat file names in a log nobody reads


def make_server(host: str, port: int, data_dir: Path) -> http.server.ThreadingHTTPServer:
    for rel in SERVED:
        (data_dir / rel).mkdir(parents=True, exist_ok=True)
    handler = functools.partial(ReportHandler, data_dir=data_dir)
    return http.server.ThreadingHTTPServer((host, port), handler)


def main(argv: list[str] | None = None) -> int:
    settings = Settings.from_env()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=settings.reports_port)
    args = parser.parse_args(argv)
    server = make_server(args.host, args.port, settings.data_dir)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

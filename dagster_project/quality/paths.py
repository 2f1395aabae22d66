"""Where quality artefacts go, under the data directory (MINZHENG_DATA_DIR, default <repo>/data):

<data_dir>/quality/data_docs/index.html      Great Expectations Data Docs (open in a browser)
<data_dir>/quality/gx/validations/            GX validation results (JSON) the Data Docs are built from
<data_dir>/reports/<YYYY-MM>/<source>_质量报告.xlsx   the clerk's per-load quality report
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from ..settings import Settings


@dataclass(frozen=True)
class QualityPaths:
    data_dir: Path

    @classmethod
    def from_env(cls) -> QualityPaths:
        return cls(Settings.from_env().data_dir)

    @property
    def root(self) -> Path:
        return self.data_dir / "quality"

    @property
    def data_docs(self) -> Path:
        return self.root / "data_docs"

    @property
    def gx_validations(self) -> Path:
        return self.root / "gx" / "validations"

    @property
    def reports(self) -> Path:
        return self.data_dir / "reports"

    def clerk_report(self, source: str, period: dt.date) -> Path:
        return self.reports / f"{period:%Y-%m}" / f"{source}_质量报告.xlsx"

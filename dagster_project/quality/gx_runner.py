"""Run a suite's GX expectations on a pandas DataFrame and keep GX Data Docs up to date.

Great Expectations 1.24 through duckdb-engine fails every expectation, so the month's rows are read
with DuckDB into pandas (through Arrow: quality/frames.py) and validated with an ephemeral context and a
pandas datasource; quality/gx_engine.py spares GX's pandas engine work it repeats on such a frame. GX is
imported on first use only (2-5 s), in a background thread started by import_in_background() so that
the month's rows are read and the SQL checks run meanwhile (DuckDB releases the GIL while it works), and
one context per process (per quality folder) is reused.
Validation results are stored as JSON under <data_dir>/quality/gx/validations so that the Data Docs
site (<data_dir>/quality/data_docs) lists the results of every process, not only the last one.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..settings import disable_library_telemetry
from .gx_engine import validating
from .paths import QualityPaths
from .suites import Suite, SuiteError

if TYPE_CHECKING:
    import pandas as pd

SAMPLE_SIZE = 20
DATASOURCE = "warehouse"
SITE = "local_site"
# The Data Docs index lists the newest validations only. GX rebuilds the index after every suite's run
# and reads each stored validation it lists: about 0.8 ms per stored validation per suite (measured: a
# province month's 5 raw suites with 200 stored took 0.31 s per index build, 0.20 s with this limit), so
# a history of 2,000 (automation checks every load) would add about 8 s to every run of the raw checks.
# Older pages stay on disk and their links (clerk reports, Dagster check metadata) keep working.
INDEX_VALIDATIONS = 60


@dataclass
class ExpectationOutcome:
    check: str
    passed: bool
    element_count: int | None = None
    unexpected_count: int | None = None
    sample: list[dict[str, Any]] = field(default_factory=list)  # offending rows (pseudonymised keys only)
    observed: Any = None
    error: str | None = None  # the expectation could not be evaluated (e.g. a missing column)


@dataclass
class GxRun:
    outcomes: dict[str, ExpectationOutcome]
    docs_page: Path | None  # this validation's Data Docs page
    anchors: dict[str, str]  # column -> anchor on that page
    data_dir: Path | None = None  # the data folder the page is under (the report server serves from it)
    identifier: Any = None  # the validation result's id in the store (a Data Docs page is built from it)

    def docs_link(self, column: str | None) -> str | None:
        if self.docs_page is None:
            return None
        from ..report_server import public_url  # an HTTP address clerks can open, not a server path

        return public_url(self.docs_page, self.anchors.get(column or "") or None, data_dir=self.data_dir)


class _Contexts:
    """One GX context per quality folder per process; suites registered once per content hash."""

    def __init__(self) -> None:
        self.contexts: dict[Path, Any] = {}
        self.suites: dict[tuple[Path, str], tuple[str, Any]] = {}


_STATE = _Contexts()


_IMPORTING: list[threading.Thread] = []  # the background import, if one was started


def _import_gx() -> None:
    import great_expectations  # noqa: F401
    from great_expectations.data_context.types.base import DataContextConfig  # noqa: F401


def import_in_background() -> None:
    """Start importing GX in a daemon thread unless it is imported or being imported; _gx() waits for it."""
    if _IMPORTING or "great_expectations" in sys.modules:
        return
    disable_library_telemetry()
    thread = threading.Thread(target=_import_gx, name="gx-import", daemon=True)
    _IMPORTING.append(thread)
    thread.start()


def _gx() -> Any:
    for thread in _IMPORTING:
        thread.join()  # an import that failed there fails again here, with its traceback
    disable_library_telemetry()
    import great_expectations as gx

    return gx


def gx_context(paths: QualityPaths) -> Any:
    root = paths.root.resolve()
    if root in _STATE.contexts:
        return _STATE.contexts[root]
    gx = _gx()
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    paths.gx_validations.mkdir(parents=True, exist_ok=True)
    paths.data_docs.mkdir(parents=True, exist_ok=True)
    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        progress_bars=ProgressBarsConfig(globally=False),
        analytics_enabled=False,
    )
    config.stores["validation_results_store"] = {
        "class_name": "ValidationResultsStore",
        "store_backend": {
            "class_name": "TupleFilesystemStoreBackend",
            "base_directory": str(paths.gx_validations),
        },
    }
    config.validation_results_store_name = "validation_results_store"
    config.data_docs_sites = {
        SITE: {
            "class_name": "SiteBuilder",
            "show_how_to_buttons": False,
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(paths.data_docs),
            },
            "site_index_builder": {
                "class_name": "DefaultSiteIndexBuilder",
                "validation_results_limit": INDEX_VALIDATIONS,
            },
            # GX hands the index's limit to the section that renders the validation pages as well, which
            # then renders only the newest INDEX_VALIDATIONS of the store: a check run of more (the first
            # build of 24 months) got no page for its oldest. The pages a build renders are the ones it
            # names (build_docs_pages), so the section needs no limit of its own.
            "site_section_builders": {"validations": {"validation_results_limit": None}},
        }
    }
    ctx = gx.get_context(mode="ephemeral", project_config=config)
    ctx.data_sources.add_pandas(DATASOURCE)
    _STATE.contexts[root] = ctx
    return ctx


def _validation_definition(ctx: Any, root: Path, suite: Suite) -> Any:
    """The suite's ValidationDefinition, (re)registered if the suite file changed."""
    gx = _gx()
    key = (root, suite.name)
    cached = _STATE.suites.get(key)
    if cached and cached[0] == suite.content_hash:
        return cached[1]
    if cached:
        ctx.validation_definitions.delete(suite.name)
        ctx.suites.delete(suite.name)
    d = suite.gx_suite_dict()
    gx_suite = gx.ExpectationSuite(name=d["name"], expectations=d["expectations"], meta=d["meta"])
    if len(gx_suite.expectations) != len(d["expectations"]):
        raise SuiteError(f"{suite.relative_path}: GX rejected an expectation (see the log above)")
    gx_suite = ctx.suites.add(gx_suite)
    datasource = ctx.data_sources.get(DATASOURCE)
    try:
        asset = datasource.get_asset(suite.name)
    except LookupError:
        asset = datasource.add_dataframe_asset(suite.name)
    try:
        batch_definition = asset.get_batch_definition("month")
    except KeyError:
        batch_definition = asset.add_batch_definition_whole_dataframe("month")
    vd = ctx.validation_definitions.add(
        gx.ValidationDefinition(name=suite.name, data=batch_definition, suite=gx_suite)
    )
    _STATE.suites[key] = (suite.content_hash, vd)
    return vd


def expectation_parameter_names(suite: Suite) -> set[str]:
    names: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            if "$PARAMETER" in value:
                names.add(str(value["$PARAMETER"]))
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    for check in suite.gx_checks:
        walk(check.expectation)
    return names


def _sample(result: dict[str, Any], columns: list[str]) -> list[dict[str, Any]]:
    rows = result.get("partial_unexpected_index_list") or []
    out = []
    for row in rows[:SAMPLE_SIZE]:
        if isinstance(row, dict):
            out.append({k: row.get(k) for k in dict.fromkeys([*columns, *row]) if k in row})
    if not out:
        out = [{"value": v} for v in (result.get("partial_unexpected_list") or [])[:SAMPLE_SIZE]]
    return out


def _exception_message(info: Any) -> str | None:
    """GX nests exception info by metric; return the first raised exception's message."""
    if isinstance(info, dict):
        if info.get("raised_exception"):
            return str(info.get("exception_message") or "unknown error")
        for value in info.values():
            found = _exception_message(value)
            if found:
                return found
    return None


def _outcome(res: Any, suite: Suite, columns: list[str]) -> ExpectationOutcome:
    config = res.expectation_config
    check = config.meta.get("check")
    result = res.result or {}
    error = _exception_message(res.exception_info)
    if error:
        return ExpectationOutcome(check, False, error=error)
    outcome = ExpectationOutcome(
        check=check,
        passed=bool(res.success),
        element_count=result.get("element_count"),
        unexpected_count=result.get("unexpected_count"),
        sample=_sample(result, columns) if not res.success else [],
        observed=result.get("observed_value"),
    )
    if "missing_count" in result and "partial_missing_list" in result:  # set-membership expectations
        column = config.kwargs.get("column", "value")
        outcome.unexpected_count = int(result["missing_count"] or 0)
        outcome.sample = [{column: m} for m in result.get("partial_missing_list") or []]
    return outcome


def _anchors(page: Path) -> dict[str, str]:
    """column -> section anchor, from the page's navigation sidebar."""
    if not page.exists():
        return {}
    text = page.read_text(encoding="utf-8", errors="replace")
    found = re.findall(r'href="#(section-\d+)"[^>]*>\s*(?:<strong>)?\s*([^<]+?)\s*<', text)
    return {html.unescape(name): anchor for anchor, name in found}


def validate_frame(
    df: pd.DataFrame,
    suite: Suite,
    parameters: dict[str, Any],
    paths: QualityPaths,
    run_name: str,
) -> GxRun:
    """Validate one batch (a month of a table); build_docs_pages adds it to the Data Docs."""
    _gx()
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    ctx = gx_context(paths)
    root = paths.root.resolve()
    vd = _validation_definition(ctx, root, suite)
    wanted = expectation_parameter_names(suite)
    missing = wanted - parameters.keys()
    if missing:
        raise SuiteError(f"{suite.relative_path}: no value for parameter(s) {sorted(missing)}")
    columns = [c for c in suite.sample_columns if c in df.columns]
    run_id = RunIdentifier(run_name=run_name, run_time=dt.datetime.now(dt.UTC))
    with validating(df):  # GX records the frame's DuckDB fingerprint and filters it once per row condition
        result = vd.run(
            batch_parameters={"dataframe": df},
            expectation_parameters={k: parameters[k] for k in wanted},
            result_format={
                "result_format": "SUMMARY",
                "unexpected_index_column_names": columns,
                "partial_unexpected_count": SAMPLE_SIZE,
                "return_unexpected_index_query": False,
            },
            run_id=run_id,
        )
    outcomes = {o.check: o for o in (_outcome(r, suite, columns) for r in result.results)}
    return GxRun(
        outcomes=outcomes,
        docs_page=None,
        anchors={},
        data_dir=paths.data_dir,
        identifier=ValidationResultIdentifier(
            expectation_suite_identifier=ExpectationSuiteIdentifier(name=suite.name),
            run_id=run_id,
            batch_identifier=f"{DATASOURCE}-{suite.name}",
        ),
    )


def build_docs_pages(paths: QualityPaths, runs: list[GxRun]) -> None:
    """Add the validations' pages to the Data Docs site in one build (the site's index and templates are
    rendered once, not once per validation), and set each run's page and column anchors."""
    runs = [r for r in runs if r.identifier is not None]
    if not runs:
        return
    ctx = gx_context(paths)
    ctx.build_data_docs(site_names=[SITE], resource_identifiers=[r.identifier for r in runs])
    for r in runs:
        urls = ctx.get_docs_sites_urls(resource_identifier=r.identifier, site_name=SITE)
        # GX gives a site_url of None for a page it did not render: the run keeps no link, nothing fails.
        if urls and (urls[0].get("site_url") or "").startswith("file://"):
            from urllib.parse import unquote, urlparse

            r.docs_page = Path(unquote(urlparse(urls[0]["site_url"]).path))
            r.anchors = _anchors(r.docs_page)


def data_docs_index(paths: QualityPaths) -> Path:
    return paths.data_docs / "index.html"

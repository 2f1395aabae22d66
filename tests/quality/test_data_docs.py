"""The Data Docs site after many check runs: GX rebuilds the index after every run and reads each stored
validation it lists, so the index lists the newest INDEX_VALIDATIONS only and a run reads no more than
that, however long the history; every older page and stored result stays where it was."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from great_expectations.data_context.data_context.abstract_data_context import AbstractDataContext

from dagster_project.quality.gx_runner import INDEX_VALIDATIONS
from dagster_project.quality.runner import run_suite
from dagster_project.quality.suites import load_suites

from .conftest import JUNE
from .exports import REGION

SUITE = next(s for s in load_suites(layer="raw") if s.name == "raw_lottery_sales")
OLDER = INDEX_VALIDATIONS + 15


def _index_links(index: str) -> set[str]:
    return set(re.findall(r'validations/[^"]+\.html', index))


def test_a_long_history_keeps_the_index_and_each_run_bounded(clean_warehouse, monkeypatch) -> None:
    con, paths = clean_warehouse
    first = run_suite(con, SUITE, JUNE, REGION, paths, "first")
    (stored,) = (paths.gx_validations / SUITE.name).rglob("*.json")
    (page,) = (paths.data_docs / "validations" / SUITE.name).rglob("*.html")
    # The history: OLDER earlier runs of the suite, as GX stores them (suite/run name/run time/batch): the
    # result JSON in the validations store and its page in the site (the index lists the site's pages).
    for i in range(OLDER):
        run = Path(SUITE.name) / "history" / f"20200101T{i // 60:02d}{i % 60:02d}00.000000Z"
        for source, root in ((stored, paths.gx_validations), (page, paths.data_docs / "validations")):
            (root / run).mkdir(parents=True)
            shutil.copy2(source, root / run / source.name)

    reads: list[object] = []
    real_get = AbstractDataContext.get_validation_result

    def counted(self, *args, **kwargs):
        reads.append(kwargs.get("run_id"))
        return real_get(self, *args, **kwargs)

    monkeypatch.setattr(AbstractDataContext, "get_validation_result", counted)
    latest = run_suite(con, SUITE, JUNE, REGION, paths, "latest")

    assert 0 < len(reads) <= INDEX_VALIDATIONS  # not one read per stored validation (OLDER + 2 of them)
    links = _index_links((paths.data_docs / "index.html").read_text(encoding="utf-8"))
    history = sorted(link for link in links if "/history/" in link)
    # the newest INDEX_VALIDATIONS: the two real runs and the newest of the history, the oldest left out
    assert len(links) == INDEX_VALIDATIONS and len(history) == INDEX_VALIDATIONS - 2
    assert history[0].split("/")[3] == f"20200101T{(OLDER - len(history)) // 60:02d}" + (
        f"{(OLDER - len(history)) % 60:02d}00.000000Z"
    )
    latest_page = next(link for link in links if "_latest/" in link)
    assert (paths.data_docs / latest_page).exists()
    assert any("_first/" in link for link in links)
    assert latest.docs_page and first.docs_page and latest.docs_page != first.docs_page
    # nothing is deleted: every stored result and every page stays, linked or not
    assert len(list((paths.gx_validations / SUITE.name).rglob("*.json"))) == OLDER + 2
    assert len(list((paths.data_docs / "validations" / SUITE.name).rglob("*.html"))) == OLDER + 2


def test_one_check_run_of_more_validations_than_the_index_lists_gets_every_page(
    clean_warehouse, monkeypatch
) -> None:
    """A check run over many months (the demo's first build: 24 months × its suites) validates more at
    once than the index lists. The index limit must not decide which of them get a page: each one's page
    is built and linked, and the index still lists the newest INDEX_VALIDATIONS only."""
    from dagster_project.quality import gx_runner
    from dagster_project.quality.runner import attach_docs

    con, paths = clean_warehouse
    monkeypatch.setattr(gx_runner, "INDEX_VALIDATIONS", 2)  # read when the run's GX context is made
    runs = [run_suite(con, SUITE, JUNE, REGION, paths, f"batch{i}", build_docs=False) for i in range(5)]
    attach_docs(paths, runs)

    pages = [r.gx.docs_page for r in runs if r.gx is not None]
    assert len(pages) == 5 and all(p is not None and p.exists() for p in pages) and len(set(pages)) == 5
    assert all(r.docs_page for r in runs)  # each run links its own page (clerk report, Dagster metadata)
    assert all(o.docs_url for r in runs for o in r.outcomes if o.kind == "gx")
    links = _index_links((paths.data_docs / "index.html").read_text(encoding="utf-8"))
    assert len(links) == 2 and all("_batch3/" in link or "_batch4/" in link for link in links)

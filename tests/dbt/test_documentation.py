"""Every model documented: grain, every column described with a Chinese display name, names in
English, and `dbt docs generate` produces the data dictionary."""

from __future__ import annotations

import json
import re

from .conftest import Warehouse, assert_ok

# The plan-target models (dbt/models/marts/plan/) are documented by their owner.
OWN_FOLDERS = ("staging", "intermediate", "marts")


def _manifest(warehouse: Warehouse) -> dict:
    return json.loads((warehouse.root / "target" / "manifest.json").read_text())


def _own_models(manifest: dict) -> list[dict]:
    return [
        n
        for n in manifest["nodes"].values()
        if n["resource_type"] == "model" and n["package_name"] == "minzheng" and n["fqn"][1] in OWN_FOLDERS
    ]


def test_every_model_states_its_grain_and_chinese_name(warehouse: Warehouse) -> None:
    models = _own_models(_manifest(warehouse))
    assert len(models) >= 35
    for node in models:
        assert node["description"].startswith("Grain: one row per"), node["name"]
        assert node["meta"].get("display_name_zh"), node["name"]


def test_every_column_is_documented_and_named_in_english(warehouse: Warehouse) -> None:
    actual = {
        (t, c)
        for t, c in warehouse.rows(
            """SELECT table_name, column_name FROM information_schema.columns
               WHERE table_schema IN ('staging', 'intermediate', 'marts')"""
        )
    }
    documented = set()
    for node in _own_models(_manifest(warehouse)):
        for name, column in node["columns"].items():
            documented.add((node["name"], name))
            assert column["description"], (node["name"], name)
            assert re.search(r"[\u4e00-\u9fff]", column["meta"].get("display_name_zh", "")), (
                node["name"],
                name,
            )
    own_tables = {n["name"] for n in _own_models(_manifest(warehouse))}
    actual = {(t, c) for t, c in actual if t in own_tables}
    assert actual - documented == set(), "columns without documentation"
    assert documented - actual == set(), "documented columns that do not exist"
    assert all(re.fullmatch(r"[a-z_][a-z0-9_]*", c) for _, c in actual), (
        "column names must be English identifiers"
    )


def test_data_dictionary_table_matches_the_documentation(warehouse: Warehouse) -> None:
    rows = warehouse.rows("SELECT model_name, column_name, display_name_zh FROM marts.mart_data_dictionary")
    expected = {
        (n["name"], c, col["meta"]["display_name_zh"])
        for n in _own_models(_manifest(warehouse))
        for c, col in n["columns"].items()
    }
    assert expected <= set(rows)
    assert ("mart_assistance_county_month", "urban_dibao_coverage_per_100", "城市低保覆盖率(每百人)") in set(
        rows
    )


def test_docs_generate_builds_the_data_dictionary(warehouse: Warehouse) -> None:
    assert_ok(warehouse.dbt("docs", "generate"))
    target = warehouse.root / "target"
    catalog = json.loads((target / "catalog.json").read_text())
    assert (target / "index.html").exists()
    node = catalog["nodes"]["model.minzheng.mart_assistance_county_month"]
    assert node["metadata"]["schema"] == "marts"
    assert "rank_dibao_coverage_per_100" in node["columns"]

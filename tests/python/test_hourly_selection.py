"""The hourly build rebuilds only what the new batches' sources change (flows/dbt.py)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from flows.dbt import PRUNED_FLAGS, descendants, list_nodes, sources_selection
from trendcast.settings import Settings
from trendcast.sources import KNOWN_SOURCES


def _node(resource_type: str, path: str, parents: list[str]) -> dict:
    return {
        "resource_type": resource_type,
        "original_file_path": path,
        "depends_on": {"nodes": parents},
    }


TOY = {
    "nodes": {
        "model.p.stg_a__x": _node("model", "models/staging/a/stg_a__x.sql", ["source.p.raw.r"]),
        "model.p.stg_b__y": _node("model", "models/staging/b/stg_b__y.sql", ["source.p.raw.r"]),
        "model.p.view_a": _node("model", "models/intermediate/view_a.sql", ["model.p.stg_a__x"]),
        "model.p.mart_a": _node("model", "models/marts/mart_a.sql", ["model.p.view_a"]),
        "model.p.mart_ab": _node(
            "model", "models/marts/mart_ab.sql", ["model.p.stg_a__x", "model.p.stg_b__y"]
        ),
        "model.p.mart_b": _node("model", "models/marts/mart_b.sql", ["model.p.stg_b__y"]),
        "test.p.key_a": _node("test", "models/marts/x.yml", ["model.p.mart_a"]),
        "test.p.rel_ab_b": _node(
            "test", "models/marts/x.yml", ["model.p.mart_ab", "model.p.mart_b"]
        ),
    }
}


def _selected(*uids: str) -> list[dict]:
    return [
        {"unique_id": u, "fqn": ["p", u.split(".")[-1]], "resource_type": u.split(".")[0]}
        for u in uids
    ]


def test_descendants_follow_views_the_selection_leaves_out() -> None:
    reach = descendants(TOY, {"model.p.stg_a__x"})
    assert reach == {"model.p.stg_a__x", "model.p.view_a", "model.p.mart_a",
                     "model.p.mart_ab", "test.p.key_a", "test.p.rel_ab_b"}  # fmt: skip


def test_selection_keeps_what_a_source_changes_and_tests_whose_parents_all_stay() -> None:
    # the selector left view_a out (a view); mart_a is still reached through it
    selected = _selected("model.p.stg_a__x", "model.p.stg_b__y", "model.p.mart_a",
                         "model.p.mart_ab", "model.p.mart_b", "test.p.key_a",
                         "test.p.rel_ab_b")  # fmt: skip
    only_a = sources_selection(selected, TOY, {"a"})
    assert only_a == ["fqn:p.key_a", "fqn:p.mart_a", "fqn:p.mart_ab", "fqn:p.stg_a__x"]
    # the relationship test needs mart_b, which source a does not change: left to the daily build
    both = sources_selection(selected, TOY, {"a", "b"})
    assert "fqn:p.rel_ab_b" in both and "fqn:p.mart_b" in both
    assert sources_selection(selected, TOY, {"c"}) == []


@pytest.mark.slow
def test_project_selection_resolves_to_the_nodes_it_names(tmp_path: Path) -> None:
    """On the project itself: each source's selection holds its staging and nothing built only
    on other sources, and `dbt ls` of the fqn selectors gives back exactly those nodes."""
    os.environ.setdefault("DBT_TARGET_PATH", str(tmp_path / "target"))
    settings = Settings.from_env("duckdb")
    selected = list_nodes(["--selector", "hourly_cycle"], settings)
    # the experiment marts are daily: read over days, rebuilt from every event each time
    assert not [n for n in selected if n["fqn"][-1].startswith("ab_test_")]
    target = Path(os.environ["DBT_TARGET_PATH"])
    manifest = json.loads((target / "manifest.json").read_text())
    by_fqn = {"fqn:" + ".".join(n["fqn"]): n for n in selected}
    whole = {n["unique_id"] for n in selected}
    union: set[str] = set()
    for source in KNOWN_SOURCES:
        selection = sources_selection(selected, manifest, {source})
        names = {by_fqn[s]["fqn"][-1] for s in selection}
        staging = {n for n in names if n.startswith("stg_")}
        assert staging and all(n.startswith(f"stg_{source}__") for n in staging), (source, staging)
        listed = list_nodes(["--select", *selection, *PRUNED_FLAGS], settings)
        assert {n["unique_id"] for n in listed} == {by_fqn[s]["unique_id"] for s in selection}
        union |= {by_fqn[s]["unique_id"] for s in selection}
    assert union <= whole
    # nothing the selector builds from landed data is lost: every model of the selector built
    # on a landing source's staging is in that source's selection
    landed = descendants(
        manifest,
        {u for u, n in manifest["nodes"].items()
         if n["resource_type"] == "model"
         and any(n["original_file_path"].startswith(f"models/staging/{s}/")
                 for s in KNOWN_SOURCES)},
    )  # fmt: skip
    models = {n["unique_id"] for n in selected if n["resource_type"] == "model"}
    assert (models & landed) - union == set()
    assert len(union) < len(whole)

"""Simulator: determinism, delivery imperfections as landing sees them, payload shapes against
docs/EVENTS.md and the real API fixtures."""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from trendcast.settings import PROJECT_DIR
from trendcast.simulator import Imperfections, SimConfig, simulate

START = datetime(2026, 3, 2, 0, tzinfo=UTC)
FIXTURES = Path("/work/shared/data/real/fixtures")
SAMPLE_FIXTURES = PROJECT_DIR / "data" / "sample" / "fixtures"
RATES = Imperfections().scaled(20)


def _fixture_dir() -> Path:
    for d in (SAMPLE_FIXTURES, FIXTURES):
        if (d / "tiktok").exists() and (d / "mastodon").exists():
            return d
    pytest.skip("API fixtures not available (tiktok/ and mastodon/ under data/sample/fixtures)")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("sim_tiny")
    # a tiny run has ~150 lines: raise the rates so every kind of problem shows up
    manifest = simulate(
        SimConfig(start=START, hours=2, scale="tiny", seed=11, imperfections=RATES), out
    )
    return out, manifest


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*.jsonl.gz"))
    }


def _valid_lines(folder: Path, source: str) -> list[dict]:
    """Lines as landing keeps them: parseable, complete, first copy of each line."""
    seen, out = set(), []
    for path in sorted((folder / source).glob("*.jsonl.gz")):
        with gzip.open(path, "rb") as fh:
            raws = fh.read().splitlines(keepends=True)
        for raw in raws:
            if raw in seen:
                continue
            try:
                rec = json.loads(raw)
            except ValueError:
                continue
            if not isinstance(rec.get("fetched_at"), str) or "response" not in rec:
                continue
            seen.add(raw)
            out.append(rec)
    return out


def _events(folder: Path) -> list[dict]:
    return [e for rec in _valid_lines(folder, "platform") for e in rec["response"]["events"]]


# -- determinism ---------------------------------------------------------------------------------
def test_same_seed_same_bytes_and_other_seed_differs(tiny, tmp_path):
    folder, _ = tiny
    again = tmp_path / "again"
    simulate(SimConfig(start=START, hours=2, scale="tiny", seed=11, imperfections=RATES), again)
    assert _digest(folder) == _digest(again)
    assert (folder / "_truth" / "hashtags.parquet").read_bytes() == (
        again / "_truth" / "hashtags.parquet"
    ).read_bytes()
    other = tmp_path / "other"
    simulate(SimConfig(start=START, hours=2, scale="tiny", seed=12, imperfections=RATES), other)
    a, b = _digest(folder), _digest(other)
    assert a.keys() == b.keys()
    assert all(a[k] != b[k] for k in a)


@pytest.mark.parametrize("workers", [1, 3])
def test_bytes_do_not_depend_on_workers(tmp_path, workers):
    """12 hours, more than files in flight: recycled hour buffers and the side thread must not
    change a byte (a buffer reused before its file was compressed would)."""
    cfg = SimConfig(start=START, hours=12, scale="tiny", events=30_000, seed=4, imperfections=RATES)
    simulate(cfg, tmp_path / "two")  # the default: 2 workers
    simulate(cfg, tmp_path / "other", workers=workers)
    two, other = _digest(tmp_path / "two"), _digest(tmp_path / "other")
    assert len(two) == 36
    assert two == other


def test_layout_equals_joining_the_pieces():
    """The one-gather layout of the event stream against a plain Python join."""
    import numpy as np
    import pyarrow as pa

    from trendcast.simulator import fixedjson as fx

    rng = np.random.default_rng(0)
    mats = [rng.integers(97, 123, (n, w), dtype=np.uint8) for n, w in ((50, 7), (3, 40), (200, 1))]
    texts = [["x" * int(k) + str(i) for i, k in enumerate(rng.integers(0, 30, 60))], ["é", ""]]
    chunks = [*mats, pa.array(texts[0]), pa.array(texts[1]).slice(0, 2)]
    as_bytes = [[bytes(r) for r in m] for m in mats] + [[t.encode() for t in x] for x in texts]
    chunk = rng.integers(0, len(chunks), 500)
    row = np.array([rng.integers(0, len(as_bytes[c])) for c in chunk])
    # rows used twice and rows never used, as late and duplicate deliveries make them
    data, offsets = fx.layout(chunks, chunk, row)
    pieces = [as_bytes[c][r] for c, r in zip(chunk, row, strict=True)]
    assert data[: offsets[-1]].tobytes() == b"".join(pieces)
    assert np.array_equal(np.diff(offsets), [len(p) for p in pieces])


def test_gzip_header_is_reproducible(tiny):
    folder, _ = tiny
    for path in folder.rglob("*.jsonl.gz"):
        head = path.read_bytes()[:10]
        assert head[:3] == b"\x1f\x8b\x08"
        assert head[3] & 0x08 == 0, "no file name in the header"
        assert head[4:8] == b"\x00\x00\x00\x00", "mtime must be 0"


# -- imperfections as landing sees them ------------------------------------------------------------
def test_landing_counts_match_manifest(tiny, duckdb_warehouse):
    from trendcast.landing import load_paths
    from trendcast.warehouse import connect

    folder, manifest = tiny
    expected = manifest["expected_landing"]
    assert sum(v["failed"] for v in expected.values()) > 0, "tiny run should inject broken lines"
    assert sum(v["duplicate"] for v in expected.values()) > 0
    with connect(duckdb_warehouse) as wh:
        results = load_paths(wh, [folder])
    got: dict[str, Counter] = {}
    for r in results:
        assert r.reconciles
        c = got.setdefault(r.sources.split(",")[0], Counter())
        for k in ("total", "processed", "duplicate", "failed"):
            c[k] += getattr(r, k)
    for source, exp in expected.items():
        assert dict(got[source]) == exp, source


def test_event_level_imperfections_match_manifest(tiny):
    folder, manifest = tiny
    stats = manifest["sources"]["platform"]
    events = _events(folder)
    ids = Counter(e["event_id"] for e in events)
    assert len(events) == stats["event_deliveries"]
    assert len(ids) == stats["events_unique"] == sum(manifest["platform_events_by_type"].values())
    assert len(events) - len(ids) == stats["duplicate_event_deliveries"] > 0
    # re-deliveries are identical copies
    first: dict[str, dict] = {}
    for e in events:
        assert first.setdefault(e["event_id"], e) == e
    unique = list(first.values())
    ts = lambda s: datetime.fromisoformat(s.replace("Z", "+00:00"))  # noqa: E731
    lag = [(ts(e["received_at"]) - ts(e["occurred_at"])).total_seconds()
           for e in unique if "received_at" in e]  # fmt: skip
    assert min(lag) >= 0
    late = sum(x > 60 for x in lag)
    assert 0 < late <= stats["late_events"]
    short = [e for e in unique if e["event_type"] == "view" and "watch_duration_seconds" in e
             and e["watch_duration_seconds"] < 3]  # fmt: skip
    assert len(short) > 0
    assert abs(len(short) - stats["short_views"]) <= stats["missing_field_events"]


def test_zero_rates_give_clean_archives(tmp_path):
    zero = Imperfections(**{k: 0.0 for k in Imperfections.__dataclass_fields__})
    man = simulate(SimConfig(start=START, hours=1, scale="tiny", seed=5, imperfections=zero),
                   tmp_path)  # fmt: skip
    for exp in man["expected_landing"].values():
        assert exp["failed"] == exp["duplicate"] == 0
        assert exp["processed"] == exp["total"]
    st = man["sources"]["platform"]
    assert st["duplicate_event_deliveries"] == st["late_events"] == st["missing_field_events"] == 0


def test_high_rates_inject_every_kind(tmp_path):
    rates = Imperfections(0.05, 0.05, 0.2, 0.2, 0.05, 0.3, 0.2)
    man = simulate(SimConfig(start=START, hours=2, scale="tiny", seed=6, imperfections=rates),
                   tmp_path)  # fmt: skip
    st = man["sources"]["platform"]
    for key in ("late_events", "duplicate_event_deliveries", "missing_field_events",
                "duplicate_lines", "out_of_order_swaps", "malformed_not_json",
                "malformed_missing_key", "malformed_wrong_type"):  # fmt: skip
        assert st[key] > 0, key
    assert man["sources"]["tiktok"]["videos_corrected"] > 0


# -- payload shapes ----------------------------------------------------------------------------
def _documented_fields() -> tuple[set[str], dict[str, set[str]]]:
    """Field names per event type, read from the tables of docs/EVENTS.md."""
    text = (PROJECT_DIR / "docs" / "EVENTS.md").read_text()
    common: set[str] = set()
    per_type: dict[str, set[str]] = {}
    for line in text.splitlines():
        if not line.startswith("| `"):
            continue
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        if len(cells) == 3:  # the common-fields table: | field | type | meaning |
            common |= set(re.findall(r"`(\w+)`", cells[0]))
            continue
        types = re.findall(r"`(\w+)`", cells[0])
        body = re.sub(r"\([^)]*\)", "", cells[1])
        fields = set(re.findall(r"`(\w+)`", body))
        ref = re.search(r"same fields as `(\w+)`", body)
        if ref:
            fields = (fields - {ref.group(1)}) | per_type[ref.group(1)]
        for t in types:
            per_type[t] = fields
    return common, per_type


def test_events_match_documented_payload(tiny):
    folder, manifest = tiny
    common, per_type = _documented_fields()
    assert {"view", "impression", "upload", "profile_update"} <= per_type.keys()
    events = _events(folder)
    exact = 0
    for e in events:
        allowed = common | per_type[e["event_type"]]
        assert set(e) <= allowed, (e["event_type"], set(e) - allowed)
        assert {"event_id", "event_type", "occurred_at", "user_id"} <= set(e)
        exact += set(e) == allowed
    assert len(events) - exact <= manifest["sources"]["platform"]["missing_field_events"] * 2
    seen_types = {e["event_type"] for e in events}
    assert {
        "impression",
        "view",
        "like",
        "upload",
        "content_update",
        "profile_update",
    } <= seen_types


def _types(d: dict) -> dict[str, str]:
    name = {bool: "bool", int: "number", float: "number", str: "string", list: "array",
            dict: "object", type(None): "null"}  # fmt: skip
    return {k: name[type(v)] for k, v in d.items()}


def test_tiktok_shapes_match_research_api_examples(tiny):
    folder, _ = tiny
    fx = _fixture_dir() / "tiktok" / "research_api_doc_examples"
    ex_video = json.loads((fx / "example_resp_q_videos.json").read_text())
    ex_comment = json.loads((fx / "example_resp_comments.json").read_text())
    ex_user = json.loads((fx / "example_resp_q_user.json").read_text())
    lines = _valid_lines(folder, "tiktok")
    by_ep = Counter(r["endpoint"] for r in lines)
    assert by_ep["v2/research/video/query/"] and by_ep["v2/research/video/comment/list/"]
    assert by_ep["v2/research/user/info/"]
    for rec in lines:
        resp = rec["response"]
        assert set(resp) == set(ex_video) and set(resp["error"]) == set(ex_video["error"])
        if rec["endpoint"] == "v2/research/video/query/":
            assert set(resp["data"]) == set(ex_video["data"])
            ref = _types(ex_video["data"]["videos"][0])
            for v in resp["data"]["videos"]:
                t = _types(v)
                assert {k: t[k] for k in ref if k in t} == {k: ref[k] for k in ref if k in t}
                assert {"video_id", "id", "view_count", "create_time"} <= set(v)
        elif rec["endpoint"] == "v2/research/video/comment/list/":
            assert set(resp["data"]) == set(ex_comment["data"])
            for c in resp["data"]["comments"]:
                assert _types(c) == _types(ex_comment["data"]["comments"][0])
        else:
            assert _types(resp["data"]) == _types(ex_user["data"])


def test_mastodon_shapes_match_real_fixtures(tiny):
    folder, _ = tiny
    fx = _fixture_dir() / "mastodon" / "real_mastodon_social"
    status = json.loads((fx / "v1_statuses.responses.json").read_text())[1]["body"]
    tag = json.loads((fx / "v1_trends_tags.responses.json").read_text())[0]["body"][0]
    lines = _valid_lines(folder, "mastodon")
    eps = Counter(r["endpoint"].split("/tag/")[0] for r in lines)
    assert eps["api/v1/streaming/public"] and eps["api/v1/trends/tags"] and eps["api/v1/timelines"]
    statuses = []
    for rec in lines:
        assert "instance" in rec["params"]
        if rec["endpoint"] == "api/v1/trends/tags":
            for t in rec["response"]:
                assert _types(t) == _types(tag)
                assert len(t["history"]) == 7
                assert all(_types(h) == _types(tag["history"][0]) for h in t["history"])
        elif rec["endpoint"].startswith("api/v1/timelines/"):
            statuses += rec["response"]
        elif rec["response"]["event"] != "delete":
            statuses.append(rec["response"]["payload"])
    assert statuses
    complete = [s for s in statuses if set(s) == set(status)]
    assert len(complete) >= 0.9 * len(statuses)
    for s in complete:
        assert set(s["account"]) <= set(status["account"]) | {"fields"}
        for k in ("id", "created_at", "content", "favourites_count", "reblogs_count", "tags"):
            assert _types(s)[k] == _types(status)[k] or k == "tags"


def test_default_rates_are_small_but_not_zero():
    for name, rate in vars(Imperfections()).items():
        assert 0 < rate <= 0.05, name


def test_scales_set_the_event_budget():
    cfg = {s: SimConfig(start=START, hours=4, scale=s) for s in ("tiny", "small", "day")}
    assert cfg["tiny"].target_events < cfg["small"].target_events < cfg["day"].target_events
    assert SimConfig(start=START, hours=4, scale="tiny", events=1234).target_events == 1234
    with pytest.raises(ValueError):
        SimConfig(start=START, hours=4, scale="huge")

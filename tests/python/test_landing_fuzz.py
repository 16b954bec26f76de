"""Bad input in landing: NUL escapes, over-long lines, and property-based fuzzing of whole files.

Every generated file must land without crashing, every line accounted for
(processed + failed + duplicate = total = lines in the file), on DuckDB and Postgres; real calls
with hostile values put into their responses land, and the models that read them build and pass
their tests. The number of examples is bounded (derandomized, so CI runs the same cases every
time).
"""

from __future__ import annotations

import copy
import gzip
import json
import uuid
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.python.conftest import SAMPLE_DIR
from trendcast.landing import load_paths
from trendcast.retention import unreconciled_batches
from trendcast.settings import Settings
from trendcast.sources import KNOWN_SOURCES
from trendcast.warehouse import connect

INJECTIONS = [
    "'; drop table raw.api_responses; --",
    '"); delete from raw.ingestion_batches; --',
    "$$; select pg_sleep(10); $$",
    "{{ config(materialized='table') }}",
    "\\u0000",
    "%s %d %(x)s",
    "<script>alert(1)</script>",
    "\u202e\ufeff\u0085",
    "?",
]
TIMESTAMPS = [
    "2025-09-01T10:00:00Z",
    "2025-09-01T10:00:00+14:00",
    "2025-09-01T10:00:00-12:00",
    "2025-09-01 10:00:00",
    "2025-09-01T10:00:00.123456789Z",
    "2025-02-30T10:00:00Z",
    "1999-12-31T23:59:59Z",
    "9999-12-31T23:59:59Z",
    "0001-01-01T00:00:00Z",
    "1756720800",
    "Mon, 01 Sep 2025 10:00:00 GMT",
    "2025-W36-1",
    "",
    "yesterday",
]

text = st.one_of(st.text(max_size=40), st.sampled_from(INJECTIONS))
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=False, allow_infinity=False),
    text,
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(text, inner, max_size=4)),
    max_leaves=12,
)


@st.composite
def envelope_lines(draw: st.DrawFn) -> bytes:
    """A mostly well-formed archive line with hostile values in every field."""
    line: dict = {}
    if draw(st.booleans()) or True:
        line["source"] = draw(st.one_of(st.sampled_from(KNOWN_SOURCES), text, json_values))
    if draw(st.integers(0, 9)):
        line["endpoint"] = draw(st.one_of(text, st.just("events/poll"), json_values))
    if draw(st.integers(0, 3)):
        line["params"] = draw(
            st.one_of(st.dictionaries(text, json_values, max_size=4), json_values)
        )
    if draw(st.integers(0, 9)):
        line["fetched_at"] = draw(st.one_of(st.sampled_from(TIMESTAMPS), json_values))
    if draw(st.integers(0, 9)):
        line["response"] = draw(
            st.one_of(
                json_values,
                st.fixed_dictionaries({"events": st.lists(json_values, max_size=5)}),
                st.fixed_dictionaries({"items": st.lists(json_values, max_size=3)}),
            )
        )
    for key, value in draw(st.dictionaries(text, json_values, max_size=2)).items():
        line.setdefault(key, value)
    return json.dumps(line, ensure_ascii=draw(st.booleans())).encode("utf-8", "surrogatepass")


raw_lines = st.one_of(
    st.binary(max_size=60),  # invalid UTF-8, NUL bytes, anything
    st.integers(1, 3000).map(lambda n: b"[" * n + b"]" * n),  # deep nesting
    st.integers(1, 200_000).map(lambda n: b'{"response": "' + b"x" * n + b'"}'),  # huge string
    st.just(
        b'{"source": "youtube", "endpoint": "e", "params": {}, "fetched_at": '
        b'"2025-09-01T10:00:00Z", "response": {"n": 1e400, "m": -1e-400, "k": 123456789012345678901234567890}}'
    ),
    st.just(b""),
    st.just(b"\xef\xbb\xbf{}"),  # a byte-order mark
)
files = st.lists(st.one_of(envelope_lines(), envelope_lines(), raw_lines), min_size=1, max_size=6)

GENERATED = {"files": 0, "lines": 0}


def _fuzz(settings_: Settings, tmp_path: Path, max_examples: int) -> None:
    GENERATED.update(files=0, lines=0)
    with connect(settings_) as wh:

        @settings(
            max_examples=max_examples,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        )
        @given(files)
        def land(lines: list[bytes]) -> None:
            path = tmp_path / f"{uuid.uuid4().hex}.jsonl"
            # a line never holds a raw newline: archive lines are newline-delimited
            body = b"\n".join(line.replace(b"\n", b" ").replace(b"\r", b" ") for line in lines)
            path.write_bytes(body + b"\n")
            (result,) = load_paths(wh, [path])
            GENERATED["files"] += 1
            GENERATED["lines"] += len(lines)
            assert result.total == len(lines)
            assert result.processed + result.failed + result.duplicate == result.total
            stored = wh.query(
                "select processing_status, count(*) from raw.api_responses where batch_id = ? "
                "group by 1",
                [result.batch_id],
            )
            assert sum(n for _, n in stored) == len(lines) or result.skipped
            assert {s for s, _ in stored} <= {"processed", "failed", "duplicate"}

        land()
        assert unreconciled_batches(wh) == []
        # a failed line always says why; a processed one has a parsed, typed envelope
        assert not wh.scalar(
            "select count(*) from raw.api_responses where processing_status = 'failed' "
            "and (error_message is null or raw_line is null)"
        )
        assert not wh.scalar(
            "select count(*) from raw.api_responses where processing_status = 'processed' "
            "and (source is null or endpoint is null or fetched_at is null or raw_json is null)"
        )
        assert wh.table_exists("raw", "ingestion_batches")  # injection strings stayed data
    print(f"\nfuzzed {settings_.target}: {GENERATED}")


def test_fuzzed_files_land_line_by_line_duckdb(duckdb_warehouse: Settings, tmp_path: Path) -> None:
    _fuzz(duckdb_warehouse, tmp_path, max_examples=25)


def test_fuzzed_files_land_line_by_line_postgres(pg_warehouse: Settings, tmp_path: Path) -> None:
    _fuzz(pg_warehouse, tmp_path, max_examples=15)


# -- the two inputs that used to fail whole files -------------------------------------------------
GOOD = {
    "source": "youtube",
    "endpoint": "youtube/v3/videos",
    "params": {"q": "a\u0000b"},
    "fetched_at": "2025-09-01T10:00:00Z",
    "response": {"items": [{"id": "v1", "title": "nul \u0000 inside"}]},
}


def test_nul_escape_is_kept_exactly_and_parsed(warehouse: Settings, tmp_path: Path) -> None:
    line = json.dumps(GOOD)
    assert "\\u0000" in line
    # an escaped backslash before "u0000" is not a NUL: left alone
    escaped_backslash = json.dumps(dict(GOOD, params={}, response={"title": "nul \\u0000"}))
    path = tmp_path / "nul.jsonl"
    path.write_text(f"{line}\n{escaped_backslash}\n")
    with connect(warehouse) as wh:
        (result,) = load_paths(wh, [path])
        assert (result.total, result.processed, result.failed) == (2, 2, 0)
        text = "varchar" if wh.target == "duckdb" else "text"
        rows = wh.query(
            f"select line_no, raw_line, cast(raw_json as {text}), cast(params as {text}) "
            "from raw.api_responses order by 1"
        )
    (_, raw1, json1, params1), (_, raw2, json2, _) = rows
    assert raw1 == line  # the exact line, byte for byte
    assert json.loads(json1)["items"][0]["title"] == "nul \ufffd inside"  # usable parsed value
    assert json.loads(params1) == {"q": "a\ufffdb"}
    assert raw2 is None and json.loads(json2)["title"] == "nul \\u0000"


def test_line_over_the_maximum_is_quarantined(
    warehouse: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRENDCAST_MAX_LINE_BYTES", "4096")
    big = dict(GOOD, params={}, response={"s": "x" * 10_000})
    path = tmp_path / "long.jsonl"
    path.write_text(
        json.dumps(dict(GOOD, params={}))
        + "\n"
        + json.dumps(big)
        + "\n"
        + json.dumps(dict(GOOD, params={"n": 2}))
        + "\n"
    )
    with connect(warehouse) as wh:
        (result,) = load_paths(wh, [path])
        assert (result.total, result.processed, result.failed) == (3, 2, 1)
        reason, kept = wh.query(
            "select error_message, length(raw_line) from raw.api_responses where line_no = 2"
        )[0]
    assert reason.startswith("line too long: 10,") and "TRENDCAST_MAX_LINE_BYTES" in reason
    assert kept == 1024


# -- fuzzed calls the models read: the marts' tests still pass on what was processed ----------
def _first_line(path: Path) -> dict:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return json.loads(f.readline())


# one real call per source whose staging feeds trends.videos / trends.creators
BASES = [
    _first_line(SAMPLE_DIR / "youtube" / "youtube_mostpopular_GB_2025-09-01_2025-10-27.jsonl.gz"),
    _first_line(
        SAMPLE_DIR / "mastodon" / "mastodon_public_timelines_2023-10-20_2023-10-23.jsonl.gz"
    ),
    _first_line(SAMPLE_DIR / "tiktok" / "tiktok_real_fixtures.jsonl.gz"),
    _first_line(SAMPLE_DIR / "x" / "elonmusk_posts_2025-04-01_2025-06-01.jsonl.gz"),
]
# cautious: not the tests that also need marts outside the selection (video_features -> videos)
MART_SELECTION = ["--select", "+creators", "+videos", "--indirect-selection", "cautious"]


def _paths(node: object, path: tuple = ()) -> list[tuple]:
    out = [path] if path else []
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node[:3]):  # the first items are enough to reach every field
            out += _paths(value, (*path, i))
    return out


PATHS = [_paths(base["response"]) for base in BASES]


@st.composite
def mutated_calls(draw: st.DrawFn) -> bytes:
    """A real call of a recognised endpoint with a few of its response's values (any depth)
    replaced by hostile ones: what staging and the marts parse."""
    k = draw(st.integers(0, len(BASES) - 1))
    line = copy.deepcopy(BASES[k])
    for _ in range(draw(st.integers(1, 5))):
        path = draw(st.sampled_from(PATHS[k]))
        value = draw(st.one_of(json_values, st.sampled_from(TIMESTAMPS), st.just(None)))
        node = line["response"]
        try:
            for step in path[:-1]:
                node = node[step]
            node[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue  # an earlier replacement removed the path
    if draw(st.integers(0, 4)) == 0:
        line["fetched_at"] = draw(st.sampled_from(TIMESTAMPS))
    return json.dumps(line).encode()


def test_fuzzed_calls_build_and_marts_tests_pass(warehouse: Settings, tmp_path: Path) -> None:
    from flows.dbt import run_dbt

    counted = {"files": 0, "lines": 0, "processed": 0}
    with connect(warehouse) as wh:

        @settings(
            max_examples=20,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        )
        @given(st.lists(mutated_calls(), min_size=1, max_size=4))
        def land(lines: list[bytes]) -> None:
            path = tmp_path / f"{uuid.uuid4().hex}.jsonl"
            path.write_bytes(b"\n".join(lines) + b"\n")
            (result,) = load_paths(wh, [path])
            assert result.processed + result.failed + result.duplicate == result.total
            counted["files"] += 1
            counted["lines"] += result.total
            counted["processed"] += result.processed

        land()
        load_paths(wh, [SAMPLE_DIR / "youtube"])  # the unmutated calls beside them
        assert unreconciled_batches(wh) == []
    assert counted["processed"] > counted["files"]  # the mutants reached the models
    run = run_dbt(["build", *MART_SELECTION], warehouse)  # raises on any failure
    assert run.success and {"pass", "success"} >= set(run.statuses), run.statuses
    assert sum(n for s, n in run.statuses.items() if s == "pass") > 20  # the tests did run
    with connect(warehouse) as wh:
        assert wh.scalar("select count(*) from trends.videos") > 0
    print(f"\nfuzzed calls through the marts: {counted}, dbt {run.statuses}")

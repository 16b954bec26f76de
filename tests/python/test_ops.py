"""Scheduled operation without dbt: deployments and schedules, the writer lock (every writing
flow and command), alerts to a loopback webhook, schema fingerprints, latency stamps, the
freshness selection and a replay stopped by SIGTERM (fast; the replay through dbt end to end is
tests/python/test_ops_replay.py)."""

from __future__ import annotations

import gzip
import json
import sys
import threading
import time
import types
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
import yaml

from trendcast import alerts, ops
from trendcast.landing import load_paths
from trendcast.settings import PROJECT_DIR
from trendcast.warehouse import connect
from trendcast.writer_lock import WriterBusyError, writer_lock


# -- deployments -----------------------------------------------------------------------------
@pytest.fixture
def fake_optional_flows(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stand-ins for the extract and lifecycle flow modules (real Prefect flows)."""
    from prefect import flow

    extract = types.ModuleType("flows.extract_flows")
    for name in ("youtube", "tiktok", "mastodon", "mastodon_stream"):

        def body(out: str, regions: str = "US") -> None:
            return None

        setattr(extract, f"extract_{name}", flow(name=f"extract_{name}")(body))

    def x(out: str, account: str) -> None:  # which accounts: nothing to guess
        return None

    extract.extract_x = flow(name="extract_x")(x)
    lifecycle = types.ModuleType("flows.lifecycle_flows")

    def retention(target: str | None = None) -> None:
        return None

    lifecycle.retention = flow(name="retention")(retention)
    monkeypatch.setitem(sys.modules, "flows.extract_flows", extract)
    monkeypatch.setitem(sys.modules, "flows.lifecycle_flows", lifecycle)


def test_deployments_have_the_default_schedules_and_parameters(
    fake_optional_flows: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.schedules import SPECS, build_deployments, deployment_plan

    for spec in SPECS:
        monkeypatch.delenv(f"TRENDCAST_SCHEDULE_{spec.name.upper().replace('-', '_')}", False)
    monkeypatch.delenv("TRENDCAST_EXTRACT_X_PARAMS", False)
    plan = {p["name"]: p for p in deployment_plan("duckdb", tmp_path)}
    assert plan["extract-x"]["skipped"] == "needs account: set TRENDCAST_EXTRACT_X_PARAMS"
    assert "extract-x" not in {d.name for d in build_deployments("duckdb", tmp_path)}
    monkeypatch.setenv("TRENDCAST_EXTRACT_X_PARAMS", '{"account": "nasa"}')
    plan = {p["name"]: p for p in deployment_plan("duckdb", tmp_path)}
    assert plan["extract-x"]["parameters"] == {"out": str(tmp_path / "x"), "account": "nasa"}
    assert plan["extract-mastodon-stream"]["parameters"] == {"out": str(tmp_path / "mastodon")}
    assert set(plan) == {s.name for s in SPECS}
    assert plan["hourly"]["schedule"] == {"interval": 900.0}
    assert plan["extract-x"]["schedule"] == {"interval": 900.0}
    assert plan["extract-mastodon"]["schedule"] == {"interval": 300.0}
    assert plan["daily"]["schedule"] == {"cron": "30 3 * * *"}
    assert plan["retention"]["schedule"] == {"cron": "0 4 * * *"}
    assert plan["extract-youtube"]["schedule"] == {"cron": "5 0 * * *"}
    assert plan["hourly"]["parameters"] == {"target": "duckdb", "paths": [str(tmp_path)]}
    assert plan["daily"]["parameters"] == {"target": "duckdb", "paths": [str(tmp_path)]}
    assert plan["retention"]["parameters"] == {"target": "duckdb"}
    assert plan["extract-tiktok"]["parameters"] == {"out": str(tmp_path / "tiktok")}
    assert not any("skipped" in p for p in plan.values())

    deployments = {d.name: d for d in build_deployments("duckdb", tmp_path)}
    hourly = deployments["hourly"]
    assert hourly.schedules[0].schedule.interval.total_seconds() == 900
    assert hourly.parameters == {"target": "duckdb", "paths": [str(tmp_path)]}
    assert deployments["daily"].schedules[0].schedule.cron == "30 3 * * *"


def test_schedules_are_configurable_and_optional_flows_only_when_present(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.schedules import ScheduleError, deployment_plan, schedule_overrides

    monkeypatch.setitem(sys.modules, "flows.extract_flows", None)  # import fails
    monkeypatch.setitem(sys.modules, "flows.lifecycle_flows", None)
    monkeypatch.setenv("TRENDCAST_SCHEDULE_HOURLY", "300")
    monkeypatch.setenv("TRENDCAST_SCHEDULE_DAILY", "0 2 * * *")
    overrides = schedule_overrides({"daily": "off"})
    plan = {p["name"]: p for p in deployment_plan("postgres", tmp_path, overrides)}
    assert set(plan) == {"hourly", "daily"}
    assert plan["hourly"]["schedule"] == {"interval": 300.0}
    assert plan["daily"]["schedule"] == {}  # the CLI option wins over the variable
    with pytest.raises(ScheduleError, match="not a valid cron"):
        deployment_plan("duckdb", tmp_path, {"hourly": "61 * * * *"})
    with pytest.raises(ScheduleError, match="unknown deployment"):
        schedule_overrides({"hourly-ish": "60"})


def test_prefect_yaml_matches_the_served_deployments() -> None:
    from flows.schedules import SPECS, parse_schedule

    doc = yaml.safe_load((PROJECT_DIR / "prefect.yaml").read_text())
    by_name = {d["name"]: d for d in doc["deployments"]}
    assert set(by_name) == {s.name for s in SPECS}
    for spec in SPECS:
        d = by_name[spec.name]
        assert d["entrypoint"] == f"{spec.module.replace('.', '/')}.py:{spec.flow}"
        (sched,) = d["schedules"]
        assert {k: v for k, v in sched.items() if k in ("interval", "cron")} == parse_schedule(
            spec.default
        )


def test_a_failed_dbt_node_is_not_retried_but_io_errors_are() -> None:
    from types import SimpleNamespace

    from flows.dbt import DbtError, not_a_dbt_failure

    def state(exc: BaseException | None) -> SimpleNamespace:
        def result() -> None:
            if exc is not None:
                raise exc

        return SimpleNamespace(result=result)

    assert not not_a_dbt_failure(None, None, state(DbtError("dbt build failed: a test")))
    assert not_a_dbt_failure(None, None, state(OSError("database is locked")))


# -- the writer lock -------------------------------------------------------------------------
def _hold_in_threads(settings, hold: float = 1.0, timeout: float = 30.0) -> list[tuple]:
    spans: list[tuple] = []
    errors: list[BaseException] = []

    def run(name: str) -> None:
        try:
            with writer_lock(settings, name, timeout=timeout):
                start = time.monotonic()
                time.sleep(hold)
                spans.append((name, start, time.monotonic()))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in ("hourly", "daily")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    return sorted(spans, key=lambda s: s[1])


def test_two_flows_started_together_never_write_at_once(warehouse) -> None:
    (_, _s1, e1), (_, s2, _) = _hold_in_threads(warehouse)
    assert s2 >= e1  # the second waited for the first to finish


def test_a_flow_that_cannot_get_the_lock_gives_up_with_one_message(warehouse) -> None:
    held = threading.Event()
    done = threading.Event()

    def holder() -> None:
        with writer_lock(warehouse, "daily", timeout=5):
            held.set()
            done.wait(10)

    t = threading.Thread(target=holder)
    t.start()
    held.wait(5)
    try:
        with (
            pytest.raises(WriterBusyError, match="hourly: the warehouse writer lock"),
            writer_lock(warehouse, "hourly", timeout=0.6),
        ):
            pytest.fail("entered while another flow held the lock")
    finally:
        done.set()
        t.join()
    with writer_lock(warehouse, "hourly", timeout=1):
        pass  # released by the holder


def test_retention_and_erasure_hold_the_writer_lock(duckdb_warehouse) -> None:
    """Retention deletes and erasure rewrites: writers like hourly and daily, so they wait for
    the lock and give up with the same message (the flows and the commands started by hand)."""
    from typer.testing import CliRunner

    from flows.cli import app
    from flows.lifecycle_flows import erase_user, retention

    held = threading.Event()
    release = threading.Event()
    released_at: list[float] = []

    def holder() -> None:
        with writer_lock(duckdb_warehouse, "hourly", timeout=5):
            held.set()
            release.wait(10)
            released_at.append(time.time())

    t = threading.Thread(target=holder)
    t.start()
    held.wait(5)
    try:
        busy = "the warehouse writer lock .* is held by hourly"
        with pytest.raises(WriterBusyError, match=f"retention: {busy}"):
            retention.fn(target="duckdb", dry_run=True, lock_timeout=0.6)
        with pytest.raises(WriterBusyError, match=f"erase: {busy}"):
            erase_user.fn(user="x:someone", target="duckdb", lock_timeout=0.6)
        result = CliRunner().invoke(app, ["retention", "--dry-run", "--lock-timeout", "0.6"])
        assert result.exit_code == 1
        assert "retention: the warehouse writer lock" in result.output
        mastodon = CliRunner().invoke(app, ["mastodon", "retention", "--lock-timeout", "0.6"])
        assert mastodon.exit_code == 1 and "held by hourly" in mastodon.output
        with connect(duckdb_warehouse) as wh:  # nothing ran while the lock was held
            assert not wh.table_exists("ops", "retention_runs")
        # a command that may wait runs once the holder is done, not before
        threading.Timer(1.0, release.set).start()
        result = CliRunner().invoke(app, ["retention", "--dry-run", "--lock-timeout", "30"])
        assert result.exit_code == 0, result.output
    finally:
        release.set()
        t.join()
    with connect(duckdb_warehouse) as wh:
        started = wh.scalar("select min(started_at) from ops.retention_runs")
    assert started.timestamp() >= released_at[0]


def test_lock_is_reentrant_within_a_flow(duckdb_warehouse) -> None:
    with (
        writer_lock(duckdb_warehouse, "daily", timeout=1),
        writer_lock(duckdb_warehouse, "pipeline", timeout=1),
    ):
        pass


# -- alerts ----------------------------------------------------------------------------------
class _Hook(BaseHTTPRequestHandler):
    received: list[dict]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append(json.loads(body))  # type: ignore[attr-defined]
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def webhook(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    server = HTTPServer(("127.0.0.1", 0), _Hook)
    server.received = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("TRENDCAST_ALERT_URL", f"http://127.0.0.1:{server.server_port}/hook")
    monkeypatch.setenv("TRENDCAST_ALERT_STATE", str(tmp_path / "alerts.json"))
    yield server
    server.shutdown()


def test_an_incident_is_sent_once_until_it_clears(webhook, duckdb_warehouse) -> None:
    s = duckdb_warehouse
    assert alerts.raise_incident(s, "stale:x", "stale", "x: nothing landed for 2.0 h")
    assert not alerts.raise_incident(s, "stale:x", "stale", "x: nothing landed for 2.5 h")
    assert [m["key"] for m in webhook.received] == ["stale:x"]
    assert webhook.received[0]["message"] == "x: nothing landed for 2.0 h"
    assert alerts.resolve_missing(s, "stale", []) == ["stale:x"]
    assert alerts.raise_incident(s, "stale:x", "stale", "x: stale again")  # a new incident
    assert len(webhook.received) == 2


def test_an_alert_the_webhook_did_not_take_is_sent_later_once(
    webhook, duckdb_warehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = duckdb_warehouse
    good = f"http://127.0.0.1:{webhook.server_port}/hook"
    monkeypatch.setenv("TRENDCAST_ALERT_URL", "http://127.0.0.1:9/closed")
    assert not alerts.raise_incident(s, "flow_failed:hourly", "flow_failed", "boom")
    assert alerts.open_incidents(s)["flow_failed:hourly"]["last_error"]
    monkeypatch.setenv("TRENDCAST_ALERT_URL", good)
    assert alerts.raise_incident(s, "flow_failed:hourly", "flow_failed", "boom")
    assert not alerts.raise_incident(s, "flow_failed:hourly", "flow_failed", "boom")
    assert [m["key"] for m in webhook.received] == ["flow_failed:hourly"]


def test_a_failed_flow_run_alerts_once(webhook, duckdb_warehouse) -> None:
    from types import SimpleNamespace

    from flows.live import alert_on_failure, daily, hourly, resolve_on_success

    for fl in (hourly, daily):  # the scheduled flows carry the hooks
        assert alert_on_failure in fl.on_failure_hooks
        assert resolve_on_success in fl.on_completion_hooks
    flow = SimpleNamespace(name="hourly")
    state = SimpleNamespace(message="Flow run encountered an exception: warehouse unreachable")
    for run in ("calm-fox", "brave-owl"):  # two failed runs in a row: one incident
        alert_on_failure(flow, SimpleNamespace(name=run), state)
    assert [m["key"] for m in webhook.received] == ["flow_failed:hourly"]
    assert "calm-fox" in webhook.received[0]["message"]
    resolve_on_success(flow, SimpleNamespace(name="quiet-elk"), SimpleNamespace(message=""))
    assert "flow_failed:hourly" not in alerts.open_incidents(duckdb_warehouse)
    alert_on_failure(flow, SimpleNamespace(name="late-bat"), state)
    assert len(webhook.received) == 2  # a failure after a success is a new incident


# -- schema versions and latency stamps ------------------------------------------------------
def _archive(path: Path, bodies: list[dict], minute: int) -> Path:
    lines = [
        json.dumps(
            {
                "source": "mastodon",
                "endpoint": "api/v1/trends/tags",
                "params": {},
                "fetched_at": f"2025-06-01T10:{minute + i:02d}:00+00:00",
                "response": body,
            }
        )
        for i, body in enumerate(bodies)
    ]
    with gzip.open(path, "wt") as fh:
        fh.write("\n".join(lines) + "\n")
    return path


TAG = {
    "name": "cats",
    "url": "https://example.test/tags/cats",
    "history": [{"day": "1", "uses": "3"}],
}


def test_a_schema_change_is_recorded_once_with_when_it_was_first_seen(
    warehouse, tmp_path: Path
) -> None:
    first = _archive(tmp_path / "a.jsonl.gz", [[TAG], [TAG]], 0)
    changed = {**TAG, "following": False}
    del changed["url"]
    second = _archive(tmp_path / "b.jsonl.gz", [[changed]], 10)
    third = _archive(tmp_path / "c.jsonl.gz", [[changed], [changed]], 20)
    with connect(warehouse) as wh:
        (a,) = load_paths(wh, [first])
        assert ops.record_schema_versions(wh, [a.batch_id]) == []  # the first version
        (b,) = load_paths(wh, [second])
        changes = ops.record_schema_versions(wh, [b.batch_id])
        assert {(c.change, c.key_path) for c in changes} == {
            ("added", "[].following"),
            ("vanished", "[].url"),
        }
        assert {c.endpoint for c in changes} == {"trends.tags"}
        (c,) = load_paths(wh, [third])
        assert ops.record_schema_versions(wh, [c.batch_id]) == []  # same version again
        rows = wh.query("select change, key_path, batch_id from ops.schema_changes order by change")
        assert rows == [("added", "[].following", b.batch_id), ("vanished", "[].url", b.batch_id)]
        assert wh.scalar("select count(*) from ops.schema_versions") == 2


def test_stages_stamp_every_waiting_batch_so_a_killed_cycle_is_caught_up(
    warehouse, tmp_path: Path
) -> None:
    one = _archive(tmp_path / "a.jsonl.gz", [[TAG]], 0)
    two = _archive(tmp_path / "b.jsonl.gz", [[TAG]], 30)
    with connect(warehouse) as wh:
        (a,) = load_paths(wh, [one])
        ops.register_batches(wh, [a.batch_id])
        ops.mark_stage(wh, "built_at")  # the cycle was killed after its build
        (b,) = load_paths(wh, [two])  # landed by a run killed before it registered anything
        assert ops.register_batches(wh, []) == 1
        for stage in ops.STAGES:
            ops.mark_stage(wh, stage)
        rows = wh.query_df(
            "select batch_id, newest_fetched_at, available_at, landed_at, built_at, "
            "features_at, scored_at, published_at from ops.processing_latency order by 1"
        )
    assert sorted(rows["batch_id"]) == sorted([a.batch_id, b.batch_id])
    assert rows.notna().all().all()
    for _, r in rows.iterrows():
        assert r["available_at"] == r["newest_fetched_at"]  # live: available when fetched
        assert r["landed_at"] <= r["built_at"] <= r["features_at"]
        assert r["features_at"] <= r["scored_at"] <= r["published_at"]
    built = dict(zip(rows["batch_id"], rows["built_at"], strict=True))
    assert built[a.batch_id] < built[b.batch_id]  # the first build's stamp was kept


def test_replay_releases_each_file_when_its_newest_fetch_is_due(tmp_path: Path) -> None:
    from flows.schedules import run_replay

    src = tmp_path / "src"
    src.mkdir()
    for minute in (0, 20, 50):  # newest fetched_at 10:00, 10:20 and 10:50
        _archive(src / f"m{minute:02d}.jsonl.gz", [[TAG]], minute)
    now = [1_000.0]
    inbox = tmp_path / "inbox"
    seen: list[tuple[float, list[str]]] = []

    def cycle() -> dict:
        seen.append((now[0], sorted(p.name for p in inbox.glob("*.jsonl.gz"))))
        return {}

    def sleep(seconds: float) -> None:
        now[0] += seconds

    # 60x: a replay minute is a wall second; a cycle every 900 replay s = every 15 wall s
    cycles = run_replay(src, inbox, 60.0, cycle, cycle_every=900.0,
                        clock=lambda: now[0], sleep=sleep)  # fmt: skip
    assert [c["released"] and [Path(p).name for p in c["released"]] for c in cycles] == [
        ["m00.jsonl.gz"],
        ["m20.jsonl.gz"],
        ["m50.jsonl.gz"],
    ]
    # ticks at 0, 15 (nothing due), 30 (10:20 was due at 20) and 60 s (10:50 due at 50)
    assert [t - 1_000.0 for t, _ in seen] == [0.0, 30.0, 60.0]
    assert seen[-1][1] == ["m00.jsonl.gz", "m20.jsonl.gz", "m50.jsonl.gz"]
    # each copy carries the moment it was due, not when it was copied
    assert (inbox / "m20.jsonl.gz").stat().st_mtime == pytest.approx(1_020.0)


def test_a_replay_stopped_by_sigterm_leaves_no_part_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SIGTERM mid-copy: the half-copied file is removed and the replay stops; `.part` files a
    killed replay left are removed at the start, a copy another process still writes is not."""
    import fcntl
    import os
    import signal

    from flows import schedules
    from trendcast.sources import signals

    src = tmp_path / "src"
    src.mkdir()
    for minute in (0, 20):
        _archive(src / f"m{minute:02d}.jsonl.gz", [[TAG]], minute)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / ".old.jsonl.gz.part").write_bytes(b"left by a killed replay")
    live = inbox / ".live.jsonl.gz.part"
    live_fh = open(live, "wb")  # noqa: SIM115 - closed below
    fcntl.flock(live_fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    copies = []

    def copy_half_then_terminated(fsrc, fdst, length=0) -> None:
        copies.append(fdst.name)
        if len(copies) == 2:  # the second file: half of it, then the scheduler stops us
            fdst.write(fsrc.read(10))
            os.kill(os.getpid(), signal.SIGTERM)
        fdst.write(fsrc.read())

    monkeypatch.setattr(schedules.shutil, "copyfileobj", copy_half_then_terminated)
    now = [1_000.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    try:
        with pytest.raises(signals.Terminated), signals.terminate_gracefully():
            schedules.run_replay(src, inbox, 60.0, lambda: {}, cycle_every=900.0,
                                 clock=lambda: now[0], sleep=sleep)  # fmt: skip
        assert signals.received()
        assert len(copies) == 2
        # the first file whole, the second neither half-copied nor under its final name
        assert sorted(p.name for p in inbox.iterdir()) == [".live.jsonl.gz.part", "m00.jsonl.gz"]
    finally:
        live_fh.close()
    assert signal.getsignal(signal.SIGTERM) is not signals._handler  # handler put back


def test_freshness_selects_every_checkable_source_whose_table_exists() -> None:
    """`dbt source freshness` without a selection checks nothing here (the default selector
    selects no source): the cycle names the sources with a loaded_at_field and a limit."""
    from flows.live import freshness_selection

    limit = {"warn_after": {"count": 2, "period": "day"}, "error_after": {"count": None}}
    none = {"warn_after": {"count": None}, "error_after": {"count": None}}

    def src(source: str, name: str, loaded: str | None, fresh: dict | None, schema: str) -> dict:
        return {"source_name": source, "name": name, "identifier": name, "schema": schema,
                "loaded_at_field": loaded, "freshness": fresh}  # fmt: skip

    manifest = {
        "sources": {
            "a": src("raw", "api_responses", "loaded_at", limit, "raw"),
            "b": src("raw", "ingestion_batches", "completed_at", limit, "raw"),
            "c": src("raw", "response_items", None, None, "raw"),  # no loaded_at_field
            "d": src("ops", "processing_latency", None, none, "ops"),  # no limit
            "e": src("ml", "predictions", "scored_at", limit, "ml"),  # not created yet
        }
    }
    existing = {
        ("raw", "api_responses"),
        ("raw", "ingestion_batches"),
        ("ops", "processing_latency"),
    }
    selection = freshness_selection(manifest, lambda s, t: (s, t) in existing)
    assert selection == ["source:raw.api_responses", "source:raw.ingestion_batches"]


def test_freshness_follows_dbts_rules_on_the_manifests_sources(warehouse) -> None:
    """The cycle's freshness check (one max() per table, no dbt invocation) reads the rules from
    dbt's manifest and judges as dbt does: error past error_after, else warn past warn_after,
    else pass; naive timestamps are UTC; the source filter applies; no row is a runtime error."""
    from datetime import UTC, datetime, timedelta

    from flows.live import freshness_checks

    at = datetime(2026, 1, 10, 12, tzinfo=UTC)
    with connect(warehouse) as wh:
        wh.execute("create schema if not exists fresh")
        for name, age_days in (("recent", 1), ("older", 3), ("stale", 8)):
            wh.execute(f"drop table if exists fresh.{name}")
            wh.execute(f"create table fresh.{name} (loaded_at timestamp, kind text)")
            naive = (at - timedelta(days=age_days)).replace(tzinfo=None)
            wh.execute(f"insert into fresh.{name} values (?, 'new'), (?, 'old')",
                       [naive, naive - timedelta(days=30)])  # fmt: skip
        wh.execute("drop table if exists fresh.empty")
        wh.execute("create table fresh.empty (loaded_at timestamp)")

    def src(name: str, **freshness) -> dict:
        limits = {"warn_after": {"count": 2, "period": "day"},
                  "error_after": {"count": 7, "period": "day"}} | freshness  # fmt: skip
        return {"source_name": "fresh", "name": name, "identifier": name, "schema": "fresh",
                "loaded_at_field": "loaded_at", "freshness": limits}  # fmt: skip

    manifest = {
        "sources": {
            "source.p.fresh.recent": src("recent"),
            "source.p.fresh.older": src("older"),
            "source.p.fresh.stale": src("stale"),
            "source.p.fresh.empty": src("empty"),
            # only the old rows count: 31 days
            "source.p.fresh.filtered": src("recent", filter="kind = 'old'") | {"name": "filtered"},
            "source.p.fresh.hours": src("recent", warn_after={"count": 12, "period": "hour"})
            | {"name": "hours"},
        }
    }
    selection = [
        f"source:fresh.{n}" for n in ("recent", "older", "stale", "empty", "filtered", "hours")
    ]
    checks = freshness_checks(manifest, selection)
    with connect(warehouse) as wh:
        result = ops.check_freshness(wh, checks, at=at)
        assert ops.store_freshness(wh, result, at=at) == 6
        stored = dict(
            (t, (s, a))
            for t, s, a in wh.query(
                "select table_name, status, age_seconds from ops.source_freshness"
            )
        )
    day = 86400.0
    assert stored == {
        "recent": ("pass", day),
        "older": ("warn", 3 * day),
        "stale": ("error", 8 * day),
        "empty": ("runtime error", None),
        "filtered": ("error", 31 * day),
        "hours": ("warn", day),
    }
    # a rule only dbt evaluates sends the cycle back to `dbt source freshness`
    manifest["sources"]["source.p.fresh.older"]["loaded_at_query"] = "select 1"
    assert freshness_checks(manifest, selection) == []


def test_the_hourly_cycle_runs_plain_dbt_and_names_what_it_wrote_only_as_sole_writer(
    duckdb_warehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No Prefect task per dbt node in the hourly cycle (the daily keeps them); the publish
    gets the cycle's list of written relations only when nothing else wrote the warehouse since
    the previous cycle ended, and compares every table otherwise."""
    import flows.dbt
    import flows.live as live

    seen: dict[str, list] = {"runner": [], "written": []}

    def land(paths, target, replay):
        seen["runner"].append(flows.dbt._PREFECT_RUNNER.get())
        return {"landed": ["b"], "pending": 1, "was_built": True, "schema_changes": []}

    def publish(target, written=None):
        seen["written"].append(written)
        return {}

    monkeypatch.setattr(live, "land_task", land)
    monkeypatch.setattr(
        live, "build_task", lambda *a: {"written": ["core.x"], "features_stamped": 1}
    )
    monkeypatch.setattr(live, "publish_task", publish)
    for name in ("score_task", "ops_marts_task", "freshness_task", "checks_task"):
        monkeypatch.setattr(live, name, lambda *a: {})
    with connect(duckdb_warehouse) as wh:
        wh.execute("create table if not exists t as select 1 as x")

    def cycle() -> None:
        live.run_cycle(["unused"], "duckdb", live.CycleOptions(), lock_timeout=5)

    cycle()  # no previous cycle: compare everything
    cycle()  # nothing wrote since: the cycle's own list
    with connect(duckdb_warehouse) as wh:  # another writer between two cycles
        wh.execute("insert into t values (2)")
    cycle()
    assert seen["written"] == [None, ["core.x"], None]
    assert seen["runner"] == [False, False, False]
    with flows.dbt.prefect_node_tasks():  # what the daily flow runs under
        assert flows.dbt._PREFECT_RUNNER.get()


def test_a_dbt_run_names_the_relations_it_wrote() -> None:
    """What the hourly publish compares: tables dbt built successfully, not tests or failures."""
    from types import SimpleNamespace

    from flows.dbt import DbtRun, _relation

    def node(kind: str, schema: str, alias: str) -> SimpleNamespace:
        return SimpleNamespace(resource_type=kind, schema=schema, alias=alias)

    assert _relation(node("model", "core", "dim_date")) == "core.dim_date"
    assert _relation(node("NodeType.Seed", "seeds", "engagement_types")) == "seeds.engagement_types"
    assert _relation(node("test", "dbt_test__audit", "unique_x")) is None
    run = DbtRun(
        True,
        [],
        [
            {"status": "success", "relation": "core.b"},
            {"status": "success", "relation": "core.a"},
            {"status": "pass", "relation": None},
            {"status": "error", "relation": "core.c"},
        ],
    )
    assert run.written == ["core.a", "core.b"]

"""The flows that keep trendcast fresh on a schedule: `hourly` (every 15 min) and `daily`.

`hourly` is one cycle: land the new archive files, one `dbt build --selector hourly_cycle` (the
models new data changes, the primary-key tests and the feature marts), score the new entities,
publish for readers, then record
latency, check source freshness (dbt's rules, one query per source table), fingerprint the
responses it landed and raise the alerts that apply. dbt runs through dbt's own runner here
(HOURLY_NODE_TASKS), and the publish compares only what the cycle wrote while it is the
warehouse's only writer (trendcast/publish.py). Each stage stamps the batches it carried in ops.processing_latency
(trendcast/ops.py), so a cycle killed halfway leaves stamps missing and the next cycle, which
finds those batches still pending, carries them through.

`daily` is the full pipeline (flows/pipeline.py: every test, training, forecasts, backfill of
actuals, report), under the same writer lock.

Both hold the warehouse writer lock (trendcast/writer_lock.py) for their whole run: a second
flow started meanwhile waits, then gives up with one clear message.
"""

from __future__ import annotations

import importlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

from prefect import flow, task

from flows.dbt import DbtError, DbtRun, hourly_build, not_a_dbt_failure, prefect_node_tasks, run_dbt
from trendcast import alerts, ops
from trendcast.settings import PROJECT_DIR, Settings
from trendcast.warehouse import connect
from trendcast.writer_lock import writer_lock

# The hourly cycle runs dbt through dbt's own runner, not one Prefect task per node: its build
# is ~80 short nodes, and a task per node (task run created, states reported to the API) cost
# more than the nodes themselves (docs/OPERATIONS.md, "What a cycle does"). The per-node
# results stay visible in the build task's result (`statuses`, `slowest`) and in a table
# artifact; the daily flow keeps a task per node. TRENDCAST_DBT_RUNNER=prefect restores them.
HOURLY_NODE_TASKS = False
DEFAULT_SLA_SECONDS = 900.0  # fetch -> predictions available in the marts
DEFAULT_LOCK_TIMEOUT = 600.0
# a source with nothing landed for this long is stale (its fastest schedule, with room to spare)
DEFAULT_STALE_AFTER = {
    "youtube": 26 * 3600,
    "tiktok": 26 * 3600,
    "x": 3600,
    "mastodon": 1800,
    "platform": 1800,
}


def archive_dir() -> Path:
    """Where extractors (and a replay) drop archive files for the hourly flow to land."""
    path = Path(os.environ.get("TRENDCAST_ARCHIVE_DIR") or "data/archive")
    return path if path.is_absolute() else PROJECT_DIR / path


@dataclass
class CycleOptions:
    """What one hourly cycle does; every flag defaults to the production cycle."""

    replay: bool = False
    features: bool = True
    score: bool = True
    publish: bool = True
    freshness: bool = True
    sla_seconds: float = DEFAULT_SLA_SECONDS
    stale_after: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_STALE_AFTER))


# -- stages (tasks pass small values; the data stays in the warehouse) -----------------------
@task(retries=2, retry_delay_seconds=5)
def land_task(paths: list[str], target: str | None, replay: bool) -> dict[str, Any]:
    """Land the archive files not landed since they were last written and register their
    batches for latency tracking; returns what the live loop needs to decide whether to build
    (new batches, pending publications, whether the marts exist yet)."""
    from trendcast.archive import discover
    from trendcast.landing import load_paths

    settings = Settings.from_env(target)
    existing = [p for p in paths if Path(p).exists()]
    files = discover([Path(p) for p in existing]) if existing else []
    with connect(settings) as wh:
        files = _not_landed(wh, files)
        results = load_paths(wh, files) if files else []
        new = [r.batch_id for r in results if not r.skipped]
        ops.register_batches(wh, new, replay=replay)
        changes = ops.record_schema_versions(wh, new)
        pending = wh.scalar(
            "select count(*) from ops.processing_latency where published_at is null"
        )
        built = wh.table_exists("core", "dim_date")
    return {
        "files": len(files),
        "landed": new,
        "pending": int(pending or 0),
        "was_built": built,
        "schema_changes": [c.__dict__ for c in changes],
    }


def _not_landed(wh: Any, files: list[Path]) -> list[Path]:
    """Files not landed under this path since they were last written. The archive folder only
    grows, and hashing every file in it every 15 minutes would grow with it; a file rewritten
    after landing is read again (and is a no-op if its bytes did not change)."""
    from trendcast.landing import ensure_raw_schema

    if not files:
        return []
    ensure_raw_schema(wh)
    landed = dict(
        wh.query("select file_path, max(created_at) from raw.ingestion_batches group by file_path")
    )
    out = []
    for p in files:
        at = landed.get(str(p))
        if at is None or p.stat().st_mtime > _aware(at).timestamp():
            out.append(p)
    return out


def _mark(target: str | None, stage: str) -> int:
    with connect(Settings.from_env(target)) as wh:
        return ops.mark_stage(wh, stage)


def _sources_to_build(settings: Settings) -> set[str] | None:
    """The sources of the batches not built yet: the hourly build rebuilds only what is built
    on their staging (a Mastodon timeline every 5 minutes does not rebuild the YouTube marts).
    None, so the whole hourly selection, when a batch has no single source."""
    with connect(settings) as wh:
        rows = wh.query("select distinct source from ops.processing_latency where built_at is null")
    sources = {source for (source,) in rows}
    return None if None in sources else sources


@task(retries=1, retry_delay_seconds=5, retry_condition_fn=not_a_dbt_failure)
def build_task(target: str | None, first: bool, features: bool = True) -> dict[str, Any]:
    """The hourly dbt build: the models new data changes, their key tests and (with `features`)
    the feature marts, in one invocation (flows/dbt.py hourly_build), so built_at and
    features_at are stamped together. A warehouse never built gets its seeds and every model
    first, the feature marts included (no tests: the daily build runs those)."""
    settings = Settings.from_env(target)
    if first:
        # two invocations: PrefectDbtRunner keeps only one of repeated --resource-type flags
        seeds = run_dbt(["seed"], settings)
        models = run_dbt(["run"], settings)
        run = DbtRun(True, models.args, seeds.results + models.results)
    else:
        run = hourly_build(settings, features=features, sources=_sources_to_build(settings))
    _node_table(run)
    slowest = sorted(run.results, key=lambda r: r["seconds"], reverse=True)[:8]
    out = {"nodes": len(run.results), "statuses": run.statuses,
           "slowest": [[r["name"], round(r["seconds"], 2)] for r in slowest],
           "written": run.written, "stamped": _mark(target, "built_at")}  # fmt: skip
    if features or first:
        out["features_stamped"] = _mark(target, "features_at")
    return out


def _node_table(run: DbtRun) -> None:
    """Every node of the build with its status and seconds, as one table artifact of the flow
    run (one API call, where a task per node costs one per node and state)."""
    from prefect.artifacts import create_table_artifact
    from prefect.context import FlowRunContext

    if FlowRunContext.get() is None or not run.results:
        return
    rows = [{k: r[k] for k in ("name", "resource_type", "status", "seconds")} for r in run.results]
    create_table_artifact(table=rows, key="hourly-dbt-build", description="the cycle's dbt build")


@task(retries=1, retry_delay_seconds=5, retry_condition_fn=not_a_dbt_failure)
def score_task(target: str | None) -> dict[str, Any]:
    """Score the entities the production model has not seen (python_ml.virality.score scores
    first appearances after its training data; an upsert, so a rerun changes nothing)."""
    from python_ml.virality.score import score

    settings = Settings.from_env(target)
    with connect(settings) as wh:
        result = score(wh, settings)
    keep = {k: result.get(k) for k in ("status", "reason", "scored", "model_version")}
    return keep | {"stamped": _mark(target, "scored_at")}


def _publisher(name: str = "publish") -> Any:
    try:
        module = importlib.import_module("trendcast.publish")
    except ImportError:
        return None
    return getattr(module, name, None)


# What the hourly cycle writes outside dbt, whole schemas: landing's ops stamps, schema versions
# and freshness results, scoring's ml.* tables, and the latency mart (built after the previous
# cycle's publish, so this publish is the first to see it)
WRITTEN_OUTSIDE_DBT = ("ops.*", "ml.*", "ops_marts.*")


@task(retries=1, retry_delay_seconds=5, retry_condition_fn=not_a_dbt_failure)
def publish_task(target: str | None, written: list[str] | None = None) -> dict[str, Any]:
    """Rebuild the prediction marts, then publish the reader copy (trendcast/publish.py).

    `written`: the relations this cycle's build wrote, when the cycle knows it is the only
    writer since the last one (trendcast/publish.py `unchanged_since_cycle`): the publish then
    compares only those, the prediction marts and the schemas written outside dbt. None: it
    compares every table."""
    settings = Settings.from_env(target)
    # on the build's parse: its manifest.json stands (flows/dbt.py run_dbt, write_json)
    run = run_dbt(["run", "--select", "path:models/marts/ml"], settings, write_json=False)
    out: dict[str, Any] = {"nodes": len(run.results)}
    publish = _publisher()
    if publish is not None:
        changed = None
        if written is not None:
            changed = sorted({*written, *run.written, *WRITTEN_OUTSIDE_DBT})
        result = publish(settings, changed=changed)
        out["published"] = str(getattr(result, "location", result))
        out["copy_seconds"] = getattr(result, "seconds", None)
        out["tables_compared"] = getattr(result, "checked", None)
    out["stamped"] = _mark(target, "published_at")
    return out


@task(retries=1, retry_delay_seconds=5, retry_condition_fn=not_a_dbt_failure)
def ops_marts_task(target: str | None) -> dict[str, Any]:
    """The latency mart (p50/p95 per source and day) over what this cycle stamped."""
    # with its staging and intermediate views: they read an empty relation until ops exists.
    # Only this mart: the other ops mart (staging_quality_counts) is a view for the daily checks,
    # and `+` on it would re-run four incremental staging models every cycle
    run = run_dbt(
        ["run", "--select", "+processing_latency_daily"],
        Settings.from_env(target),
        write_json=False,
    )
    return {"nodes": len(run.results)}


def freshness_selection(manifest: dict[str, Any], exists: Any) -> list[str]:
    """The `--select` of `dbt source freshness`: every source table with a loaded_at_field and a
    warn or error limit whose relation exists (`exists(schema, table)`).

    Named explicitly because the project's default selector (`warehouse`, selectors.yml) selects
    no source, so a bare `dbt source freshness` checks nothing and writes an empty result; and a
    table not created yet (ml.* before the first training) would be a runtime error, not a
    freshness finding."""
    out = []
    for source in manifest.get("sources", {}).values():
        limits = source.get("freshness") or {}
        has_limit = any((limits.get(k) or {}).get("count") for k in ("warn_after", "error_after"))
        if not source.get("loaded_at_field") or not has_limit:
            continue
        if exists(source["schema"], source.get("identifier") or source["name"]):
            out.append(f"source:{source['source_name']}.{source['name']}")
    return sorted(out)


def freshness_checks(manifest: dict[str, Any], selection: list[str]) -> list[ops.FreshnessCheck]:
    """The rules of the selected sources (freshness_selection's `source:` names) as dbt's
    manifest states them; empty when one needs what only dbt evaluates (a loaded_at_query)."""
    from trendcast.warehouse import ident

    wanted = set(selection)
    out = []
    for uid, source in sorted(manifest.get("sources", {}).items()):
        if f"source:{source['source_name']}.{source['name']}" not in wanted:
            continue
        if source.get("loaded_at_query"):
            return []
        limits = source.get("freshness") or {}
        seconds = {}
        for key in ("warn_after", "error_after"):
            rule = limits.get(key) or {}
            count, period = rule.get("count"), rule.get("period")
            seconds[key] = count * ops.PERIOD_SECONDS[period] if count and period else None
        table = source.get("identifier") or source["name"]
        out.append(
            ops.FreshnessCheck(
                unique_id=uid,
                relation=f"{ident(source['schema'])}.{ident(table)}",
                loaded_at_field=source["loaded_at_field"],
                warn_seconds=seconds["warn_after"],
                error_seconds=seconds["error_after"],
                filter=limits.get("filter") or None,
            )
        )
    return out


@task(retries=1, retry_delay_seconds=5)
def freshness_task(target: str | None) -> dict[str, Any]:
    """Source freshness on the checkable sources, by dbt's rules and dbt's source definitions,
    into ops.source_freshness. A stale source is a finding, not a failure of the cycle.

    Computed with one max() per table (ops.check_freshness) instead of a `dbt source
    freshness` invocation, whose fixed cost (seconds) bought nothing these few queries do not;
    a source with a `loaded_at_query` still goes through dbt."""
    settings = Settings.from_env(target)
    target_dir = Path(os.environ.get("DBT_TARGET_PATH") or PROJECT_DIR / "target")
    manifest_path = target_dir / "manifest.json"
    if not manifest_path.exists():  # a cycle that ran no dbt yet: parse the project once
        run_dbt(["parse"], settings)
    manifest = json.loads(manifest_path.read_text())
    with connect(settings) as wh:
        selection = freshness_selection(manifest, wh.table_exists)
        checks = freshness_checks(manifest, selection)
        if checks:
            stored = ops.store_freshness(wh, ops.check_freshness(wh, checks))
            return {"stored": stored, "selected": len(selection), "error": None}
    if not selection:
        return {"stored": 0, "selected": 0}
    return _dbt_freshness(settings, target_dir, selection)


def _dbt_freshness(settings: Settings, target_dir: Path, selection: list[str]) -> dict[str, Any]:
    """`dbt source freshness` itself, for rules only dbt evaluates (a loaded_at_query)."""
    out = target_dir / "sources.json"
    out.unlink(missing_ok=True)
    error = None
    try:
        run_dbt(["source", "freshness", "--select", *selection], settings)
    except DbtError as exc:
        # non-zero when a source is past error_after; the results are written all the same
        error = str(exc)
    if not out.exists():
        raise DbtError(f"dbt source freshness wrote no {out}: {error or 'no error reported'}")
    with connect(settings) as wh:
        stored = ops.store_freshness(wh, json.loads(out.read_text()))
    return {"stored": stored, "selected": len(selection), "error": error}


@task
def checks_task(target: str | None, options: CycleOptions, changes: list[dict]) -> dict[str, Any]:
    """Missed SLA, stale sources and schema changes -> alerts (each incident sent once)."""
    settings = Settings.from_env(target)
    with connect(settings) as wh:
        latency = ops.latency_summary(wh, options.sla_seconds)
        staleness = ops.source_staleness(wh)
        now = ops.now_utc()
    sent = []
    missed = [r for r in latency if r["sla_met"] is False]
    for r in missed:
        key = f"sla_missed:{r['source']}"
        msg = (
            f"{r['source']}: p95 fetch-to-published {r['p95_seconds']:.0f} s exceeds the "
            f"SLA of {options.sla_seconds:.0f} s ({r['published']} batches)"
        )
        if alerts.raise_incident(settings, key, "sla_missed", msg):
            sent.append(key)
    alerts.resolve_missing(settings, "sla_missed", [f"sla_missed:{r['source']}" for r in missed])
    stale = []
    if not options.replay:
        for r in staleness:
            limit = options.stale_after.get(r["source"])
            landed = r.get("last_landed_at")
            if limit is None or landed is None:
                continue
            age = (now - _aware(landed)).total_seconds()
            if age > limit:
                stale.append(r["source"])
                key = f"stale:{r['source']}"
                msg = f"{r['source']}: nothing landed for {age / 3600:.1f} h (limit {limit / 3600:.1f} h)"
                if alerts.raise_incident(settings, key, "stale", msg):
                    sent.append(key)
    alerts.resolve_missing(settings, "stale", [f"stale:{s}" for s in stale])
    by_endpoint: dict[tuple[str, str], list[str]] = {}
    for c in changes:
        by_endpoint.setdefault((c["source"], c["endpoint"]), []).append(
            f"{c['change']} {c['key_path']}"
        )
    for (source, endpoint), items in by_endpoint.items():
        key = f"schema:{source}:{endpoint}:{ops.fingerprint(items)}"
        msg = f"{source} {endpoint}: response keys changed: " + ", ".join(sorted(items)[:20])
        if alerts.raise_incident(settings, key, "schema", msg):
            sent.append(key)
    return {"sla_missed": [r["source"] for r in missed], "stale": stale, "alerts_sent": sent}


def _aware(ts: Any) -> Any:
    import pandas as pd

    t = pd.Timestamp(ts)
    return (t.tz_localize("UTC") if t.tzinfo is None else t).to_pydatetime()


def alert_on_failure(flow: Any, flow_run: Any, state: Any) -> None:
    """A failed scheduled run opens one incident per flow until a run of it succeeds."""
    settings = Settings.from_env()
    alerts.raise_incident(
        settings,
        f"flow_failed:{flow.name}",
        "flow_failed",
        f"flow {flow.name} run {flow_run.name} failed: {state.message}",
    )


def resolve_on_success(flow: Any, flow_run: Any, state: Any) -> None:
    """A successful run closes its flow's failure incident; the next failure is a new one."""
    settings = Settings.from_env()
    mine = f"flow_failed:{flow.name}"
    others = [k for k in alerts.open_incidents(settings) if k != mine]
    alerts.resolve_missing(settings, "flow_failed", others)


# -- flows -----------------------------------------------------------------------------------
def run_cycle(
    paths: list[str], target: str | None, options: CycleOptions, lock_timeout: float
) -> dict[str, Any]:
    """One hourly cycle under the writer lock (the body of the `hourly` flow). The summary's
    `seconds` holds each stage's wall time (the live benchmark reports them)."""
    settings = Settings.from_env(target)
    seconds: dict[str, float] = {}

    def timed(stage: str, fn: Any, *args: Any) -> Any:
        started = time.perf_counter()
        try:
            return fn(*args)
        finally:
            seconds[stage] = round(time.perf_counter() - started, 2)

    with writer_lock(settings, "hourly", lock_timeout), prefect_node_tasks(HOURLY_NODE_TASKS):
        unchanged = _publisher("unchanged_since_cycle")
        sole_writer = bool(unchanged and unchanged(settings))
        landed = timed("land", land_task, paths, target, options.replay)
        summary: dict[str, Any] = {"target": settings.target, "land": landed, "seconds": seconds}
        if landed["pending"] == 0 and landed["was_built"]:
            summary["skipped"] = "no new or pending batches"
        else:
            summary["build"] = timed(
                "build", build_task, target, not landed["was_built"], options.features
            )
            if "features_stamped" not in summary["build"]:
                summary["features"] = {"stamped": _mark(target, "features_at")}
            if options.score:
                summary["score"] = timed("score", score_task, target)
            else:
                summary["score"] = {"stamped": _mark(target, "scored_at")}
            written = summary["build"].get("written") if sole_writer else None
            summary["publish"] = timed("publish", publish_task, target, written) if options.publish else {
                "stamped": _mark(target, "published_at")
            }  # fmt: skip
            summary["ops_marts"] = timed("ops_marts", ops_marts_task, target)
        if options.freshness:
            summary["freshness"] = timed("freshness", freshness_task, target)
        summary["checks"] = timed("checks", checks_task, target, options, landed["schema_changes"])
        record = _publisher("record_cycle_end")
        if record is not None:
            record(settings)  # after the cycle's last write (trendcast/publish.py)
    return summary


@flow(name="hourly", log_prints=True, on_failure=[alert_on_failure],
      on_completion=[resolve_on_success])  # fmt: skip
def hourly(
    paths: list[str] | None = None,
    target: str | None = None,
    replay: bool = False,
    features: bool = True,
    score: bool = True,
    publish: bool = True,
    freshness: bool = True,
    sla_seconds: float = DEFAULT_SLA_SECONDS,
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
) -> dict[str, Any]:
    """Land new archives, rebuild what they change, features, score the new entities, publish;
    then latency, source freshness, schema fingerprints and alerts (module docstring)."""
    options = CycleOptions(replay=replay, features=features, score=score, publish=publish,
                           freshness=freshness, sla_seconds=sla_seconds)  # fmt: skip
    return run_cycle(paths or [str(archive_dir())], target, options, lock_timeout)


@flow(name="daily", log_prints=True, on_failure=[alert_on_failure],
      on_completion=[resolve_on_success])  # fmt: skip
def daily(
    paths: list[str] | None = None,
    target: str | None = None,
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
) -> dict[str, Any]:
    """The full pipeline (all tests, training, forecasts, backfill of actuals, report) under
    the writer lock; batches it lands count as built, scored and published when it ends."""
    from flows.pipeline import pipeline

    settings = Settings.from_env(target)
    chosen = paths or [str(archive_dir())]
    with writer_lock(settings, "daily", lock_timeout), prefect_node_tasks():
        existing = [p for p in chosen if Path(p).exists()]
        summary = pipeline(existing, target=settings.target)
        with connect(settings) as wh:
            new = [b["batch_id"] for b in summary.get("batches", []) if not b["skipped"]]
            ops.register_batches(wh, new)
            for stage in ops.STAGES:
                ops.mark_stage(wh, stage)
    return {"target": settings.target, "stages": list(summary.get("stages", {}))}

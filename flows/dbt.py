"""Run dbt in-process against the target the settings name.

dbt reads profiles.yml, which reads the same TRENDCAST_* variables as trendcast.settings, so the
variables are exported before each invocation (and put back after). One invocation at a time
per process.

Two runners, one result shape: dbt's own `dbtRunner`, or prefect-dbt's `PrefectDbtRunner`,
which reports every node as a Prefect task with its own state, so a scheduled run shows
per-node progress and results in the Prefect UI. The scheduled flows (flows/live.py) use the
Prefect runner; elsewhere (CLI, tests, the benchmark) dbt's runner avoids one Prefect task per
node where nobody watches them. TRENDCAST_DBT_RUNNER=prefect|dbt forces either. The
environment export, the target and the error format are the same for both.
"""

from __future__ import annotations

import contextvars
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flows import dbt_manifest
from flows.isolated import environ
from trendcast.settings import Settings

_LOCK = threading.Lock()
_PREFECT_RUNNER: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "trendcast_prefect_dbt_runner", default=False
)
# Who wants to hear about each finished node (the CLI's progress line) and each started one (the
# bench's per-model memory); both empty: no callback cost.
_NODE_LISTENERS: list[Callable[[str, str, int, int], None]] = []
_START_LISTENERS: list[Callable[[str], None]] = []


@contextmanager
def node_progress(
    listener: Callable[[str, str, int, int], None],
    on_start: Callable[[str], None] | None = None,
) -> Iterator[None]:
    """Call `listener(node_name, status, index, total)` as each dbt node finishes (and
    `on_start(node_name)` as each starts), in every dbt invocation of this process while the
    block runs (the pipeline's tasks run in this process)."""
    _NODE_LISTENERS.append(listener)
    if on_start is not None:
        _START_LISTENERS.append(on_start)
    try:
        yield
    finally:
        _NODE_LISTENERS.remove(listener)
        if on_start is not None:
            _START_LISTENERS.remove(on_start)


def _on_event(event: Any) -> None:
    if event.info.name == "NodeStart" and hasattr(event.data, "node_info"):
        for on_start in list(_START_LISTENERS):
            on_start(event.data.node_info.node_name)
        return
    # dbt logs one *Result line per finished model, test, seed or snapshot, with its index/total
    if not event.info.name.endswith("Result") or not hasattr(event.data, "node_info"):
        return
    data = event.data
    index, total = getattr(data, "index", 0), getattr(data, "total", 0)
    if not total:
        return
    status = getattr(data, "status", "") or data.node_info.node_status
    for listener in list(_NODE_LISTENERS):
        listener(data.node_info.node_name, str(status), int(index), int(total))


class DbtError(RuntimeError):
    """dbt failed; the message lists the failing nodes."""


@dataclass
class DbtRun:
    """What one dbt invocation did, node by node, in plain values (name, status, message,
    seconds) that flows return and the CLI prints, the same for both runners."""

    success: bool
    args: list[str]
    results: list[dict[str, Any]] = field(default_factory=list)

    @property
    def failures(self) -> list[dict[str, Any]]:
        return [r for r in self.results if r["status"] in ("error", "fail", "runtime error")]

    @property
    def written(self) -> list[str]:
        """`schema.table` of every relation this invocation wrote (models, seeds, snapshots
        that succeeded): what a publish must compare (trendcast/publish.py `changed`)."""
        return sorted(
            {r["relation"] for r in self.results if r.get("relation") and r["status"] == "success"}
        )

    @property
    def statuses(self) -> dict[str, int]:
        """Nodes per status (success, pass, error, ...)."""
        counts: dict[str, int] = {}
        for r in self.results:
            counts[r["status"]] = counts.get(r["status"], 0) + 1
        return counts


def not_a_dbt_failure(task: Any, task_run: Any, state: Any) -> bool:
    """A Prefect `retry_condition_fn`: retry I/O hiccups (a lock, a dropped connection), never a
    failed model or test, which would only fail again after rebuilding everything before it."""
    try:
        state.result()
    except DbtError:
        return False
    except Exception:
        return True
    return True


def run_dbt(
    args: list[str],
    settings: Settings | None = None,
    *,
    quiet: bool = True,
    write_json: bool = True,
) -> DbtRun:
    """Invoke dbt with `args` (e.g. ["build"]) and return per-node results.

    `write_json=False` (dbt's own runner only) leaves target/manifest.json and run_results.json
    as the previous invocation wrote them: serialising the ~5 MB manifest is a good part of a
    small invocation's fixed cost, and the hourly cycle's invocations after its build run on
    the same parse (the results come back in memory either way)."""
    from dbt.cli.main import dbtRunner

    settings = settings or Settings.from_env()
    env = settings.dbt_env()
    env.setdefault("PGTZ", "UTC")
    full = [*args, *_common_flags(settings)]
    if quiet and "--quiet" not in args and "-q" not in args:
        full = ["--quiet", *full]
    with _LOCK, environ(env):
        try:
            manifest = _parsed_manifest(args, settings, quiet)
            if _use_prefect():
                res = _prefect_invoke(args, settings, quiet, manifest)
            else:
                if not write_json:
                    full = [*full, "--no-write-json"]
                callbacks = [_on_event] if _NODE_LISTENERS or _START_LISTENERS else []
                res = dbtRunner(manifest=manifest, callbacks=callbacks).invoke(full)
        finally:
            _release_duckdb()
    results = []
    if res.result is not None and hasattr(res.result, "results"):
        # run-operation results carry no node
        for r in (r for r in res.result.results if hasattr(r, "node")):
            results.append(
                {
                    "name": getattr(r.node, "name", str(r.node)),
                    "resource_type": str(getattr(r.node, "resource_type", "")),
                    "status": str(r.status).lower().split(".")[-1],
                    "message": r.message,
                    "seconds": round(float(r.execution_time or 0), 3),
                    # where a model, seed or snapshot wrote (schema.alias); tests write nowhere
                    "relation": _relation(r.node),
                }
            )
    run = DbtRun(bool(res.success), full, results)
    if not run.success:
        detail = "; ".join(f"{f['name']}: {f['message']}" for f in run.failures[:5])
        if not detail and res.exception is not None:
            detail = str(res.exception)
        raise DbtError(f"dbt {' '.join(args)} failed: {detail or 'see logs/dbt.log'}")
    return run


def _relation(node: Any) -> str | None:
    kind = str(getattr(node, "resource_type", "")).lower().split(".")[-1]
    if kind not in ("model", "seed", "snapshot"):
        return None
    schema, alias = getattr(node, "schema", None), getattr(node, "alias", None)
    return f"{schema}.{alias}" if schema and alias else None


def _parsed_manifest(args: list[str], settings: Settings, quiet: bool) -> Any | None:
    """The project parsed once for this process (flows/dbt_manifest.py says when a parse can be
    reused); None lets the invocation parse for itself. Called with the environment exported."""
    from dbt.cli.main import dbtRunner

    key = dbt_manifest.cache_key(args, settings, dict(os.environ))
    database = dbt_manifest.database_of(settings)
    if key is None or database is None:
        return None
    manifest = dbt_manifest.cached(key, database)
    if manifest is not None:
        return manifest
    parse = ["parse", *_common_flags(settings)]
    cli_vars = dbt_manifest.vars_arg(args)
    if cli_vars:  # the parse must see the vars the invocation will use
        parse += ["--vars", cli_vars]
    if quiet:
        parse = ["--quiet", *parse]
    res = dbtRunner().invoke(parse)
    if not res.success or res.result is None:
        return None  # the real invocation parses again and reports the error
    dbt_manifest.store(key, database, res.result)
    return res.result


def _common_flags(settings: Settings) -> list[str]:
    return [
        "--project-dir",
        str(settings.project_dir),
        "--profiles-dir",
        str(settings.project_dir),
        "--target",
        settings.target,
    ]


def _release_duckdb() -> None:
    """Close the DuckDB database dbt-duckdb keeps open for the life of the process.

    Left open, it holds the warehouse file between invocations: another process (the next
    flow, `trendcast status`) finds it locked, and in this process a read-only connection or a
    read-only ATTACH (publishing the reader copy) is refused as a conflicting configuration.
    """
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:
        return
    env = DuckDBConnectionManager._ENV
    DuckDBConnectionManager.close_all_connections()
    if env is not None:
        env.close()


@contextmanager
def prefect_node_tasks(enabled: bool = True) -> Iterator[None]:
    """Run dbt through PrefectDbtRunner while active (inside a flow run): one task per node;
    `enabled=False` runs dbt's own runner within the block instead."""
    token = _PREFECT_RUNNER.set(enabled)
    try:
        yield
    finally:
        _PREFECT_RUNNER.reset(token)


def _use_prefect() -> bool:
    forced = os.environ.get("TRENDCAST_DBT_RUNNER", "").lower()
    if forced in ("prefect", "dbt"):
        return forced == "prefect"
    if not _PREFECT_RUNNER.get():
        return False
    from prefect.context import FlowRunContext, TaskRunContext

    return FlowRunContext.get() is not None or TaskRunContext.get() is not None


class _Failed:
    """The result shape run_dbt reads, for an invocation PrefectDbtRunner refused outright."""

    success = False
    result = None

    def __init__(self, exc: BaseException) -> None:
        self.exception = exc


def _prefect_invoke(args: list[str], settings: Settings, quiet: bool, manifest: Any) -> Any:
    from dbt_common.events.base_types import EventLevel
    from prefect_dbt import PrefectDbtRunner, PrefectDbtSettings

    runner = PrefectDbtRunner(
        manifest=manifest,
        settings=PrefectDbtSettings(
            # explicit: its default derives from PREFECT_LOGGING_LEVEL, whose WARNING is not
            # a dbt level (dbt says warn)
            log_level=EventLevel.WARN,
            project_dir=settings.project_dir,
            profiles_dir=settings.project_dir,
            target_path=Path(os.environ.get("DBT_TARGET_PATH") or settings.project_dir / "target"),
        ),
        raise_on_failure=False,
    )
    full = [*args, "--target", settings.target]
    if quiet and "--quiet" not in args and "-q" not in args:
        full = ["--quiet", *full]
    try:
        return runner.invoke(full)
    except ValueError as exc:  # the runner raises on a dbt exception (not on failed nodes)
        return _Failed(exc)


# With an explicit selection, what the hourly selectors say in YAML: only the tests named (the
# selection holds them), no unit tests
PRUNED_FLAGS = ("--indirect-selection", "empty", "--exclude-resource-type", "unit_test")


def list_nodes(args: list[str], settings: Settings | None = None) -> list[dict[str, Any]]:
    """`dbt ls` with `args` (a selection), one dict per node with unique_id, fqn and
    resource_type; in-process, on the cached parse when there is one."""
    import json

    from dbt.cli.main import dbtRunner

    settings = settings or Settings.from_env()
    env = settings.dbt_env()
    full = [
        # --log-level none: ls prints every node to stdout even with --quiet
        "--quiet", "--log-level", "none", "ls", *args, *_common_flags(settings),
        "--output", "json", "--output-keys", "unique_id", "fqn", "resource_type",
    ]  # fmt: skip
    with _LOCK, environ(env):
        try:
            manifest = _parsed_manifest(["ls", *args], settings, True)
            res = dbtRunner(manifest=manifest).invoke(full)
        finally:
            _release_duckdb()
    if not res.success or res.result is None:
        raise DbtError(f"dbt ls {' '.join(args)} failed: {res.exception or 'see logs/dbt.log'}")
    return [json.loads(line) for line in res.result]


def descendants(manifest: dict[str, Any], roots: set[str]) -> set[str]:
    """Every node of `manifest` (manifest.json's shape: nodes with depends_on.nodes) built on a
    node of `roots`, the roots included."""
    children: dict[str, list[str]] = {}
    for uid, node in manifest.get("nodes", {}).items():
        for parent in (node.get("depends_on") or {}).get("nodes", []):
            children.setdefault(parent, []).append(uid)
    seen = set(roots)
    todo = list(roots)
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in seen:
                seen.add(child)
                todo.append(child)
    return seen


def sources_selection(
    selected: list[dict[str, Any]], manifest: dict[str, Any], sources: set[str]
) -> list[str]:
    """The nodes of `selected` (list_nodes' dicts) that new batches of `sources` can change:
    those built on the staging models of those sources (models/staging/<source>/), and the
    tests among them whose every parent is kept. Returned as `fqn:` selectors."""
    roots = {
        uid
        for uid, node in manifest.get("nodes", {}).items()
        if node.get("resource_type") == "model"
        and any(node.get("original_file_path", "").startswith(f"models/staging/{s}/")
                for s in sources)
    }  # fmt: skip
    reach = descendants(manifest, roots)
    keep = {n["unique_id"] for n in selected if n["resource_type"] != "test"} & reach
    for n in selected:
        if n["resource_type"] == "test":
            parents = (manifest["nodes"][n["unique_id"]].get("depends_on") or {}).get("nodes", [])
            if parents and all(p in keep for p in parents):
                keep.add(n["unique_id"])
    return sorted("fqn:" + ".".join(n["fqn"]) for n in selected if n["unique_id"] in keep)


def hourly_build(
    settings: Settings | None = None,
    features: bool = False,
    sources: set[str] | None = None,
) -> DbtRun:
    """The hourly run: rebuild what new data changes and test the incremental primary keys, in
    one `dbt build` (selectors.yml `hourly_build`; with `features`, `hourly_cycle` adds the
    feature marts). A key test runs right after its model and a failure skips what is built on
    it. The full test suite belongs to the daily `dbt build`: at ~900 tests its fixed per-node
    cost alone exceeds an hourly budget.

    One invocation, not a run, a test and a features run: each dbt invocation costs a few
    seconds before its first node (the manifest copy, the run hooks, the connection) and, in a
    flow, its own Prefect bookkeeping.
    """
    selector = "hourly_cycle" if features else "hourly_build"
    if sources is not None:
        selection = _pruned_selection(selector, sources, settings)
        if selection is not None:
            if not selection:
                return DbtRun(True, [], [])
            return run_dbt(["build", "--select", *selection, *PRUNED_FLAGS], settings)
    return run_dbt(["build", "--selector", selector], settings)


def _pruned_selection(
    selector: str, sources: set[str], settings: Settings | None
) -> list[str] | None:
    """The selector's nodes that new batches of `sources` change; None (build the whole
    selector) when a source is not one whose staging has a folder of its own, or when dbt
    has written no manifest to read the graph from."""
    from trendcast.sources import KNOWN_SOURCES

    if not sources or not sources <= set(KNOWN_SOURCES):
        return None
    settings = settings or Settings.from_env()
    selected = list_nodes(["--selector", selector], settings)
    target = Path(os.environ.get("DBT_TARGET_PATH") or settings.project_dir / "target")
    path = target / "manifest.json"
    if not path.exists():
        return None
    import json

    return sources_selection(selected, json.loads(path.read_text()), sources)

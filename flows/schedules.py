"""Deployments and their schedules, `trendcast serve`, and the replay of archives as a live feed.

Deployments (defaults; each overridable, see `schedule_overrides`):

| deployment               | flow                                        | schedule            |
|--------------------------|---------------------------------------------|---------------------|
| extract-youtube          | flows/extract_flows.py `extract_youtube`    | cron `5 0 * * *`    |
| extract-x                | `extract_x`                                 | every 900 s         |
| extract-tiktok           | `extract_tiktok`                            | cron `15 1 * * *`   |
| extract-mastodon         | `extract_mastodon`                          | every 300 s         |
| extract-mastodon-stream  | `extract_mastodon_stream`                   | every 60 s, one run at a time (a restarting stream) |
| hourly                   | flows/live.py `hourly`                      | every 900 s         |
| daily                    | flows/live.py `daily`                       | cron `30 3 * * *`   |
| retention                | flows/lifecycle_flows.py `retention`        | cron `0 4 * * *`    |

An extract or retention deployment exists only when its module imports and defines the flow,
so a checkout without those modules still serves the rest. Extract flows write to
`<archive dir>/<source>` (parameter `out`); what they fetch (accounts, regions, instances) comes
from TRENDCAST_<DEPLOYMENT>_PARAMS, and a deployment whose required parameters are not set is
listed as skipped rather than failing every run. Every deployment allows one run at a
time; the writer lock (trendcast/writer_lock.py) keeps writing flows of different deployments
apart.
"""

from __future__ import annotations

import importlib
import json
import math
import os
import shutil
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from trendcast.settings import PROJECT_DIR


@dataclass(frozen=True)
class Spec:
    name: str
    module: str
    flow: str
    default: str  # seconds ("900"), a cron expression, or "off"
    writes: bool  # takes the warehouse writer lock (its parameters name a target)


EXTRACT_SOURCES = ("youtube", "x", "tiktok", "mastodon", "mastodon_stream")
SPECS: tuple[Spec, ...] = (
    Spec("extract-youtube", "flows.extract_flows", "extract_youtube", "5 0 * * *", False),
    Spec("extract-x", "flows.extract_flows", "extract_x", "900", False),
    Spec("extract-tiktok", "flows.extract_flows", "extract_tiktok", "15 1 * * *", False),
    Spec("extract-mastodon", "flows.extract_flows", "extract_mastodon", "300", False),
    Spec("extract-mastodon-stream", "flows.extract_flows", "extract_mastodon_stream", "60", False),
    Spec("hourly", "flows.live", "hourly", "900", True),
    Spec("daily", "flows.live", "daily", "30 3 * * *", True),
    Spec("retention", "flows.lifecycle_flows", "retention", "0 4 * * *", True),
)


class ScheduleError(ValueError):
    """A schedule override that is neither seconds, a cron expression nor `off`."""


def parse_schedule(value: str) -> dict[str, Any]:
    """`900` -> every 900 s; `*/15 * * * *` -> cron; `off` -> no schedule (run on demand)."""
    text = value.strip()
    if text.lower() in ("off", "none", ""):
        return {}
    if text.replace(".", "", 1).isdigit():
        seconds = float(text)
        if seconds <= 0:
            raise ScheduleError(f"schedule {value!r}: an interval must be positive")
        return {"interval": seconds}
    if len(text.split()) in (5, 6):
        from prefect.client.schemas.schedules import CronSchedule

        try:
            CronSchedule(cron=text)
        except ValueError as exc:
            raise ScheduleError(f"schedule {value!r} is not a valid cron expression") from exc
        return {"cron": text}
    raise ScheduleError(
        f"schedule {value!r}: use seconds (900), a cron expression ('*/15 * * * *') or off"
    )


def env_name(deployment: str) -> str:
    return "TRENDCAST_SCHEDULE_" + deployment.upper().replace("-", "_")


def schedule_overrides(cli: Mapping[str, str] | None = None) -> dict[str, str]:
    """Schedules from TRENDCAST_SCHEDULE_<DEPLOYMENT> (e.g. TRENDCAST_SCHEDULE_HOURLY=300),
    then `--schedule name=value` options, which win."""
    out = {s.name: os.environ[env_name(s.name)] for s in SPECS if env_name(s.name) in os.environ}
    for name, value in (cli or {}).items():
        if name not in {s.name for s in SPECS}:
            raise ScheduleError(
                f"unknown deployment {name!r}: one of {', '.join(s.name for s in SPECS)}"
            )
        out[name] = value
    return out


def _flow_of(spec: Spec) -> Any | None:
    try:
        module = importlib.import_module(spec.module)
    except ImportError:
        return None
    return getattr(module, spec.flow, None)


def _signature(fn: Any) -> Any:
    import inspect

    return inspect.signature(fn.fn if hasattr(fn, "fn") else fn).parameters


def _parameters(fn: Any, candidates: dict[str, Any]) -> dict[str, Any]:
    """The candidate parameters the flow accepts."""
    accepted = _signature(fn)
    return {k: v for k, v in candidates.items() if k in accepted and v is not None}


def params_env(deployment: str) -> str:
    return "TRENDCAST_" + deployment.upper().replace("-", "_") + "_PARAMS"


def _configured(deployment: str) -> dict[str, Any]:
    """Parameters a team sets for a deployment: TRENDCAST_<DEPLOYMENT>_PARAMS, a JSON object
    (e.g. TRENDCAST_EXTRACT_X_PARAMS='{"account": "nasa,esa"}')."""
    raw = os.environ.get(params_env(deployment))
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise ScheduleError(f"{params_env(deployment)} is not JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise ScheduleError(f"{params_env(deployment)} must be a JSON object")
    return value


def _missing(fn: Any, params: dict[str, Any]) -> list[str]:
    import inspect

    return [
        name
        for name, p in _signature(fn).items()
        if p.default is inspect.Parameter.empty and name not in params
    ]


def deployment_plan(
    target: str | None = None,
    archive: Path | None = None,
    overrides: Mapping[str, str] | None = None,
) -> list[dict[str, Any]]:
    """Name, flow, schedule and parameters of every deployment this checkout can serve."""
    from flows.live import archive_dir

    folder = str(archive or archive_dir())
    chosen = dict(overrides or {})
    plan = []
    for spec in SPECS:
        fn = _flow_of(spec)
        if fn is None:
            continue
        candidates: dict[str, Any] = {"target": target, "paths": [folder]}
        if spec.name.startswith("extract-"):
            # extractors write archive files where the hourly flow lands them (one folder each)
            source = spec.flow.removeprefix("extract_").removesuffix("_stream")
            candidates = {"out": str(Path(folder) / source)}
        params = _parameters(fn, candidates) | _configured(spec.name)
        schedule = parse_schedule(chosen.get(spec.name, spec.default))
        item = {"name": spec.name, "flow": fn, "schedule": schedule, "parameters": params,
                "entrypoint": f"{spec.module.replace('.', '/')}.py:{spec.flow}"}  # fmt: skip
        missing = _missing(fn, params)
        if missing:
            # e.g. which X accounts to follow: nothing to run until a team says
            item["skipped"] = f"needs {', '.join(missing)}: set {params_env(spec.name)}"
        plan.append(item)
    return plan


def build_deployments(
    target: str | None = None,
    archive: Path | None = None,
    overrides: Mapping[str, str] | None = None,
) -> list[Any]:
    """Prefect RunnerDeployments for `serve` (one run at a time per deployment)."""
    out = []
    for item in deployment_plan(target, archive, overrides):
        if "skipped" in item:
            continue
        out.append(
            item["flow"].to_deployment(
                name=item["name"],
                parameters=item["parameters"],
                concurrency_limit=1,
                tags=["trendcast"],
                **item["schedule"],
            )
        )
    return out


def serve_deployments(deployments: list[Any]) -> None:
    """Prefect's `serve`: schedules and runs the deployments in this process until stopped,
    against PREFECT_API_URL when set, else an ephemeral API."""
    from prefect import serve

    serve(*deployments, print_starting_message=True)


# -- replay ----------------------------------------------------------------------------------
@dataclass
class ReplayFile:
    path: Path
    relative: Path
    newest_fetched_at: datetime


def replay_plan(src: Path) -> list[ReplayFile]:
    """The archive files under `src` in the order their newest fetched_at arrives."""
    import duckdb

    from trendcast.archive import discover

    files = [p for p in discover([src]) if "_truth" not in p.parts]
    if not files:
        raise FileNotFoundError(f"no archive files (*.jsonl, *.jsonl.gz) under {src}")
    con = duckdb.connect()
    con.execute("set timezone = 'UTC'")
    out = []
    for p in files:
        (newest,) = con.execute(
            "select max(try_cast(fetched_at as timestamptz)) from read_json(?, "
            "format = 'newline_delimited', columns = {'fetched_at': 'varchar'}, "
            "ignore_errors = true, maximum_object_size = 1073741824)",
            [str(p)],
        ).fetchone()
        if newest is None:
            newest = datetime.fromtimestamp(p.stat().st_mtime, UTC)
        out.append(ReplayFile(p, p.relative_to(src), newest.astimezone(UTC)))
    con.close()
    return sorted(out, key=lambda f: (f.newest_fetched_at, str(f.relative)))


def release(item: ReplayFile, inbox: Path, at: float) -> Path:
    """Copy a file into the inbox as if written at `at` (epoch seconds): the copy appears under
    its final name only when complete, and its modification time is the moment it was due."""
    import fcntl

    dest = inbox / item.relative
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.part")
    try:
        with open(item.path, "rb") as src, open(tmp, "wb") as out:
            # held while written: remove_unheld_parts leaves a live copy alone
            fcntl.flock(out, fcntl.LOCK_EX | fcntl.LOCK_NB)
            shutil.copyfileobj(src, out, 1 << 20)
        os.utime(tmp, (at, at))
        tmp.replace(dest)
    except BaseException:  # SIGTERM or Ctrl-C mid-copy: no half file left behind
        tmp.unlink(missing_ok=True)
        raise
    return dest


def run_replay(
    src: Path,
    inbox: Path,
    speed: float,
    cycle: Callable[[], dict[str, Any]],
    cycle_every: float = 900.0,
    on_cycle: Callable[[int, list[Path], dict[str, Any], float], None] | None = None,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
) -> list[dict[str, Any]]:
    """Replay `src` into `inbox` at `speed` times real time and run `cycle` on the replay's
    schedule (every `cycle_every` replay seconds, i.e. cycle_every / speed wall seconds, and
    back to back when a cycle overruns) until every file is released and a cycle has run
    after the last one. A file is due at t0 + (its newest fetched_at - the first's) / speed.
    """
    from trendcast.sources.writer import remove_unheld_parts

    if speed <= 0:
        raise ValueError("--speed must be positive")
    plan = replay_plan(src)
    remove_unheld_parts(inbox)  # copies a killed replay never finished
    t0 = clock()
    first = plan[0].newest_fetched_at
    due = [t0 + (f.newest_fetched_at - first).total_seconds() / speed for f in plan]
    step = cycle_every / speed
    results: list[dict[str, Any]] = []
    i = 0
    next_cycle = t0
    n = 0
    while True:
        now = clock()
        if now < next_cycle:
            sleep(next_cycle - now)
            now = clock()
        released = []
        while i < len(plan) and due[i] <= now:
            released.append(release(plan[i], inbox, due[i]))
            i += 1
        started = clock()
        summary = cycle()
        seconds = clock() - started
        n += 1
        results.append({"cycle": n, "released": [str(p) for p in released],
                        "seconds": seconds, "summary": summary})  # fmt: skip
        if on_cycle:
            on_cycle(n, released, summary, seconds)
        if i >= len(plan):
            return results
        # the next scheduled tick; ticks with no file due are skipped (they would land nothing)
        next_cycle += step
        if due[i] > next_cycle:
            next_cycle = t0 + math.ceil((due[i] - t0) / step) * step


def default_replay_inbox() -> Path:
    return PROJECT_DIR / "data" / "replay-inbox"

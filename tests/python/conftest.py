"""Shared fixtures: an isolated warehouse per test (DuckDB file or throwaway Postgres database).

Tiers: modules that build dbt are marked `slow` and `integration` at collection (below). Every
fixture is safe under pytest-xdist: each worker process imports this module and gets its own
session directory (dbt target/logs, Prefect home, artifacts) and uniquely named throwaway Postgres
databases. The built sample warehouses (`built_duckdb`, `built_postgres`) are built once per
pytest run, by the first process that needs each (a file lock in a directory the run's processes
share); every process then reads its own copy (a copy of the DuckDB file, a `create database ...
template` copy on Postgres), so no two processes open one DuckDB file or connect to one database.
The run's controller (or the only process, without xdist) drops the run's Postgres databases at
its end; databases a killed run left (prefix `trendcast_test_`, creation time in the name) are
dropped by a later run once they are 12 hours old.

Postgres: with CI=true the Postgres tests must run, so an unreachable server fails them; on a
user's machine without Postgres they skip with a message saying how to enable them.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pytest

from flows.isolated import throwaway_warehouse
from trendcast.settings import PROJECT_DIR, Settings

SAMPLE_DIR = PROJECT_DIR / "data" / "sample"
FIXTURES = SAMPLE_DIR / "fixtures"

# dbt writes target/ and logs/: keep every test session's apart from a user's and each other's.
_SESSION_DIR = Path(tempfile.mkdtemp(prefix="trendcast-tests-"))
os.environ["DBT_TARGET_PATH"] = str(_SESSION_DIR / "target")
os.environ["DBT_LOG_PATH"] = str(_SESSION_DIR / "logs")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_HOME", str(_SESSION_DIR / "prefect"))
os.environ["TRENDCAST_ARTIFACT_DIR"] = str(_SESSION_DIR / "artifacts")
# publishing (end of `trendcast run`) writes the reader copy here, not into the project's warehouse/
os.environ["TRENDCAST_PUBLISHED_PATH"] = str(_SESSION_DIR / "published" / "trendcast.duckdb")


# A module that builds dbt models (directly, through the session's built warehouses, or with the
# CLI's run/build) is integration: its tests get the `slow` and `integration` markers here, so a
# new module is tiered without anyone remembering a decorator (`pytest -m "not slow"` runs the
# unit tier in about a minute).
_BUILDS_DBT = re.compile(
    r"run_dbt\(|build_sample\(|hourly_build\(|\bbuilt_(duckdb|postgres)\b"
    r"|\"flows\.cli\", \"(run|build)\""
)


# Tests `make test` leaves to `make test-extended` (a module, module::function, or one
# parametrisation, module::function[postgres]): integration suites whose run on this machine's two
# cores would take `make test` past its 25-minute budget. They are real tests, run by
# `make test-extended`, not skipped ones; each entry says what it covers.
# The Postgres runs of the multi-step incremental suites are here while their DuckDB runs stay in
# `make test`: the incremental logic they check is one macro per strategy for both targets
# (macros/incremental/), and `make test` still builds every model and runs every data test on
# Postgres (the session's built_postgres warehouse) and checks roles, policies, retention and
# concurrency there.
_PG_INCREMENTAL = "incremental equals a full refresh on Postgres (DuckDB run in make test)"
EXTENDED: dict[str, str] = {
    "test_star_schema_incremental.py::test_incremental_equals_full_refresh[postgres]": (
        _PG_INCREMENTAL
    ),
    "test_star_schema_incremental.py::test_event_tables_by_batch_late_files_and_profile_events"
    "[postgres]": _PG_INCREMENTAL,
    "test_trends_point_in_time.py::test_features_at_or_before_t_do_not_change_when_later_data_"
    "arrives[postgres]": "point-in-time trend features on Postgres (DuckDB run in make test)",
    "test_forecast_deliveries.py::test_split_delivery_equals_one_shot_and_backfills[postgres]": (
        "split forecast deliveries on Postgres (DuckDB run in make test)"
    ),
    "test_forecast_deliveries.py::test_redelivered_window_with_fewer_posts_marks_deletions"
    "[postgres]": "re-delivered forecast windows on Postgres (DuckDB run in make test)",
    "test_staging_incremental.py::test_tiktok_videos_incremental_equals_full_refresh[postgres]": (
        _PG_INCREMENTAL
    ),
    "test_staging_incremental.py::test_youtube_comment_threads_incremental_equals_full_refresh"
    "[postgres]": _PG_INCREMENTAL,
    "test_domains_warehouse.py::test_domains_from_raw_to_views_functions_and_cleanup[postgres]": (
        "the domain harvester's tables, views and functions on Postgres (DuckDB run in make test)"
    ),
    "test_ops_replay.py": "the serve --replay loop end to end: land, build, score, publish, freshness",
    "test_platform_analytics.py": "A/B, personalisation, cohorts, moderation and privacy marts "
    "against the simulator's planted truth, both targets",
    "test_analytics_growth_marts.py": "hashtag/effect adoption, audience growth, content strategy, "
    "tier 30-day, cross-platform and diversity marts on a simulated day, both targets",
    "test_trends_entities.py": "TikTok entity columns and feature groups A and F, both targets",
    "test_landing_fuzz.py::test_fuzzed_calls_build_and_marts_tests_pass": "dbt build and the "
    "marts' tests on fuzzed real calls",
    "test_concurrency.py::test_load_during_build_waits_and_equals_a_serial_run": "a load started "
    "during a dbt build waits for it and equals a serial run, both targets",
    "test_erasure.py::test_erase_everywhere_and_after_rebuild[postgres]": "erasure searched across "
    "every column of every table on Postgres (DuckDB run in make test)",
    "test_mastodon.py::test_mastodon_redaction_leaves_no_deleted_text[postgres]": "Mastodon "
    "redaction of deleted statuses on Postgres (DuckDB run in make test)",
    "test_forecast_online.py::test_online_calibration_recovers_coverage_after_a_level_shift_and_"
    "static_does_not": "online interval calibration over a long simulated level shift",
    "test_forecast_daily.py::test_blend_with_the_empirical_interval_sharpens_a_steady_level_and_"
    "keeps_coverage": "the daily interval blend over a long simulated steady level",
    "test_forecast_daily.py::test_calibrated_intervals_cover_overdispersed_skewed_series_and_beat_"
    "the_7_day_mean": "calibrated interval coverage over long simulated overdispersed series",
    "test_forecast_online.py::test_online_interval_at_an_origin_ignores_the_origin_day_and_later": (
        "the online interval's point-in-time cut over a long simulated series (the daily "
        "forecast's cut is in make test)"
    ),
    "test_bench.py::test_bench_smoke_reports_every_stage": "`trendcast bench` end to end on a small "
    "simulated day, every stage and the JSON (the live split and memory sampler are in make test)",
    "test_mastodon.py::test_mastodon_incremental_equals_replay[postgres]": _PG_INCREMENTAL,
    "test_virality_evaluate.py::test_evaluate_held_out_and_idempotent[postgres]": "held-out "
    "evaluation on Postgres (DuckDB run in make test)",
    "test_forecast_events.py::test_user_events_join_and_override_the_curated_list[postgres]": (
        "user events overriding the curated list on Postgres (DuckDB run in make test)"
    ),
    "test_trends_quality.py::test_platform_checks_count_records_and_resolve_later[postgres]": (
        "platform quality checks recorded and resolved on Postgres (DuckDB run in make test)"
    ),
    "test_simulator_staging.py::test_stg_platform_events_match_manifest[postgres]": "platform "
    "event staging against the simulator's manifest on Postgres (DuckDB run in make test)",
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    builds: dict[Path, bool] = {}
    for item in items:
        path = Path(str(item.fspath))
        name = getattr(item, "originalname", item.name)
        keys = (path.name, f"{path.name}::{name}", f"{path.name}::{item.name}")
        if any(key in EXTENDED for key in keys):
            item.add_marker(pytest.mark.extended)
        if path not in builds:
            builds[path] = bool(_BUILDS_DBT.search(path.read_text(encoding="utf-8")))
        if builds[path] or item.get_closest_marker("slow"):
            item.add_marker(pytest.mark.slow)
            item.add_marker(pytest.mark.integration)
    # longest first: pytest-xdist (--dist loadscope --no-loadscope-reorder, Makefile) hands whole
    # modules to the workers in this order, so the short unit modules fill in at the end instead of
    # a long module starting last and running alone. Stable: a module's tests keep their order.
    slow = {Path(str(item.fspath)) for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: _run_order(Path(str(item.fspath)), slow))


# Modules that each hold a test worker for several minutes in `make test` (its --durations):
# started first, before the other integration modules.
RUN_FIRST = (
    "test_spark.py",
    "test_pipeline.py",
    "test_star_schema_incremental.py",
    "test_spark_unit.py",
)


def _run_order(path: Path, slow: set[Path]) -> tuple[int, int]:
    if path.name in RUN_FIRST:
        return 0, RUN_FIRST.index(path.name)
    return (1 if path in slow else 2), 0


def _set_env(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    for key, value in settings.dbt_env().items():
        if key != "DBT_PROFILES_DIR":
            monkeypatch.setenv(key, value)


@pytest.fixture
def duckdb_warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings for a fresh DuckDB file; env vars set so dbt and the CLI use it too."""
    monkeypatch.setenv("TRENDCAST_TARGET", "duckdb")
    monkeypatch.setenv("TRENDCAST_DUCKDB_PATH", str(tmp_path / "warehouse.duckdb"))
    settings = Settings.from_env("duckdb")
    _set_env(monkeypatch, settings)
    return settings


def _pg_admin_settings() -> Settings:
    return replace(Settings.from_env("postgres"), pg_dbname="postgres")


def pg_available() -> str | None:
    """None when Postgres is reachable, else the reason."""
    import psycopg

    s = _pg_admin_settings()
    try:
        with psycopg.connect(
            host=s.pg_host,
            port=s.pg_port,
            user=s.pg_user,
            password=s.pg_password or None,
            dbname=s.pg_dbname,
            connect_timeout=3,
        ):
            return None
    except Exception as exc:  # any failure to connect means "not reachable"
        return (
            f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"
        )


def require_pg() -> None:
    reason = pg_available()
    if reason is None:
        return
    message = (
        f"Postgres not reachable at {os.environ.get('TRENDCAST_PG_HOST', '127.0.0.1')}:"
        f"{os.environ.get('TRENDCAST_PG_PORT', '5432')} ({reason})"
    )
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{message}: CI=true requires the Postgres tests to run")
    pytest.skip(f"{message}: set TRENDCAST_PG_* to run the Postgres tests")


@pytest.fixture
def pg_warehouse(monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """Settings for a throwaway Postgres database (created here, dropped afterwards)."""
    require_pg()
    with throwaway_warehouse(Settings.from_env("postgres")) as settings:
        _set_env(monkeypatch, settings)
        yield settings


@pytest.fixture(params=["duckdb", "postgres"])
def warehouse(request: pytest.FixtureRequest) -> Settings:
    """Run the test on both targets."""
    name = "duckdb_warehouse" if request.param == "duckdb" else "pg_warehouse"
    return request.getfixturevalue(name)


def build_sample(settings: Settings, extra_paths: list[Path] | None = None) -> None:
    """Land the bundled sample (plus `extra_paths`) and run `dbt build` on it."""
    from flows.dbt import run_dbt
    from trendcast.landing import load_paths
    from trendcast.warehouse import connect

    with connect(settings) as wh:
        load_paths(wh, [SAMPLE_DIR, *(extra_paths or [])])
    run_dbt(["build"], settings)


# The session's built sample warehouses are built once per pytest run, not once per xdist worker:
# the first process that needs one builds it under a file lock in a directory every process of
# the run shares (named by the run id xdist hands its workers), and each process then reads its
# own copy. Names of the Postgres databases a run creates start with _PG_PREFIX and carry their
# creation time, so a later run drops those a crashed run left behind.
_PG_PREFIX = "trendcast_test_"
_STALE_SECONDS = 12 * 3600
_RUN: dict[str, str] = {}


def pytest_configure(config: pytest.Config) -> None:
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None:  # an xdist worker: the controller's run id
        _RUN["id"] = workerinput["testrunuid"]
        return
    run = getattr(config.option, "testrunuid", None) or uuid.uuid4().hex
    if hasattr(config.option, "testrunuid"):
        config.option.testrunuid = run  # xdist hands this id to every worker it starts
    _RUN["id"] = run
    _drop_stale_runs()


def _run_dir() -> Path:
    """The directory the processes of this pytest run share (the master warehouses, their locks)."""
    run = _RUN.setdefault("id", os.environ.get("PYTEST_XDIST_TESTRUNUID") or uuid.uuid4().hex)
    path = Path(tempfile.gettempdir()) / f"trendcast-tests-run-{run}"
    path.mkdir(exist_ok=True)
    return path


def _pg_admin() -> dict:
    s = _pg_admin_settings()
    return dict(
        host=s.pg_host, port=s.pg_port, user=s.pg_user, password=s.pg_password or None,
        dbname="postgres", autocommit=True, connect_timeout=5,
    )  # fmt: skip


def _drop_stale_runs() -> None:
    """Drop what runs that ended without their cleanup (a crash, a kill) left more than
    _STALE_SECONDS ago: their shared directories and their Postgres databases."""
    cutoff = time.time() - _STALE_SECONDS
    for path in Path(tempfile.gettempdir()).glob("trendcast-tests-run-*"):
        try:
            if path.stat().st_mtime < cutoff:
                shutil.rmtree(path, ignore_errors=True)
        except OSError:
            pass
    try:
        import psycopg

        with psycopg.connect(**_pg_admin()) as conn:
            names = [
                r[0]
                for r in conn.execute(
                    "select datname from pg_database where datname like %s",
                    [_PG_PREFIX.replace("_", r"\_") + "%"],
                )
            ]
            for name in names:
                stamp = name[len(_PG_PREFIX) :].split("_")[0]
                if stamp.isdigit() and int(stamp) < cutoff:
                    conn.execute(f'drop database if exists "{name}" with (force)')
    except Exception:  # Postgres unreachable (or not ours to clean): nothing to drop
        pass


def _drop_run_databases() -> None:
    """Drop this run's Postgres databases: the built master and every process's copy."""
    marker = _run_dir() / "built_postgres.db"
    if not marker.exists():
        return
    master = marker.read_text().strip()
    import psycopg

    with psycopg.connect(**_pg_admin()) as conn:
        names = [
            r[0]
            for r in conn.execute(
                "select datname from pg_database where datname = %s or datname like %s",
                [master, master.replace("_", r"\_") + r"\_%"],
            )
        ]
        # copies first: a template cannot be dropped while a copy of it is being made
        for name in sorted(names, key=lambda n: n == master):
            conn.execute(f'drop database if exists "{name}" with (force)')


def _last_worker_out(workercount: int) -> bool:
    """Record this worker's end; True for the last of the run's workers to end."""
    from filelock import FileLock

    run_dir = _run_dir()
    with FileLock(str(run_dir / "finished.lock")):
        finished = run_dir / "finished"
        with finished.open("a") as f:
            f.write(_worker() + "\n")
        return len(finished.read_text().split()) >= workercount


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    shutil.rmtree(_SESSION_DIR, ignore_errors=True)
    workerinput = getattr(session.config, "workerinput", None)
    # the run's shared warehouses outlive a worker: the controller drops them after the last
    # worker has ended, and so does the last worker out, in case the controller did not load this
    # file (it loads it when pytest is given tests/python or a file in it, or no path at all)
    if workerinput is not None and not _last_worker_out(workerinput["workercount"]):
        return
    try:
        _drop_run_databases()
    except Exception as exc:  # cleanup must not turn the run's result into an error
        print(f"note: could not drop this test run's Postgres databases: {exc}")
    shutil.rmtree(_run_dir(), ignore_errors=True)


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@contextmanager
def _build_once(name: str) -> Iterator[tuple[Path, bool]]:
    """Hold the run's lock for the shared warehouse `name`; yield (its marker file, whether it is
    already built). The holder that finds it unbuilt builds it, then writes the marker; a failed
    build is recorded so the run's other processes fail at once instead of building it again."""
    from filelock import FileLock

    run_dir = _run_dir()
    marker, failed = run_dir / f"{name}.name", run_dir / f"{name}.failed"
    with FileLock(str(run_dir / f"{name}.lock")):
        if failed.exists():
            pytest.fail(f"{name}: the build failed in another test process: {failed.read_text()}")
        try:
            yield marker, marker.exists()
        except Exception as exc:
            if not marker.exists():
                failed.write_text(f"{type(exc).__name__}: {exc}"[:2000])
            raise


def _keep_manifest(name: str) -> None:
    """Keep the builder's dbt manifest beside the master (tests read the models' config there)."""
    src = Path(os.environ["DBT_TARGET_PATH"]) / "manifest.json"
    if src.exists():
        shutil.copy(src, _run_dir() / f"{name}.manifest.json")


def _adopt_manifest(name: str) -> None:
    """A process that did not build gets the builder's manifest in its own dbt target folder
    (until its own dbt calls write one), as if it had run the build."""
    src = _run_dir() / f"{name}.manifest.json"
    target = Path(os.environ["DBT_TARGET_PATH"])
    if src.exists() and not (target / "manifest.json").exists():
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy(src, target / "manifest.json")


@pytest.fixture(scope="session")
def built_duckdb() -> Settings:
    """A DuckDB warehouse with the bundled sample landed and built once per run; each test process
    reads its own copy of the file (read it only: copy it with warehouse_copy to change it)."""
    base = Settings.from_env("duckdb")
    master = _run_dir() / "built.duckdb"
    with _build_once("built_duckdb") as (marker, built):
        if not built:
            master.unlink(missing_ok=True)
            build_sample(replace(base, duckdb_path=master))
            _keep_manifest("built_duckdb")
            marker.write_text(str(master))
    _adopt_manifest("built_duckdb")
    # the same file name (DuckDB names the catalog after it) in this process's own folder
    settings = replace(base, duckdb_path=_SESSION_DIR / master.name)
    shutil.copy(master, settings.duckdb_path)
    wal = master.with_name(master.name + ".wal")
    if wal.exists():
        shutil.copy(wal, settings.duckdb_path.with_name(master.name + ".wal"))
    return settings


@pytest.fixture(scope="session")
def built_postgres() -> Iterator[Settings]:
    """A Postgres database with the bundled sample landed and built once per run; each test
    process gets its own `create database ... template` copy, dropped at its end (read it only:
    copy it with warehouse_copy to change it)."""
    import psycopg

    require_pg()
    base = Settings.from_env("postgres")
    with _build_once("built_postgres") as (marker, built):
        if built:
            master = marker.read_text().strip()
        else:
            master = f"{_PG_PREFIX}{int(time.time())}_{_run_dir().name[-12:]}"
            with psycopg.connect(**_pg_admin()) as conn:
                conn.execute(f'create database "{master}"')
            # recorded before the build: the run's cleanup drops it even if the build fails
            (_run_dir() / "built_postgres.db").write_text(master)
            build_sample(replace(base, pg_dbname=master))
            _keep_manifest("built_postgres")
            marker.write_text(master)
        copy = f"{master}_{_worker()}"
        # a template must have no session: only this lock's holder connects to the master (to
        # build it), and the build's connections are closed; end any a crash left behind
        with psycopg.connect(**_pg_admin()) as conn:
            conn.execute(
                "select pg_terminate_backend(pid) from pg_stat_activity "
                "where datname = %s and pid <> pg_backend_pid()",
                [master],
            )
            conn.execute(f'drop database if exists "{copy}" with (force)')
            conn.execute(f'create database "{copy}" template "{master}"')
    _adopt_manifest("built_postgres")
    try:
        yield replace(base, pg_dbname=copy)
    finally:
        with psycopg.connect(**_pg_admin()) as conn:
            conn.execute(f'drop database if exists "{copy}" with (force)')


@contextmanager
def warehouse_copy(settings: Settings, tmp_path: Path) -> Iterator[Settings]:
    """A private copy of a session warehouse (e.g. built_duckdb) that a test may change:
    a file copy on DuckDB, `create database ... template` on Postgres (dropped afterwards)."""
    if settings.target == "duckdb":
        copy = replace(settings, duckdb_path=tmp_path / "copy.duckdb")
        shutil.copy(settings.duckdb_path, copy.duckdb_path)
        yield copy
        return
    import uuid

    import psycopg

    s = _pg_admin_settings()
    name = f"trendcast_tmp_{uuid.uuid4().hex[:12]}"
    admin = dict(
        host=s.pg_host, port=s.pg_port, user=s.pg_user, password=s.pg_password or None,
        dbname="postgres", autocommit=True,
    )  # fmt: skip
    with psycopg.connect(**admin) as conn:
        # a template must have no other session: the session warehouse is only read between tests
        conn.execute(
            "select pg_terminate_backend(pid) from pg_stat_activity "
            "where datname = %s and pid <> pg_backend_pid()",
            [settings.pg_dbname],
        )
        conn.execute(f'create database {name} template "{settings.pg_dbname}"')
    try:
        yield replace(settings, pg_dbname=name)
    finally:
        with psycopg.connect(**admin) as conn:
            conn.execute(f"drop database if exists {name} with (force)")

"""The Spark target: session settings shared with profiles.yml, and a local standalone cluster.

PySpark is an optional extra (`trendcast[spark]`, docs/SPARK.md), so nothing here imports it at
module level. Two pieces:

- `spark_conf()` / `spark_session()`: the settings of the `spark` output of profiles.yml, read
  from the same TRENDCAST_SPARK_* variables. dbt-spark's session method calls
  `SparkSession.builder...getOrCreate()`, so when the landing (or a test) opens the session first
  in a process, dbt builds on that very session: both must ask for the same settings, and
  tests/python/test_spark.py checks that profiles.yml names the same keys.
- `LocalCluster`: a Spark standalone master and N workers on 127.0.0.1, started with PySpark's
  own `spark-class` launcher (the `Master` and `Worker` classes). Each worker runs its executor
  in a JVM of its own, so a shuffle crosses processes over the network stack as it would across
  machines; nothing is downloaded (the jars ship inside the pyspark package).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trendcast.settings import PROJECT_DIR, SettingsError

# What builds on Spark today (docs/SPARK.md "What builds on Spark"): the seeds the core star
# schema reads, the models (the core marts and their whole lineage, plus one feature mart), and
# the tables built, each with its key. tests/python/test_spark.py compares these with DuckDB's
# build and `trendcast bench --target spark` times them: one selection for both.
BUILD_SEEDS = ["seed", "--select", "engagement_types", "creator_tier_boosts"]
BUILD_MODELS = ["run", "--select", "+path:models/marts/core", "+youtube_chart_features"]
BUILD_TABLES: dict[str, list[str]] = {
    "core.dim_content": ["content_key"],
    "core.dim_date": ["date_key"],
    "core.dim_engagement_type": ["engagement_type"],
    "core.dim_users": ["user_key"],
    "core.dim_users_history": ["user_key"],
    "core.fact_content_engagements": ["event_id"],
    "core.fact_discovery_events": ["event_id"],
    "core.fact_content_performance": ["content_id", "performance_date"],
    "core.fact_creator_analytics": ["creator_id", "activity_date"],
    "trends.youtube_chart_features": ["region_code", "video_id"],
}
# The TikTok trend-prediction feature store (models/marts/trends outside youtube/) and its whole
# lineage: the TikTok, YouTube-snapshot and Mastodon staging it reads, the intermediate trend
# models and the marts, from the bundled sample's TikTok, YouTube and Mastodon archives
# (tests/python/test_spark.py compares these with DuckDB's build, `make test-spark`).
TREND_SEEDS = ["seed", "--select", "viral_definitions", "viral_label_overrides"]
TREND_MODELS = [
    "run",
    "--select",
    "+path:models/marts/trends",
    "--exclude",
    "path:models/marts/trends/youtube",
]
TREND_TABLES: dict[str, list[str]] = {
    "staging.stg_mastodon__statuses": ["instance", "status_id", "fetched_at"],
    "intermediate.int_mastodon__status_tags_exploded": [
        "instance",
        "status_id",
        "fetched_at",
        "tag_name",
    ],
    "intermediate.int_tiktok__video_hashtags_exploded": ["video_id", "fetched_at", "hashtag_name"],
    "intermediate.int_trend_posts_unioned": ["platform", "post_id", "fetched_at"],
    "intermediate.int_trend_posts_sequenced": ["platform", "post_id", "fetched_at"],
    "intermediate.int_trend_post_hashtags_unioned": ["hashtag_id", "post_id", "fetched_at"],
    "intermediate.int_trend_hashtag_post_activity": ["hashtag_id", "post_id", "fetched_at"],
    "intermediate.int_trend_hashtag_creator_hours": ["hashtag_id", "creator_id", "hour_number"],
    "intermediate.int_trend_hashtag_creator_diversity": ["hashtag_id", "hour_number"],
    "intermediate.int_trend_hashtag_timezone_mix": ["hashtag_id", "hour_number"],
    "intermediate.int_trend_hashtag_post_novelty": ["hashtag_id", "post_id"],
    "trends.hashtag_metrics": ["hashtag_id", "as_of_at"],
    "trends.hashtag_features": ["hashtag_id", "as_of_at"],
    "trends.viral_labels": [
        "entity_type",
        "entity_id",
        "as_of_at",
        "window_hours",
        "definition_id",
    ],
    "trends.hashtags": ["hashtag_id"],
    "trends.creators": ["creator_id"],
    "trends.sounds": ["sound_key"],
    "trends.videos": ["video_id"],
    "trends.video_features": ["video_id", "as_of_at"],
    "trends.video_metric_snapshots": ["video_id", "fetched_at"],
}
# columns that differ by design between two loads (the landing clock), left out of the comparison
TREND_UNCOMPARED: dict[str, list[str]] = {"staging.stg_mastodon__statuses": ["landed_at"]}

# -- Mastodon and X -----------------------------------------------------------------------------
# The Mastodon marts (models/marts/mastodon) and their whole lineage, and the X staging models,
# from the bundled sample's Mastodon and X archives plus simulated Mastodon hours (edits, deletes,
# unreadable lines). tests/python/test_spark_social.py compares these with DuckDB's build
# (`make test-spark`); each table with the key its yml tests.
SOCIAL_SEEDS = ["seed", "--select", "mastodon_engagement_weights"]
SOCIAL_MODELS = [
    "run",
    "--select",
    "+path:models/marts/mastodon",
    "path:models/staging/mastodon",
    "path:models/staging/x",
]
SOCIAL_TABLES: dict[str, list[str]] = {
    "staging.stg_mastodon__statuses": ["instance", "status_id", "fetched_at"],
    "staging.stg_mastodon__status_edits": ["instance", "status_id", "fetched_at", "version_index"],
    "staging.stg_mastodon__stream_events": ["batch_id", "line_no"],
    "staging.stg_mastodon__tags": ["instance", "tag_name", "fetched_at", "history_date"],
    "staging.stg_ml__mastodon_post_sentiments": ["instance", "status_id", "version_valid_from"],
    "staging.stg_x__posts": ["post_id"],
    "staging.stg_x__post_counts": ["post_count_id"],
    "staging.stg_x__timeline_requests": ["request_id"],
    "intermediate.int_mastodon__status_tags_exploded": [
        "instance",
        "status_id",
        "fetched_at",
        "tag_name",
    ],
    "intermediate.int_mastodon__status_mentions_exploded": [
        "instance",
        "status_id",
        "mentioned_acct",
    ],
    "intermediate.int_mastodon__post_deletions": ["instance", "status_id"],
    "intermediate.int_mastodon__observations_scored": ["instance", "status_id", "fetched_at"],
    "intermediate.int_mastodon__post_versions_unioned": ["instance", "status_id", "version_seq"],
    "intermediate.int_mastodon__posts_current": ["instance", "status_id"],
    "intermediate.int_mastodon__events_unioned": ["event_id"],
    "intermediate.int_mastodon__post_tags_resolved": ["instance", "status_id", "tag_name"],
    "intermediate.int_mastodon__tag_hours_scored": ["instance", "tag_name", "hour_start"],
    "intermediate.int_mastodon__sentiments_versioned": [
        "instance",
        "status_id",
        "version_valid_from",
    ],
    "mastodon.instances": ["instance"],
    "mastodon.stream_events": ["event_id"],
    "mastodon.posts": ["status_id", "instance"],
    "mastodon.post_metric_snapshots": ["status_id", "instance", "fetched_at"],
    "mastodon.post_versions": ["status_id", "instance", "version_seq"],
    "mastodon.hashtags": ["instance", "tag_name"],
    "mastodon.post_hashtags": ["status_id", "instance", "tag_name"],
    "mastodon.post_mentions": ["status_id", "instance", "mentioned_acct"],
    "mastodon.hashtag_hourly_stats": ["instance", "tag_name", "hour_start"],
    "mastodon.hashtag_cooccurrences": ["instance", "tag_a", "tag_b"],
    "mastodon.post_velocity": ["status_id", "instance"],
    "mastodon.fast_rising_posts": ["status_id", "instance"],
    "mastodon.trending_hashtags": ["instance", "tag_name", "hour_start"],
    "mastodon.post_sentiments": ["status_id", "instance", "version_valid_from"],
    "mastodon.post_sentiment_changes": ["status_id", "instance", "status_version_seq"],
    "mastodon.daily_summaries": ["instance", "summary_date"],
    # written by the Mastodon sentiment stage (python_ml/mastodon/sentiment.py), not by dbt
    "ml.mastodon_post_sentiments": ["instance", "status_id", "version_valid_from"],
}
# the landing clock, which differs by design between two loads (stream_events' processed_at,
# snapshots' landed_at, X's last_landed_at, ...), left out of the comparison
SOCIAL_UNCOMPARED: dict[str, list[str]] = {
    "staging.stg_mastodon__statuses": ["landed_at"],
    "staging.stg_mastodon__status_edits": ["landed_at"],
    "staging.stg_mastodon__stream_events": ["landed_at"],
    "staging.stg_x__posts": ["last_landed_at"],
    "staging.stg_x__timeline_requests": ["landed_at"],
    "intermediate.int_mastodon__observations_scored": ["landed_at"],
    "intermediate.int_mastodon__events_unioned": ["processed_at"],
    "mastodon.stream_events": ["processed_at"],
    "mastodon.post_metric_snapshots": ["landed_at"],
}
# -- the platform analytics, ops and private marts ---------------------------------------------
# models/marts/analytics, models/marts/ops and models/marts/private with their whole lineage (the
# star schema, the platform intermediates, the TikTok and trend models the cross-platform and
# private marts read), plus the staging of exogenous events, from a simulated platform and TikTok
# run (tests/python/test_spark_analytics.py compares these with DuckDB's build, `make test-spark`).
ANALYTICS_SEEDS = [
    "seed",
    "--select",
    "engagement_types",
    "creator_tier_boosts",
    "creator_identity_links",
    "recommendation_experiments",
]
ANALYTICS_MODELS = [
    "run",
    "--select",
    "+path:models/marts/analytics",
    "+path:models/marts/ops",
    "+path:models/marts/private",
    "path:models/intermediate/platform",
    "path:models/staging/events",
]
ANALYTICS_TABLES: dict[str, list[str]] = {
    "staging.stg_events__exogenous_events": ["event_id"],
    "staging.stg_ops__batch_latencies": ["batch_id"],
    "staging.stg_tiktok__users": ["username", "fetched_at"],
    "intermediate.int_tiktok__users_latest": ["creator_id"],
    "intermediate.int_batch_latencies_measured": ["batch_id"],
    "intermediate.int_staging_rows_checked": ["check_name", "source_name", "subject"],
    "intermediate.int_platform_accounts_lifecycle": ["user_id"],
    "intermediate.int_platform_consent_periods": ["consent_period_id"],
    "intermediate.int_platform_content_effects_exploded": ["content_effect_id"],
    "intermediate.int_platform_content_hashtags_exploded": ["content_hashtag_id"],
    "intermediate.int_platform_experiment_assignments_first": ["assignment_id"],
    "intermediate.int_platform_experiment_users_exposed": ["assignment_id"],
    "intermediate.int_platform_reports_decided": ["report_id"],
    "analytics.ab_test_results": ["experiment_id", "variant", "metric"],
    "analytics.ab_test_sample_ratio": ["experiment_id", "variant"],
    "analytics.category_completion_trends": ["category", "performance_date"],
    "analytics.consent_daily": ["activity_date"],
    "analytics.content_lifecycle": ["content_key"],
    "analytics.creator_audience_growth": ["creator_id", "activity_date"],
    "analytics.creator_content_strategy": ["creator_id", "attribute_name", "attribute_value"],
    "analytics.creator_tier_analysis": ["creator_tier"],
    "analytics.creator_tier_performance_30d": ["creator_tier"],
    "analytics.cross_platform_creator_comparison": ["platform_user_id", "creator_id"],
    "analytics.discovery_source_effectiveness": ["discovery_source"],
    "analytics.feature_adoption_daily": ["feature_type", "upload_date"],
    "analytics.feature_performance_daily": ["feature_type", "feature_name", "activity_date"],
    "analytics.feed_position_impact": ["discovery_source", "position_in_feed"],
    "analytics.moderation_daily": ["report_date", "report_reason"],
    "analytics.platform_activity_anonymised_daily": ["activity_date", "region", "activity_type"],
    "analytics.recommendation_performance": ["discovery_source", "position_bucket_order"],
    "analytics.trending_content": ["content_id", "window_hours"],
    "analytics.user_content_diversity_weekly": ["user_id", "week_start_date"],
    "analytics.user_retention": ["user_id"],
    "analytics.user_retention_cohorts": ["signup_date"],
    "ops_marts.processing_latency_daily": ["source_name", "latency_date"],
    "ops_marts.staging_quality_counts": ["check_name", "source_name", "subject"],
    "private.creator_profiles": ["creator_id"],
    "private.hashtag_theme_documents": ["hashtag_id", "post_id", "fetched_at"],
}
# built by ANALYTICS_MODELS but empty on the simulated run, so only their emptiness is compared:
# a tier change needs a creator's followers to cross a tier threshold inside the run, which a
# tiny simulated day and a half never has
ANALYTICS_EMPTY = ["analytics.creator_tier_progression"]
# -- the domain harvester on Spark -------------------------------------------------------------
# The comment staging (YouTube comment threads, TikTok Research API comments; Mastodon statuses
# through stg_mastodon__statuses), the domain staging over the tables the Python extraction and
# enrichment write (domains_extracted.*, written on Spark by SparkWarehouse), the intermediate
# domain models and the domain marts and views. tests/python/test_spark_domains.py compares these
# with DuckDB's build (`make test-spark`); the lineage reads no seed.
DOMAIN_MODELS = ["run", "--select", "+path:models/marts/domains"]
DOMAIN_TABLES: dict[str, list[str]] = {
    "staging.stg_tiktok__comments": ["comment_id"],
    "staging.stg_youtube__comment_threads": ["comment_id"],
    "domains_extracted.mentions": ["comment_key", "mention_index"],
    "domains_extracted.scanned_comments": ["comment_key"],
    "domains_extracted.enrichment": ["domain_name"],
    "staging.stg_domains__mentions": ["comment_key", "mention_index"],
    "staging.stg_domains__enrichment": ["domain_name"],
    "intermediate.int_domains__comments_unioned": ["comment_key"],
    "intermediate.int_domains__mentions_resolved": [
        "domain_name",
        "platform",
        "video_id",
        "comment_id",
    ],
    "intermediate.int_domains__videos_described": ["video_key"],
    "intermediate.int_domains__enrichment_latest": ["domain_name"],
    "domains.comment": ["comment_key"],
    "domains.domain_mention": ["domain_mention_id"],
    "domains.domain": ["domain_id"],
    "domains.video": ["video_key"],
    "domains.v_comments_with_domains": ["comment_key", "domain_name"],
    "domains.v_videos_with_domains": ["platform", "video_id"],
    "domains.v_domains_new_today": ["domain_id"],
    "domains.v_domains_recent_activity": ["domain_id"],
    "domains.v_domains_top_mentioned": ["domain_id"],
}


def _env(name: str, default: str) -> str:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def warehouse_dir() -> Path:
    """Where Spark keeps its tables and its catalog (TRENDCAST_SPARK_WAREHOUSE)."""
    path = Path(_env("TRENDCAST_SPARK_WAREHOUSE", "warehouse/spark"))
    return path if path.is_absolute() else PROJECT_DIR / path


def spark_conf() -> dict[str, str]:
    """The session settings of profiles.yml's `spark` output, from the same variables.

    The catalog is an embedded Derby metastore in the warehouse folder: tables survive the
    process (each dbt invocation and each `trendcast load` is a new session), one process at a
    time. ANSI mode stays on (Spark 4's default): a bad cast or a division by zero is an
    error, as on Postgres; the models use safe casts and nullif.
    """
    wh = warehouse_dir()
    return {
        "spark.master": _env("TRENDCAST_SPARK_MASTER", "local[2]"),
        "spark.app.name": "trendcast",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.warehouse.dir": str(wh),
        "spark.hadoop.javax.jdo.option.ConnectionURL": "jdbc:derby:;databaseName=metastore_db;create=true",
        "spark.driver.extraJavaOptions": f"-Dderby.system.home={wh} -Duser.timezone=UTC",
        "spark.executor.extraJavaOptions": "-Duser.timezone=UTC",
        "spark.sql.shuffle.partitions": _env("TRENDCAST_SPARK_SHUFFLE_PARTITIONS", "8"),
        "spark.driver.memory": _env("TRENDCAST_SPARK_DRIVER_MEMORY", "1g"),
        "spark.executor.memory": _env("TRENDCAST_SPARK_EXECUTOR_MEMORY", "1g"),
        "spark.driver.host": _env("TRENDCAST_SPARK_DRIVER_HOST", "127.0.0.1"),
        "spark.driver.bindAddress": _env("TRENDCAST_SPARK_DRIVER_BIND", "127.0.0.1"),
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
    }


def require_pyspark() -> None:
    """A clear error when the optional extra is missing."""
    try:
        import pyspark  # noqa: F401
    except ImportError as exc:
        raise SettingsError(
            "the spark target needs the optional extra: `make spark` "
            "or `pip install 'trendcast[spark]'` (PySpark and dbt-spark)"
        ) from exc


def spark_session() -> Any:
    """The process's SparkSession with `spark_conf()` (created on first use, then shared)."""
    require_pyspark()
    from pyspark.sql import SparkSession

    warehouse_dir().mkdir(parents=True, exist_ok=True)
    builder = SparkSession.builder.enableHiveSupport()
    for key, value in spark_conf().items():
        builder = builder.config(key, value)
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    return builder.getOrCreate()


def stop_session() -> None:
    """Stop the process's SparkSession, if any (releases the Derby catalog and the executors)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        return
    session = SparkSession.getActiveSession()
    if session is not None:
        session.stop()


# -- the local standalone cluster -------------------------------------------------------------
def spark_home() -> Path:
    """The Spark distribution inside the pyspark package (bin/spark-class, jars/)."""
    require_pyspark()
    import pyspark

    return Path(pyspark.__file__).resolve().parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LocalCluster:
    """A standalone master and `workers` workers on 127.0.0.1, state kept in `state_dir`.

    Each worker offers `worker_cores` cores and `worker_memory` to one executor. The master's
    port and web port are free ports picked at start (written to state.json), so several
    clusters never collide; `url` is what TRENDCAST_SPARK_MASTER takes.
    """

    state_dir: Path
    workers: int = 2
    worker_cores: int = 1
    worker_memory: str = "1g"
    pids: list[int] = field(default_factory=list)
    port: int = 0
    web_port: int = 0

    @property
    def url(self) -> str:
        return f"spark://127.0.0.1:{self.port}"

    @property
    def state_file(self) -> Path:
        return self.state_dir / "state.json"

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            {
                "SPARK_HOME": str(spark_home()),
                "SPARK_LOCAL_IP": "127.0.0.1",
                "SPARK_LOG_DIR": str(self.state_dir / "logs"),
                "SPARK_WORKER_DIR": str(self.state_dir / "work"),
                "PYSPARK_PYTHON": sys.executable,
                # small daemons: the master and workers only schedule, executors do the work
                "SPARK_DAEMON_MEMORY": "256m",
            }
        )
        return env

    def _launch(self, args: list[str], log_name: str) -> int:
        log_dir = self.state_dir / "logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        cmd = [str(spark_home() / "bin" / "spark-class"), *args]
        with open(log_dir / log_name, "ab") as log:
            proc = subprocess.Popen(
                cmd,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=self._env(),
                cwd=self.state_dir,
                start_new_session=True,
            )
        return proc.pid

    def status(self) -> dict[str, Any]:
        """The master's view (its JSON endpoint on loopback): alive workers and their cores."""
        with urllib.request.urlopen(f"http://127.0.0.1:{self.web_port}/json/", timeout=5) as r:
            return json.loads(r.read())

    def alive_workers(self) -> int:
        try:
            return sum(1 for w in self.status().get("workers", []) if w.get("state") == "ALIVE")
        except (OSError, ValueError):  # not up yet; while starting, the UI may answer HTML
            return 0

    def start(self, timeout: float = 120.0) -> LocalCluster:
        """Start the master and the workers; return when every worker has registered."""
        if self.state_file.exists():
            raise SettingsError(
                f"a cluster is already recorded in {self.state_dir}: "
                "`trendcast spark-cluster stop` first"
            )
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.port, self.web_port = _free_port(), _free_port()
        self.pids = [
            self._launch(
                [
                    "org.apache.spark.deploy.master.Master",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    "--webui-port",
                    str(self.web_port),
                ],
                "master.log",
            )
        ]
        self._save()
        for i in range(self.workers):
            self.pids.append(
                self._launch(
                    [
                        "org.apache.spark.deploy.worker.Worker",
                        self.url,
                        "--host",
                        "127.0.0.1",
                        "--cores",
                        str(self.worker_cores),
                        "--memory",
                        self.worker_memory,
                        "--webui-port",
                        str(_free_port()),
                        "--work-dir",
                        str(self.state_dir / "work" / f"worker-{i}"),
                    ],
                    f"worker-{i}.log",
                )
            )
            self._save()
        deadline = time.monotonic() + timeout
        while self.alive_workers() < self.workers:
            if time.monotonic() > deadline:
                self.stop()
                raise SettingsError(
                    f"the Spark cluster did not come up in {timeout:.0f} s "
                    f"(logs in {self.state_dir / 'logs'}); is Java 17 on PATH?"
                )
            time.sleep(1)
        return self

    def _save(self) -> None:
        self.state_file.write_text(
            json.dumps(
                {
                    "pids": self.pids,
                    "port": self.port,
                    "web_port": self.web_port,
                    "workers": self.workers,
                    "url": self.url,
                }
            )
        )

    @classmethod
    def load(cls, state_dir: Path) -> LocalCluster | None:
        """The cluster recorded in `state_dir`, or None."""
        state_file = state_dir / "state.json"
        if not state_file.exists():
            return None
        state = json.loads(state_file.read_text())
        return cls(
            state_dir,
            workers=state["workers"],
            pids=state["pids"],
            port=state["port"],
            web_port=state["web_port"],
        )

    def stop(self, timeout: float = 20.0) -> None:
        """Stop the recorded processes (workers first, then the master), by their ids only."""
        for pid in reversed(self.pids):
            try:
                os.killpg(pid, signal.SIGTERM)
            except (ProcessLookupError, PermissionError):
                continue
        deadline = time.monotonic() + timeout
        for pid in self.pids:
            while time.monotonic() < deadline and _alive(pid):
                time.sleep(0.2)
            if _alive(pid):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(pid, signal.SIGKILL)
        self.state_file.unlink(missing_ok=True)
        shutil.rmtree(self.state_dir / "work", ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        waited, _ = os.waitpid(pid, os.WNOHANG)
        if waited == pid:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def default_cluster_dir() -> Path:
    """Where `trendcast spark-cluster` keeps its state (TRENDCAST_SPARK_CLUSTER_DIR)."""
    path = Path(_env("TRENDCAST_SPARK_CLUSTER_DIR", "warehouse/spark-cluster"))
    return path if path.is_absolute() else PROJECT_DIR / path

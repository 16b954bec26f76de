"""Settings from environment variables, shared with dbt's profiles.yml.

dbt reads the same variables through `env_var()`, so Python and dbt always talk to the same warehouse.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

TARGETS = ("duckdb", "postgres", "spark")
# targets the Python warehouse module (trendcast/warehouse.py) opens; Spark is reached through
# trendcast/spark.py (landing) and dbt-spark (models) instead (docs/SPARK.md)
SQL_TARGETS = ("duckdb", "postgres")
PROJECT_DIR = Path(__file__).resolve().parent.parent


class SettingsError(ValueError):
    """A setting is missing or invalid; the message says which and how to fix it."""


def _env(name: str, default: str) -> str:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


@dataclass(frozen=True)
class Settings:
    """Where the warehouse is and how to reach it, read from the same `TRENDCAST_*` variables
    profiles.yml reads, so Python and dbt can never point at different warehouses."""

    target: str = "duckdb"
    duckdb_path: Path = field(
        default_factory=lambda: PROJECT_DIR / "warehouse" / "trendcast.duckdb"
    )
    pg_host: str = "127.0.0.1"
    pg_port: int = 5432
    pg_user: str = "postgres"
    pg_password: str = ""
    pg_dbname: str = "trendcast"
    project_dir: Path = PROJECT_DIR
    artifact_dir: Path = field(default_factory=lambda: PROJECT_DIR / "artifacts")

    @classmethod
    def from_env(cls, target: str | None = None) -> Settings:
        """Read every setting from the environment variables dbt's profiles.yml reads too, so
        Python and dbt always reach the same warehouse; a bad value fails here, naming the variable,
        rather than later inside a driver."""
        chosen = (target or _env("TRENDCAST_TARGET", "duckdb")).lower()
        if chosen not in TARGETS:
            raise SettingsError(
                f"unknown target {chosen!r}: use one of {', '.join(TARGETS)} "
                "(--target or TRENDCAST_TARGET)"
            )
        duckdb_path = Path(_env("TRENDCAST_DUCKDB_PATH", "warehouse/trendcast.duckdb"))
        if not duckdb_path.is_absolute():
            duckdb_path = PROJECT_DIR / duckdb_path
        port = _env("TRENDCAST_PG_PORT", "5432")
        if not port.isdigit():
            raise SettingsError(f"TRENDCAST_PG_PORT must be a number, got {port!r}")
        artifact_dir = Path(_env("TRENDCAST_ARTIFACT_DIR", "artifacts"))
        if not artifact_dir.is_absolute():
            artifact_dir = PROJECT_DIR / artifact_dir
        return cls(
            target=chosen,
            duckdb_path=duckdb_path,
            pg_host=_env("TRENDCAST_PG_HOST", "127.0.0.1"),
            pg_port=int(port),
            pg_user=_env("TRENDCAST_PG_USER", "postgres"),
            pg_password=os.environ.get("TRENDCAST_PG_PASSWORD", ""),
            pg_dbname=_env("TRENDCAST_PG_DBNAME", "trendcast"),
            artifact_dir=artifact_dir,
        )

    def dbt_env(self) -> dict[str, str]:
        """Environment for a dbt subprocess or dbtRunner so it sees exactly these settings."""
        return {
            "TRENDCAST_TARGET": self.target,
            "TRENDCAST_DUCKDB_PATH": str(self.duckdb_path),
            "TRENDCAST_PG_HOST": self.pg_host,
            "TRENDCAST_PG_PORT": str(self.pg_port),
            "TRENDCAST_PG_USER": self.pg_user,
            "TRENDCAST_PG_PASSWORD": self.pg_password,
            "TRENDCAST_PG_DBNAME": self.pg_dbname,
            "DBT_PROFILES_DIR": str(self.project_dir),
        }

    def describe(self) -> str:
        if self.target == "duckdb":
            return f"duckdb file {self.duckdb_path}"
        if self.target == "spark":
            master = os.environ.get("TRENDCAST_SPARK_MASTER") or "local[2]"
            return f"spark {master}"
        return f"postgres {self.pg_user}@{self.pg_host}:{self.pg_port}/{self.pg_dbname}"

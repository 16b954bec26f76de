"""No credential is ever logged or stored: plant secret values in every credential variable, run
the CLI (load, build of a few models, status, a failing command, erase), then grep its output,
dbt's logs and every column of every table for them."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.python.conftest import SAMPLE_DIR
from trendcast.erasure import search
from trendcast.settings import Settings
from trendcast.warehouse import connect

pytestmark = pytest.mark.slow


def test_planted_secrets_appear_nowhere(pg_warehouse: Settings, tmp_path: Path) -> None:
    secrets = {
        # trust auth on loopback: the server never asks, so a planted password is harmless
        "TRENDCAST_PG_PASSWORD": f"pgpw-{uuid.uuid4().hex}",
        "TRENDCAST_X_BEARER_TOKEN": f"xtok-{uuid.uuid4().hex}",
        "TRENDCAST_TIKTOK_CLIENT_KEY": f"ttkey-{uuid.uuid4().hex}",
        "TRENDCAST_TIKTOK_CLIENT_SECRET": f"ttsec-{uuid.uuid4().hex}",
    }
    logs = tmp_path / "logs"
    env = {
        **os.environ,
        **pg_warehouse.dbt_env(),
        **secrets,
        "TRENDCAST_TARGET": "postgres",
        "DBT_LOG_PATH": str(logs),
        "DBT_TARGET_PATH": str(tmp_path / "target"),
    }
    env.pop("TRENDCAST_DEBUG", None)
    cli = [sys.executable, "-m", "flows.cli"]
    outputs = []
    for args, ok in (
        (["load", str(SAMPLE_DIR / "mastodon")], True),
        (["build", "--select", "stg_mastodon__tags"], True),
        (["status"], True),
        (["erase", "--user", "mastodon:nobody-here", "--no-rebuild"], True),
        (["load", str(tmp_path / "missing")], False),
    ):
        run = subprocess.run(cli + args, env=env, capture_output=True, text=True, timeout=600)
        assert (run.returncode == 0) == ok, run.stderr
        outputs.append(run.stdout + run.stderr)
    bad_port = {**env, "TRENDCAST_PG_PORT": "1"}  # a connection error names the target
    run = subprocess.run([*cli, "status"], env=bad_port, capture_output=True, text=True)
    assert run.returncode == 1 and "cannot reach Postgres" in run.stderr
    outputs.append(run.stdout + run.stderr)

    log_text = "".join(p.read_text(errors="replace") for p in logs.rglob("*") if p.is_file())
    assert "stg_mastodon__tags" in log_text  # the logs are the ones dbt wrote
    for name, value in secrets.items():
        assert all(value not in out for out in outputs), f"{name} printed"
        assert value not in log_text, f"{name} in dbt's logs"
    with connect(pg_warehouse) as wh:
        assert wh.scalar("select count(*) from raw.api_responses") > 0
        assert search(wh, list(secrets.values()), None) == []
        # the security and ops tables too (search() skips them as erasure's own records)
        for table in ("ops.erasure_log", "security.erasure_tombstones"):
            rows = str(wh.query(f"select * from {table}"))
            assert all(v not in rows for v in secrets.values())

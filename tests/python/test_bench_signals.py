"""`trendcast bench` stopped by SIGTERM (a timeout, a scheduler) cleans up like Ctrl-C: the
throwaway Postgres database it created is dropped, not left on the server."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import psycopg

from tests.python.conftest import _pg_admin_settings, require_pg
from trendcast.settings import PROJECT_DIR


def _databases() -> set[str]:
    s = _pg_admin_settings()
    with psycopg.connect(
        host=s.pg_host, port=s.pg_port, user=s.pg_user, password=s.pg_password or None,
        dbname="postgres", autocommit=True,
    ) as conn:  # fmt: skip
        return {r[0] for r in conn.execute("select datname from pg_database")}


def test_sigterm_drops_the_throwaway_postgres_database(tmp_path):
    require_pg()
    env = {**os.environ, "TRENDCAST_TARGET": "postgres", "COLUMNS": "400"}
    child = subprocess.Popen(
        [sys.executable, "-m", "flows.cli", "bench", "--source", "youtube", "--years", "1"],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    name, seen, deadline = None, [], time.monotonic() + 300
    try:
        assert child.stdout is not None
        for line in child.stdout:
            seen.append(line)
            found = re.search(r"/(trendcast_tmp_[0-9a-f]+)", line)
            if found:
                name = found.group(1)
                break
            assert time.monotonic() < deadline, "".join(seen)
        assert name, "".join(seen)
        # the database exists while the run works in it
        while name not in _databases():
            assert time.monotonic() < deadline
            time.sleep(0.2)
        time.sleep(2)  # into the replica or the load
        child.send_signal(signal.SIGTERM)
        child.wait(timeout=120)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode != 0  # stopped, not finished
    assert name not in _databases()

"""Kill an extractor at an arbitrary call (SIGKILL, no clean-up) and run it again: nothing is
lost, and the lines equal those of an uninterrupted run up to repeated calls (same endpoint,
params and response; only fetch times differ, and every staging model dedupes what they carry).
"""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.python import test_extract_mastodon as ma
from tests.python import test_extract_tiktok as tk
from tests.python import test_extract_x as xx
from tests.python import test_extract_youtube as yt
from tests.python.extract_replay import Replay, archive_lines, content_set
from trendcast.sources.config import HttpOptions

ROOT = Path(__file__).resolve().parents[2]
HTTP = HttpOptions(timeout=5, max_attempts=3, backoff=0.01, max_backoff=0.05, commit_every=1)

CASES = {
    # source: (route factory, env, pause at (path regex, after), call in the child and here)
    "youtube": (
        lambda: yt.route,
        lambda url: {"TRENDCAST_YOUTUBE_BASE_URL": url, "TRENDCAST_YOUTUBE_API_KEY": yt.KEY},
        (r"/videos$", 3),  # after the US chart (3 pages), at GB
        "from trendcast.sources.youtube import extract_youtube as f; "
        "f(OUT, ['US', 'GB'], comment_videos=['CevxZvSJLk8'], http=HTTP)",
    ),
    "x": (
        lambda: xx.Server().route,
        lambda url: {"TRENDCAST_X_BASE_URL": url, "TRENDCAST_X_BEARER_TOKEN": xx.TOKEN},
        (r"/counts/recent$", 0),  # after the timeline chain (a chain is committed whole)
        "from trendcast.sources.x import extract_x as f; f(OUT, ['elonmusk'], counts=True, http=HTTP)",
    ),
    "tiktok": (
        lambda: tk.Server().route,
        lambda url: {
            "TRENDCAST_TIKTOK_BASE_URL": url,
            "TRENDCAST_TIKTOK_CLIENT_KEY": tk.KEY,
            "TRENDCAST_TIKTOK_CLIENT_SECRET": tk.SECRET,
        },
        (r"/comment/list/$", 1),
        "from datetime import date; from trendcast.sources.tiktok import extract_tiktok as f; "
        "f(OUT, ['US'], date(2024, 1, 1), date(2024, 2, 14), comments=True, http=HTTP)",
    ),
    "mastodon": (
        None,  # needs the server's own URL in its Link headers (set below)
        lambda url: {},
        (r"/trends/statuses$", 0),  # after the timeline, within the trends
        "from trendcast.sources.mastodon import extract_mastodon as f; "
        "f(OUT, URL, timeline='public', trends=True, http=HTTP)",
    ),
}


def _empty(response) -> bool:
    return response == [] or (
        isinstance(response, dict) and response.get("meta") == {"result_count": 0}
    )


def _route(source: str):
    if source != "mastodon":
        return CASES[source][0]()
    logic = ma.Server()
    return logic


def _run_child(code: str, out: Path, url: str, env: dict[str, str]) -> subprocess.Popen:
    prelude = (
        "from pathlib import Path; from trendcast.sources.config import HttpOptions; "
        f"HTTP = HttpOptions(timeout=5, max_attempts=3, backoff=0.01, commit_every=1); "
        f"OUT = Path({str(out)!r}); URL = {url!r}; "
    )
    return subprocess.Popen(
        [sys.executable, "-c", prelude + code],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.mark.parametrize("source", list(CASES))
def test_kill_and_resume_loses_nothing(source, tmp_path, monkeypatch):
    _, env_for, (pause_path, after), code = CASES[source]
    route = _route(source)
    replay = Replay(route.route if source == "mastodon" else route).start()
    if source == "mastodon":
        route.url = replay.url
        env = {
            f"TRENDCAST_MASTODON_TOKEN_{replay.url.split('//')[1].replace('.', '_').replace(':', '_')}": ma.TOKEN
        }
    else:
        env = env_for(replay.url)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    try:
        killed = tmp_path / "killed"
        replay.fail(pause_path, "pause", after=after)
        child = _run_child(code, killed, replay.url, env)
        assert replay.paused.wait(60), "the child never reached the paused call"
        child.send_signal(signal.SIGKILL)
        child.wait(30)
        replay.release.set()
        before = archive_lines(killed, source)  # finished files only, each one whole
        # the same run again, in this process: it resumes from the checkpoint
        namespace = {"OUT": killed, "URL": replay.url, "HTTP": HTTP}
        exec(code, namespace)
        resumed = archive_lines(killed, source)
        fresh = tmp_path / "fresh"
        exec(code, {**namespace, "OUT": fresh})
        uninterrupted = archive_lines(fresh, source)
    finally:
        replay.stop()
    assert before and len(before) < len(uninterrupted)  # the kill did interrupt the run
    assert resumed[: len(before)] == before  # committed files are never rewritten
    # everything the uninterrupted run got; beyond it only incremental calls that found nothing
    # new (the resumed run asks from a checkpoint the uninterrupted one never had)
    extra = content_set(resumed) - content_set(uninterrupted)
    assert content_set(uninterrupted) <= content_set(resumed)
    assert all(_empty(json.loads(e)[3]) for e in extra), extra
    leftovers = [p.name for p in (killed / source).rglob("*.part")]
    assert len(leftovers) <= 1  # at most the file the kill interrupted, never read by landing
    for path in (killed / source).rglob("*.jsonl.gz"):
        with gzip.open(path, "rt") as fh:
            assert all(json.loads(line) for line in fh)


def test_sigterm_finishes_the_current_file_and_stale_parts_are_removed(tmp_path, monkeypatch):
    """SIGTERM (a scheduler stopping the run) mid-run: the open file is committed with every
    line received, nothing is left as `.part`, and the run resumes from the checkpoint; `.part`
    files a killed run left are removed when the next run starts."""
    _, env_for, (pause_path, after), code = CASES["youtube"]
    replay = Replay(_route("youtube")).start()
    env = env_for(replay.url)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    out = tmp_path / "out"
    stale = (
        out
        / "youtube"
        / "2020"
        / "01"
        / "01"
        / "youtube-20200101T000000.000000Z-dead-001.jsonl.gz.part"
    )
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"\x1f\x8b half a file")
    (out / "_state").mkdir()
    (out / "_state" / "youtube.json.part").write_text("{")
    try:
        replay.fail(pause_path, "pause", after=after)
        # one file for the whole run: the calls before the pause are all in the open .part file
        child = _run_child("HTTP = HttpOptions(timeout=5, max_attempts=3, backoff=0.01, "
                           "commit_every=1000); " + code, out, replay.url, env)  # fmt: skip
        assert replay.paused.wait(60), "the child never reached the paused call"
        child.send_signal(signal.SIGTERM)
        assert child.wait(30) == 0  # a clean stop, not a death by signal
        replay.release.set()
        assert not list(out.rglob("*.part"))  # the stale ones removed, the open one committed
        before = archive_lines(out, "youtube")
        assert len(before) == after  # every call answered before the pause, in one whole file
        assert len(list((out / "youtube").rglob("*.jsonl.gz"))) == 1
        namespace = {"OUT": out, "URL": replay.url, "HTTP": HTTP}
        exec(code, namespace)  # resumes from the checkpoint the stop saved
        resumed = archive_lines(out, "youtube")
        exec(code, {**namespace, "OUT": tmp_path / "fresh"})
        uninterrupted = archive_lines(tmp_path / "fresh", "youtube")
    finally:
        replay.stop()
    assert resumed[: len(before)] == before
    assert content_set(uninterrupted) <= content_set(resumed)

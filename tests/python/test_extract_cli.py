"""`trendcast extract ...` exactly as documented, against the loopback replay servers."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from flows.cli import app
from tests.python import test_extract_mastodon as ma
from tests.python import test_extract_tiktok as tk
from tests.python import test_extract_x as xx
from tests.python import test_extract_youtube as yt
from tests.python.extract_replay import Replay, archive_lines
from trendcast.sources import shape_of


@pytest.fixture
def servers(monkeypatch):
    logic = ma.Server()
    started = {
        "youtube": Replay(yt.route).start(),
        "x": Replay(xx.Server().route).start(),
        "tiktok": Replay(tk.Server().route).start(),
        "mastodon": Replay(logic.route).start(),
    }
    logic.url = started["mastodon"].url
    host = logic.url.split("//")[1]
    env = {
        "TRENDCAST_YOUTUBE_BASE_URL": started["youtube"].url,
        "TRENDCAST_YOUTUBE_API_KEY": yt.KEY,
        "TRENDCAST_X_BASE_URL": started["x"].url,
        "TRENDCAST_X_BEARER_TOKEN": xx.TOKEN,
        "TRENDCAST_TIKTOK_BASE_URL": started["tiktok"].url,
        "TRENDCAST_TIKTOK_CLIENT_KEY": tk.KEY,
        "TRENDCAST_TIKTOK_CLIENT_SECRET": tk.SECRET,
        "TRENDCAST_MASTODON_TOKEN_" + host.replace(".", "_").replace(":", "_"): ma.TOKEN,
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    yield started
    for server in started.values():
        server.stop()


def test_every_documented_command_runs(servers, tmp_path):
    runner = CliRunner()
    url = servers["mastodon"].url
    commands = {
        "youtube": ["extract", "youtube", "--regions", "US,GB", "--follow-days", "3"],
        "x": ["extract", "x", "--account", "elonmusk", "--counts"],
        "tiktok": ["extract", "tiktok", "--regions", "US", "--start-date", "2024-01-01",
                   "--end-date", "2024-01-20", "--comments"],
        "mastodon": ["extract", "mastodon", "--instance", url, "--timeline", "public",
                     "--max-pages", "2", "--trends", "--instance-info"],
        "stream": ["extract", "mastodon", "--instance", url, "--stream", "public",
                   "--seconds", "4"],
    }  # fmt: skip
    expected_lines = {"youtube": 4, "x": 5, "tiktok": 2 + 4, "mastodon": 2 + 3 + 1}
    for name, args in commands.items():
        out = tmp_path / name
        result = runner.invoke(app, [*args, "--out", str(out)])
        assert result.exit_code == 0, result.output
        source = "mastodon" if name == "stream" else name
        assert f"{source}: " in result.output and "stopped: complete" in result.output
        lines = archive_lines(out, source)
        if name == "stream":
            events = {r["response"]["event"] for r in lines if "streaming" in r["endpoint"]}
            assert events == {"update", "status.update", "delete"}
        else:
            assert len(lines) == expected_lines[name], name
        assert (
            (out / "_state" / ("mastodon-stream" if name == "stream" else source))
            .with_suffix(".json")
            .exists()
        )
        # every line is a shape staging knows
        assert all(shape_of(source, r["endpoint"]) for r in lines), name


def test_missing_credential_is_one_line(tmp_path, monkeypatch):
    monkeypatch.delenv("TRENDCAST_X_BEARER_TOKEN", raising=False)
    result = CliRunner().invoke(app, ["extract", "x", "--account", "a", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "TRENDCAST_X_BEARER_TOKEN is not set" in result.output
    assert "Traceback" not in result.output


def test_flows_take_plain_values(servers, tmp_path, monkeypatch):
    """The schedules call these flows by name with plain parameters (run here without the
    Prefect engine: `.fn` is the flow's own function)."""
    from flows import extract_flows as ef

    url = servers["mastodon"].url
    monkeypatch.setenv("TRENDCAST_MASTODON_INSTANCES", url)  # what a schedule relies on
    runs = [
        ef.extract_youtube.fn(out_dir=str(tmp_path / "y"), regions="GB"),
        ef.extract_x.fn(out_dir=str(tmp_path / "x"), account="elonmusk"),
        ef.extract_tiktok.fn(out_dir=str(tmp_path / "t"), regions="US", start_date="2024-01-01",
                             end_date="2024-01-05"),
        *ef.extract_mastodon.fn(out_dir=str(tmp_path / "m"), max_pages=1),
        *ef.extract_mastodon_stream.fn(out_dir=str(tmp_path / "s"), instance=url, seconds=0.5),
    ]  # fmt: skip
    assert [r["source"] for r in runs] == ["youtube", "x", "tiktok", "mastodon", "mastodon"]
    assert all(r["stopped"] == "complete" and r["calls"] >= 1 for r in runs)
    assert [ef.extract_youtube.name, ef.extract_mastodon_stream.name] == [
        "extract_youtube",
        "extract_mastodon_stream",
    ]

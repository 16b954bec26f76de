"""`trendcast extract <source>`: pull live API data into archive files (see README: Extract).

Credentials come only from the environment; every option is a plain value so the Prefect flows
in flows/extract_flows.py take the same ones.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from flows.commands import print_error

console = Console()
extract_app = typer.Typer(
    help="Pull live API data (YouTube, X, TikTok, Mastodon) into archive files, resumably.",
    no_args_is_help=True,
)

OutOpt = Annotated[Path, typer.Option("--out", "-o", help="Output folder (archives + _state/).")]
TimeoutOpt = Annotated[float, typer.Option(help="Seconds before a request times out.")]
AttemptsOpt = Annotated[int, typer.Option(help="Attempts per call (429, 5xx, timeouts).")]
WaitOpt = Annotated[
    float, typer.Option(help="Longest wait a server may ask for before the run stops.")
]
CommitOpt = Annotated[int, typer.Option(help="Close a file and checkpoint after this many calls.")]


def _csv(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _date(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{name} {value!r} is not YYYY-MM-DD") from None


def _http(timeout: float, attempts: int, max_wait: float, commit_every: int) -> Any:
    from trendcast.sources.config import HttpOptions

    return HttpOptions(
        timeout=timeout, max_attempts=attempts, max_wait=max_wait, commit_every=commit_every
    )


def _run(extract: Callable[..., Any], *args: Any, **options: Any) -> None:
    """Run one source's extractor with `args` and `options`; print its summary; one error line
    (no traceback) on failure, and the partial summary when a run stopped part-way, so the user
    sees what was archived before the next run resumes from the checkpoint."""
    from trendcast.sources.errors import CredentialError, ExtractError

    if not logging.getLogger("trendcast.extract").handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
        logging.getLogger("trendcast.extract").addHandler(handler)
        logging.getLogger("trendcast.extract").setLevel(logging.INFO)
    try:
        summary = extract(*args, **options)
    except CredentialError as exc:
        print_error(str(exc), "see README: Extract for how to get the credential")
        raise typer.Exit(2) from None
    except ExtractError as exc:
        partial = getattr(exc, "summary", None)
        if partial is not None:
            console.print(partial.line(), highlight=False)
        print_error(str(exc), "run the same command again: it resumes from the checkpoint")
        raise typer.Exit(1) from None
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    console.print(summary.line(), highlight=False)
    for path in summary.files:
        console.print(f"  wrote {path}", highlight=False)


@extract_app.command("youtube")
def youtube_command(
    regions: Annotated[str, typer.Option(help="Chart regions, comma-separated (US,GB).")],
    out: OutOpt,
    follow_days: Annotated[
        int, typer.Option(help="Days to keep re-fetching videos after they left a chart.")
    ] = 0,
    comments_for: Annotated[
        str, typer.Option(help="Video ids whose comment threads to fetch, comma-separated.")
    ] = "",
    quota: Annotated[int, typer.Option(help="Daily quota units this run may reach.")] = 10_000,
    max_pages: Annotated[int, typer.Option(help="Pages per chart or comment list.")] = 10,
    refetch: Annotated[
        bool, typer.Option(help="Fetch charts already fetched today (UTC) again.")
    ] = False,
    timeout: TimeoutOpt = 30.0,
    attempts: AttemptsOpt = 5,
    max_wait: WaitOpt = 900.0,
    commit_every: CommitOpt = 100,
) -> None:
    """YouTube Data API v3: mostPopular charts, follow-ups, comment threads."""
    from trendcast.sources.youtube import extract_youtube

    _run(
        extract_youtube, out, _csv(regions), follow_days=follow_days,
        comment_videos=_csv(comments_for), quota=quota, max_pages=max_pages, refetch=refetch,
        http=_http(timeout, attempts, max_wait, commit_every),
    )  # fmt: skip


@extract_app.command("x")
def x_command(
    account: Annotated[str, typer.Option(help="Account handle(s), comma-separated.")],
    out: OutOpt,
    counts: Annotated[bool, typer.Option(help="Also fetch hourly post counts.")] = False,
    max_pages: Annotated[int, typer.Option(help="Pages per timeline.")] = 40,
    max_requests: Annotated[int, typer.Option(help="Daily request budget.")] = 1_000,
    timeout: TimeoutOpt = 30.0,
    attempts: AttemptsOpt = 5,
    max_wait: WaitOpt = 900.0,
    commit_every: CommitOpt = 100,
) -> None:
    """X API v2: an account's new posts since the last run, and hourly counts."""
    from trendcast.sources.x import extract_x

    _run(
        extract_x, out, _csv(account), counts=counts, max_pages=max_pages,
        max_requests=max_requests, http=_http(timeout, attempts, max_wait, commit_every),
    )  # fmt: skip


@extract_app.command("tiktok")
def tiktok_command(
    regions: Annotated[str, typer.Option(help="Region codes, comma-separated (US).")],
    start_date: Annotated[str, typer.Option(help="First creation day, YYYY-MM-DD.")],
    end_date: Annotated[str, typer.Option(help="Last creation day, YYYY-MM-DD (inclusive).")],
    out: OutOpt,
    comments: Annotated[bool, typer.Option(help="Also fetch comments of videos found.")] = False,
    max_comment_videos: Annotated[int, typer.Option(help="Videos whose comments to fetch.")] = 20,
    users: Annotated[str, typer.Option(help="Usernames for user info, comma-separated.")] = "",
    max_pages: Annotated[int, typer.Option(help="Pages per query window or comment list.")] = 50,
    max_requests: Annotated[int, typer.Option(help="Daily request quota.")] = 1_000,
    timeout: TimeoutOpt = 30.0,
    attempts: AttemptsOpt = 5,
    max_wait: WaitOpt = 900.0,
    commit_every: CommitOpt = 100,
) -> None:
    """TikTok Research API: video query (30-day windows), comments, user info."""
    from trendcast.sources.tiktok import extract_tiktok

    start, end = _date(start_date, "--start-date"), _date(end_date, "--end-date")
    _run(
        extract_tiktok, out, _csv(regions), start, end, comments=comments,
        max_comment_videos=max_comment_videos, users=_csv(users), max_pages=max_pages,
        max_requests=max_requests, http=_http(timeout, attempts, max_wait, commit_every),
    )  # fmt: skip


@extract_app.command("mastodon")
def mastodon_command(
    out: OutOpt,
    instance: Annotated[
        str | None,
        typer.Option(help="Instance base URL (default: each of TRENDCAST_MASTODON_INSTANCES)."),
    ] = None,
    timeline: Annotated[str | None, typer.Option(help="public | local | tag:NAME")] = None,
    stream: Annotated[
        str | None, typer.Option(help="Stream instead: public | local | tag:NAME")
    ] = None,
    seconds: Annotated[float, typer.Option(help="How long to stream.")] = 60.0,
    max_pages: Annotated[int, typer.Option(help="Timeline pages per run.")] = 10,
    trends: Annotated[
        bool, typer.Option(help="Also fetch trending tags, statuses, links.")
    ] = False,
    refresh: Annotated[
        int, typer.Option(help="Re-fetch this many recent statuses (counts, edit history).")
    ] = 0,
    instance_info: Annotated[bool, typer.Option(help="Also fetch /api/v2/instance.")] = False,
    max_requests: Annotated[int, typer.Option(help="Daily request budget.")] = 5_000,
    timeout: TimeoutOpt = 30.0,
    attempts: AttemptsOpt = 5,
    max_wait: WaitOpt = 900.0,
    commit_every: CommitOpt = 100,
) -> None:
    """Mastodon: a timeline from the checkpoint on (REST), or a bounded stream (SSE)."""
    from trendcast.sources.mastodon import extract_mastodon, instances_from_env, stream_mastodon

    targets = [instance] if instance else instances_from_env()
    if not targets:
        raise typer.BadParameter("pass --instance URL or set TRENDCAST_MASTODON_INSTANCES")
    http = _http(timeout, attempts, max_wait, commit_every)
    for url in targets:
        if stream:
            _run(stream_mastodon, out, url, stream=stream, seconds=seconds, max_requests=max_requests, http=http)  # fmt: skip
        else:
            _run(
                extract_mastodon, out, url,
                timeline=timeline or ("public" if not (trends or refresh or instance_info) else None),
                max_pages=max_pages, trends=trends, refresh=refresh,
                instance_info=instance_info, max_requests=max_requests, http=http,
            )  # fmt: skip


def register(app: typer.Typer) -> None:
    app.add_typer(extract_app, name="extract")

"""The sources trendcast lands, and the endpoint shapes it recognises for each.

Landing accepts any endpoint of a known source (the exact response is kept for replay); staging
models pick the shapes below. `shape_of` is what parser tests and `trendcast status` use to say
which staging model a line feeds.
"""

from __future__ import annotations

import re

KNOWN_SOURCES: tuple[str, ...] = ("youtube", "x", "tiktok", "mastodon", "platform")

# source -> [(shape name, endpoint regex)]
SHAPES: dict[str, list[tuple[str, re.Pattern[str]]]] = {
    "youtube": [
        ("videos.list", re.compile(r"^youtube/v3/videos$")),
        ("commentThreads.list", re.compile(r"^youtube/v3/commentThreads$")),
    ],
    "x": [
        ("users.tweets", re.compile(r"^2/users/[^/]+/tweets$")),
        ("tweets.counts", re.compile(r"^2/tweets/counts/(all|recent)$")),
        ("users.by_username", re.compile(r"^2/users/by/username/[^/]+$")),
    ],
    "tiktok": [
        ("research.video.query", re.compile(r"^v2/research/video/query/?$")),
        ("research.comment.list", re.compile(r"^v2/research/video/comment/list/?$")),
        ("research.user.info", re.compile(r"^v2/research/user/info/?$")),
        ("web.item_list", re.compile(r"^api/(post|recommend|challenge)/item_list/?$")),
        ("scraper.trending", re.compile(r"^scraper/trending$")),
    ],
    "mastodon": [
        ("statuses", re.compile(r"^api/v1/(statuses(/[0-9]+)?|timelines/.+)$")),
        ("trends.tags", re.compile(r"^api/v1/trends/tags$")),
        ("trends.links", re.compile(r"^api/v1/trends/links$")),
        ("trends.statuses", re.compile(r"^api/v1/trends/statuses$")),
        ("statuses.history", re.compile(r"^api/v1/statuses/[0-9]+/history$")),
        ("instance", re.compile(r"^api/v[12]/instance$")),
        ("streaming", re.compile(r"^api/v1/streaming(/.*)?$")),
    ],
    "platform": [("events", re.compile(r"^events/.+$"))],
}


def shape_of(source: str, endpoint: str) -> str | None:
    """The recognised shape of an API call, or None for an endpoint trendcast neither extracts
    nor reads (a few extracted shapes, e.g. instance info, are kept for replay only)."""
    for name, pattern in SHAPES.get(source, []):
        if pattern.match(endpoint):
            return name
    return None

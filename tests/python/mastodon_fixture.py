"""A small hand-made Mastodon event log for the Mastodon tests: three archive files (landed in
order they are three batches) with every case the models must handle.

- alpha.social and beta.social both have a status "100" (composite keys);
- alpha/300 is posted (stream update), edited (stream status.update), and its /history, which
  arrives in a later file, adds a middle version the stream never showed (out-of-order edits);
- alpha/200 carries DELETED_TEXT, is deleted in the second file and re-fetched after that in the
  third (a delete then a late re-fetch);
- gamma.social has the hashtag #surge: 2 accounts the day before, 6 accounts in one hour today,
  and #few with only 4 accounts (under Mastodon's threshold of 5): the trending examples in
  docs/MASTODON.md are computed by hand from these;
- a delete event without a payload and a line that is not JSON (kept, counted, never dropped).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

T0 = datetime(2025, 3, 1, 10, 0, tzinfo=UTC)
DELETED_TEXT = "SECRETDELETEDTEXT"


def _iso(t: datetime) -> str:
    return t.astimezone(UTC).isoformat().replace("+00:00", "Z")


def status(
    sid: str,
    inst: str,
    acct: str,
    created: datetime,
    text: str,
    tags: list[str],
    *,
    fav: int = 0,
    edited: datetime | None = None,
    lang: str = "en",
) -> dict:
    tag_html = " ".join(f'<a href="https://{inst}/tags/{t}" class="hashtag">#<span>{t}</span></a>'
                        for t in tags)  # fmt: skip
    return {
        "id": sid,
        "created_at": _iso(created),
        "edited_at": _iso(edited) if edited else None,
        "language": lang,
        "visibility": "public",
        "uri": f"https://{inst}/users/{acct}/statuses/{sid}",
        "url": f"https://{inst}/@{acct}/{sid}",
        "content": f"<p>{text} {tag_html}</p>",
        "spoiler_text": "",
        "in_reply_to_id": None,
        "reblog": None,
        "replies_count": 0,
        "reblogs_count": 0,
        "favourites_count": fav,
        "account": {"id": f"id-{acct}", "acct": acct, "username": acct},
        "tags": [{"name": t, "url": f"https://{inst}/tags/{t}"} for t in tags],
        "mentions": [],
    }


def line(endpoint: str, inst: str, fetched: datetime, response, **params) -> str:
    return json.dumps({"source": "mastodon", "endpoint": endpoint,
                       "params": {"instance": inst, **params},
                       "fetched_at": _iso(fetched), "response": response})  # fmt: skip


def stream(inst: str, fetched: datetime, event: str, payload) -> str:
    return line("api/v1/streaming/public", inst, fetched,
                {"stream": ["public"], "event": event, "payload": payload}, stream="public")  # fmt: skip


def _gamma_statuses() -> list[dict]:
    day_before = T0 - timedelta(days=1)
    out = [status(f"9{i}", "gamma.social", f"old{i}", day_before + timedelta(minutes=10 * i + 5),
                  "surge now", ["surge"]) for i in range(2)]  # fmt: skip
    out += [status(f"8{i}", "gamma.social", f"user{i}", T0 + timedelta(minutes=i + 1),
                   "surge now", ["surge"]) for i in range(6)]  # fmt: skip
    out += [status(f"7{i}", "gamma.social", f"few{i}", T0 + timedelta(minutes=30 + i),
                   "few here", ["few"]) for i in range(4)]  # fmt: skip
    out.append(status("60", "gamma.social", "late", T0 + timedelta(hours=4, minutes=5),
                      "later", ["other"]))  # fmt: skip
    return out


V1 = "I love this wonderful day"
V2 = "I feel nothing about this day"
V3 = "I hate this terrible awful day"


def write_files(folder: Path) -> list[Path]:
    """The three archive files, in landing order."""
    folder.mkdir(parents=True, exist_ok=True)
    a_100 = status("100", "alpha.social", "ann", T0, "alpha hello", ["cats"], fav=1)
    a_200 = status("200", "alpha.social", "bob", T0 + timedelta(minutes=1), DELETED_TEXT, ["cats"])
    a_400 = status("400", "alpha.social", "cid", T0 + timedelta(minutes=2), "quiet", ["dogs"])
    b_100 = status("100", "beta.social", "dan", T0, "beta hallo", ["dogs"], lang="de")
    s300 = status("300", "alpha.social", "eve", T0, V1, [])
    s300_edit = status("300", "alpha.social", "eve", T0, V3, [],
                       edited=T0 + timedelta(minutes=29))  # fmt: skip
    first = [
        stream("alpha.social", T0 + timedelta(minutes=1), "update", s300),
        line("api/v1/timelines/public", "alpha.social", T0 + timedelta(minutes=5),
             [a_400, a_200, a_100], limit=40),
        line("api/v1/timelines/public", "beta.social", T0 + timedelta(minutes=5), [b_100], limit=40),
        stream("alpha.social", T0 + timedelta(minutes=30), "status.update", s300_edit),
        line("api/v1/timelines/tag/surge", "gamma.social", T0 + timedelta(hours=4, minutes=30),
             _gamma_statuses(), limit=40),
    ]  # fmt: skip
    history = [
        {"content": f"<p>{V1}</p>", "spoiler_text": "", "sensitive": False, "created_at": _iso(T0)},
        {"content": f"<p>{V2}</p>", "spoiler_text": "", "sensitive": False,
         "created_at": _iso(T0 + timedelta(minutes=10))},
        {"content": f"<p>{V3}</p>", "spoiler_text": "", "sensitive": False,
         "created_at": _iso(T0 + timedelta(minutes=29))},
    ]  # fmt: skip
    second = [
        stream("alpha.social", T0 + timedelta(minutes=40), "delete", "200"),
        stream("alpha.social", T0 + timedelta(minutes=41), "delete", None),
        line("api/v1/statuses/300/history", "alpha.social", T0 + timedelta(minutes=50), history),
        "this line is not JSON",
    ]
    refetched_100 = {**a_100, "favourites_count": 60}
    refetched_200 = {**a_200, "favourites_count": 9}
    third = [
        line("api/v1/timelines/public", "alpha.social", T0 + timedelta(minutes=65),
             [refetched_200, refetched_100], limit=40),
    ]  # fmt: skip
    paths = []
    for name, lines in (("a", first), ("b", second), ("c", third)):
        path = folder / f"mastodon_{name}.jsonl"
        path.write_text("\n".join(lines) + "\n")
        paths.append(path)
    return paths

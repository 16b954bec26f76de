"""Mastodon (source `mastodon`): streaming events, trending tags, hashtag timelines.

Statuses come from three places: the shared hashtag model's Mastodon adoptions, optional
background statuses at `mastodon_statuses_per_day` (tags drawn by the model's hashtag appeal), and
planted trends: a new hashtag on one instance whose use ramps up over six hours from a start time
recorded in the ground truth (what the trending scores are evaluated on). Each status may be
edited (`status.update`) and deleted (`delete`); the hourly tag-timeline polls re-fetch statuses,
so their counts are seen growing (snapshots).

Shapes follow the real mastodon.social fixtures. Streaming is archived one event per line
(endpoint api/v1/streaming/public, response {"stream", "event", "payload"}; the collector has
already decoded the payload string: a status object, or the status id for `delete`). Volumes are
small (a few per mille of the platform stream), so objects are built as dicts.
"""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa

from trendcast.simulator import jsonfmt as jf
from trendcast.simulator import vocab
from trendcast.simulator.delivery import Segments, inject
from trendcast.simulator.model import HISTORY_DAYS, HOUR_MS, Model, rng_for
from trendcast.simulator.world import DAY_MS, usernames

INSTANCES = [i for i, _ in vocab.INSTANCES]
INSTANCE_P = np.array([w for _, w in vocab.INSTANCES]) / sum(w for _, w in vocab.INSTANCES)


def _iso(ms: int) -> str:
    return jf.iso_one(ms)


class Mastodon:
    """One simulated run's Mastodon archives, drawn once from the shared model so every
    endpoint (streaming, tag timelines, trends) tells the same story as the ground truth."""

    def __init__(self, m: Model) -> None:
        self.m = m
        cfg = m.cfg
        self.cfg, self.imp = cfg, cfg.imperfections
        self.t0, self.t1 = cfg.start_ms, cfg.end_ms
        rng = rng_for(cfg.seed, 70, self.t0 // HOUR_MS)
        a, u = m.adoptions, m.users
        sel = np.flatnonzero(a.platform == 2)
        self.tag_names = list(m.hashtags.names)
        appeal = m.hashtags.appeal
        time, tag = a.time_ms[sel], a.hashtag[sel]
        instance = rng.choice(len(INSTANCES), len(sel), p=INSTANCE_P)
        author = rng.integers(0, u.n - 1, len(sel))
        extra = [self._background(rng, appeal, u.n), self._planted(rng, u.n)]
        self.time = np.concatenate([time, *(e[0] for e in extra)]).astype(np.int64)
        self.tag = np.concatenate([tag, *(e[1] for e in extra)]).astype(np.int64)
        self.instance = np.concatenate([instance, *(e[2] for e in extra)]).astype(np.int64)
        self.author = np.concatenate([author, *(e[3] for e in extra)]).astype(np.int64)
        appeal = np.concatenate([appeal, np.ones(len(self.tag_names) - len(appeal))])
        n = len(self.time)
        self.n = n
        self.author[u.is_new[self.author]] = 0
        self.extra_tag = np.where(
            rng.random(n) < 0.4, rng.integers(0, len(m.hashtags.names), n), -1
        )
        self.mention = np.where(rng.random(n) < 0.2, rng.integers(0, u.n - 1, n), -1)
        self.ids = (self.time.astype(np.int64) << 16) + rng.integers(0, 65536, n)
        self.names = usernames(u, np.arange(u.n)).to_pylist() if n else []
        fav = np.exp(rng.normal(0.5, 1.6, n)) * appeal[self.tag] ** 0.3
        self.final = {
            "favourites_count": fav.astype(np.int64),
            "reblogs_count": (fav * rng.uniform(0.1, 0.5, n)).astype(np.int64),
            "replies_count": (fav * rng.uniform(0.05, 0.3, n)).astype(np.int64),
        }
        self.tau = np.exp(rng.normal(np.log(3 * HOUR_MS), 0.7, n))
        corr = rng.random(n) < self.imp.counter_correction_rate
        self.corr_at = np.where(corr, rng.integers(self.t0, self.t1, n), np.iinfo(np.int64).max)
        self.edit_at = np.where(
            rng.random(n) < 0.03, self.time + rng.integers(60_000, 2 * HOUR_MS, n), -1
        )
        self.delete_at = np.where(
            rng.random(n) < 0.015, self.time + rng.integers(5 * 60_000, 6 * HOUR_MS, n), -1
        )
        self.lang = np.array([r[4] for r in vocab.REGIONS])[u.region[self.author]]
        self.last_seen: dict[tuple[int, str], int] = {}
        self.stats = {
            "stream_update": 0, "stream_status_update": 0, "stream_delete": 0,
            "calls_trends_tags": 0, "calls_tag_timeline": 0, "status_records": 0,
            "missing_field_records": 0, "counter_decreases_observed": 0,
            "statuses_corrected": int(corr.sum()), "lines_clean": 0, "out_of_order_swaps": 0,
            "duplicate_lines": 0, "malformed_not_json": 0, "malformed_missing_key": 0,
            "malformed_wrong_type": 0,
        }  # fmt: skip

    def _background(self, rng, appeal: np.ndarray, n_users: int) -> tuple[np.ndarray, ...]:
        """Statuses at mastodon_statuses_per_day, uniform in time, tags by hashtag appeal."""
        per_day = self.cfg.mastodon_statuses_per_day or 0
        k = int(per_day * (self.t1 - self.t0) / DAY_MS)
        time = np.sort(rng.integers(self.t0, self.t1, k))
        tag = rng.choice(len(appeal), k, p=appeal / appeal.sum())
        instance = rng.choice(len(INSTANCES), k, p=INSTANCE_P)
        return time, tag, instance, rng.integers(0, n_users - 1, k)

    def _planted(self, rng, n_users: int) -> tuple[np.ndarray, ...]:
        """Planted trends: hashtag `trend<j>` on one instance, from a start time uniform in
        [start + 26 h, end - 8 h]: 0 posts before, then a six-hour ramp of distinct accounts
        (2, 4, 7, 11, 15, 18 per hour), then 3 an hour to the end. Recorded in self.planted."""
        self.planted: list[dict] = []
        k = self.cfg.mastodon_planted_trends
        if k <= 0 or self.t1 - self.t0 < 30 * HOUR_MS:
            return tuple(np.zeros(0, np.int64) for _ in range(4))
        ramp = [2, 4, 7, 11, 15, 18]
        times, tags, insts = [], [], []
        for j in range(k):
            start = int(rng.integers(self.t0 + 26 * HOUR_MS, self.t1 - 8 * HOUR_MS))
            inst = j % len(INSTANCES)
            self.tag_names.append(f"trend{j}")
            tag = len(self.tag_names) - 1
            hours = (self.t1 - start) // HOUR_MS
            per_hour = [ramp[h] if h < len(ramp) else 3 for h in range(int(hours))]
            for h, c in enumerate(per_hour):
                times.append(start + h * HOUR_MS + rng.integers(0, HOUR_MS, c))
                tags.append(np.full(c, tag))
                insts.append(np.full(c, inst))
            self.planted.append({
                "instance": INSTANCES[inst], "hashtag": f"trend{j}", "started_at_ms": start,
                "statuses": int(sum(per_hour)),
            })  # fmt: skip
        time = np.concatenate(times)
        # distinct accounts within a trend: a fresh author per status
        return (time, np.concatenate(tags), np.concatenate(insts),
                rng.choice(n_users - 1, len(time), replace=len(time) > n_users - 1))  # fmt: skip

    def counts(self, i: int, t: int) -> dict[str, int]:
        """Counters of status `i` at time `t`, on the same growth curve shape as TikTok's, with a
        one-off 20 % drop at corr_at: archived counters are not monotonic."""
        age = max(t - int(self.time[i]), 0)
        frac = 1.0 - (1.0 + age / self.tau[i]) ** -1.2
        f = 0.8 if t >= self.corr_at[i] else 1.0
        return {k: int(v[i] * frac * f) for k, v in self.final.items()}

    def status(self, i: int, t: int, edited: bool = False) -> dict:
        m = self.m
        inst = INSTANCES[int(self.instance[i])]
        author = int(self.author[i])
        name = self.names[author]
        tag = self.tag_names[int(self.tag[i])]
        tags = [tag]
        if self.extra_tag[i] >= 0 and int(self.extra_tag[i]) != int(self.tag[i]):
            tags.append(self.tag_names[int(self.extra_tag[i])])
        sid = str(int(self.ids[i]))
        text = vocab.DESCRIPTIONS[int(self.ids[i] % len(vocab.DESCRIPTIONS))]
        mentions = []
        mention_html = ""
        if self.mention[i] >= 0:
            mname = self.names[int(self.mention[i])]
            macct = f"{mname}@{INSTANCES[(int(self.instance[i]) + 1) % len(INSTANCES)]}"
            murl = f"https://{macct.split('@')[1]}/@{mname}"
            mentions.append({"id": str(100_000 + int(self.mention[i])), "username": mname,
                             "url": murl, "acct": macct})  # fmt: skip
            mention_html = (f'<span class="h-card" translate="no"><a href="{murl}" '
                            f'class="u-url mention">@<span>{mname}</span></a></span> ')  # fmt: skip
        tag_html = " ".join(
            f'<a href="https://{inst}/tags/{x}" class="mention hashtag" rel="tag">#<span>{x}</span></a>'
            for x in tags
        )
        content = f"<p>{mention_html}{text} {tag_html}{' (edited)' if edited else ''}</p>"
        created = int(self.time[i])
        c = self.counts(i, t)
        user = m.users
        acct_created = max(int(user.registered_ms[author]), 0) // DAY_MS * DAY_MS
        return {
            "id": sid, "created_at": _iso(created), "in_reply_to_id": None,
            "in_reply_to_account_id": None, "sensitive": False, "spoiler_text": "",
            "visibility": "public", "language": str(self.lang[i]),
            "uri": f"https://{inst}/users/{name}/statuses/{sid}",
            "url": f"https://{inst}/@{name}/{sid}",
            "replies_count": c["replies_count"], "reblogs_count": c["reblogs_count"],
            "favourites_count": c["favourites_count"], "quotes_count": 0,
            "edited_at": _iso(int(self.edit_at[i])) if edited else None,
            "favourited": False, "reblogged": False, "muted": False, "bookmarked": False,
            "content": content, "filtered": [], "reblog": None,
            "account": {
                "id": str(100_000 + author), "username": name, "acct": name,
                "display_name": name.replace(".", " ").title(), "locked": False, "bot": False,
                "discoverable": True, "indexable": True, "group": False,
                "created_at": _iso(acct_created), "note": f"<p>{vocab.BIO[int(user.bio[author])]}</p>",
                "url": f"https://{inst}/@{name}", "uri": f"https://{inst}/users/{name}",
                "avatar": f"https://{inst}/avatars/original/missing.png",
                "avatar_static": f"https://{inst}/avatars/original/missing.png",
                "avatar_description": "",
                "header": f"https://{inst}/headers/original/missing.png",
                "header_static": f"https://{inst}/headers/original/missing.png",
                "header_description": "",
                "followers_count": int(user.followers[author]),
                "following_count": int(user.following[author]),
                "statuses_count": 10 + author % 997,
                "last_status_at": _iso(created)[:10], "hide_collections": False,
                "show_media": True, "show_media_replies": True, "show_featured": True,
                "emojis": [], "fields": [],
            },
            "media_attachments": [], "mentions": mentions,
            "tags": [{"name": x, "url": f"https://{inst}/tags/{x}"} for x in tags],
            "emojis": [], "tagged_collections": [], "quote": None, "card": None, "poll": None,
            "quote_approval": {"automatic": ["public"], "manual": [], "current_user": "denied"},
        }  # fmt: skip

    def _maybe_drop(self, rng, obj: dict) -> dict:
        if rng.random() < self.imp.missing_field_rate:
            key = ["language", "edited_at", "tags", "account", "favourites_count", "url"][
                int(rng.integers(0, 6))
            ]
            obj.pop(key, None)
            self.stats["missing_field_records"] += 1
        return obj

    def hour(self, h: int) -> Segments:
        rng = rng_for(self.cfg.seed, 71, self.t0 // HOUR_MS, h)
        hs, he = self.t0 + h * HOUR_MS, self.t0 + (h + 1) * HOUR_MS
        rows: list[tuple[int, str]] = []
        # streaming: creations, edits, deletions in this hour, one event per line
        for kind, times in (("update", self.time), ("status.update", self.edit_at),
                            ("delete", self.delete_at)):  # fmt: skip
            for i in np.flatnonzero((times >= hs) & (times < he)):
                t = int(times[i])
                if kind == "delete":
                    payload = str(int(self.ids[i]))
                else:
                    payload = self._maybe_drop(rng, self.status(i, t, edited=kind != "update"))
                fetched = t + int(rng.integers(100, 3000))
                resp = {"stream": ["public"], "event": kind, "payload": payload}
                params = {"instance": INSTANCES[int(self.instance[i])], "stream": "public"}
                rows.append((fetched, _line("api/v1/streaming/public", params, fetched, resp)))
                self.stats["stream_" + kind.replace(".", "_")] += 1
        # polls: trending tags and the timelines of the top tags, per instance
        for k, inst in enumerate(INSTANCES):
            t = hs + 30 * 60_000 + k * 7_000 + int(rng.integers(0, 5_000))
            mine = (self.instance == k) & (self.time <= t) & (self.time > t - HISTORY_DAYS * DAY_MS)
            deleted = (self.delete_at >= 0) & (self.delete_at <= t)
            mine &= ~deleted
            idx = np.flatnonzero(mine)
            today = t // DAY_MS * DAY_MS
            recent = idx[self.time[idx] >= t - 2 * DAY_MS]
            if len(recent) == 0:
                continue
            tag_counts = np.bincount(self.tag[recent], minlength=len(self.tag_names))
            top = np.argsort(-tag_counts, kind="stable")[:10]
            top = top[tag_counts[top] > 0]
            trends = []
            for tg in top:
                sel = idx[self.tag[idx] == tg]
                day = (self.time[sel] // DAY_MS * DAY_MS).astype(np.int64)
                hist = []
                for d in range(HISTORY_DAYS):
                    dd = today - d * DAY_MS
                    on = sel[day == dd]
                    hist.append({"day": str(dd // 1000), "accounts": str(len(set(self.author[on].tolist()))),
                                 "uses": str(len(on))})  # fmt: skip
                name = self.tag_names[int(tg)]
                trends.append({"id": str(1000 + int(tg)), "name": name,
                               "url": f"https://{inst}/tags/{name}", "history": hist,
                               "following": False, "featuring": False})  # fmt: skip
            rows.append(
                (t, _line("api/v1/trends/tags", {"instance": inst, "limit": 10}, t, trends))
            )
            self.stats["calls_trends_tags"] += 1
            for j, tg in enumerate(top[:2]):
                tt = t + 1_500 * (j + 1)
                sel = idx[(self.tag[idx] == tg) & (self.time[idx] <= tt)]
                sel = sel[np.argsort(-self.time[sel], kind="stable")[:20]]
                statuses = []
                for i in sel:
                    st = self._maybe_drop(
                        rng, self.status(int(i), tt, edited=0 <= self.edit_at[i] <= tt)
                    )
                    key = (int(i), "favourites_count")
                    fav = st.get("favourites_count")
                    if fav is not None:
                        if key in self.last_seen and fav < self.last_seen[key]:
                            self.stats["counter_decreases_observed"] += 1
                        self.last_seen[key] = fav
                    statuses.append(st)
                name = self.tag_names[int(tg)]
                rows.append((tt, _line(f"api/v1/timelines/tag/{name}",
                                       {"instance": inst, "limit": 20}, tt, statuses)))  # fmt: skip
                self.stats["calls_tag_timeline"] += 1
                self.stats["status_records"] += len(statuses)
        rows.sort(key=lambda r: r[0])
        lines = pa.array([r[1] for r in rows], pa.string())
        out, counts = inject(lines, np.arange(len(lines) + 1), rng, self.imp)
        for k, v in counts.items():
            self.stats[k] += v
        return out


def _line(endpoint: str, params: dict, t_ms: int, resp) -> str:
    return json.dumps({"source": "mastodon", "endpoint": endpoint, "params": params,
                       "fetched_at": _iso(t_ms), "response": resp},
                      ensure_ascii=False, separators=(",", ":")) + "\n"  # fmt: skip

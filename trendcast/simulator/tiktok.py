"""TikTok Research API responses (source `tiktok`): video query pages, comment lists, user info.

Shapes follow the API documentation examples (fixtures/tiktok/research_api_doc_examples). Public
counters are cumulative at fetch time: a video's final size comes from a branching process
(Borel-Tanner total progeny, heavy tailed), its growth from a power-law age curve; a few videos
get a platform correction that lowers their counters.
"""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from trendcast.simulator import jsonfmt as jf
from trendcast.simulator import vocab
from trendcast.simulator.delivery import Segments, inject
from trendcast.simulator.model import HOUR_MS, Model, rng_for
from trendcast.simulator.world import DAY_MS, usernames

QUERY_DAYS = 2
PAGE = 100
VIDEO_FIELDS = (
    "id,video_id,create_time,username,region_code,video_description,music_id,like_count,"
    "comment_count,share_count,view_count,hashtag_names,effect_ids,video_duration"
)
COMMENT_FIELDS = "id,video_id,text,like_count,reply_count,parent_comment_id,create_time"
USER_FIELDS = (
    "display_name,bio_description,avatar_url,is_verified,follower_count,following_count,"
    "likes_count,video_count"
)
OPTIONAL = ["region_code", "video_description", "music_id", "hashtag_names", "effect_ids",
            "video_duration", "share_count", "username"]  # fmt: skip


def total_progeny(rng: np.random.Generator, k: np.ndarray, m: np.ndarray, cap: int) -> np.ndarray:
    """Total size of Poisson(m) branching processes started by k ancestors (Borel-Tanner)."""
    total = k.astype(np.int64).copy()
    gen = k.astype(np.int64).copy()
    for _ in range(400):
        alive = gen > 0
        if not alive.any():
            break
        gen[alive] = rng.poisson(m[alive] * gen[alive])
        total += gen
        gen[total >= cap] = 0
    return np.minimum(total, cap)


class TikTok:
    """One simulated run's TikTok Research API pages, drawn from the shared model's TikTok
    adoptions so video counters, comments and users agree with the ground truth."""

    def __init__(self, m: Model) -> None:
        self.m = m
        cfg = m.cfg
        self.cfg, self.imp = cfg, cfg.imperfections
        self.t0, self.t1 = cfg.start_ms, cfg.end_ms
        rng = rng_for(cfg.seed, 60, self.t0 // HOUR_MS)
        a, u, h = m.adoptions, m.users, m.hashtags
        sel = np.flatnonzero((a.platform == 1) & (a.time_ms >= self.t0 - QUERY_DAYS * DAY_MS))
        n = len(sel)
        self.n = n
        self.create_ms = a.time_ms[sel]
        self.hashtag = a.hashtag[sel]
        creators = np.flatnonzero(u.is_creator & ~u.is_new)
        w = (u.followers[creators] + 50.0) ** 0.35
        self.creator = creators[rng.choice(len(creators), n, p=w / w.sum())]
        self.region = u.region[self.creator]
        self.ids = (np.int64(7_300_000_000_000_000_000) + np.int64(m.run) * 1_000_000_000
                    + np.arange(n, dtype=np.int64))  # fmt: skip
        self.music = np.int64(6_900_000_000_000_000_000) + rng.integers(0, m.sounds.n_catalog, n)
        self.duration = np.clip(np.exp(rng.normal(np.log(30), 0.7, n)), 5, 600).astype(np.int64)
        self.desc = rng.integers(0, len(vocab.DESCRIPTIONS), n)
        self.extra = rng.integers(0, len(h.names), (n, 2))
        self.n_extra = rng.integers(0, 3, n)
        self.fx = rng.choice([0, 1, 2], n, p=[0.6, 0.3, 0.1])
        self.fx_id = 100_000 + rng.integers(0, 900_000, (n, 2))
        # final audience: Borel-Tanner total progeny of a heavy-tailed branching ratio
        reach = np.sqrt(u.followers[self.creator] + 100.0) * h.appeal[self.hashtag] ** 0.3
        imm = rng.poisson(0.8 * reach)
        mm = rng.beta(1.6, 4.0, n) * 0.85
        breakout = rng.random(n) < 0.03
        mm[breakout] = rng.uniform(0.9, 0.99, int(breakout.sum()))
        mm = np.minimum(0.99, mm * (0.75 + 0.5 * h.branching[self.hashtag]))
        self.branching = mm
        self.final_views = total_progeny(rng, imm, mm, 200_000) * 37 + rng.integers(0, 37, n)
        self.tau_ms = np.exp(rng.normal(np.log(4 * HOUR_MS), 0.6, n))
        self.like_r = rng.beta(2, 20, n)
        self.comment_r = rng.beta(1.2, 250, n)
        self.share_r = rng.beta(1.1, 300, n)
        corr = rng.random(n) < self.imp.counter_correction_rate
        self.corr_at = np.where(corr, rng.integers(self.t0, self.t1, n), np.iinfo(np.int64).max)
        self.corr_f = np.where(corr, rng.uniform(0.03, 0.25, n), 0.0)
        self.last_views = np.full(n, -1, dtype=np.int64)
        self.last_comment_fetch = self.create_ms.copy()
        self.comment_seq = 0
        self.call_seq = 0
        self.stats = {
            "calls_video_query": 0, "calls_comment_list": 0, "calls_user_info": 0,
            "video_records": 0, "comment_records": 0, "comments_with_link": 0,
            "missing_field_records": 0, "counter_decreases_observed": 0,
            "videos_corrected": int(corr.sum()), "lines_clean": 0, "out_of_order_swaps": 0,
            "duplicate_lines": 0, "malformed_not_json": 0, "malformed_missing_key": 0,
            "malformed_wrong_type": 0,
        }  # fmt: skip
        self.link_truth: list[dict] = []

    def counts_at(self, idx: np.ndarray, t: np.ndarray):
        """Counters of videos `idx` at times `t` (vectorised): views approach final_views along a
        power-law curve, fast at first with a long tail, and drop once by corr_f at corr_at (a count
        correction: archived counters are not monotonic); likes, comments and shares are fixed ratios of views."""
        age = np.maximum(t - self.create_ms[idx], 0).astype(np.float64)
        frac = 1.0 - (1.0 + age / self.tau_ms[idx]) ** -1.1
        views = np.floor(self.final_views[idx] * frac)
        views *= np.where(t >= self.corr_at[idx], 1.0 - self.corr_f[idx], 1.0)
        views = views.astype(np.int64)
        likes = np.floor(views * self.like_r[idx]).astype(np.int64)
        comments = np.floor(views * self.comment_r[idx]).astype(np.int64)
        shares = np.floor(views * self.share_r[idx]).astype(np.int64)
        return views, likes, comments, shares

    def _log_id(self, t_ms: int) -> str:
        self.call_seq += 1
        return f"{t_ms // 1000:010d}{self.m.run:06d}{self.call_seq:08X}"

    def hour(self, h: int) -> Segments:
        rng = rng_for(self.cfg.seed, 61, self.t0 // HOUR_MS, h)
        hs = self.t0 + h * HOUR_MS
        fetch0 = hs + 5 * 60_000 + int(rng.integers(0, 60_000))
        lines = [self._video_pages(rng, fetch0)]
        lines += self._comments_and_users(rng, fetch0 + 20 * 60_000)
        lines = [x for x in lines if len(x)]
        merged = pa.concat_arrays(lines) if lines else pa.array([], pa.string())
        out, counts = inject(merged, np.arange(len(merged) + 1), rng, self.imp)
        for k, v in counts.items():
            self.stats[k] += v
        return out

    def _video_pages(self, rng, fetch: int) -> pa.Array:
        vis = np.flatnonzero(
            (self.create_ms <= fetch) & (self.create_ms > fetch - QUERY_DAYS * DAY_MS)
        )
        vis = vis[np.argsort(-self.create_ms[vis], kind="stable")]
        n = len(vis)
        if n == 0:
            return pa.array([], pa.string())
        pages = np.arange(n) // PAGE
        n_pages = int(pages[-1]) + 1
        page_fetch = fetch + np.arange(n_pages) * 1_200 + rng.integers(0, 400, n_pages)
        t = page_fetch[pages]
        views, likes, comments, shares = self.counts_at(vis, t)
        prev = self.last_views[vis]
        self.stats["counter_decreases_observed"] += int(((prev >= 0) & (views < prev)).sum())
        self.last_views[vis] = views
        self._views_now = (vis, views)
        tags = pa.array(self.m.hashtags.names)
        ne = self.n_extra[vis]
        tag_lists = []
        main = pc.take(tags, pa.array(self.hashtag[vis]))
        x1 = pc.take(tags, pa.array(self.extra[vis, 0]))
        x2 = pc.take(tags, pa.array(self.extra[vis, 1]))
        tag_lists = pc.if_else(
            pa.array(ne == 0), jf.concat('["', main, '"]'),
            pc.if_else(pa.array(ne == 1), jf.concat('["', main, '","', x1, '"]'),
                       jf.concat('["', main, '","', x1, '","', x2, '"]')))  # fmt: skip
        desc = jf.concat(jf.text_of(self.desc[vis], vocab.DESCRIPTIONS), " #", main)
        fx = self.fx[vis]
        f1, f2 = jf.num(self.fx_id[vis, 0]), jf.num(self.fx_id[vis, 1])
        effects = pc.if_else(
            pa.array(fx == 0), pa.scalar('["0"]'),
            pc.if_else(pa.array(fx == 1), jf.concat('["', f1, '"]'),
                       jf.concat('["', f1, '","', f2, '"]')))  # fmt: skip
        uname = usernames(self.m.users, self.creator[vis])
        idt = jf.num(self.ids[vis])
        fields = [
            ("id", idt), ("video_id", idt),
            ("create_time", jf.num(self.create_ms[vis] // 1000)),
            ("username", jf.quoted(uname)),
            ("region_code", jf.quoted(jf.text_of(self.region[vis], [r[0] for r in vocab.REGIONS]))),
            ("video_description", jf.quoted(desc)),
            ("music_id", jf.num(self.music[vis])),
            ("like_count", jf.num(likes)), ("comment_count", jf.num(comments)),
            ("share_count", jf.num(shares)), ("view_count", jf.num(views)),
            ("hashtag_names", tag_lists), ("effect_ids", effects),
            ("video_duration", jf.num(self.duration[vis])),
        ]  # fmt: skip
        recs = _render(fields)
        miss = np.flatnonzero(rng.random(n) < self.imp.missing_field_rate)
        if len(miss):
            drop = rng.integers(0, len(OPTIONAL), len(miss))
            pieces, rows = [], []
            for d in np.unique(drop):
                sel = miss[drop == d]
                take = pa.array(sel)
                sub = [(nm, pc.take(v, take)) for nm, v in fields if nm != OPTIONAL[d]]
                pieces.append(_render(sub))
                rows.append(sel)
            idx = np.arange(n)
            allr = np.concatenate(rows)
            idx[allr] = n + np.arange(len(allr))
            recs = pc.take(pa.concat_arrays([recs, *pieces]), pa.array(idx))
            self.stats["missing_field_records"] += len(miss)
        bounds = np.concatenate([np.arange(0, n, PAGE), [n]])
        body = jf.join_groups(recs, bounds)
        search_id = f"{fetch // 1000}{self.m.run:06d}"
        day = lambda ms: _ymd(ms)  # noqa: E731
        out = []
        query = json.dumps({"and": [{"operation": "IN", "field_name": "region_code",
                                     "field_values": [r[0] for r in vocab.REGIONS]}]},
                           separators=(",", ":"))  # fmt: skip
        fetched = jf.iso_ms(page_fetch)
        for p in range(n_pages):
            params = (f'{{"fields":"{VIDEO_FIELDS}","query":{query},'
                      f'"start_date":"{day(fetch - QUERY_DAYS * DAY_MS)}","end_date":"{day(fetch)}",'
                      f'"max_count":{PAGE},"cursor":{p * PAGE},"search_id":"{search_id}"}}')  # fmt: skip
            out.append(
                f'{{"source":"tiktok","endpoint":"v2/research/video/query/","params":{params},'
                f'"fetched_at":"{fetched[p].as_py()}","response":{{"data":{{"videos":['
            )
        self.stats["calls_video_query"] += n_pages
        self.stats["video_records"] += n
        tails = [
            f'],"cursor":{min((p + 1) * PAGE, n)},"search_id":"{search_id}",'
            f'"has_more":{"true" if p < n_pages - 1 else "false"}}},"error":{{"code":"ok",'
            f'"message":"","log_id":"{self._log_id(int(page_fetch[p]))}"}}}}}}\n'
            for p in range(n_pages)
        ]
        return jf.concat(pa.array(out), body, pa.array(tails))

    def _comments_and_users(self, rng, fetch: int) -> list[pa.Array]:
        if not hasattr(self, "_views_now") or not len(self._views_now[0]):
            return []
        vis, views = self._views_now
        k = int(np.clip(len(vis) // 40, 2, 80))
        top = vis[np.argsort(-views, kind="stable")[:k]]
        lines: list[str] = []
        t = fetch
        for vid in top:
            t += int(rng.integers(300, 1500))
            _, _, c_now, _ = self.counts_at(np.array([vid]), np.array([t]))
            _, _, c_prev, _ = self.counts_at(
                np.array([vid]), np.array([self.last_comment_fetch[vid]])
            )
            new = int(min(max(c_now[0] - c_prev[0], 0), 100))
            lo = int(self.last_comment_fetch[vid])
            self.last_comment_fetch[vid] = t
            comments = self._comment_batch(rng, int(vid), new, lo, t)
            resp = {"data": {"comments": comments, "has_more": bool(c_now[0] - c_prev[0] > 100),
                             "cursor": len(comments)},
                    "error": {"code": "ok", "message": "", "log_id": self._log_id(t)}}  # fmt: skip
            params = {"video_id": int(self.ids[vid]), "max_count": 100, "cursor": 0,
                      "fields": COMMENT_FIELDS}  # fmt: skip
            lines.append(_line("v2/research/video/comment/list/", params, t, resp))
            self.stats["calls_comment_list"] += 1
            self.stats["comment_records"] += len(comments)
        users = list(dict.fromkeys(self.creator[top].tolist()))
        names = usernames(self.m.users, np.array(users, dtype=np.int64)).to_pylist()
        u = self.m.users
        for user, name in zip(users, names, strict=True):
            t += int(rng.integers(300, 1500))
            mine = self.creator == user
            likes = int(self.counts_at(np.flatnonzero(mine), np.full(int(mine.sum()), t))[1].sum())
            data = {
                "bio_description": vocab.BIO[int(u.bio[user])],
                "is_verified": bool(u.verified[user]),
                "likes_count": likes + int(u.followers[user]) * 7,
                "video_count": int(mine.sum()) + int(u.followers[user] ** 0.3),
                "avatar_url": f"https://p16-sign.tiktokcdn.com/avatar/{user:x}.jpeg",
                "follower_count": int(u.followers[user]) + (t - self.t0) // 60_000 % 97,
                "following_count": int(u.following[user]),
                "display_name": name.replace(".", " ").title(),
            }
            resp = {"data": data, "error": {"code": "ok", "message": "", "log_id": self._log_id(t)}}
            lines.append(_line("v2/research/user/info/", {"username": name, "fields": USER_FIELDS},
                               t, resp))  # fmt: skip
            self.stats["calls_user_info"] += 1
        return [pa.array(lines, pa.string())]

    def _comment_batch(self, rng, vid: int, n: int, lo: int, hi: int) -> list[dict]:
        out = []
        times = np.sort(rng.integers(max(lo, int(self.create_ms[vid])), max(hi, lo + 1), n))[::-1]
        for i in range(n):
            self.comment_seq += 1
            cid = 7_200_000_000_000_000_000 + self.m.run * 1_000_000_000 + self.comment_seq
            text = vocab.COMMENT_TEXTS[int(rng.integers(0, len(vocab.COMMENT_TEXTS)))]
            if rng.random() < 0.12:
                text, truth = _link_text(rng)
                truth.update(comment_id=str(cid), video_id=str(self.ids[vid]))
                self.link_truth.append(truth)
                self.stats["comments_with_link"] += 1
            reply = i > 0 and rng.random() < 0.25
            out.append({
                "text": text,
                "video_id": int(self.ids[vid]),
                "create_time": int(times[i] // 1000),
                "id": cid,
                "like_count": int(rng.zipf(1.8)) - 1,
                "parent_comment_id": out[int(rng.integers(0, i))]["id"] if reply else int(self.ids[vid]),
                "reply_count": int(rng.poisson(0.3)),
            })  # fmt: skip
        return out


def _link_text(rng) -> tuple[str, dict]:
    form = vocab.LINK_FORMS[int(rng.integers(0, len(vocab.LINK_FORMS)))]
    domain = vocab.LINK_DOMAINS[int(rng.integers(0, len(vocab.LINK_DOMAINS)))]
    path = f"{int(rng.integers(1000, 99999))}"
    name, tld = domain.rsplit(".", 1)
    if form == "plain":
        link = f"{domain}/p/{path}"
    elif form == "https":
        link = f"https://www.{domain}/item/{path}"
    elif form == "tracking":
        link = (f"https://{domain}/item/{path}?utm_source=tiktok&utm_medium=social"
                f"&utm_campaign=c{path}&fbclid=IwAR{path}x")  # fmt: skip
    elif form == "shortener":
        domain = vocab.SHORTENERS[int(rng.integers(0, len(vocab.SHORTENERS)))]
        link = f"https://{domain}/{path}xQ"
    elif form == "dot_words":
        link = f"shop dot {name} dot {tld}"
        domain = f"shop.{domain}"
    elif form == "bracket_dot":
        link = f"{name}[.]{tld}/{path}"
    else:
        link = f"{name} . {tld}/{path}"
    template = vocab.LINK_TEXTS[int(rng.integers(0, len(vocab.LINK_TEXTS)))]
    return template.format(link=link), {"form": form, "domain": domain, "link_text": link}


def _ymd(ms: int) -> str:
    y, mo, d = (int(x[0]) for x in jf.civil(np.array([ms // DAY_MS])))
    return f"{y:04d}{mo:02d}{d:02d}"


def _line(endpoint: str, params: dict, t_ms: int, resp: dict) -> str:
    fetched = jf.iso_one(t_ms)
    return json.dumps({"source": "tiktok", "endpoint": endpoint, "params": params,
                       "fetched_at": fetched, "response": resp},
                      ensure_ascii=False, separators=(",", ":")) + "\n"  # fmt: skip


def _render(fields) -> pa.Array:
    parts: list = []
    for i, (name, val) in enumerate(fields):
        parts.append(('{"' if i == 0 else ',"') + name + '":')
        parts.append(val)
    parts.append("}")
    return jf.concat(*parts)

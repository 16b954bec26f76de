"""The dynamics: hashtag adoption cascades -> uploads on three platforms -> view cascades.

Everything here is vectorized NumPy over whole arrays; the writers only format and deliver.
Times are int64 milliseconds since the epoch (UTC).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np

from trendcast.simulator import cascade, vocab
from trendcast.simulator.config import SimConfig
from trendcast.simulator.rhythm import ClockSet
from trendcast.simulator.world import (
    DAY_MS,
    Hashtags,
    Sounds,
    Users,
    category_p,
    make_hashtags,
    make_sounds,
    make_users,
    region_p,
)

HOUR_MS = 3_600_000
HISTORY_DAYS = 7  # hashtag adoption history (Mastodon trends show 7 days)
BACKLOG_DAYS = 3  # videos uploaded this long before the run still collect views in it
EVENTS_PER_VIEW = 2.72  # impressions (1.6) + view + engagements, see EVENTS.md

# engagement probabilities per qualified view (scaled by completion and quality)
P_LIKE, P_COMMENT, P_SHARE, P_SAVE, P_FOLLOW = 0.09, 0.007, 0.006, 0.012, 0.005
FLAG_LIKE, FLAG_COMMENT, FLAG_SHARE, FLAG_SAVE, FLAG_FOLLOW = 1, 2, 4, 8, 16


def rng_for(seed: int, *stream: int) -> np.random.Generator:
    return np.random.default_rng([seed, *stream])


def run_number(cfg: SimConfig) -> int:
    """A number that makes content/event ids unique per (seed, start)."""
    h = hashlib.sha256(f"{cfg.seed}|{cfg.start_ms}".encode()).hexdigest()
    return int(h[:8], 16) % 900_000 + 100_000


def _shares(uploads_per_hour: float) -> tuple[float, float]:
    """Shares of hashtag adoptions that are TikTok videos and Mastodon statuses (small runs get
    a floor so every source has something to show)."""
    return min(0.3, max(0.10, 8.0 / uploads_per_hour)), min(0.3, max(0.05, 8.0 / uploads_per_hour))


@dataclass
class Sizes:
    """How big each part of the simulated world is for a target event count, so the tiny, day
    and 10M scales are one world at different sizes."""

    views: int
    uploads_per_hour: float
    adoptions_per_hour: float
    users: int
    new_users: int
    hashtags: int
    sounds: int

    @classmethod
    def for_config(cls, cfg: SimConfig) -> Sizes:
        views = cfg.target_events * 0.94 / EVENTS_PER_VIEW
        vph = views / cfg.hours
        uph = max(vph / 70.0, 4.0)
        share_t, share_m = _shares(uph)
        aph = uph / (1.0 - share_t - share_m)
        users = int(max(3_000, vph * 24 / 9))
        return cls(
            views=int(views),
            uploads_per_hour=uph,
            adoptions_per_hour=aph,
            users=users,
            new_users=max(5, int(users * 0.0008 * cfg.hours)),
            hashtags=int(np.clip(aph * 24 * 0.35, 400, 40_000)),
            sounds=int(np.clip(aph * 24 * 0.15, 200, 15_000)),
        )


@dataclass
class Adoptions:
    """Every use of a hashtag as a post's main tag, on any platform (the hashtag cascades)."""

    hashtag: np.ndarray
    time_ms: np.ndarray
    generation: np.ndarray
    parent: np.ndarray  # index into these arrays, -1 for immigrants
    platform: np.ndarray  # 0 platform, 1 tiktok, 2 mastodon
    op: np.ndarray  # operational time (home audience clock)


@dataclass
class Videos:
    """First-party videos uploaded from BACKLOG_DAYS before the run to its end."""

    adoption: np.ndarray
    upload_ms: np.ndarray
    creator: np.ndarray
    region: np.ndarray
    hashtag: np.ndarray  # main hashtag
    extra_tags_offsets: np.ndarray  # CSR over extra_tags
    extra_tags: np.ndarray
    sound: np.ndarray
    sound_original: np.ndarray
    category: np.ndarray
    duration_s: np.ndarray
    content_type: np.ndarray
    parent: np.ndarray  # index into videos, -1
    effects_offsets: np.ndarray
    effects: np.ndarray
    description: np.ndarray
    quality: np.ndarray
    immigrants: np.ndarray
    branching: np.ndarray
    cascade_total: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    @property
    def n(self) -> int:
        return len(self.upload_ms)


@dataclass
class Views:
    time_ms: np.ndarray  # sorted
    video: np.ndarray
    viewer: np.ndarray
    generation: np.ndarray
    watch_s: np.ndarray  # float32 seconds watched
    flags: np.ndarray  # engagement bit flags (FLAG_*)
    discovery: np.ndarray  # index into vocab.DISCOVERY


@dataclass
class Model:
    cfg: SimConfig
    sizes: Sizes
    run: int
    users: Users
    hashtags: Hashtags
    sounds: Sounds
    clocks: ClockSet
    adoptions: Adoptions
    videos: Videos
    views: Views
    thinning: float
    stats: dict = field(default_factory=dict)


def build(cfg: SimConfig, progress=None) -> Model:
    """Draw the whole simulated world (users, hashtags, sounds, cascades, views) once; every
    source's renderer then reads from this one model."""
    step = progress or (lambda msg: None)
    sizes = Sizes.for_config(cfg)
    t0, t1 = cfg.start_ms, cfg.end_ms
    lo = t0 - HISTORY_DAYS * DAY_MS
    run = run_number(cfg)
    world_rng = rng_for(cfg.seed, 1)
    users = make_users(world_rng, sizes.users, sizes.new_users, t0, t1)
    hashtags = make_hashtags(rng_for(cfg.seed, 2), sizes.hashtags, lo, t1)
    sounds = make_sounds(rng_for(cfg.seed, 3), sizes.sounds)
    clocks = ClockSet(lo - DAY_MS, t1 + 12 * DAY_MS, [r[2] for r in vocab.REGIONS])
    step("hashtag cascades")
    adoptions = _adoptions(cfg, sizes, hashtags, clocks, lo, t1)
    step("videos")
    videos = _videos(cfg, users, hashtags, sounds, adoptions, clocks, t0, t1)
    step("view cascades")
    views, thinning, total = _views(cfg, sizes, users, hashtags, videos, clocks, t0, t1)
    videos.cascade_total = total
    return Model(
        cfg, sizes, run, users, hashtags, sounds, clocks, adoptions, videos, views, thinning
    )


def _adoptions(cfg, sizes, h: Hashtags, clocks: ClockSet, lo, t1) -> Adoptions:
    rng = rng_for(cfg.seed, 10, cfg.start_ms // HOUR_MS)
    span_h = (t1 - lo) / HOUR_MS
    old = ~np.isfinite(h.decay_ms)
    tau_h = np.where(old, 1.0, h.decay_ms / HOUR_MS)
    age_h = np.clip((t1 - h.birth_ms) / HOUR_MS, 0, None)
    active_h = np.where(old, span_h, tau_h * (1 - np.exp(-age_h / tau_h)))
    weight = h.appeal * active_h / (1 - h.branching)
    c = sizes.adoptions_per_hour * span_h / weight.sum()
    n_imm = rng.poisson(c * h.appeal * active_h)
    item = np.repeat(np.arange(len(n_imm), dtype=np.int32), n_imm)
    # immigrant times, in operational time of the tag's home audience (so adoption follows the
    # audience's rhythm): uniform for old tags, decaying after birth for new ones
    u = rng.random(len(item))
    home = h.home_region[item]
    op_lo = clocks.to_op(np.full(len(item), float(lo)), home)
    op_hi = clocks.to_op(np.full(len(item), float(t1)), home)
    t_op = op_lo + u * (op_hi - op_lo)
    new_i = ~old[item]
    tau = h.decay_ms[item[new_i]]
    op_birth = clocks.to_op(h.birth_ms[item[new_i]].astype(np.float64), home[new_i])
    age = op_hi[new_i] - op_birth
    frac = -np.log1p(-u[new_i] * (1 - np.exp(-age / tau)))
    t_op[new_i] = op_birth + tau * frac
    horizon = clocks.to_op(np.full(len(h.names), float(t1)), h.home_region)
    cas = cascade.simulate(rng, item, t_op, h.branching, 3 * HOUR_MS, 1.6, horizon)
    wall = clocks.to_wall(cas.time, h.home_region[cas.item])
    keep = (wall >= lo) & (wall < t1)
    # re-index parents after filtering
    new_index = np.cumsum(keep) - 1
    parent = np.where(cas.parent >= 0, cas.parent, 0)
    parent = np.where((cas.parent >= 0) & keep[parent], new_index[parent], -1)[keep]
    a = len(parent)
    share_t, share_m = _shares(sizes.uploads_per_hour)
    r = rng.random(a)
    platform = np.where(r < share_t, 1, np.where(r < share_t + share_m, 2, 0)).astype(np.int8)
    return Adoptions(
        cas.item[keep],
        wall[keep].astype(np.int64),
        cas.generation[keep],
        parent,
        platform,
        cas.time[keep],
    )


def _pick_weighted_by_group(
    rng: np.random.Generator, groups: np.ndarray, n_groups: int, member_group: np.ndarray,
    member_weight: np.ndarray,
) -> np.ndarray:  # fmt: skip
    """For each row, a member of its group drawn by weight (one searchsorted for all rows)."""
    order = np.lexsort((np.arange(len(member_group)), member_group))
    mg = member_group[order]
    w = member_weight[order].astype(np.float64)
    totals = np.bincount(mg, weights=w, minlength=n_groups)
    starts = np.concatenate([[0], np.cumsum(np.bincount(mg, minlength=n_groups))])
    within = np.cumsum(w) - np.repeat(
        np.concatenate([[0], np.cumsum(totals)[:-1]]), np.diff(starts)
    )
    key = mg + within / np.repeat(np.where(totals > 0, totals, 1), np.diff(starts))
    target = groups + rng.random(len(groups)) * (1 - 1e-12)
    sort = np.argsort(target)  # sorted queries make the binary searches cache-friendly
    pos = np.empty(len(target), dtype=np.int64)
    pos[sort] = np.searchsorted(key, target[sort], side="left")
    pos = np.clip(pos, 0, len(order) - 1)
    return order[pos]


def _videos(cfg, users: Users, h: Hashtags, s: Sounds, a: Adoptions, clocks, t0, t1) -> Videos:
    rng = rng_for(cfg.seed, 20, cfg.start_ms // HOUR_MS)
    lo = t0 - BACKLOG_DAYS * DAY_MS
    sel = np.flatnonzero((a.platform == 0) & (a.time_ms >= lo))
    n = len(sel)
    adoption_to_video = np.full(len(a.time_ms), -1, dtype=np.int64)
    adoption_to_video[sel] = np.arange(n)
    tag = a.hashtag[sel]
    # creator region: the tag's home region mostly
    region = h.home_region[tag].astype(np.int16)
    elsewhere = (region < 0) | (rng.random(n) < 0.25)
    region[elsewhere] = rng.choice(len(vocab.REGIONS), int(elsewhere.sum()), p=region_p())
    creators = np.flatnonzero(users.is_creator & ~users.is_new)
    post_w = (users.followers[creators] + 50.0) ** 0.35
    creator = creators[
        _pick_weighted_by_group(
            rng, region, len(vocab.REGIONS), users.region[creators].astype(np.int64), post_w
        )
    ]
    region = users.region[creator].astype(np.int8)
    # the creator posts in their own rhythm: same operational time, the creator's clock
    upload = np.clip(clocks.to_wall(a.op[sel], region), lo, t1 - 1).astype(np.int64)
    # remixes / duets / responses of a parent video in the same cascade
    par_ad = a.parent[sel]
    parent = np.where(par_ad >= 0, adoption_to_video[np.maximum(par_ad, 0)], -1)
    derived = (parent >= 0) & (rng.random(n) < 0.35)
    parent = np.where(derived, parent, -1)
    content_type = np.where(derived, rng.choice([1, 2, 3], n, p=[0.4, 0.35, 0.25]), 0)
    # sounds: inherited along the cascade (so sounds spread too), else by appeal, some original
    sp = s.appeal / s.appeal.sum()
    sound = rng.choice(s.n_catalog, n, p=sp).astype(np.int64)
    original = rng.random(n) < 0.2
    sound[original] = s.n_catalog + np.flatnonzero(original)
    inherit = (par_ad >= 0) & (parent >= 0) & (rng.random(n) < 0.6)
    order = np.argsort(a.time_ms[sel], kind="stable")  # parents precede children
    inherit_idx = order[inherit[order]]
    for _ in range(3):  # propagate along chains (a few hops suffice)
        sound[inherit_idx] = sound[parent[inherit_idx]]
    sound_original = sound >= s.n_catalog
    cat = np.where(
        rng.random(n) < 0.7, h.category[tag], rng.choice(len(vocab.CATEGORIES), n, p=category_p())
    ).astype(np.int8)
    med = np.array(vocab.CATEGORY_DURATION, dtype=float)[cat]
    duration = np.clip(np.exp(rng.normal(np.log(med), 0.6)), 5, 600).astype(np.int32)
    # extra hashtags: evergreen ones and random others
    n_extra = rng.integers(0, 4, n)
    extra_off = np.concatenate([[0], np.cumsum(n_extra)])
    ne = len(vocab.EVERGREEN)
    extra = np.where(
        rng.random(int(extra_off[-1])) < 0.5,
        rng.integers(0, ne, int(extra_off[-1])),
        rng.integers(ne, len(h.names), int(extra_off[-1])),
    )
    n_fx = rng.choice(3, n, p=[0.55, 0.35, 0.10])
    fx_off = np.concatenate([[0], np.cumsum(n_fx)])
    fx = (1000 + (rng.zipf(1.6, int(fx_off[-1])) % 2000)).astype(np.int64)
    quality = np.exp(rng.normal(0.0, 0.7, n))
    # view-cascade branching: heavy tail, lifted in hot hashtags and by quality
    m = cascade.heavy_branching(rng, n, 0.04, 0.88, 0.985, 0.85)
    m = np.minimum(0.985, m * (0.75 + 0.5 * h.branching[tag]) * np.clip(quality, 0.5, 1.5) ** 0.3)
    return Videos(
        adoption=sel, upload_ms=upload, creator=creator, region=region, hashtag=tag,
        extra_tags_offsets=extra_off, extra_tags=extra, sound=sound,
        sound_original=sound_original, category=cat, duration_s=duration,
        content_type=content_type.astype(np.int8), parent=parent, effects_offsets=fx_off,
        effects=fx, description=rng.integers(0, len(vocab.DESCRIPTIONS), n).astype(np.int16),
        quality=quality, immigrants=np.zeros(n, np.int64), branching=m,
    )  # fmt: skip


IMM_SCALE, IMM_SHAPE = 0.6 * HOUR_MS, 1.3
KID_SCALE, KID_SHAPE = 0.3 * HOUR_MS, 1.4


def _views(cfg, sizes, users: Users, h: Hashtags, v: Videos, clocks, t0, t1):
    rng = rng_for(cfg.seed, 30, cfg.start_ms // HOUR_MS)
    reach = (users.followers[v.creator] + 100.0) ** 0.6 * v.quality * h.appeal[v.hashtag] ** 0.25
    age0 = (t0 - v.upload_ms).astype(np.float64)
    age1 = (t1 - v.upload_ms).astype(np.float64)
    w = cascade.pareto_cdf(age1, 3 * IMM_SCALE, IMM_SHAPE) - cascade.pareto_cdf(
        age0, 3 * IMM_SCALE, IMM_SHAPE
    )
    expected = reach / (1 - v.branching) * w
    c = sizes.views / max(expected.sum(), 1e-9) * 1.15
    region = v.region.astype(np.int64)
    up_op = clocks.to_op(v.upload_ms, region)
    horizon = clocks.to_op(np.full(v.n, float(t1)), region)
    op_t0 = clocks.to_op(np.full(v.n, float(t0)), region)
    for _attempt in range(3):
        imm = rng.poisson(c * reach)
        item = np.repeat(np.arange(v.n, dtype=np.int32), imm)
        t_imm = up_op[item] + cascade.pareto_delay(rng, len(item), IMM_SCALE, IMM_SHAPE)
        cas = cascade.simulate(rng, item, t_imm, v.branching, KID_SCALE, KID_SHAPE, horizon)
        inside = np.flatnonzero((cas.time >= op_t0[cas.item]) & (cas.time < horizon[cas.item]))
        got = len(inside)
        if got >= 0.9 * sizes.views or got == 0:
            break
        c *= sizes.views / got * 1.1
    v.immigrants = imm
    total = np.bincount(cas.item, minlength=v.n).astype(np.int64)
    thinning = min(1.0, sizes.views / max(got, 1))
    idx = inside[rng.random(len(inside)) < thinning]
    t = clocks.to_wall(cas.time[idx], region[cas.item[idx]]).astype(np.int64)
    t = np.clip(t, t0, t1 - 1)
    order = np.argsort(t, kind="stable")
    idx, t = idx[order], t[order]
    video = cas.item[idx]
    gen = cas.generation[idx]
    del cas, inside
    n = len(idx)
    # viewers: mostly from the video's region, by activity
    vregion = v.region[video].astype(np.int64)
    away = rng.random(n) < 0.35
    vregion[away] = rng.choice(len(vocab.REGIONS), int(away.sum()), p=region_p())
    viewer = _pick_weighted_by_group(
        rng, vregion, len(vocab.REGIONS), users.region.astype(np.int64), users.activity
    )
    # watch time: a fifth swipe away within 3 s; the rest watch a quality-dependent share
    dur = v.duration_s[video].astype(np.float32)
    q = v.quality[video].astype(np.float32)
    skip = rng.random(n) < 0.2
    # Kumaraswamy(a, 1.6): a beta-like share watched, cheap to draw
    a = 1.2 + q
    frac = (1 - (1 - rng.random(n, dtype=np.float32)) ** (1 / 1.6)) ** (1 / a)
    watch = np.where(skip, rng.uniform(0.2, 3.0, n).astype(np.float32), np.maximum(dur * frac, 3.0))
    watch = np.minimum(watch, dur).astype(np.float32)
    completion = watch / dur
    qualified = watch >= 3.0
    base = np.where(qualified, (0.3 + completion) * np.clip(q, 0.3, 3.0), 0.0)
    r = rng.random((5, n), dtype=np.float32)
    flags = (
        (r[0] < P_LIKE * base) * FLAG_LIKE
        + (r[1] < P_COMMENT * base) * FLAG_COMMENT
        + (r[2] < P_SHARE * base) * FLAG_SHARE
        + (r[3] < P_SAVE * base) * FLAG_SAVE
        + (r[4] < P_FOLLOW * base) * FLAG_FOLLOW
    ).astype(np.int8)
    disc = rng.choice(len(vocab.DISCOVERY), n, p=vocab.DISCOVERY_WEIGHTS).astype(np.int8)
    disc[(gen == 0) & (rng.random(n) < 0.5)] = 1  # first-generation views come via Following
    views = Views(t, video, viewer, gen, watch, flags, disc)
    return views, thinning, total

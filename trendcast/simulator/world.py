"""The simulated world: users, hashtags, sounds (latent parameters included).

The world depends on the seed and the size only, so two runs with the same seed share users.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from trendcast.simulator import vocab

TIER_THRESHOLDS = np.array([1_000, 50_000, 1_000_000])  # casual < rising < established < top
DAY_MS = 86_400_000


@dataclass
class Users:
    n: int
    region: np.ndarray  # int8 index into vocab.REGIONS
    user_type: np.ndarray  # int8 index into vocab.USER_TYPES
    followers: np.ndarray  # int64 at the start of the run
    following: np.ndarray
    activity: np.ndarray  # relative viewing activity
    registered_ms: np.ndarray
    is_new: np.ndarray  # registers during the run
    verified: np.ndarray
    bio: np.ndarray  # index into vocab.BIO
    name: np.ndarray  # index into vocab.FIRST
    device: np.ndarray

    @property
    def is_creator(self) -> np.ndarray:
        return self.user_type > 0

    def tier(self, followers: np.ndarray | None = None) -> np.ndarray:
        f = self.followers if followers is None else followers
        t = 1 + np.searchsorted(TIER_THRESHOLDS, f, side="right")
        return np.where(self.is_creator, t, 0).astype(np.int8)


def usernames(users: Users, idx: np.ndarray) -> pa.Array:
    first = pc.take(pa.array(vocab.FIRST), pa.array(users.name[idx]))
    return pc.binary_join_element_wise(first, ".", pc.cast(pa.array(idx + 1000), pa.string()), "")


def make_users(rng: np.random.Generator, n: int, n_new: int, start_ms: int, end_ms: int) -> Users:
    total = n + n_new
    weights = np.array([r[3] for r in vocab.REGIONS])
    region = rng.choice(len(weights), total, p=weights / weights.sum()).astype(np.int8)
    user_type = rng.choice(3, total, p=[0.80, 0.08, 0.12]).astype(np.int8)
    user_type[n:] = 0  # new users start as consumers
    creator = user_type > 0
    followers = np.where(
        creator,
        np.exp(rng.normal(5.5, 2.3, total)),
        np.exp(rng.normal(2.0, 1.2, total)),
    ).astype(np.int64)
    followers[n:] = 0
    following = np.exp(rng.normal(4.0, 1.1, total)).astype(np.int64)
    following[n:] = 0
    activity = np.exp(rng.normal(0.0, 1.1, total))
    activity[creator] *= 0.6
    # registrations: older platform users are fewer (growth), up to 6 years back
    age_days = 6 * 365 * rng.beta(1.0, 2.2, total)
    registered = (start_ms - (age_days * DAY_MS).astype(np.int64) - 3 * DAY_MS).astype(np.int64)
    registered[n:] = rng.integers(start_ms, end_ms, n_new)
    is_new = np.zeros(total, dtype=bool)
    is_new[n:] = True
    verified = creator & (followers >= 100_000) & (rng.random(total) < 0.7)
    return Users(
        n=total,
        region=region,
        user_type=user_type,
        followers=followers,
        following=following,
        activity=activity,
        registered_ms=registered,
        is_new=is_new,
        verified=verified,
        bio=rng.integers(0, len(vocab.BIO), total).astype(np.int16),
        name=rng.integers(0, len(vocab.FIRST), total).astype(np.int16),
        device=rng.choice(3, total, p=vocab.DEVICE_WEIGHTS).astype(np.int8),
    )


@dataclass
class Hashtags:
    names: list[str]
    appeal: np.ndarray  # latent appeal (immigrant rate multiplier)
    branching: np.ndarray  # latent branching ratio of adoption
    home_region: np.ndarray  # int8, -1 = global
    birth_ms: np.ndarray  # first possible use (novelty); far past for old tags
    decay_ms: np.ndarray  # e-folding time of the immigrant rate after birth (inf = no decay)
    category: np.ndarray
    evergreen: np.ndarray


def make_hashtags(rng: np.random.Generator, n: int, lo_ms: int, hi_ms: int) -> Hashtags:
    names: list[str] = list(vocab.EVERGREEN)
    seen = set(names)
    words, suffixes = vocab.WORDS, vocab.SUFFIXES
    while len(names) < n:
        k = n - len(names)
        a = rng.integers(0, len(words), 2 * k)
        b = rng.integers(0, len(words), 2 * k)
        s = rng.integers(0, len(suffixes), 2 * k)
        d = rng.integers(0, 100, 2 * k)
        for i in range(2 * k):
            name = words[a[i]] + words[b[i]] + suffixes[s[i]]
            if name in seen:
                name = f"{name}{d[i]}"
            if name not in seen:
                seen.add(name)
                names.append(name)
                if len(names) >= n:
                    break
    ne = len(vocab.EVERGREEN)
    appeal = np.exp(rng.normal(0.0, 1.3, n))
    appeal[:ne] = np.linspace(60, 20, ne)
    branching = np.empty(n)
    branching[:ne] = 0.2
    m = rng.beta(1.6, 4.0, n - ne) * 0.8
    breakout = rng.random(n - ne) < 0.04
    m[breakout] = rng.uniform(0.8, 0.95, int(breakout.sum()))
    branching[ne:] = m
    home = rng.choice(len(vocab.REGIONS), n, p=_region_p()).astype(np.int8)
    home[rng.random(n) < 0.25] = -1
    home[:ne] = -1
    birth = np.full(n, lo_ms - 365 * DAY_MS, dtype=np.int64)
    decay = np.full(n, np.inf)
    novel = rng.random(n) < 0.35
    novel[:ne] = False
    birth[novel] = rng.integers(lo_ms, hi_ms, int(novel.sum()))
    decay[novel] = np.exp(rng.normal(np.log(18 * 3_600_000), 0.8, int(novel.sum())))
    # new tags burst: higher appeal while fresh
    appeal[novel] *= 3.0
    category = rng.choice(len(vocab.CATEGORIES), n, p=_cat_p()).astype(np.int8)
    evergreen = np.zeros(n, dtype=bool)
    evergreen[:ne] = True
    return Hashtags(names, appeal, branching, home, birth, decay, category, evergreen)


def _region_p() -> np.ndarray:
    w = np.array([r[3] for r in vocab.REGIONS])
    return w / w.sum()


def _cat_p() -> np.ndarray:
    w = np.array(vocab.CATEGORY_WEIGHTS, dtype=float)
    return w / w.sum()


@dataclass
class Sounds:
    n_catalog: int
    appeal: np.ndarray
    title: list[str]


def make_sounds(rng: np.random.Generator, n: int) -> Sounds:
    ranks = np.arange(1, n + 1)
    appeal = ranks**-1.1
    rng.shuffle(appeal)
    w = vocab.SOUND_WORDS
    a = rng.integers(0, len(w), n)
    b = rng.integers(0, len(w), n)
    artist = rng.integers(0, len(vocab.FIRST), n)
    titles = [f"{w[a[i]]} {w[b[i]]} - {vocab.FIRST[artist[i]].title()}" for i in range(n)]
    return Sounds(n, appeal, titles)


def region_p() -> np.ndarray:
    return _region_p()


def category_p() -> np.ndarray:
    return _cat_p()

"""Ground truth for tests (never landed): latent parameters and realized cascade sizes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from trendcast.simulator import vocab
from trendcast.simulator.model import Model


def cascade_roots(parent: np.ndarray) -> np.ndarray:
    """Root of every node of a forest given parent pointers (-1 = root), by pointer jumping."""
    root = np.where(parent < 0, np.arange(len(parent)), parent)
    while True:
        nxt = root[root]
        if np.array_equal(nxt, root):
            return root
        root = nxt


def write_truth(m: Model, out: Path, tiktok=None, mastodon=None) -> dict[str, str]:
    """Write the run's latent parameters and realised outcomes as Parquet beside the archives
    (never landed): tests compare what the warehouse infers with what was planted."""
    out.mkdir(parents=True, exist_ok=True)
    t0, t1 = m.cfg.start_ms, m.cfg.end_ms
    h, a, v, w = m.hashtags, m.adoptions, m.videos, m.views
    nh = len(h.names)
    roots = cascade_roots(a.parent)
    tree = np.bincount(roots, minlength=len(roots))
    largest = np.zeros(nh, dtype=np.int64)
    is_root = a.parent < 0
    np.maximum.at(largest, a.hashtag[is_root], tree[is_root])
    inwin = (a.time_ms >= t0) & (a.time_ms < t1)
    region_codes = np.array(["global"] + [r[0] for r in vocab.REGIONS])
    files = {}
    hashtags = pa.table({
        "hashtag": h.names,
        "appeal": h.appeal,
        "branching_ratio": h.branching,
        "home_region": region_codes[h.home_region.astype(np.int64) + 1],
        "born_at": pa.array(h.birth_ms, pa.timestamp("ms", tz="UTC")),
        "decay_hours": np.where(np.isfinite(h.decay_ms), h.decay_ms / 3_600_000, np.nan),
        "is_evergreen": h.evergreen,
        "category": np.array(vocab.CATEGORIES)[h.category],
        "adoptions_total": np.bincount(a.hashtag, minlength=nh),
        "adoptions_in_window": np.bincount(a.hashtag[inwin], minlength=nh),
        "adoptions_platform_in_window": np.bincount(a.hashtag[inwin & (a.platform == 0)], minlength=nh),
        "adoptions_tiktok_in_window": np.bincount(a.hashtag[inwin & (a.platform == 1)], minlength=nh),
        "adoptions_mastodon_in_window": np.bincount(a.hashtag[inwin & (a.platform == 2)], minlength=nh),
        "largest_cascade": largest,
        "is_viral": (h.branching >= 0.8) & (largest >= 20),
    })  # fmt: skip
    pq.write_table(hashtags, out / "hashtags.parquet")
    files["hashtags"] = "hashtags.parquet"
    views = np.bincount(w.video, minlength=v.n)
    qualified = np.bincount(w.video[w.watch_s >= 3.0], minlength=v.n)
    videos = pa.table({
        "content_id": [f"c{m.run * 10_000_000 + i}" for i in range(v.n)],
        "creator_id": [f"u{10_000_000 + int(c)}" for c in v.creator],
        "uploaded_at": pa.array(v.upload_ms, pa.timestamp("ms", tz="UTC")),
        "hashtag": np.array(h.names, dtype=object)[v.hashtag],
        "content_type": np.array(vocab.CONTENT_TYPES)[v.content_type],
        "quality": v.quality,
        "immigrants": v.immigrants,
        "branching_ratio": v.branching,
        "cascade_total": v.cascade_total,
        "views_in_window": views,
        "qualified_views_in_window": qualified,
        "is_viral": (v.branching >= 0.85) & (v.cascade_total >= 10 * np.maximum(v.immigrants, 1)),
    })  # fmt: skip
    pq.write_table(videos, out / "videos.parquet")
    files["videos"] = "videos.parquet"
    if tiktok is not None and tiktok.n:
        tt = pa.table({
            "video_id": [str(x) for x in tiktok.ids],
            "created_at": pa.array(tiktok.create_ms, pa.timestamp("ms", tz="UTC")),
            "hashtag": np.array(h.names, dtype=object)[tiktok.hashtag],
            "branching_ratio": tiktok.branching,
            "final_views": tiktok.final_views,
            "corrected_at": pa.array(
                np.where(tiktok.corr_f > 0, tiktok.corr_at, 0), pa.timestamp("ms", tz="UTC")
            ).fill_null(None),
            "correction_factor": tiktok.corr_f,
        })  # fmt: skip
        pq.write_table(tt, out / "tiktok_videos.parquet")
        files["tiktok_videos"] = "tiktok_videos.parquet"
        links = tiktok.link_truth
        pq.write_table(pa.Table.from_pylist(links) if links else pa.table({
            "form": pa.array([], pa.string()), "domain": pa.array([], pa.string()),
            "link_text": pa.array([], pa.string()), "comment_id": pa.array([], pa.string()),
            "video_id": pa.array([], pa.string())}), out / "comment_links.parquet")  # fmt: skip
        files["comment_links"] = "comment_links.parquet"
    if mastodon is not None and getattr(mastodon, "planted", None):
        planted = pa.table({
            "instance": [p["instance"] for p in mastodon.planted],
            "hashtag": [p["hashtag"] for p in mastodon.planted],
            "started_at": pa.array([p["started_at_ms"] for p in mastodon.planted],
                                   pa.timestamp("ms", tz="UTC")),
            "statuses": [p["statuses"] for p in mastodon.planted],
        })  # fmt: skip
        pq.write_table(planted, out / "mastodon_planted_trends.parquet")
        files["mastodon_planted_trends"] = "mastodon_planted_trends.parquet"
    return files


def write_platform_truth(stream, out: Path) -> dict[str, str]:
    """The platform stream's planted ground truth: experiments, moderation, consent, closures."""
    out.mkdir(parents=True, exist_ok=True)
    tables = {**stream.experiments_truth(), **stream.safety_truth(), **stream.accounts_truth()}
    files = {}
    for name, table in tables.items():
        pq.write_table(table, out / f"{name}.parquet")
        files[name] = f"{name}.parquet"
    return files

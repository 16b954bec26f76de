"""Hashtag themes: TF-IDF over the text around each hashtag, k-means per platform, point in time.

Why cutoffs: a cluster fitted on all data would leak later captions into earlier feature rows.
Each fit uses only posts fetched strictly before a cutoff and is written with valid_from = cutoff,
so a feature row at as_of_at may join the latest assignment with valid_from <= as_of_at. Cutoffs
are the `cadence_hours` boundaries right after collected data (no fits for empty periods), and
the fit is deterministic (fixed seeds, sorted input), so re-running gives the same rows and
appending later data only adds new cutoffs. Cluster ids are local to one (platform, cutoff) fit;
theme_label (top centroid terms) is the comparable name.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import pandas as pd

from trendcast.warehouse import Warehouse

SCHEMA = "ml"
TABLE = "hashtag_themes"
MODEL_VERSION = "tfidf-kmeans-v1"
_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class ThemeConfig:
    cadence_hours: int = 6  # one fit per platform per boundary that follows new data
    window_days: int = 7  # hashtags active in the window before the cutoff are clustered
    max_clusters: int = 12
    min_hashtags: int = 4  # fewer hashtags than this at a cutoff: no fit
    max_hashtags: int = 1000  # the most active hashtags of the window, for bounded cost
    max_features: int = 5000
    lookback_hours: int = 48  # cutoffs this close to the latest stored one are recomputed


def load_documents(wh: Warehouse) -> pd.DataFrame:
    """Text seen with each hashtag: the post text at the fetch where the post first carried it."""
    df = wh.query_df(
        """
        select platform, hashtag_id, hashtag_name, fetched_at, post_text
        from private.hashtag_theme_documents
        """
    )
    if df.empty:
        return df
    df["fetched_at"] = pd.to_datetime(df["fetched_at"], utc=True)
    df["doc"] = df["hashtag_name"].fillna("") + " " + clean_text(df["post_text"])
    return df.sort_values(["platform", "fetched_at", "hashtag_id"], kind="stable")


def clean_text(text: pd.Series) -> pd.Series:
    """Markup to spaces, HTML entities decoded, '#' to spaces.

    A post's text repeats on every hashtag it carries, so each distinct text is cleaned once and
    mapped back (same strings as cleaning row by row, a fraction of the Python calls).
    """
    text = text.fillna("")
    unique = pd.Series(text.unique())
    cleaned = unique.map(lambda t: html.unescape(_TAG.sub(" ", t)).replace("#", " "))
    return text.map(dict(zip(unique, cleaned, strict=True)))


def cutoffs_for(fetched: pd.Series, cadence_hours: int) -> list[pd.Timestamp]:
    """The cadence boundaries that directly follow collected data (sorted, unique)."""
    if fetched.empty:
        return []
    step = pd.Timedelta(hours=cadence_hours)
    epoch = pd.Timestamp("1970-01-01", tz="UTC")
    bins = ((fetched - epoch) // step).astype("int64") + 1
    return [epoch + int(b) * step for b in sorted(set(bins.tolist()))]


def fit_cutoff(docs: pd.DataFrame, cutoff: pd.Timestamp, cfg: ThemeConfig) -> pd.DataFrame:
    """Cluster the hashtags active in the window before `cutoff`, from text fetched before it."""
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer
    from threadpoolctl import threadpool_limits

    window = docs[
        (docs["fetched_at"] < cutoff)
        & (docs["fetched_at"] >= cutoff - pd.Timedelta(days=cfg.window_days))
    ]
    if window.empty:
        return pd.DataFrame()
    grouped = (
        window.groupby("hashtag_id", sort=True)
        .agg(doc=("doc", " ".join), posts=("doc", "size"))
        .reset_index()
        .sort_values(["posts", "hashtag_id"], ascending=[False, True], kind="stable")
        .head(cfg.max_hashtags)
        .sort_values("hashtag_id", kind="stable")
        .reset_index(drop=True)
    )
    if len(grouped) < cfg.min_hashtags:
        return pd.DataFrame()
    vectorizer = TfidfVectorizer(
        max_features=cfg.max_features,
        token_pattern=r"(?u)\b[^\W\d_][\w]+\b",
        stop_words="english",
    )
    try:
        matrix = vectorizer.fit_transform(grouped["doc"])
    except ValueError:  # empty vocabulary
        return pd.DataFrame()
    k = int(min(cfg.max_clusters, max(2, round(np.sqrt(len(grouped) / 2)))))
    k = min(k, matrix.shape[0])
    model = KMeans(n_clusters=k, n_init=2, random_state=0)
    # One OpenMP thread: a fit is a few hundred sparse rows, and on a shared 2-core machine
    # spinning worker threads cost more than they save; it also keeps the sums, hence the
    # clusters, independent of the core count.
    with threadpool_limits(limits=1):
        labels = model.fit_predict(matrix)
    centroids = model.cluster_centers_
    norms = np.linalg.norm(centroids, axis=1)
    norms[norms == 0] = 1.0
    unit = centroids / norms[:, None]
    # rows of a TfidfVectorizer matrix are L2-normalised: the dot product is the cosine
    similarity = np.asarray(matrix.multiply(unit[labels]).sum(axis=1)).ravel()
    terms = np.asarray(vectorizer.get_feature_names_out())
    theme = {c: " ".join(terms[np.argsort(-centroids[c])[:3]]) for c in range(k)}
    return pd.DataFrame(
        {
            "hashtag_id": grouped["hashtag_id"],
            "valid_from": cutoff,
            "cluster_id": labels.astype("int64"),
            "theme_label": [theme[c] for c in labels],
            "theme_similarity": np.clip(similarity, 0.0, 1.0),
        }
    )


def compute_hashtag_themes(wh: Warehouse, cfg: ThemeConfig | None = None) -> dict:
    """Fit every missing cutoff (and the last `lookback_hours` of them) and upsert ml.hashtag_themes."""
    cfg = cfg or ThemeConfig()
    docs = load_documents(wh)
    if docs.empty:
        return {"cutoffs": 0, "rows": 0}
    latest = None
    if wh.table_exists(SCHEMA, TABLE):
        value = wh.scalar(f"select max(valid_from) from {SCHEMA}.{TABLE}")
        latest = pd.Timestamp(value).tz_convert("UTC") if value is not None else None
    frames = []
    fitted = 0
    for platform, part in docs.groupby("platform", sort=True):
        for cutoff in cutoffs_for(part["fetched_at"], cfg.cadence_hours):
            if latest is not None and cutoff <= latest - pd.Timedelta(hours=cfg.lookback_hours):
                continue
            out = fit_cutoff(part, cutoff, cfg)
            fitted += 1
            if not out.empty:
                out.insert(2, "platform", platform)
                frames.append(out)
    if not frames:
        return {"cutoffs": fitted, "rows": 0}
    result = pd.concat(frames, ignore_index=True)
    result["model_version"] = MODEL_VERSION
    result["computed_at"] = pd.Timestamp(datetime.now(UTC))
    wh.write_df(result, SCHEMA, TABLE, key_columns=["hashtag_id", "valid_from"])
    return {"cutoffs": fitted, "rows": len(result)}

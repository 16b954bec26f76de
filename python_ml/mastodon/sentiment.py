"""Sentiment of Mastodon post versions with VADER, written to ml.mastodon_post_sentiments.

Why VADER: it is a lexicon and rules that ship inside the vaderSentiment package (no download at
run time, no network), it is tuned on social-media text (emoji, capitals, "!!!"), and it is
deterministic, so an input hash identifies a result. It only knows English: any other language,
or a post without a language, gets analysis_status 'unsupported_language' and no scores, never a
guess.

Audit: every row carries the model (package and version), the ruleset version (lexicon plus the
label thresholds below; the seed's `prompt_version`), the sha256 of exactly what was analysed
(input_hash), when it ran, and the version of the post it belongs to. The same input hash is
never analysed twice: an unchanged version is skipped, and a new version whose text was already
analysed (a re-post, an edit reverted) copies the earlier result (is_reused). An edit is a new
version (mastodon.post_versions), so it gets its own analysis.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version as package_version

import pandas as pd

from trendcast.warehouse import Warehouse

SCHEMA = "ml"
TABLE = "mastodon_post_sentiments"
KEYS = ["instance", "status_id", "version_valid_from"]
MODEL = f"vaderSentiment-{package_version('vaderSentiment')}"
# the conventional VADER cut-offs on the compound score (its authors' recommendation)
POSITIVE_AT = 0.05
NEGATIVE_AT = -0.05
RULESET_VERSION = f"vader-lexicon+labels(compound>={POSITIVE_AT},<={NEGATIVE_AT})-v1"
SUPPORTED_LANGUAGES = frozenset({"en"})

RESULT_COLUMNS = [
    "analysis_status",
    "sentiment_label",
    "compound_score",
    "positive_score",
    "neutral_score",
    "negative_score",
    "analyzed_at",
]


@dataclass(frozen=True)
class SentimentRun:
    """What one run did: versions seen, skipped as unchanged, analysed, reused, unsupported."""

    versions: int
    unchanged: int
    analyzed: int
    reused: int
    unsupported: int
    empty: int

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def input_hash(text: str | None, language: str | None) -> str:
    """sha256 of everything the result depends on: model, ruleset, language and the text."""
    parts = [MODEL, RULESET_VERSION, language or "", text or ""]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def label(compound: float) -> str:
    """VADER's own convention for its compound score (neutral within +-0.05), kept so the
    labels mean what VADER's users expect; RULESET_VERSION names the thresholds."""
    if compound >= POSITIVE_AT:
        return "positive"
    if compound <= NEGATIVE_AT:
        return "negative"
    return "neutral"


def _versions(wh: Warehouse) -> pd.DataFrame:
    """Every version of every live post with the post's language (deleted posts are not analysed),
    oldest first: of two versions with the same input, the older is analysed and the newer reuses
    it, whatever order the engine returns the rows in."""
    return wh.query_df(
        "select v.instance, v.status_id, v.version_seq, v.valid_from, v.content_text, "
        "p.language_code "
        "from mastodon.post_versions as v "
        "inner join mastodon.posts as p "
        "on v.instance = p.instance and v.status_id = p.status_id "
        "where not p.is_deleted "
        "order by v.valid_from, v.instance, v.status_id"
    )


def _existing(wh: Warehouse) -> pd.DataFrame:
    if not wh.table_exists(SCHEMA, TABLE):
        return pd.DataFrame(columns=[*KEYS, "input_hash", "is_reused", *RESULT_COLUMNS])
    return wh.query_df(
        f"select {', '.join([*KEYS, 'input_hash', 'is_reused', *RESULT_COLUMNS])} "
        f"from {SCHEMA}.{TABLE}"
    )


def analyze_post_versions(wh: Warehouse, now: datetime | None = None) -> SentimentRun:
    """Analyse every post version not analysed yet with its current input; returns the counts."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    now = now or datetime.now(UTC)
    analyzed_at = pd.Timestamp(now).tz_convert("UTC").tz_localize(None)
    versions = _versions(wh)
    existing = _existing(wh)
    if versions.empty:
        return SentimentRun(0, 0, 0, 0, 0, 0)
    versions["valid_from"] = pd.to_datetime(versions["valid_from"])
    versions["input_hash"] = [
        input_hash(t, lang)
        for t, lang in zip(versions["content_text"], versions["language_code"], strict=True)
    ]
    stored = {
        (r.instance, r.status_id, pd.Timestamp(r.version_valid_from)): r.input_hash
        for r in existing.itertuples()
    }
    by_hash = {
        r.input_hash: r for r in existing.itertuples() if not r.is_reused
    }  # the original analysis of each hash
    analyzer = None
    rows: list[dict] = []
    counts = {"unchanged": 0, "analyzed": 0, "reused": 0, "unsupported": 0, "empty": 0}
    for v in versions.itertuples():
        key = (v.instance, v.status_id, pd.Timestamp(v.valid_from))
        if stored.get(key) == v.input_hash:
            counts["unchanged"] += 1
            continue
        row = {
            "instance": v.instance,
            "status_id": v.status_id,
            "version_valid_from": v.valid_from,
            "status_version_seq": int(v.version_seq),
            "language_code": v.language_code,
            "model": MODEL,
            "prompt_version": RULESET_VERSION,
            "input_hash": v.input_hash,
        }
        original = by_hash.get(v.input_hash)
        if original is not None:
            row.update({c: getattr(original, c) for c in RESULT_COLUMNS}, is_reused=True)
            counts["reused"] += 1
        elif (v.language_code or "").lower() not in SUPPORTED_LANGUAGES:
            row.update(_empty_result("unsupported_language", analyzed_at), is_reused=False)
            counts["unsupported"] += 1
        elif not (v.content_text or "").strip():
            row.update(_empty_result("empty_text", analyzed_at), is_reused=False)
            counts["empty"] += 1
        else:
            analyzer = analyzer or SentimentIntensityAnalyzer()
            s = analyzer.polarity_scores(v.content_text)
            row.update(
                analysis_status="analyzed",
                sentiment_label=label(s["compound"]),
                compound_score=float(s["compound"]),
                positive_score=float(s["pos"]),
                neutral_score=float(s["neu"]),
                negative_score=float(s["neg"]),
                analyzed_at=analyzed_at,
                is_reused=False,
            )
            counts["analyzed"] += 1
        if not row["is_reused"]:
            by_hash[v.input_hash] = _Result(row)
        rows.append(row)
    if rows or not wh.table_exists(SCHEMA, TABLE):
        wh.write_df(_frame(rows), SCHEMA, TABLE, key_columns=KEYS)
    return SentimentRun(versions=len(versions), **counts)


class _Result:
    """A result just computed, looked up like a stored row by later versions with its hash."""

    def __init__(self, row: dict) -> None:
        self.__dict__.update(row)


def _empty_result(status: str, analyzed_at: pd.Timestamp) -> dict:
    return {
        "analysis_status": status,
        "sentiment_label": None,
        "compound_score": None,
        "positive_score": None,
        "neutral_score": None,
        "negative_score": None,
        "analyzed_at": analyzed_at,
    }


def _frame(rows: list[dict]) -> pd.DataFrame:
    columns = [
        *KEYS,
        "status_version_seq",
        "language_code",
        "analysis_status",
        "sentiment_label",
        "compound_score",
        "positive_score",
        "neutral_score",
        "negative_score",
        "model",
        "prompt_version",
        "input_hash",
        "analyzed_at",
        "is_reused",
    ]
    df = pd.DataFrame(rows, columns=columns)
    df["status_version_seq"] = df["status_version_seq"].astype("int64")
    for c in ("compound_score", "positive_score", "neutral_score", "negative_score"):
        df[c] = df[c].astype("float64")
    df["is_reused"] = df["is_reused"].astype(bool)
    df["version_valid_from"] = pd.to_datetime(df["version_valid_from"])
    df["analyzed_at"] = pd.to_datetime(df["analyzed_at"])
    for c in ("instance", "status_id", "language_code", "analysis_status", "sentiment_label",
              "model", "prompt_version", "input_hash"):  # fmt: skip
        df[c] = df[c].astype("string")
    return df

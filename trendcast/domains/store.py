"""The extraction stage: read comment text from the warehouse, write the mentions found.

Runs between two dbt steps (dbt builds `domains.comment`; this writes
`domains_extracted.mentions`; dbt then builds `domain` and `domain_mention` from it), like the ML
stages. Incremental and idempotent: a comment is scanned again only when its text changed or the
extractor's version did, and its old mentions are replaced, never duplicated.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa

from trendcast.domains.extract import EXTRACTOR_VERSION, extract_many
from trendcast.warehouse import Warehouse

SCHEMA = "domains_extracted"
BATCH_ROWS = 50_000

_MENTION_TYPES = {
    "comment_key": pa.string(),
    "mention_index": pa.int64(),
    "domain_name": pa.string(),
    "domain_unicode": pa.string(),
    "suffix": pa.string(),
    "subdomain": pa.string(),
    "host": pa.string(),
    "position": pa.int64(),
    "match_length": pa.int64(),
    "confidence": pa.float64(),
    "method": pa.string(),
    "is_shortener": pa.bool_(),
    "context": pa.string(),
    "extracted_at": pa.timestamp("us", tz="UTC"),
    "extractor_version": pa.string(),
}


def mentions_table(keys: list[str], texts: list[str | None], now: datetime) -> pa.Table:
    """The mentions of a batch of comments as an Arrow table (the shape the stage writes)."""
    cols: dict[str, list[Any]] = {name: [] for name in _MENTION_TYPES}
    last, index = -1, 0
    for i, m in extract_many(texts):
        index = index + 1 if i == last else 0
        last = i
        cols["comment_key"].append(keys[i])
        cols["mention_index"].append(index)
        cols["domain_name"].append(m.domain_name)
        cols["domain_unicode"].append(m.domain_unicode)
        cols["suffix"].append(m.suffix)
        cols["subdomain"].append(m.subdomain)
        cols["host"].append(m.host)
        cols["position"].append(m.position)
        cols["match_length"].append(m.length)
        cols["confidence"].append(m.confidence)
        cols["method"].append(m.method)
        cols["is_shortener"].append(m.is_shortener)
        cols["context"].append(m.context)
        cols["extracted_at"].append(now)
        cols["extractor_version"].append(EXTRACTOR_VERSION)
    return pa.table({k: pa.array(v, _MENTION_TYPES[k]) for k, v in cols.items()})


def _ensure_tables(wh: Warehouse) -> None:
    empty = mentions_table([], [], datetime.now(UTC))
    wh.write_df(empty, SCHEMA, "mentions")
    wh.write_df(
        pa.table(
            {
                "comment_key": pa.array([], pa.string()),
                "text_hash": pa.array([], pa.string()),
                "extractor_version": pa.array([], pa.string()),
                "mentions": pa.array([], pa.int64()),
                "scanned_at": pa.array([], pa.timestamp("us", tz="UTC")),
            }
        ),
        SCHEMA,
        "scanned_comments",
    )


def extract_mentions(wh: Warehouse, comment_table: str = "domains.comment") -> dict[str, Any]:
    """Scan every comment not yet scanned with this text and extractor version; replace its
    mentions. Returns counts and throughput (rows/s of the extraction itself)."""
    _ensure_tables(wh)
    pending_sql = f"""
        select c.comment_key, c.comment_text, md5(coalesce(c.comment_text, '')) as text_hash
        from {comment_table} as c
        left join {SCHEMA}.scanned_comments as s on c.comment_key = s.comment_key
        where s.comment_key is null
            or s.text_hash <> md5(coalesce(c.comment_text, ''))
            or s.extractor_version <> ?
        order by c.comment_key
    """
    pending = wh.query_df(pending_sql, [EXTRACTOR_VERSION])
    now = datetime.now(UTC)
    scanned = found = 0
    extract_seconds = 0.0
    for start in range(0, len(pending), BATCH_ROWS):
        part = pending.iloc[start : start + BATCH_ROWS]
        keys = part["comment_key"].tolist()
        texts = part["comment_text"].tolist()
        t0 = time.perf_counter()
        mentions = mentions_table(keys, texts, now)
        extract_seconds += time.perf_counter() - t0
        per_comment = (
            pa.table({"k": mentions["comment_key"]}).group_by("k").aggregate([("k", "count")])
        )
        counts = dict(
            zip(per_comment["k"].to_pylist(), per_comment["k_count"].to_pylist(), strict=True)
        )
        log = pa.table(
            {
                "comment_key": pa.array(keys, pa.string()),
                "text_hash": pa.array(part["text_hash"].tolist(), pa.string()),
                "extractor_version": pa.array([EXTRACTOR_VERSION] * len(keys), pa.string()),
                "mentions": pa.array([counts.get(k, 0) for k in keys], pa.int64()),
                "scanned_at": pa.array([now] * len(keys), pa.timestamp("us", tz="UTC")),
            }
        )
        # the scan log first; then the comments that now have no mention lose their old ones,
        # and the others have theirs replaced by the keyed upsert: never a duplicate
        wh.write_df(log, SCHEMA, "scanned_comments", key_columns=["comment_key"])
        wh.delete_keys(
            SCHEMA,
            "mentions",
            "comment_key",
            f"select comment_key from {SCHEMA}.scanned_comments "
            "where scanned_at = ? and mentions = 0",
            [now],
        )
        wh.write_df(mentions, SCHEMA, "mentions", key_columns=["comment_key"])
        scanned += len(keys)
        found += mentions.num_rows
    return {
        "comments_scanned": scanned,
        "mentions_found": found,
        "extract_seconds": round(extract_seconds, 3),
        "comments_per_second": round(scanned / extract_seconds) if extract_seconds else None,
    }

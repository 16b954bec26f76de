"""Redaction of deleted Mastodon posts in the raw landing tables.

With TRENDCAST_MASTODON_REDACT_DELETED=true the dbt models drop the text of deleted posts from
every table they build (staging, intermediate, marts); this removes it from the last place that
holds it, raw.api_responses: in every Mastodon response that carries a deleted status (a REST
body, a timeline element, a streaming payload, a /history response) the status's `content` and
`spoiler_text` become NULL. Everything else stays (ids, times, counts, tags), so every count and
every replay of the event log still adds up; only the text is gone, for good. The line's
response_hash still describes the response as received. Archive files outside the warehouse are
not touched (the lifecycle flows own them).
"""

from __future__ import annotations

import os

from trendcast.erasure import Redactor, Scope, Subject, redact_raw
from trendcast.warehouse import Warehouse

TEXT_KEYS = ("content", "spoiler_text")


def redaction_enabled() -> bool:
    """TRENDCAST_MASTODON_REDACT_DELETED, the same switch the dbt models read."""
    return os.environ.get("TRENDCAST_MASTODON_REDACT_DELETED", "false").lower() in (
        "true",
        "1",
        "yes",
    )


def _deleted_ids(wh: Warehouse) -> dict[str, set[str]]:
    """Deleted status ids per instance, from the streaming `delete` events."""
    if wh.target == "duckdb":
        sql = """
            select coalesce(json_extract_string(params, '$.instance'), 'unknown'),
                   coalesce(json_extract_string(raw_json, '$.payload.id'),
                            json_extract_string(raw_json, '$.payload'))
            from raw.api_responses
            where source = 'mastodon' and processing_status = 'processed'
              and endpoint like 'api/v1/streaming%'
              and json_extract_string(raw_json, '$.event') = 'delete'
        """
    else:
        sql = """
            select coalesce(params ->> 'instance', 'unknown'),
                   coalesce(raw_json #>> '{payload,id}', raw_json #>> '{payload}')
            from raw.api_responses
            where source = 'mastodon' and processing_status = 'processed'
              and endpoint like 'api/v1/streaming%'
              and raw_json ->> 'event' = 'delete'
        """
    out: dict[str, set[str]] = {}
    for instance, status_id in wh.query(sql):
        if status_id:
            out.setdefault(instance, set()).add(str(status_id))
    return out


def redact_deleted_mastodon_raw(wh: Warehouse) -> int:
    """Remove the text of deleted Mastodon statuses from raw.api_responses; returns lines changed.

    The erasure's mechanism (trendcast.erasure.redact_raw), with a redactor that blanks instead
    of cutting: one way to redact a stored payload.
    """
    changed = 0
    with wh.transaction():
        for instance, ids in sorted(_deleted_ids(wh).items()):
            statuses = Subject("mastodon", ids)
            redactor = Redactor(statuses, blank=TEXT_KEYS, match_keys=("id",))
            scope = Scope(processed_only=True, instance=instance)
            changed += redact_raw(wh, statuses, redactor=redactor, scope=scope).lines
    return changed

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

import json
import os
from typing import Any

import pyarrow as pa

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


def _scrub(doc: Any, ids: set[str], whole: bool) -> bool:
    """Blank the text of every status object in `doc` whose id is in `ids` (every object with
    text when `whole`: a /history response of a deleted status). Returns whether it changed."""
    changed = False
    if isinstance(doc, list):
        for item in doc:
            changed |= _scrub(item, ids, whole)
    elif isinstance(doc, dict):
        if (whole or str(doc.get("id")) in ids) and any(doc.get(k) for k in TEXT_KEYS):
            for k in TEXT_KEYS:
                if k in doc:
                    doc[k] = None
            changed = True
        for key in ("payload", "reblog"):
            if isinstance(doc.get(key), dict | list):
                changed |= _scrub(doc[key], ids, whole)
    return changed


def redact_deleted_mastodon_raw(wh: Warehouse) -> int:
    """Remove the text of deleted Mastodon statuses from raw.api_responses; returns lines changed."""
    deleted = _deleted_ids(wh)
    if not deleted:
        return 0
    text = "cast(raw_json as varchar)" if wh.target == "duckdb" else "raw_json::text"
    instance = (
        "json_extract_string(params, '$.instance')" if wh.target == "duckdb"
        else "params ->> 'instance'"
    )  # fmt: skip
    changed_rows: list[tuple[str, int, str]] = []
    for inst, ids in deleted.items():
        # lines that mention one of the ids at all; the JSON walk below decides
        mention = " or ".join(["position(? in " + text + ") > 0"] * len(ids))
        rows = wh.query(
            f"select batch_id, line_no, endpoint, {text} from raw.api_responses "
            f"where source = 'mastodon' and processing_status = 'processed' "
            f"and coalesce({instance}, 'unknown') = ? and ({mention})",
            [inst, *sorted(ids)],
        )
        for batch_id, line_no, endpoint, body in rows:
            doc = json.loads(body)
            parts = (endpoint or "").split("/")
            whole = len(parts) == 5 and parts[4] == "history" and parts[3] in ids
            if _scrub(doc, ids, whole):
                changed_rows.append((batch_id, int(line_no), json.dumps(doc, ensure_ascii=False)))
    if not changed_rows:
        return 0
    table = pa.table(
        {
            "batch_id": [r[0] for r in changed_rows],
            "line_no": pa.array([r[1] for r in changed_rows], pa.int64()),
            "body": [r[2] for r in changed_rows],
        }
    )
    with wh.transaction():
        if wh.target == "duckdb":
            wh.conn.register("_tc_redacted", table)
            try:
                wh.execute(
                    "update raw.api_responses as r set raw_json = cast(x.body as json) "
                    "from _tc_redacted as x where r.batch_id = x.batch_id and r.line_no = x.line_no"
                )
            finally:
                wh.conn.unregister("_tc_redacted")
        else:
            from trendcast.warehouse import copy_arrow_to_postgres

            with wh.conn.cursor() as cur:
                cur.execute(
                    "create temp table _tc_redacted (batch_id text, line_no bigint, body text) "
                    "on commit drop"
                )
                copy_arrow_to_postgres(cur, table, "_tc_redacted", ["batch_id", "line_no", "body"])
                cur.execute(
                    "update raw.api_responses as r set raw_json = x.body::jsonb "
                    "from _tc_redacted as x where r.batch_id = x.batch_id and r.line_no = x.line_no"
                )
    return len(changed_rows)

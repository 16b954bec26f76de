"""Bring a warehouse landed by an earlier layout of the raw tables up to date.

Each migration is idempotent and cheap when there is nothing to do (one count over small
envelopes), so `load_paths` and `trendcast build` run them unconditionally: a user who upgrades
never has to remember a step.
"""

from __future__ import annotations

from trendcast.landing.schema import SPLIT_ARRAYS, ensure_raw_schema
from trendcast.warehouse import Warehouse


def split_legacy_responses(wh: Warehouse) -> int:
    """Split the arrays of responses landed before SPLIT_ARRAYS existed; returns how many.

    A warehouse landed by an earlier version keeps whole polls in raw_json and has no items for
    them, so a rebuild of the event stream would skip their events. This moves them to the
    current layout (the same split landing does), once: afterwards no processed response of a
    split endpoint holds the array any more, and the check reads only small envelopes.
    Runs at the start of every `load_paths`, in one transaction.
    """
    ensure_raw_schema(wh)
    ((source, (prefix, key)),) = SPLIT_ARRAYS.items()
    duck = wh.target == "duckdb"
    legacy = (
        f"source = '{source}' and endpoint like '{prefix}%' and processing_status = 'processed' "
        + (
            f"and json_type(raw_json, '$.{key}') = 'ARRAY'"
            if duck
            else f"and jsonb_typeof(raw_json -> '{key}') = 'array'"
        )
    )
    n = wh.scalar(f"select count(*) from raw.api_responses where {legacy}")
    if not n:
        return 0
    wh.execute("begin transaction" if duck else "begin")
    try:
        if duck:
            wh.execute(
                "insert into raw.response_items (batch_id, line_no, item_index, item_json) "
                "select batch_id, line_no, generate_subscripts(items, 1), unnest(items) "
                f"from (select batch_id, line_no, json_extract(raw_json, '$.{key}[*]') as items "
                f"from raw.api_responses where {legacy})"
            )
            wh.execute(
                "update raw.api_responses "
                f"""set raw_json = json_merge_patch(raw_json, '{{"{key}": null}}') where {legacy}"""
            )
        else:
            wh.execute(
                "insert into raw.response_items (batch_id, line_no, item_index, item_json) "
                "select r.batch_id, r.line_no, e.item_index, e.item_json "
                f"from raw.api_responses as r cross join lateral jsonb_array_elements(r.raw_json -> "
                f"'{key}') with ordinality as e (item_json, item_index) where {legacy}"
            )
            wh.execute(f"update raw.api_responses set raw_json = raw_json - '{key}' where {legacy}")
        wh.execute("commit")
    except BaseException:
        wh.execute("rollback")
        raise
    return int(n)

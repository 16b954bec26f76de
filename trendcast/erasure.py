"""Erasure: remove one person's data from every layer (docs/SECURITY.md, "Erasure").

Why it is built this way:
- The raw line stays, its content does not: every object that belongs to the person (an object
  whose identity field — id, acct, username, user_id, author_id, channelId... — names them, and
  the object directly holding such an object, e.g. a post holding its author or a video item
  holding its snippet) is cut out of the stored response, params and failed line text, and
  every remaining string mentioning them is masked. Line counts and batch records do not
  change, so landing still reconciles, and staging (views over raw) sees the redacted data.
- Identities chain: the person's objects reveal more identifiers (a username leads to the
  numeric user id, which leads to their posts by author_id), so redaction repeats until no
  new identifier appears.
- Tables built from raw are rebuilt (a full refresh of every model that reads the source) by
  the caller; tables written by Python (`ml.*`), which cannot be rebuilt from raw, lose the rows
  that name the person.
- A tombstone (security.erasure_tombstones) keeps the identifiers, and only those, so that a
  later load of an old archive is redacted in the same transaction that lands it.
- ops.erasure_log records what was done (counts and a hash of the subject), never the data.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa

from trendcast.sources import KNOWN_SOURCES
from trendcast.warehouse import Warehouse, WarehouseError, copy_arrow_to_postgres, ident

IDENTITY_KEYS = (
    "id",
    "acct",
    "username",
    "user_id",
    "author_id",
    "account_id",
    "channelId",
    "channel_id",
    "creator_id",
    "unique_id",
    "screen_name",
)
HANDLE_KEYS = ("id", "acct", "username", "screen_name", "unique_id")
NAME_KEYS = ("display_name", "name", "username", "acct", "channelTitle", "nickname", "screen_name")
MASK = "[redacted]"
MIN_TOKEN = 4  # shorter strings are not masked inside other text (too many false hits)
_REMOVED = object()


@dataclass
class Subject:
    """A person: source plus the identifiers and names known for them (grows while redacting)."""

    source: str
    ids: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)

    @classmethod
    def parse(cls, text: str) -> Subject:
        source, sep, ident_ = text.partition(":")
        if not sep or not ident_.strip():
            raise WarehouseError(f"--user {text!r}: expected <source>:<id>, e.g. mastodon:alice")
        if source not in KNOWN_SOURCES:
            raise WarehouseError(f"unknown source {source!r} (known: {', '.join(KNOWN_SOURCES)})")
        return cls(source, {ident_.strip()})

    @property
    def digest(self) -> str:
        return hashlib.sha256(f"{self.source}:{min(self.ids)}".encode()).hexdigest()[:16]

    def tokens(self) -> list[str]:
        """Strings masked wherever they appear, longest first (a name containing an id)."""
        found = {t for t in self.ids | self.names if len(t) >= MIN_TOKEN}
        return sorted(found, key=lambda t: (-len(t), t))


class Redactor:
    """Cuts a subject's objects out of JSON values and masks their identifiers in strings."""

    def __init__(self, subject: Subject) -> None:
        self.subject = subject
        self.objects_removed = 0

    def _matches(self, node: dict) -> bool:
        for key in IDENTITY_KEYS:
            value = node.get(key)
            scalar = isinstance(value, (str, int)) and not isinstance(value, bool)
            if scalar and str(value) in self.subject.ids:
                return True
        return False

    def _learn(self, node: dict, with_names: bool) -> None:
        # the object's own id and handles only: a foreign key (an event's creator_id, a
        # reply's in_reply_to) names somebody else
        for key in HANDLE_KEYS:
            value = node.get(key)
            if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value):
                self.subject.ids.add(str(value))
        if with_names:
            for key in NAME_KEYS:
                value = node.get(key)
                if isinstance(value, str) and value.strip():
                    self.subject.names.add(value.strip())

    def walk(self, node: Any) -> Any:
        if isinstance(node, dict):
            if self._matches(node):
                self._learn(node, with_names=True)
                self.objects_removed += 1
                return _REMOVED
            out, holds_person = {}, False
            for key, value in node.items():
                new = self.walk(value)
                if new is _REMOVED:
                    holds_person = holds_person or isinstance(value, dict)
                    continue
                out[key] = new
            if holds_person:  # a post holding its author, a video item holding its snippet
                self._learn({"id": node.get("id")} if node.get("id") is not None else {}, False)
                self.objects_removed += 1
                return _REMOVED
            return out
        if isinstance(node, list):
            return [n for n in (self.walk(v) for v in node) if n is not _REMOVED]
        if isinstance(node, str):
            return self.mask(node)
        return node

    def mask(self, text: str) -> str:
        if text in self.subject.ids:  # a field pointing at them (a reply's user id), any length
            return MASK
        for token in self.subject.tokens():
            if token in text:
                text = text.replace(token, MASK)
        return text

    def redact_json(self, text: str | None, empty: str) -> str | None:
        if text is None:
            return None
        try:
            value = json.loads(text)
        except ValueError:
            return self.mask(text)
        new = self.walk(value)
        return json.dumps(json.loads(empty) if new is _REMOVED else new, ensure_ascii=False)


# -- warehouse side ---------------------------------------------------------------------------
def _contains_any(columns: list[str], n: int) -> str:
    return " or ".join(f"strpos({c}, ?) > 0" for c in columns for _ in range(n))


def _candidates(
    wh: Warehouse, subject: Subject, tokens: list[str], batch_id: str | None
) -> list[tuple]:
    text = "varchar" if wh.target == "duckdb" else "text"
    cols = [
        f"cast(raw_json as {text})",
        f"cast(params as {text})",
        "coalesce(raw_line, '')",
        "coalesce(endpoint, '')",
    ]
    rows: dict[tuple, tuple] = {}
    for i in range(0, len(tokens), 20):
        chunk = tokens[i : i + 20]
        params = [t for _ in cols for t in chunk]
        scope = "source = ?" + (" and batch_id = ?" if batch_id else "")
        for r in wh.query(
            f"select batch_id, line_no, {cols[0]}, {cols[1]}, raw_line, endpoint "
            f"from raw.api_responses where ({scope}) and ({_contains_any(cols, len(chunk))})",
            [subject.source, *([batch_id] if batch_id else []), *params],
        ):
            rows[r[0], r[1]] = r
    return list(rows.values())


def _item_candidates(
    wh: Warehouse, subject: Subject, tokens: list[str], batch_id: str | None
) -> list[tuple]:
    text = "varchar" if wh.target == "duckdb" else "text"
    col = f"cast(i.item_json as {text})"
    rows: dict[tuple, tuple] = {}
    for i in range(0, len(tokens), 20):
        chunk = tokens[i : i + 20]
        scope = "r.source = ?" + (" and i.batch_id = ?" if batch_id else "")
        for r in wh.query(
            f"select i.batch_id, i.line_no, i.item_index, {col} from raw.response_items as i "
            "join raw.api_responses as r on r.batch_id = i.batch_id and r.line_no = i.line_no "
            f"where ({scope}) and ({_contains_any([col], len(chunk))})",
            [subject.source, *([batch_id] if batch_id else []), *chunk],
        ):
            rows[r[0], r[1], r[2]] = r
    return list(rows.values())


def _stage(wh: Warehouse, name: str, table: pa.Table) -> None:
    duck = wh.target == "duckdb"
    text = "varchar" if duck else "text"
    cols = ", ".join(
        f"{f.name} {'bigint' if pa.types.is_integer(f.type) else text}" for f in table.schema
    )
    wh.execute(f"drop table if exists {name}")
    wh.execute(f"create temp table {name} ({cols})" + ("" if duck else " on commit drop"))
    if duck:
        wh.conn.register("_tc_arrow", table)
        wh.execute(f"insert into {name} select * from _tc_arrow")
        wh.conn.unregister("_tc_arrow")
    else:
        with wh.conn.cursor() as cur:
            copy_arrow_to_postgres(cur, table, name, table.column_names)


@dataclass
class RedactionCounts:
    lines: int = 0
    items_removed: int = 0
    items_masked: int = 0
    objects: int = 0


def redact_raw(wh: Warehouse, subject: Subject, batch_id: str | None = None) -> RedactionCounts:
    """Redact the subject in raw.api_responses/response_items (inside the caller's transaction).

    Repeats until no new identifier appears; returns what changed.
    """
    redactor = Redactor(subject)
    counts = RedactionCounts()
    lines: dict[tuple, tuple] = {}
    items: dict[tuple, str | None] = {}
    seen: set[str] = set()
    while True:
        new = sorted(t for t in subject.ids | subject.names if t not in seen)
        if not new:
            break
        seen.update(new)
        for b, n, raw_json, params, raw_line, endpoint in _candidates(wh, subject, new, batch_id):
            lines[b, n] = (raw_json, params, raw_line, endpoint)
        for b, n, idx, item in _item_candidates(wh, subject, new, batch_id):
            items[b, n, idx] = item
        # walking learns identifiers; the next round looks for lines holding the new ones
        for value in lines.values():
            redactor.redact_json(value[0], "{}")
            redactor.redact_json(value[1], "{}")
        for item in items.values():
            redactor.redact_json(item, "{}")
    if not lines and not items:
        return counts
    final = Redactor(subject)  # every identifier known: one last pass over everything found
    out = {"batch_id": [], "line_no": [], "raw_json": [], "params": [], "raw_line": []}
    out["endpoint"] = []
    for (b, n), (raw_json, params, raw_line, endpoint) in lines.items():
        out["batch_id"].append(b)
        out["line_no"].append(n)
        out["raw_json"].append(final.redact_json(raw_json, "{}"))
        out["params"].append(final.redact_json(params, "{}"))
        out["raw_line"].append(final.mask(raw_line) if raw_line is not None else None)
        out["endpoint"].append(final.mask(endpoint) if endpoint is not None else None)
    gone = {"batch_id": [], "line_no": [], "item_index": [], "item_json": []}
    for (b, n, idx), item in items.items():
        value = json.loads(item) if item is not None else None
        new = final.walk(value)
        gone["batch_id"].append(b)
        gone["line_no"].append(n)
        gone["item_index"].append(idx)
        gone["item_json"].append(None if new is _REMOVED else json.dumps(new, ensure_ascii=False))
    js = "json" if wh.target == "duckdb" else "jsonb"
    if lines:
        _stage(wh, "_tc_erase_lines", pa.table(out))
        wh.execute(
            f"update raw.api_responses as r set raw_json = cast(t.raw_json as {js}), "
            f"params = cast(t.params as {js}), raw_line = t.raw_line, endpoint = t.endpoint "
            "from _tc_erase_lines as t where r.batch_id = t.batch_id and r.line_no = t.line_no"
        )
    if items:
        _stage(wh, "_tc_erase_items", pa.table(gone))
        wh.execute(
            "delete from raw.response_items as i where exists (select 1 from _tc_erase_items "
            "as t where t.batch_id = i.batch_id and t.line_no = i.line_no "
            "and t.item_index = i.item_index and t.item_json is null)"
        )
        wh.execute(
            f"update raw.response_items as i set item_json = cast(t.item_json as {js}) "
            "from _tc_erase_items as t where t.batch_id = i.batch_id and t.line_no = i.line_no "
            "and t.item_index = i.item_index and t.item_json is not null"
        )
    counts.lines = len(lines)
    counts.items_removed = sum(1 for v in gone["item_json"] if v is None)
    counts.items_masked = len(items) - counts.items_removed
    counts.objects = final.objects_removed
    return counts


def delete_ml_rows(wh: Warehouse, subject: Subject) -> dict[str, int]:
    """Rows of Python-written tables (ml.*) naming the subject in any text column."""
    tokens = subject.tokens()
    if not tokens:
        return {}
    out: dict[str, int] = {}
    text_types = ("character varying", "text", "varchar", "VARCHAR")
    for (table,) in wh.query(
        "select table_name from information_schema.tables where table_schema = 'ml' "
        "and table_type in ('BASE TABLE') order by 1"
    ):
        cols = [
            ident(c)
            for c, t in wh.query(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = 'ml' and table_name = ?",
                [table],
            )
            if t in text_types
        ]
        if not cols:
            continue
        where = " or ".join(f"strpos(coalesce({c}, ''), ?) > 0" for c in cols for _ in tokens)
        params = [t for _ in cols for t in tokens]
        n = int(wh.scalar(f"select count(*) from ml.{ident(table)} where {where}", params) or 0)
        if n:
            wh.execute(f"delete from ml.{ident(table)} where {where}", params)
            out[f"ml.{table}"] = n
    return out


def ensure_tables(wh: Warehouse) -> None:
    text = "varchar" if wh.target == "duckdb" else "text"
    wh.execute("create schema if not exists security")
    wh.execute("create schema if not exists ops")
    wh.execute(
        f"create table if not exists security.erasure_tombstones (subject_hash {text} not null, "
        f"source {text} not null, ids {text} not null, names {text} not null, "
        "erased_at timestamptz not null)"
    )
    wh.execute(
        f"create table if not exists ops.erasure_log (subject_hash {text} not null, "
        f"source {text} not null, erased_at timestamptz not null, raw_lines_redacted bigint, "
        "raw_items_removed bigint, raw_items_masked bigint, objects_removed bigint, "
        f"ml_rows_deleted bigint, identifiers_found bigint, note {text})"
    )


def tombstones(wh: Warehouse) -> list[Subject]:
    if not wh.table_exists("security", "erasure_tombstones"):
        return []
    return [
        Subject(source, set(json.loads(ids)), set(json.loads(names)))
        for source, ids, names in wh.query(
            "select source, ids, names from security.erasure_tombstones order by erased_at"
        )
    ]


def erase(wh: Warehouse, subject: Subject) -> dict[str, Any]:
    """Redact raw, delete ml rows, write the tombstone and the log, in one transaction.

    The caller rebuilds the models that read the source (flows.lifecycle_flows.erase_user).
    """
    ensure_tables(wh)
    erased_at = datetime.now(UTC)
    with wh.transaction():
        counts = redact_raw(wh, subject)
        ml = delete_ml_rows(wh, subject)
        digest = subject.digest
        wh.execute("delete from security.erasure_tombstones where subject_hash = ?", [digest])
        wh.execute(
            "insert into security.erasure_tombstones values (?, ?, ?, ?, ?)",
            [
                digest,
                subject.source,
                json.dumps(sorted(subject.ids)),
                json.dumps(sorted(subject.names)),
                erased_at,
            ],
        )
        wh.execute(
            "insert into ops.erasure_log values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                digest,
                subject.source,
                erased_at,
                counts.lines,
                counts.items_removed,
                counts.items_masked,
                counts.objects,
                sum(ml.values()),
                len(subject.ids) + len(subject.names),
                "erase",
            ],
        )
    return {
        "subject_hash": digest,
        "raw_lines_redacted": counts.lines,
        "raw_items_removed": counts.items_removed,
        "raw_items_masked": counts.items_masked,
        "objects_removed": counts.objects,
        "ml_rows_deleted": ml,
        "identifiers_found": len(subject.ids) + len(subject.names),
    }


def apply_tombstones(wh: Warehouse, batch_id: str) -> int:
    """Redact every erased person in a batch being landed (inside its transaction).

    An old archive re-delivered after an erasure lands already redacted; returns the lines
    changed.
    """
    changed = 0
    for subject in tombstones(wh):
        changed += redact_raw(wh, subject, batch_id).lines
    return changed


def search(wh: Warehouse, needles: Iterable[str], schemas: Iterable[str] | None = None) -> list:
    """(schema.table, column, needle) for every text column of every table or view holding one
    of the needles: what an erasure must leave empty."""
    needles = [n for n in needles if n]
    skip = ("information_schema", "pg_catalog", "security", "ops")
    rows = wh.query(
        "select table_schema, table_name, column_name from information_schema.columns "
        "where data_type in ('character varying', 'text', 'varchar', 'VARCHAR', 'json', 'jsonb', "
        "'JSON') order by 1, 2, 3"
    )
    text = "varchar" if wh.target == "duckdb" else "text"
    hits = []
    for schema, table, column in rows:
        if schema in skip or schema.startswith("pg_") or (schemas and schema not in schemas):
            continue
        if table.startswith("_tc_"):
            continue
        for needle in needles:
            n = wh.scalar(
                f'select count(*) from "{schema}"."{table}" '
                f'where strpos(cast("{column}" as {text}), ?) > 0',
                [needle],
            )
            if n:
                hits.append((f"{schema}.{table}", column, needle))
    return hits

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
    """The one way a stored payload is redacted: walks JSON values and rewrites the objects
    that belong to a subject.

    Two actions: *cut* (erasure: the object goes, what it reveals is learnt, and every string
    naming the subject is masked) and *blank* (`blank=("content", ...)`: the object stays with
    those keys set to null, nothing else changes; the redaction of deleted posts). An object
    belongs to the subject when one of `match_keys` holds one of its ids (`everything`: every
    object holding a blanked key, for a response that is wholly about the subject, e.g. a
    deleted post's /history).
    """

    def __init__(
        self,
        subject: Subject,
        blank: tuple[str, ...] = (),
        match_keys: tuple[str, ...] = IDENTITY_KEYS,
        everything: bool = False,
    ) -> None:
        self.subject = subject
        self.blank = blank
        self.match_keys = match_keys
        self.everything = everything
        self.objects_removed = 0

    def fresh(self, endpoint: str | None = None) -> Redactor:
        """A redactor of the same kind, with its counters at zero, for one stored line."""
        everything = bool(self.blank) and endpoint is not None and _about(endpoint, self.subject)
        return Redactor(self.subject, self.blank, self.match_keys, everything)

    def _matches(self, node: dict) -> bool:
        if self.everything:
            return any(node.get(k) for k in self.blank)
        for key in self.match_keys:
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
            if self.blank:
                out = {key: self.walk(value) for key, value in node.items()}
                if self._matches(node) and any(out.get(k) for k in self.blank):
                    out.update({k: None for k in self.blank if k in out})
                    self.objects_removed += 1
                return out
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
        if self.blank:  # blanking touches only the blanked keys
            return text
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


def _about(endpoint: str, subject: Subject) -> bool:
    """A Mastodon status's /history (api/v1/statuses/<id>/history): wholly about that status."""
    parts = endpoint.split("/")
    return len(parts) == 5 and parts[4] == "history" and parts[3] in subject.ids


# -- warehouse side ---------------------------------------------------------------------------
def _contains_any(columns: list[str], n: int) -> str:
    return " or ".join(f"strpos({c}, ?) > 0" for c in columns for _ in range(n))


def _candidates(
    wh: Warehouse, subject: Subject, tokens: list[str], batch_id: str | None, scope: Scope
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
        where = "source = ?" + (" and batch_id = ?" if batch_id else "") + scope.sql(wh, "")
        for r in wh.query(
            f"select batch_id, line_no, {cols[0]}, {cols[1]}, raw_line, endpoint "
            f"from raw.api_responses where ({where}) and ({_contains_any(cols, len(chunk))})",
            [subject.source, *([batch_id] if batch_id else []), *scope.params, *params],
        ):
            rows[r[0], r[1]] = r
    return list(rows.values())


def _item_candidates(
    wh: Warehouse, subject: Subject, tokens: list[str], batch_id: str | None, scope: Scope
) -> list[tuple]:
    text = "varchar" if wh.target == "duckdb" else "text"
    col = f"cast(i.item_json as {text})"
    rows: dict[tuple, tuple] = {}
    for i in range(0, len(tokens), 20):
        chunk = tokens[i : i + 20]
        where = "r.source = ?" + (" and i.batch_id = ?" if batch_id else "") + scope.sql(wh, "r.")
        for r in wh.query(
            f"select i.batch_id, i.line_no, i.item_index, {col} from raw.response_items as i "
            "join raw.api_responses as r on r.batch_id = i.batch_id and r.line_no = i.line_no "
            f"where ({where}) and ({_contains_any([col], len(chunk))})",
            [subject.source, *([batch_id] if batch_id else []), *scope.params, *chunk],
        ):
            rows[r[0], r[1], r[2]] = r
    return list(rows.values())


@dataclass(frozen=True)
class Scope:
    """Which raw lines of the source a redaction may touch: all of them (erasure), or only
    processed lines of one Mastodon instance (a deleted post's id is unique per instance)."""

    processed_only: bool = False
    instance: str | None = None

    def sql(self, wh: Warehouse, prefix: str) -> str:
        out = f" and {prefix}processing_status = 'processed'" if self.processed_only else ""
        if self.instance is not None:
            inst = (
                f"json_extract_string({prefix}params, '$.instance')"
                if wh.target == "duckdb"
                else f"{prefix}params ->> 'instance'"
            )
            out += f" and coalesce({inst}, 'unknown') = ?"
        return out

    @property
    def params(self) -> list[str]:
        return [] if self.instance is None else [self.instance]


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


def redact_raw(
    wh: Warehouse,
    subject: Subject,
    batch_id: str | None = None,
    redactor: Redactor | None = None,
    scope: Scope = Scope(),
) -> RedactionCounts:
    """Redact the subject in raw.api_responses/response_items (inside the caller's transaction).

    `redactor` says how (default: erasure's cut); a cut repeats until no new identifier
    appears. Only lines and items the redaction changes are written; returns what changed.
    """
    redactor = redactor or Redactor(subject)
    counts = RedactionCounts()
    lines: dict[tuple, tuple] = {}
    items: dict[tuple, str | None] = {}
    seen: set[str] = set()
    while True:
        new = sorted(t for t in subject.ids | subject.names if t not in seen)
        if not new:
            break
        seen.update(new)
        for b, n, *value in _candidates(wh, subject, new, batch_id, scope):
            lines[b, n] = tuple(value)
        for b, n, idx, item in _item_candidates(wh, subject, new, batch_id, scope):
            items[b, n, idx] = item
        # walking learns identifiers; the next round looks for lines holding the new ones
        for raw_json, params, _, endpoint in lines.values():
            line = redactor.fresh(endpoint)
            line.redact_json(raw_json, "{}")
            line.redact_json(params, "{}")
        for item in items.values():
            redactor.fresh().redact_json(item, "{}")
    # every identifier known: one last pass over everything found
    out: dict[str, list] = {k: [] for k in ("batch_id", "line_no", "raw_json", "params")}
    out["raw_line"], out["endpoint"] = [], []
    for (b, n), (raw_json, params, raw_line, endpoint) in lines.items():
        final = redactor.fresh(endpoint)
        new_json = final.redact_json(raw_json, "{}")
        new_params = final.redact_json(params, "{}")
        new_line = final.mask(raw_line) if raw_line is not None else None
        new_endpoint = final.mask(endpoint) if endpoint is not None else None
        unchanged = (new_line, new_endpoint) == (raw_line, endpoint)
        unchanged = unchanged and _same_json(new_json, raw_json) and _same_json(new_params, params)
        if unchanged and not final.objects_removed:
            continue  # mentions the subject's id in passing; nothing to redact
        out["batch_id"].append(b)
        out["line_no"].append(n)
        out["raw_json"].append(new_json)
        out["params"].append(new_params)
        out["raw_line"].append(new_line)
        out["endpoint"].append(new_endpoint)
        counts.objects += final.objects_removed
    gone: dict[str, list] = {k: [] for k in ("batch_id", "line_no", "item_index", "item_json")}
    for (b, n, idx), item in items.items():
        value = json.loads(item) if item is not None else None
        final = redactor.fresh()
        new = final.walk(value)
        new_item = None if new is _REMOVED else json.dumps(new, ensure_ascii=False)
        if new_item is not None and _same_json(new_item, item):
            continue
        gone["batch_id"].append(b)
        gone["line_no"].append(n)
        gone["item_index"].append(idx)
        gone["item_json"].append(new_item)
        counts.objects += final.objects_removed
    js = "json" if wh.target == "duckdb" else "jsonb"
    if out["batch_id"]:
        _stage(wh, "_tc_erase_lines", pa.table(out))
        wh.execute(
            f"update raw.api_responses as r set raw_json = cast(t.raw_json as {js}), "
            f"params = cast(t.params as {js}), raw_line = t.raw_line, endpoint = t.endpoint "
            "from _tc_erase_lines as t where r.batch_id = t.batch_id and r.line_no = t.line_no"
        )
    if gone["batch_id"]:
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
    counts.lines = len(out["batch_id"])
    counts.items_removed = sum(1 for v in gone["item_json"] if v is None)
    counts.items_masked = len(gone["item_json"]) - counts.items_removed
    return counts


def _same_json(new: str | None, old: str | None) -> bool:
    if new is None or old is None:
        return new is old
    try:
        return json.loads(new) == json.loads(old)
    except ValueError:
        return new == old


def delete_ml_rows(wh: Warehouse, subject: Subject) -> dict[str, int]:
    """Rows of Python-written tables (ml.*) holding the subject in any column (as `search`
    finds them): they cannot be rebuilt from raw."""
    tokens = subject.tokens()
    if not tokens:
        return {}
    out: dict[str, int] = {}
    for (table,) in wh.query(
        "select table_name from information_schema.tables where table_schema = 'ml' "
        "and table_type in ('BASE TABLE') order by 1"
    ):
        conds = [
            _holds(wh, c, t, tokens)
            for c, t in wh.query(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = 'ml' and table_name = ? order by ordinal_position",
                [table],
            )
        ]
        conds = [c for c in conds if c is not None]
        if not conds:
            continue
        where = " or ".join(f"({sql})" for sql, _ in conds)
        params = [p for _, ps in conds for p in ps]
        n = int(wh.scalar(f"select count(*) from ml.{ident(table)} where {where}", params) or 0)
        if n:
            wh.execute(f"delete from ml.{ident(table)} where {where}", params)
            out[f"ml.{table}"] = n
    return out


def ensure_tables(wh: Warehouse) -> None:
    """Create the tombstone and erasure-log tables if missing: erasure runs before any dbt
    build may have created the `security` and `ops` schemas."""
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


# types that cannot hold an identifier or a name
_NO_TEXT = ("bool", "date", "time", "interval", "double", "real", "float", "uuid", "bytea", "blob")
_INTEGERS = ("int", "numeric", "decimal", "hugeint", "ubigint", "bigint", "smallint", "tinyint")


def _holds(wh: Warehouse, column: str, dtype: str, needles: list[str]) -> tuple[str, list] | None:
    """A condition true where `column` holds one of the needles (None: its type cannot):
    text, JSON, arrays and structs contain it, integers and decimals equal it."""
    quoted = '"' + column.replace('"', '""') + '"'
    value = f"cast({quoted} as {'varchar' if wh.target == 'duckdb' else 'text'})"
    dtype = dtype.lower()
    if dtype.startswith(_NO_TEXT):
        return None
    if dtype.startswith(_INTEGERS) and not dtype.endswith("]"):
        found = [n for n in needles if n.lstrip("-").isdigit()]
        if not found:
            return None
        return f"{value} in ({', '.join('?' * len(found))})", found
    return " or ".join(f"strpos({value}, ?) > 0" for _ in needles), list(needles)


def search(
    wh: Warehouse, needles: Iterable[str], schemas: Iterable[str] | None = None
) -> list[tuple[str, str, str]]:
    """(schema.table, column, needle) for every column of every table and view of the warehouse
    holding one of the needles: what an erasure must leave empty.

    Text, JSON, arrays and structs are searched as text (a needle anywhere inside); integer and
    decimal columns by equality with the needles that are numbers. Only types that cannot hold
    either (booleans, dates, times, floats) are left out, and the tombstones, which hold the
    identifiers by design. One scan per table; a table with a hit is searched needle by needle.
    """
    needles = sorted({n for n in needles if n})
    tables: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for schema, table, column, dtype in wh.query(
        "select table_schema, table_name, column_name, data_type from information_schema.columns "
        "where table_catalog = current_database() "
        "and table_schema not in ('information_schema', 'pg_catalog') "
        "order by table_schema, table_name, ordinal_position"
    ):
        if schema.startswith("pg_") or (schemas and schema not in schemas):
            continue
        if table.startswith("_tc_") or (schema, table) == ("security", "erasure_tombstones"):
            continue
        tables.setdefault((schema, table), []).append((column, dtype.lower()))

    hits = []
    for (schema, table), columns in tables.items():
        conds = [(c, _holds(wh, c, t, needles)) for c, t in columns]
        conds = [(c, cond) for c, cond in conds if cond is not None]
        if not conds:
            continue
        select = ", ".join(
            f"coalesce(sum(case when {sql} then 1 else 0 end), 0)" for _, (sql, _) in conds
        )
        params = [p for _, (_, ps) in conds for p in ps]
        counts = wh.query(f'select {select} from "{schema}"."{table}"', params)[0]
        for (column, (_, candidates)), count in zip(conds, counts, strict=True):
            if not count:
                continue
            dtype = dict(columns)[column]
            for needle in candidates:
                sql, ps = _holds(wh, column, dtype, [needle])  # type: ignore[misc]
                if wh.scalar(f'select count(*) from "{schema}"."{table}" where {sql}', ps):
                    hits.append((f"{schema}.{table}", column, needle))
    return hits

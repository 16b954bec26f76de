"""Parse the dbt project once per process and hand the parsed manifest to later invocations.

Every dbt invocation parses the project first: about 10 s for this project on one core, and
dbt's partial parsing does not help here, because it starts over whenever the profile's
connection (the DuckDB file, the Postgres database) or the target differs from the last parse.
The pipeline (six dbt calls per live cycle) and the test suite (hundreds of calls on throwaway
warehouses) pay that parse again and again for a project that has not changed.

dbt supports passing a parsed manifest to `dbtRunner(manifest=...)`; this module decides when a
parsed manifest is still the one dbt would parse now. The parse result depends on:
- the project's files (models, macros, seeds, tests, snapshots, analyses, dbt_project.yml,
  selectors.yml, profiles.yml): their paths, sizes and modification times;
- the target (adapter and profile output) and the `--vars` given;
- the environment variables the project reads (TRENDCAST_*, DBT_*), except the two that only
  name the warehouse (the DuckDB file, the Postgres database) and dbt's target and log folders.
The warehouse's name does not change what is parsed, only the `database` every node is
recorded under (the DuckDB file's stem, the Postgres database name): a reused manifest is
re-pointed at the current one. When anything else differs, dbt parses as usual.
TRENDCAST_DBT_REUSE_MANIFEST=false turns reuse off.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Any

from trendcast.settings import PROJECT_DIR, Settings

_PROJECT_DIRS = ("models", "macros", "seeds", "tests", "snapshots", "analyses")
_PROJECT_FILES = ("dbt_project.yml", "selectors.yml", "profiles.yml", "packages.yml")
# what only names the warehouse or where dbt writes: no effect on what is parsed
_NOT_PARSE_INPUTS = {
    "TRENDCAST_DUCKDB_PATH",
    "TRENDCAST_PG_DBNAME",
    "DBT_TARGET_PATH",
    "DBT_LOG_PATH",
    "DBT_PROFILES_DIR",
}
# commands that need no manifest or must parse themselves
_PARSING_COMMANDS = {"parse", "deps", "debug", "clean", "init"}
# one entry per distinct parse (target x vars x environment); a process rarely has more than two
_MAX_ENTRIES = 4
_CACHE: dict[tuple, tuple[str, Any]] = {}


def enabled() -> bool:
    return os.environ.get("TRENDCAST_DBT_REUSE_MANIFEST", "true").lower() not in (
        "0",
        "false",
        "no",
    )


def database_of(settings: Settings) -> str | None:
    """The database name dbt records on every node for these settings (None: not reusable)."""
    if settings.target == "duckdb":
        path = str(settings.duckdb_path)
        return "memory" if path == ":memory:" else Path(path).stem
    if settings.target == "postgres":
        return settings.pg_dbname
    return None  # Spark: heavy runs where a parse is noise; not re-pointed


def project_fingerprint(project_dir: Path = PROJECT_DIR) -> tuple:
    """Paths, sizes and modification times of every file dbt parses."""
    entries = []
    for name in _PROJECT_FILES:
        path = project_dir / name
        if path.exists():
            stat = path.stat()
            entries.append((name, stat.st_size, stat.st_mtime_ns))
    for folder in _PROJECT_DIRS:
        root = project_dir / folder
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames.sort()
            for filename in sorted(filenames):
                stat = os.stat(os.path.join(dirpath, filename))
                entries.append((dirpath, filename, stat.st_size, stat.st_mtime_ns))
    return tuple(entries)


def vars_arg(args: list[str]) -> str:
    """The `--vars` value of a dbt command line ("" when none): it can change what is parsed."""
    for i, arg in enumerate(args):
        if arg == "--vars" and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith("--vars="):
            return arg.split("=", 1)[1]
    return ""


def cache_key(args: list[str], settings: Settings, environ: dict[str, str]) -> tuple | None:
    """What the parse depends on, or None when this invocation must parse for itself."""
    if not enabled() or not args or args[0] in _PARSING_COMMANDS or "--no-partial-parse" in args:
        return None
    if database_of(settings) is None:
        return None
    env = tuple(
        sorted(
            (k, v)
            for k, v in environ.items()
            if k.startswith(("TRENDCAST_", "DBT_")) and k not in _NOT_PARSE_INPUTS
        )
    )
    return (settings.target, vars_arg(args), env, project_fingerprint(settings.project_dir))


def cached(key: tuple, database: str) -> Any | None:
    """A copy of the manifest parsed for `key`, re-pointed at `database`; None if there is none.

    A copy, because an invocation changes the manifest it is given: compiling records each
    node's compiled SQL and marks its ephemeral CTEs as injected, and a second invocation on
    the same objects would skip injecting them (`__dbt__cte__...` does not exist). The parse is
    kept pickled (`_dumps`), and each copy is unpickled from it: 0.35 s for this project on an
    idle core, against 0.8 s for a `copy.deepcopy`; a parse costs ten.
    """
    entry = _CACHE.get(key)
    if entry is None:
        return None
    parsed_for, pristine = entry
    manifest = pickle.loads(pristine)
    if parsed_for != database:
        _repoint(manifest, parsed_for, database)
    return manifest


def store(key: tuple, database: str, manifest: Any) -> None:
    """Keep a pristine copy of a freshly parsed manifest (before any invocation uses it)."""
    if len(_CACHE) >= _MAX_ENTRIES:
        _CACHE.pop(next(iter(_CACHE)))
    _CACHE[key] = (database, _dumps(manifest))


def _dumps(manifest: Any) -> bytes:
    """The manifest pickled field by field.

    dbt's own `Manifest.__reduce_ex__` (which `copy.deepcopy` and pickle use by default) passes
    its fields to the constructor by position in an order that no longer matches the class:
    `fixtures` receives the doc lookup, each lookup the next one's value, so a copy made that way
    loses the unit-test fixtures and answers a source lookup with the ref lookup. Here a Manifest
    is rebuilt from its own attribute dict instead; the lookups and macro indexes (caches over
    the nodes, rebuilt on first use) are left empty, and the lock is new."""
    import io

    from dbt.contracts.graph.manifest import Manifest

    class _Pickler(pickle.Pickler):
        def reducer_override(self, obj: Any) -> Any:
            if type(obj) is not Manifest:
                return NotImplemented
            state = {
                name: None if name.endswith("_lookup") or name.startswith("_macros_by") else value
                for name, value in vars(obj).items()
                if name != "_lock"
            }
            return _manifest_from_state, (type(obj), state)

    buffer = io.BytesIO()
    _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(manifest)
    return buffer.getvalue()


def _manifest_from_state(cls: type, state: dict[str, Any]) -> Any:
    from dbt.mp_context import get_mp_context

    manifest = cls.__new__(cls)
    manifest.__dict__.update(state)
    manifest._lock = get_mp_context().Lock()
    return manifest


def clear() -> None:
    _CACHE.clear()


def _repoint(manifest: Any, old: str, new: str) -> None:
    """Record every node, source and unit test under database `new` instead of `old`.

    Only what was recorded under the profile's own database moves (a source or model configured
    with an explicit other database keeps it). `relation_name` is the rendered, quoted name
    (`"db"."schema"."table"`); dbt renders refs from the parts but some adapters read it.
    """
    collections = [manifest.nodes, manifest.sources, getattr(manifest, "unit_tests", {})]
    for collection in collections:
        for node in collection.values():
            if getattr(node, "database", None) == old:
                node.database = new
                relation = getattr(node, "relation_name", None)
                if relation:
                    node.relation_name = _rename_database(relation, old, new)
    if getattr(manifest, "flat_graph", None):  # the `graph` Jinja variable shows node dicts
        manifest.build_flat_graph()


def _rename_database(relation: str, old: str, new: str) -> str:
    for quote in ('"', "`", ""):
        prefix = f"{quote}{old}{quote}."
        if relation.startswith(prefix):
            return f"{quote}{new}{quote}." + relation[len(prefix) :]
    return relation

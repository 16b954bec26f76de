"""Print the model and singular-test files whose SQL differs by target.

A file differs when it branches on `target.type` or calls, directly or through other project
macros, a macro of macros/cross_db/ (where every dialect difference lives). The Postgres-dialect
lint pass (Makefile `sqlfluff`) runs on these only: every other file renders the same SQL on both
targets, which the DuckDB pass has linted, and the Postgres builds in the tests run.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MACRO = re.compile(r"{%-?\s*macro\s+(\w+)\s*\((.*?){%-?\s*endmacro", re.S)
CALL = re.compile(r"\b(?:trendcast\.)?(\w+)\s*\(")
# macros that only feed config() or hooks (strategy, indexes, planner settings): they change how
# a model is run, not the SQL sqlfluff lints
CONFIG_ONLY = {
    "incremental_strategy_for_target",
    "core_postgres_indexes",
    "prefer_hash_joins",
    "session_settings",
    "refresh_statistics",
    "single_thread",
}


def _macros() -> dict[str, tuple[str, bool]]:
    """name -> (body, is a cross_db macro) for every project macro."""
    found = {}
    for path in sorted((ROOT / "macros").rglob("*.sql")):
        cross_db = path.parent.name == "cross_db"
        for name, body in MACRO.findall(path.read_text()):
            found[name] = (body, cross_db)
    return found


def dialect_macros() -> set[str]:
    """The project macros whose output can differ by target."""
    macros = _macros()
    marked = {
        n
        for n, (body, cross_db) in macros.items()
        if (cross_db or "target.type" in body) and n not in CONFIG_ONLY
    }
    while True:
        more = {
            n
            for n, (body, _) in macros.items()
            if n not in marked | CONFIG_ONLY and marked & set(CALL.findall(body))
        }
        if not more:
            return marked
        marked |= more


def dialect_files(paths: list[Path]) -> list[Path]:
    """The .sql files under `paths` that branch on target.type or call a dialect macro."""
    marked = dialect_macros()
    out = []
    for root in paths:
        for path in sorted(root.rglob("*.sql")) if root.is_dir() else [root]:
            text = path.read_text()
            if "target.type" in text or marked & set(CALL.findall(text)):
                out.append(path)
    return out


if __name__ == "__main__":
    args = [Path(a) for a in sys.argv[1:]] or [ROOT / "models", ROOT / "tests"]
    for path in dialect_files(args):
        print(path.relative_to(ROOT) if path.is_absolute() else path)

"""The dbt layer rules of GUIDE.md, checked over dbt's manifest.json (what `dbt parse` writes).

A rule that matters is a check, not a sentence in a guide: `test_dbt_layers.py` runs these over
the project's manifest in `make test`. Layers are the first folder under `models/` (staging,
intermediate, marts). Rules:

- source_outside_staging: only staging calls source().
- staging_reads_model: staging reads sources only (no staging -> staging, nothing downstream).
- mart_reads_staging: marts read intermediate models or other marts, never staging.
- intermediate_reads_mart: intermediate feeds marts; reading one makes a loop through a mart.
- missing_description: every model says what one row is.
- missing_primary_key_test: `unique` + `not_null` on one column, or a unique_combination test.
- mart_without_contract: every mart has `contract: {enforced: true}`.
- exposure_reads_non_public: an exposure (a dashboard, report or Python consumer, declared in
  models/_exposures.yml) depends on marts, seeds or sources, never on staging or intermediate.
- python_reads_non_public: the Python consumers (python_ml/, the dashboard) query no staging or
  intermediate relation (`from staging.x`, `join intermediate.x`, `table_exists("staging", ...)`):
  they read marts, through a mart added for them if need be, and are declared as exposures.
- macro_without_description: every macro under macros/ is described in a `macros/**/_*.yml`;
  a dialect implementation (`duckdb__x`, `postgres__x`, `spark__x`, ...) of a project macro `x`
  is covered by the dispatching macro's description.

Exceptions live in tests/layers/allowlist.yml, each with a written reason.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

RULES = (
    "source_outside_staging",
    "staging_reads_model",
    "mart_reads_staging",
    "intermediate_reads_mart",
    "missing_description",
    "missing_primary_key_test",
    "mart_without_contract",
    "exposure_reads_non_public",
    "python_reads_non_public",
    "macro_without_description",
)
NON_PUBLIC = ("staging", "intermediate")
# the Python that reads the warehouse as a consumer (flows/ and trendcast/ run the pipeline itself)
PYTHON_CONSUMERS = ("python_ml", "trendcast/dashboard")
_PYTHON_READ = re.compile(
    r"\b(?:from|join)\s+(staging|intermediate)\.(\w+)"
    r"|table_exists\(\s*[\"'](staging|intermediate)[\"']\s*,\s*[\"'](\w+)",
    re.IGNORECASE,
)


@dataclass(frozen=True, order=True)
class Violation:
    rule: str
    model: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.rule}: {self.model}" + (f" ({self.detail})" if self.detail else "")


def layer_of(node: dict[str, Any]) -> str:
    """staging / intermediate / marts for a model (the folder under models/), else its type."""
    path = node.get("original_file_path", "")
    parts = Path(path).parts
    if node.get("resource_type") == "model" and len(parts) > 1 and parts[0] == "models":
        return parts[1]
    return node.get("resource_type", "")


def _primary_keyed(manifest: dict[str, Any]) -> set[str]:
    """Models with a unique + not_null pair on one column or a unique_combination test."""
    by_column: dict[tuple[str, str], set[str]] = defaultdict(set)
    keyed: set[str] = set()
    for node in manifest["nodes"].values():
        if node.get("resource_type") != "test" or not node.get("test_metadata"):
            continue
        name = node["test_metadata"]["name"]
        model = node.get("attached_node") or ""
        if name == "unique_combination":
            keyed.add(model)
        elif name in ("unique", "not_null") and node.get("column_name"):
            by_column[(model, node["column_name"].lower())].add(name)
    keyed |= {model for (model, _), names in by_column.items() if {"unique", "not_null"} <= names}
    return keyed


def violations(manifest: dict[str, Any], project: str = "trendcast") -> list[Violation]:
    """Every breach of the rules by the project's models (packages' models are not checked)."""
    nodes = manifest["nodes"]
    keyed = _primary_keyed(manifest)
    found: list[Violation] = []
    for uid, node in nodes.items():
        if node.get("resource_type") != "model" or node.get("package_name") != project:
            continue
        name, layer = node["name"], layer_of(node)
        for parent in node.get("depends_on", {}).get("nodes", []):
            if parent.startswith("source."):
                if layer != "staging":
                    found.append(Violation("source_outside_staging", name, parent.split(".", 2)[2]))
                continue
            parent_node = nodes.get(parent)
            if parent_node is None or parent_node.get("resource_type") != "model":
                continue  # seeds and snapshots may be read by any layer
            parent_layer = layer_of(parent_node)
            if layer == "staging":
                found.append(Violation("staging_reads_model", name, parent_node["name"]))
            elif layer == "marts" and parent_layer == "staging":
                found.append(Violation("mart_reads_staging", name, parent_node["name"]))
            elif layer == "intermediate" and parent_layer == "marts":
                found.append(Violation("intermediate_reads_mart", name, parent_node["name"]))
        if not (node.get("description") or "").strip():
            found.append(Violation("missing_description", name))
        if uid not in keyed:
            found.append(Violation("missing_primary_key_test", name))
        contract = (node.get("config") or {}).get("contract") or {}
        if layer == "marts" and not contract.get("enforced"):
            found.append(Violation("mart_without_contract", name))
    found += _undescribed_macros(manifest, project)
    for exposure in (manifest.get("exposures") or {}).values():
        if exposure.get("package_name") != project:
            continue
        for parent in exposure.get("depends_on", {}).get("nodes", []):
            parent_node = nodes.get(parent)
            if parent_node and layer_of(parent_node) in NON_PUBLIC:
                found.append(
                    Violation("exposure_reads_non_public", exposure["name"], parent_node["name"])
                )
    return sorted(found)


def python_violations(root: Path, consumers: tuple[str, ...] = PYTHON_CONSUMERS) -> list[Violation]:
    """Queries of staging or intermediate relations in the Python consumers' source."""
    found = []
    for folder in consumers:
        for path in sorted((root / folder).rglob("*.py")):
            for match in _PYTHON_READ.finditer(path.read_text()):
                schema = match.group(1) or match.group(3)
                table = match.group(2) or match.group(4)
                module = path.relative_to(root).as_posix()
                found.append(Violation("python_reads_non_public", module, f"{schema}.{table}"))
    return sorted(found)


def _undescribed_macros(manifest: dict[str, Any], project: str) -> list[Violation]:
    macros = {
        m["name"]: m
        for m in (manifest.get("macros") or {}).values()
        if m.get("package_name") == project
        and m.get("original_file_path", "").startswith("macros/")
    }
    found = []
    for name, macro in macros.items():
        if (macro.get("description") or "").strip():
            continue
        dialect, sep, dispatched = name.partition("__")
        if sep and dialect and not dialect.startswith("_") and dispatched in macros:
            continue  # an implementation of a dispatcher: described there (or flagged there)
        found.append(Violation("macro_without_description", name))
    return found


@dataclass(frozen=True)
class Allowed:
    rule: str
    model: str
    reason: str


def load_allowlist(path: Path) -> list[Allowed]:
    """Entries `{rule, model, reason}`; an entry without a written reason is an error."""
    data = yaml.safe_load(path.read_text()) or {}
    entries = data.get("allowed") or []
    out = []
    for i, entry in enumerate(entries):
        rule, model = entry.get("rule"), entry.get("model")
        reason = str(entry.get("reason") or "").strip()
        if rule not in RULES:
            raise ValueError(
                f"{path}: entry {i}: unknown rule {rule!r} (rules: {', '.join(RULES)})"
            )
        if not model:
            raise ValueError(f"{path}: entry {i}: no model")
        if len(reason.split()) < 4:
            raise ValueError(f"{path}: entry {i} ({rule}: {model}): write why it is allowed")
        out.append(Allowed(rule, model, reason))
    return out

"""Stage 3: classification rules and overrides, compiled to one SQL CASE expression.

A rules file is data. Only condition names from CONDITIONS become SQL, each with a fixed template;
every value from the file is bound as a parameter, so nothing a user writes is pasted into SQL.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from planner.errors import RulesError

LABELS = ("capability-bound", "cost-bound")
DEFAULT_RULES = Path(__file__).parent / "default_rules.toml"

# condition name -> (value kind, SQL template over request `s` and workload stats `w`).
CONDITIONS: dict[str, tuple[str, str]] = {
    "task_type": ("strings", "list_contains({p}, s.task_type)"),
    # (the empty-text test first: most logs carry no text, and AND skips the regex for them)
    "keywords": ("strings", "(s.rule_text <> '' AND regexp_matches(s.rule_text, {p}))"),
    "has_images": ("bool", "s.has_images = {p}"),
    "has_tools": ("bool", "s.has_tools = {p}"),
    "min_tool_calls": ("count", "s.tool_calls >= {p}"),
    "min_input_tokens": ("count", "s.input_tokens >= {p}"),
    "max_input_tokens": ("count", "s.input_tokens <= {p}"),
    "workload_min_p95_input_tokens": ("count", "w.p95_input_tokens >= {p}"),
    "workload_min_tool_share": ("share", "w.tool_share >= {p}"),
    "workload_min_image_share": ("share", "w.image_share >= {p}"),
    "workload_min_long_context_share": ("share", "w.long_context_share >= {p}"),
}
_RULE_KEYS = {"name", "label", "reason"}


@dataclass(frozen=True)
class Rule:
    name: str
    label: str
    reason: str
    conditions: tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class RuleSet:
    path: str
    rules: tuple[Rule, ...]
    default_label: str
    default_reason: str
    workload_threshold: float

    def case_sql(self) -> tuple[str, dict[str, Any]]:
        """`CASE WHEN <rule 0> THEN 0 ... END` (NULL: no rule matched) and its parameters."""
        whens: list[str] = []
        params: dict[str, Any] = {}
        for idx, rule in enumerate(self.rules):
            parts = []
            for key, value in rule.conditions:
                name = f"rule{idx}_{key}"
                parts.append(CONDITIONS[key][1].format(p=f"${name}"))
                params[name] = value
            whens.append(f"WHEN {' AND '.join(parts)} THEN {idx}")
        if not whens:
            return "NULL::INTEGER", params
        return "CASE " + " ".join(whens) + " END", params


def load_rules(path: str | Path | None = None) -> RuleSet:
    target = Path(path) if path else DEFAULT_RULES
    doc = _read_toml(target, "rules")
    where = str(target) if path else "plan's default rules (planner/default_rules.toml)"
    default_label = doc.get("default_label", "cost-bound")
    if default_label not in LABELS:
        raise RulesError(f"{where}: default_label must be one of {', '.join(LABELS)}")
    threshold = doc.get("workload_threshold", 0.5)
    if isinstance(threshold, bool) or not isinstance(threshold, int | float) or not (
        0 < threshold <= 1
    ):
        raise RulesError(f"{where}: workload_threshold must be a number in (0, 1]")
    raw_rules = doc.get("rule", [])
    if not isinstance(raw_rules, list):
        raise RulesError(f"{where}: 'rule' must be an array of tables ([[rule]])")
    rules = tuple(_parse_rule(i, r, where) for i, r in enumerate(raw_rules))
    names = [r.name for r in rules]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise RulesError(f"{where}: rule names must be unique; repeated: {', '.join(dupes)}")
    return RuleSet(
        path=where,
        rules=rules,
        default_label=default_label,
        default_reason=str(doc.get("default_reason", "no rule matched")),
        workload_threshold=float(threshold),
    )


def load_overrides(path: str | Path | None) -> dict[str, str]:
    """`[workloads]` name = label: pins a workload's label whatever the rules say."""
    if path is None:
        return {}
    doc = _read_toml(Path(path), "overrides")
    table = doc.get("workloads")
    if not isinstance(table, dict):
        raise RulesError(f"{path}: expected a [workloads] table of workload = label")
    for workload, label in table.items():
        if label not in LABELS:
            raise RulesError(
                f"{path}: workload '{workload}': label '{label}' is not one of {', '.join(LABELS)}"
            )
    return dict(table)


def _read_toml(path: Path, what: str) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise RulesError(f"{path}: {what} file not found") from exc
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(f"{path}: not valid TOML: {exc}") from exc


def _parse_rule(idx: int, raw: Any, where: str) -> Rule:
    if not isinstance(raw, dict):
        raise RulesError(f"{where}: rule #{idx + 1} is not a table")
    name = raw.get("name")
    named = isinstance(name, str) and name
    ctx = f"{where}: rule '{name}'" if named else f"{where}: rule #{idx + 1}"
    if not isinstance(name, str) or not name:
        raise RulesError(f"{ctx}: needs a name")
    label = raw.get("label")
    if label not in LABELS:
        raise RulesError(f"{ctx}: label must be one of {', '.join(LABELS)}, got {label!r}")
    reason = raw.get("reason")
    if not isinstance(reason, str) or not reason:
        raise RulesError(f"{ctx}: needs a reason (shown in reports)")
    conditions = []
    for key, value in raw.items():
        if key in _RULE_KEYS:
            continue
        if key not in CONDITIONS:
            raise RulesError(
                f"{ctx}: unknown condition '{key}'", hint=f"known: {', '.join(CONDITIONS)}"
            )
        conditions.append((key, _check_value(key, value, ctx)))
    if not conditions:
        raise RulesError(f"{ctx}: has no conditions, so it would match every request")
    return Rule(name=name, label=label, reason=reason, conditions=tuple(conditions))


def _check_value(key: str, value: Any, ctx: str) -> Any:
    kind = CONDITIONS[key][0]
    if kind == "strings":
        if not isinstance(value, list) or not value or not all(
            isinstance(v, str) and v for v in value
        ):
            raise RulesError(f"{ctx}: '{key}' must be a non-empty list of strings")
        if key == "keywords":
            return _keyword_regex(value)
        return [v.lower() for v in value]
    if kind == "bool":
        if not isinstance(value, bool):
            raise RulesError(f"{ctx}: '{key}' must be true or false")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RulesError(f"{ctx}: '{key}' must be a number")
    if kind == "count" and (not isinstance(value, int) or value < 0):
        raise RulesError(f"{ctx}: '{key}' must be a whole number >= 0")
    if kind == "share" and not 0 <= value <= 1:
        raise RulesError(f"{ctx}: '{key}' must be a share between 0 and 1")
    return value


def _keyword_regex(words: list[str]) -> str:
    """Case-insensitive whole-word match of any keyword (RE2 syntax)."""
    special = set("\\.^$|?*+()[]{}")
    escaped = ["".join("\\" + c if c in special else c for c in w) for w in words]
    return r"(?i)(?:^|\W)(?:" + "|".join(escaped) + r")(?:\W|$)"

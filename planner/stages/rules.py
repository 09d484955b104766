"""Stage 5: classification rules and overrides, compiled to one SQL CASE expression.

A rules file is data. Only condition names from CONDITIONS become SQL, each with a fixed template;
every value from the file is bound as a parameter, so nothing a user writes is pasted into SQL.
Besides rules, a file names text signals (`[[signal]]`: a pattern counted in each request's
text) and the examples its `similar_to` conditions compare requests with (`[similarity]`):
planner/stages/signals.py computes both, once per distinct text, into the `text_signals` table that
the conditions over `t` read.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from planner.errors import RulesError

LABELS = ("capability-bound", "cost-bound")
DEFAULT_RULES = Path(__file__).parent / "default_rules.toml"

# condition name -> (value kind, SQL template over request `s`, workload stats `w` and the
# request text's signals `t` (NULL when the request has no text or its text was not sampled)).
CONDITIONS: dict[str, tuple[str, str]] = {
    "task_type": ("strings", "list_contains({p}, s.task_type)"),
    # The domain whose examples are nearest the text (the similarity-weighted vote of the k
    # nearest examples), with that vote's share and the best similarity to one of its examples.
    "similar_to": ("strings", "list_contains({p}, t.sim_domain)"),
    "min_vote": ("share", "t.sim_vote >= {p}"),
    "min_similarity": ("share", "t.sim_top >= {p}"),
    # The capability-bound examples' share of that vote, and the capability domain they vote
    # for most (a text between several capability domains is still near capability-bound work).
    "min_capability_vote": ("share", "t.sim_cap_vote >= {p}"),
    "nearest_capability_in": ("strings", "list_contains({p}, t.sim_cap_domain)"),
    # {signal = n, ...}: each named signal (a [[signal]] pattern) matched at least n times.
    "min_signals": ("signals", "t.signal_counts[{i}] >= {p}"),
    # [signal, ...]: at least one of the named signals matched.
    "any_signals": ("signal_names", "t.signal_counts[{i}] >= 1"),
    # [signal, ...]: none of the named signals matched (e.g. no source code in the text).
    "no_signals": ("signal_names", "t.signal_counts[{i}] = 0"),
    "min_output_tokens": ("count", "s.output_tokens >= {p}"),
    "min_reasoning_tokens": ("count", "s.reasoning_tokens >= {p}"),
    # output tokens per input token (a long answer to a short prompt: generation, not lookup)
    "min_output_ratio": ("number", "s.output_tokens >= {p} * s.input_tokens"),
    "workload_min_p95_output_tokens": ("count", "w.p95_output_tokens >= {p}"),
    # any of the words (whole words, any case): a signal of its own, "keywords:<rule name>",
    # counted in the sampled texts as the [[signal]] patterns are (the text is not kept)
    "keywords": ("keywords", "t.signal_counts[{i}] >= 1"),
    "has_images": ("bool", "s.has_images = {p}"),
    "has_tools": ("bool", "s.has_tools = {p}"),
    "min_tool_calls": ("count", "s.tool_calls >= {p}"),
    # what the request's structure says (migration 013; NULL, so false, where the log cannot
    # say): audio (or video) input, file or PDF attachments, how many tools it defines, how
    # many user turns (tool results included) its conversation holds
    "has_audio": ("bool", "s.has_audio = {p}"),
    "has_files": ("bool", "s.has_files = {p}"),
    "min_tool_defs": ("count", "s.tool_defs >= {p}"),
    "min_turns": ("count", "s.turns >= {p}"),
    # a tool that acts on a computer defined in the request (migration 014: a computer, shell,
    # file editor or browser tool; sql/00_macros.sql lists the types and names)
    "has_computer_tool": ("bool", "(s.computer_tool IS NOT NULL) = {p}"),
    "min_input_tokens": ("count", "s.input_tokens >= {p}"),
    "max_input_tokens": ("count", "s.input_tokens <= {p}"),
    "workload_min_p95_input_tokens": ("count", "w.p95_input_tokens >= {p}"),
    "workload_min_tool_share": ("share", "w.tool_share >= {p}"),
    "workload_min_image_share": ("share", "w.image_share >= {p}"),
    "workload_min_long_context_share": ("share", "w.long_context_share >= {p}"),
}
_RULE_KEYS = {"name", "label", "reason", "domain"}
DEFAULT_EXAMPLES = Path(__file__).parent / "examples.jsonl"


@dataclass(frozen=True)
class Rule:
    name: str
    label: str
    reason: str
    conditions: tuple[tuple[str, Any], ...]
    domain: str = ""  # what the rule recognises; its name when the file gives none

    def uses_text(self) -> bool:
        return any(key in _TEXT_CONDITIONS for key, _ in self.conditions)


@dataclass(frozen=True)
class Signal:
    """A pattern (RE2) counted in each request's text; rules test the count (min_signals)."""

    name: str
    pattern: str
    description: str


@dataclass(frozen=True)
class Similarity:
    """The labelled examples `similar_to` compares each request's text with."""

    examples: Path  # JSON lines: {"domain", "label", "text", "source"}
    k: int = 7  # nearest examples that vote
    max_chars: int = 1500  # of a text, from its start, that is embedded


@dataclass(frozen=True)
class RuleSet:
    path: str
    rules: tuple[Rule, ...]
    default_label: str
    default_reason: str
    workload_threshold: float
    signals: tuple[Signal, ...] = ()
    similarity: Similarity | None = None

    def uses_text(self) -> bool:
        return any(r.uses_text() for r in self.rules)

    def case_sql(self) -> tuple[str, dict[str, Any]]:
        """`CASE WHEN <rule 0> THEN 0 ... END` (NULL: no rule matched) and its parameters."""
        whens: list[str] = []
        params: dict[str, Any] = {}
        index = {s.name: i + 1 for i, s in enumerate(self.signals)}  # SQL lists count from 1
        for idx, rule in enumerate(self.rules):
            parts = []
            for key, value in rule.conditions:
                if CONDITIONS[key][0] == "signals":
                    for signal, n in value.items():
                        name = f"rule{idx}_{key}_{index[signal]}"
                        parts.append(CONDITIONS[key][1].format(i=index[signal], p=f"${name}"))
                        params[name] = n
                    continue
                if CONDITIONS[key][0] == "keywords":
                    parts.append(CONDITIONS[key][1].format(i=index[keyword_signal(rule.name)]))
                    continue
                if CONDITIONS[key][0] == "signal_names":  # signal indexes only: no values
                    parts.append("(" + (" AND " if key == "no_signals" else " OR ").join(
                        CONDITIONS[key][1].format(i=index[signal]) for signal in value) + ")")
                    continue
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
    where = str(target) if path else "plan's default rules (planner/stages/default_rules.toml)"
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
    signals = _parse_signals(doc.get("signal", []), where)
    rules = tuple(_parse_rule(i, r, where, {s.name for s in signals})
                  for i, r in enumerate(raw_rules))
    names = [r.name for r in rules]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise RulesError(f"{where}: rule names must be unique; repeated: {', '.join(dupes)}")
    signals += tuple(Signal(keyword_signal(r.name), pattern, f"a keyword of rule {r.name}")
                     for r in rules for key, pattern in r.conditions if key == "keywords")
    similarity = _parse_similarity(doc.get("similarity"), target, where)
    if similarity is None and any(k in _SIMILARITY for r in rules for k, _ in r.conditions):
        raise RulesError(f"{where}: rules compare texts with examples but the file has no "
                         "[similarity] table")
    return RuleSet(
        path=where,
        rules=rules,
        default_label=default_label,
        default_reason=str(doc.get("default_reason", "no rule matched")),
        workload_threshold=float(threshold),
        signals=signals,
        similarity=similarity,
    )


def _parse_signals(raw: Any, where: str) -> tuple[Signal, ...]:
    if not isinstance(raw, list):
        raise RulesError(f"{where}: 'signal' must be an array of tables ([[signal]])")
    out = []
    for i, item in enumerate(raw):
        ok = isinstance(item, dict) and all(
            isinstance(item.get(k), str) and item.get(k) for k in ("name", "pattern"))
        if not ok:
            raise RulesError(f"{where}: signal #{i + 1} needs a name and a pattern")
        out.append(Signal(item["name"], item["pattern"], str(item.get("description", ""))))
    names = [s.name for s in out]
    if len(set(names)) != len(names):
        raise RulesError(f"{where}: signal names must be unique")
    return tuple(out)


def _parse_similarity(raw: Any, target: Path, where: str) -> Similarity | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise RulesError(f"{where}: [similarity] must be a table")
    name = raw.get("examples")
    examples = DEFAULT_EXAMPLES if name is None else target.parent / str(name)
    if not examples.is_file():
        raise RulesError(f"{where}: [similarity] examples file {examples} not found")
    k, max_chars = raw.get("k", 7), raw.get("max_chars", 1500)
    for key, value in (("k", k), ("max_chars", max_chars)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise RulesError(f"{where}: [similarity] {key} must be a whole number >= 1")
    return Similarity(examples=examples, k=k, max_chars=max_chars)


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


def _parse_rule(idx: int, raw: Any, where: str, signals: set[str]) -> Rule:
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
        conditions.append((key, _check_value(key, value, ctx, signals)))
    if not conditions:
        raise RulesError(f"{ctx}: has no conditions, so it would match every request")
    domain = raw.get("domain", name)
    if not isinstance(domain, str) or not domain:
        raise RulesError(f"{ctx}: domain must be a non-empty string")
    if domain == NEAREST and label != "capability-bound":
        raise RulesError(f"{ctx}: domain = \"{NEAREST}\" (the capability domain the nearest "
                         "examples vote for) needs label = \"capability-bound\"")
    return Rule(name=name, label=label, reason=reason, conditions=tuple(conditions),
                domain=domain)


def _check_value(key: str, value: Any, ctx: str, signals: set[str]) -> Any:
    kind = CONDITIONS[key][0]
    if kind == "signal_names":
        if not isinstance(value, list) or not value or not all(v in signals for v in value):
            raise RulesError(f"{ctx}: '{key}' must be a non-empty list of signal names "
                             f"([[signal]]); known signals: {', '.join(sorted(signals))}")
        return list(value)
    if kind == "signals":
        ok = isinstance(value, dict) and value and all(
            k in signals and isinstance(n, int) and not isinstance(n, bool) and n >= 1
            for k, n in value.items())
        if not ok:
            raise RulesError(f"{ctx}: 'min_signals' must map signal names ([[signal]]) to "
                             f"whole numbers >= 1; known signals: {', '.join(sorted(signals))}")
        return dict(value)
    if kind in ("strings", "keywords"):
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
    if kind == "number" and value < 0:
        raise RulesError(f"{ctx}: '{key}' must be a number >= 0")
    if kind == "share" and not 0 <= value <= 1:
        raise RulesError(f"{ctx}: '{key}' must be a share between 0 and 1")
    return value


_TEXT_CONDITIONS = {"keywords", "similar_to", "min_vote", "min_similarity", "min_signals",
                    "min_capability_vote", "nearest_capability_in", "any_signals", "no_signals"}
_SIMILARITY = {"similar_to", "min_vote", "min_similarity", "min_capability_vote",
               "nearest_capability_in"}
NEAREST = "nearest"  # a rule's domain: the capability domain its request's examples vote for


def keyword_signal(rule: str) -> str:
    """The name of the signal a rule's `keywords` become."""
    return f"keywords:{rule}"


def _keyword_regex(words: list[str]) -> str:
    """Case-insensitive whole-word match of any keyword (RE2 syntax)."""
    special = set("\\.^$|?*+()[]{}")
    escaped = ["".join("\\" + c if c in special else c for c in w) for w in words]
    return r"(?i)(?:^|\W)(?:" + "|".join(escaped) + r")(?:\W|$)"

"""Stage 57: what each workload's labels rest on, in words a reader can check.

Every label traces to a rule and to what matched: per workload and rule, one request is shown
as the example (its file and line, and the evidence: the tag, the size, the signal words, the
nearest example and its similarity). Per workload: the share of requests labelled on positive
evidence (a rule matched) against the default, the text sample behind the share and its margin
of error, and the share of cost-bound requests that look hard for a distilled model.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import duckdb

from planner.report import LabelEvidence
from planner.stages import signals
from planner.stages.rules import Rule, RuleSet

MOSTLY_DEFAULT = Decimal("0.5")  # a workload is flagged when more than this share fell to it
Z95 = 1.96


@dataclass(frozen=True)
class WorkloadEvidence:
    reasons: tuple[str, ...]
    evidence: LabelEvidence


def read(con: duckdb.DuckDBPyConnection, rules: RuleSet) -> dict[str, WorkloadEvidence]:
    """What stage 57 (run with the per-request stages, planner/stages/analysis.py) summed."""
    paths = dict(con.execute("SELECT file_id, path FROM run_files").fetchall())
    by_name = {r.name: r for r in rules.rules}
    names = [s.name for s in rules.signals]
    reasons: dict[str, list[str]] = {}
    rows = con.execute("SELECT * FROM rule_evidence ORDER BY workload, requests DESC, rule")
    cols = [d[0] for d in rows.description]
    totals: dict[str, int] = {}
    recs = [dict(zip(cols, r, strict=True)) for r in rows.fetchall()]
    examples = examples_for(rules, recs)
    for rec in recs:
        totals[rec["workload"]] = totals.get(rec["workload"], 0) + rec["requests"]
    for rec in recs:
        rule = by_name.get(rec["rule"])
        what = rule.reason if rule else _SPECIAL.get(rec["rule"], rules.default_reason)
        pct = Decimal(100 * rec["requests"]) / Decimal(totals[rec["workload"]])
        where = f"{paths.get(rec['file_id'], '?')}:{rec['line_no']}"
        shown = describe(rule, rec, examples, names)
        reasons.setdefault(rec["workload"], []).append(
            f"{rec['label']}: {what} ({pct.quantize(Decimal('0.1'))}% of requests; "
            f"e.g. {where}: {shown})")
    out = {}
    for rec in _workload_rows(con):
        out[rec["workload"]] = WorkloadEvidence(
            reasons=tuple(reasons.get(rec["workload"], [])),
            evidence=_evidence(rec, totals.get(rec["workload"], 0)))
    return out


def examples_for(rules: RuleSet, recs: list[dict[str, Any]]) -> signals.Examples | None:
    """The rules' examples, when a request shown was compared with them (loading them embeds
    them: logs without text never pay for that)."""
    if rules.similarity is None or all(r.get("sim_domain") is None for r in recs):
        return None
    return signals.load_examples(rules.similarity.examples, rules.similarity.max_chars)


def describe(rule: Rule | None, rec: Mapping[str, Any], examples: signals.Examples | None,
             signal_names: list[str]) -> str:
    """What one request showed of the rule that labelled it."""
    if rule is None:
        if rec["rule"] == "override":
            return "label pinned by the overrides file"
        near = _nearest(rec, examples)
        if rec["rule"] == "workload-sample":
            return ("its text was not in the workload's sample; labelled by a hash of its line "
                    "against the sample's capability share")
        return "no rule matched" + (f"; nearest examples: {near}" if near else "")
    parts: list[str] = []
    for key, value in rule.conditions:
        if key == "min_signals":
            parts.extend(_signal(rec, signal_names, name) for name in value)
        elif key == "any_signals":
            parts.extend(_signal(rec, signal_names, name) for name in value
                         if ((rec["signal_counts"] or [0] * len(signal_names))
                             [signal_names.index(name)]))
        elif key == "no_signals":
            parts.append(f"no {' or '.join(value)} in its text")
        elif key in ("min_capability_vote", "nearest_capability_in"):
            parts.append(f"{rec['sim_cap_vote']:.0%} of the nearest examples' vote is for "
                         f"capability-bound tasks, most for {rec['sim_cap_domain']}")
        elif key in ("similar_to", "min_vote", "min_similarity"):
            near = _nearest(rec, examples)
            if near and near not in parts:
                parts.append(near)
        elif key.startswith("workload_min_"):  # a test of the workload, not the request
            parts.append(f"its workload's {key.removeprefix('workload_min_').replace('_', ' ')}"
                         f" >= {value}")
        else:
            parts.append(_FACTS[key](rec))
    return "; ".join(dict.fromkeys(parts))


def _signal(rec: Mapping[str, Any], signal_names: list[str], name: str) -> str:
    i = signal_names.index(name)
    words = (rec["signal_matches"] or [[]] * len(signal_names))[i] or []
    count = (rec["signal_counts"] or [0] * len(signal_names))[i]
    return f"{name} x{count}: {', '.join(repr(w) for w in words)}"


def _nearest(rec: Mapping[str, Any], examples: signals.Examples | None) -> str:
    if rec.get("sim_domain") is None or examples is None:
        return ""
    text = " ".join(examples.texts[rec["sim_example"]].split())
    cut = text if len(text) <= 60 else text[:59] + "…"
    return (f"{rec['sim_vote']:.0%} of the nearest examples are {rec['sim_domain']}, "
            f"similarity {rec['sim_top']:.2f} to {cut!r} ({examples.sources[rec['sim_example']]})")


_FACTS: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "task_type": lambda r: f"task_type {r['task_type']!r}",
    "has_images": lambda r: "images attached" if r["has_images"] else "no images",
    "has_tools": lambda r: "tool definitions sent" if r["has_tools"] else "no tools",
    "min_tool_calls": lambda r: f"{r['tool_calls']} tool calls",
    "has_audio": lambda r: "audio or video attached" if r["has_audio"] else "no audio",
    "has_files": lambda r: "files attached" if r["has_files"] else "no files",
    "min_tool_defs": lambda r: f"{r['tool_defs']} tools defined",
    "min_turns": lambda r: f"{r['turns']} user turns",
    "has_computer_tool": lambda r: (f"computer-use tool defined: {r['computer_tool']}"
                                    if r["computer_tool"] else "no computer-use tool"),
    "min_input_tokens": lambda r: f"{r['input_tokens']:,} input tokens",
    "max_input_tokens": lambda r: f"{r['input_tokens']:,} input tokens",
    "min_output_tokens": lambda r: f"{r['output_tokens']:,} output tokens",
    "min_reasoning_tokens": lambda r: f"{r['reasoning_tokens']:,} reasoning tokens",
    "min_output_ratio": lambda r: f"{r['output_tokens']:,} output tokens for "
                                  f"{r['input_tokens']:,} input",
    "keywords": lambda r: "a keyword of the rule in its text",
}
_SPECIAL = {
    "override": "label pinned by the overrides file",
    "workload-sample": "text not sampled: drawn at its workload's sampled capability share",
}


def _workload_rows(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    rows = con.execute("SELECT * FROM workload_evidence")
    cols = [d[0] for d in rows.description]
    return [dict(zip(cols, r, strict=True)) for r in rows.fetchall()]


def _evidence(rec: Mapping[str, Any], total: int) -> LabelEvidence:
    default_share = _share(rec["by_default"], total)
    sampled, distinct = rec["sampled_texts"] or 0, rec["distinct_texts"] or 0
    margin = None
    if 0 < sampled < distinct:  # the text signals read a sample: the share is an estimate
        n, big_n = rec["sampled_requests"], rec["text_requests"]
        p = float(rec["sampled_capability_share"])
        spread = Z95 * math.sqrt(p * (1 - p) / n) if 0 < p < 1 else 3 / n  # rule of three
        fpc = math.sqrt((big_n - n) / (big_n - 1)) if big_n > 1 else 0.0
        margin = Decimal(str(spread * fpc)).quantize(Decimal("0.0001"))
    return LabelEvidence(
        positive_share=(1 - default_share).quantize(Decimal("0.0001")),
        mostly_default=default_share > MOSTLY_DEFAULT,
        text_requests=rec["text_requests"] or 0, distinct_texts=distinct, sampled_texts=sampled,
        capability_margin=margin,
        hard_share=_share(rec["hard"], rec["cost_bound"]) if rec["cost_bound"] else None,
    )


def _share(part: int, whole: int) -> Decimal:
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001")) if whole else Decimal(0)

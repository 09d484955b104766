"""Renderings of a diff and of a check result: Rich table, Markdown (a pull-request comment
updated in place: it starts with a marker line), GitHub workflow annotations and JSON.

The verdict comes first (which scenario, which threshold, passed or failed), then the changed
workloads, largest change first; changes under --min-change-usd are folded into one line, and a
model without a price shows as unknown, not as $0.00.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from rich.console import Console
from rich.text import Text

from cli.hygiene import markdown as _md
from cli.hygiene import printable
from cli.hygiene import workflow as _gh
from cli.layout import aligned
from planner.outputs.diff import Change, Diff
from planner.outputs.gate import CheckResult, Thresholds

HEADER = ("", "workload", "scenario", "old", "new", "change", "%", "volume", "mix", "price")
MARKER = "<!-- plan-cost-comment -->"  # the line a workflow finds the comment by (gh api)
UNKNOWN = "unknown"
FENCE = "`" * 3


@dataclass(frozen=True)
class Shown:
    """How a diff is shown: what the check was, the noise floor, which prices are unknown."""

    thresholds: Thresholds | None = None
    min_change_usd: Decimal = Decimal(0)
    # workloads with requests of a model without a price: their as-logged cost is not known
    unpriced_old: frozenset[str] = frozenset()
    unpriced_new: frozenset[str] = frozenset()


PLAIN = Shown()


def unpriced(report: Mapping[str, Any]) -> frozenset[str]:
    """Workloads with requests of a model without a price, named as the renderings show them
    (printable: the diff they go with is cleaned)."""
    return frozenset(printable(w["workload"]) for w in report.get("workloads", [])
                     if w.get("unpriced_requests"))


def rows(diff: Diff, shown: Shown = PLAIN) -> list[tuple[str, ...]]:
    """Changed workload lines, largest change first: '+' added, '-' removed, '~' changed;
    unchanged ones left out, and those under the noise floor folded into one line."""
    changed = sorted((c for c in diff.workloads if c.kind != "="),
                     key=lambda c: (-abs(c.change_usd), c.workload or "", c.scenario))
    big = [c for c in changed
           if abs(c.change_usd) >= shown.min_change_usd or _unknown(c, shown)]
    small = [c for c in changed if c not in big]
    out = [_cells(c, shown) for c in big]
    if small:
        total = sum((c.change_usd for c in small), Decimal(0))
        out.append(("", f"{len(small)} smaller changes (< {_usd(shown.min_change_usd)})",
                    "", "", "", _signed(total), "", "", "", ""))
    return out


def footer(diff: Diff) -> list[str]:
    return [
        f"total {t.scenario}: {_usd(t.old_usd)} -> {_usd(t.new_usd)} "
        f"({_signed(t.change_usd)}, {_pct(t.change_pct)}): volume {_signed(t.volume_usd)}, "
        f"mix {_signed(t.mix_usd)}, price {_signed(t.price_usd)}"
        for t in diff.totals
    ]


def headline(diff: Diff, result: CheckResult | None, shown: Shown) -> str:
    """What was checked, against which threshold, and the verdict: the first thing read."""
    t = shown.thresholds
    if result is None or t is None:
        return f"plan diff: monthly LLM cost, pricing {diff.old_pricing} -> {diff.new_pricing}"
    total = diff.total(t.scenario)
    limits = ([f"+{t.max_increase_pct}%"] if t.max_increase_pct is not None else []) + (
        [f"+{_usd(t.max_increase_usd)} a month"] if t.max_increase_usd is not None else [])
    threshold = (f"fails above {' or '.join(limits)}" if limits
                 else "no cost threshold (label flips, unpriced models and rejects only)")
    verdict = "passed" if result.passed else "FAILED"
    return (f"plan check {verdict}: scenario {t.scenario}, {threshold}; {t.scenario} "
            f"{_usd(total.old_usd)} -> {_usd(total.new_usd)} a month "
            f"({_signed(total.change_usd)}, {_pct(total.change_pct)})")


def table(diff: Diff, console: Console, result: CheckResult | None = None,
          shown: Shown = PLAIN) -> None:
    console.print(Text(headline(diff, result, shown), "bold"))
    for f in result.failures if result is not None else ():
        console.print(Text(f"  - {f}"))
    if result is not None:
        console.print(Text(f"pricing {diff.old_pricing} -> {diff.new_pricing}"))
    changed = rows(diff, shown)
    if changed:
        for line in _grid(changed, console.width):
            console.print(line)  # fits, or (stacked figures) wraps between amounts
    else:
        console.print("no workload changed")
    for line in footer(diff):
        console.print(Text(line))


def _grid(changed: list[tuple[str, ...]], width: int) -> list[Text]:
    """Names and money whole: the price / mix / volume split and the percentage go first when
    they do not fit; then each workload takes two lines (its name, then its figures)."""
    lines = aligned(HEADER, changed, {0, 1, 2}, width, drop=(9, 8, 7, 6))
    if lines is not None:
        return [Text(line) for line in lines]  # log content, never markup
    out = []
    for r in changed:
        out.append(Text(f"{r[0]} {r[1]}".strip()))
        figures = f"{r[3]} -> {r[4]}" if r[3] else ""
        out.append(Text("  " + "  ".join(x for x in (r[2], figures, r[5], r[6]) if x)))
    return out


def markdown(diff: Diff, result: CheckResult | None = None, shown: Shown = PLAIN) -> str:
    """A pull-request comment: the marker line, the verdict, then the rows by size."""
    state = "" if result is None else (" passed" if result.passed else " failed")
    verdict = _md(headline(diff, result, shown))
    out = [MARKER, f"### plan: monthly LLM cost{state}", "", f"**{verdict}**"]
    if result is not None:
        out.extend(f"- {_md(f)}" for f in result.failures)
    out += ["", f"Pricing {diff.old_pricing} -> {diff.new_pricing}.", ""]
    changed = rows(diff, shown)
    if changed:
        out.append("| " + " | ".join(h or "&nbsp;" for h in HEADER) + " |")
        out.append("|" + "---|" * len(HEADER))
        out.extend("| " + " | ".join(_md(c) for c in r) + " |" for r in changed)
    else:
        out.append("No workload changed.")
    out += ["", "<details><summary>Totals by scenario</summary>", ""]
    out.extend(f"- {line}" for line in footer(diff))
    out += ["", "</details>"]
    return "\n".join(out) + "\n"


def error_comment(message: str) -> str:
    """The comment when the check could not run: the error, so the pull request says why."""
    return "\n".join([MARKER, "### plan: monthly LLM cost check could not run", "",
                      FENCE, message.strip().replace(FENCE, "'''"), FENCE, "",
                      "No cost was compared: fix the error above and push again."]) + "\n"


def github(diff: Diff, result: CheckResult | None = None, shown: Shown = PLAIN) -> str:
    """GitHub Actions workflow commands: the verdict, an error per failure, a notice per
    scenario total."""
    out = [f"::notice title=plan check::{_gh(headline(diff, result, shown))}"] if result else []
    out += [f"::error title=plan check::{_gh(f)}" for f in (result.failures if result else ())]
    out.extend(f"::notice title=plan {t.scenario}::{_gh(line)}"
               for t, line in zip(diff.totals, footer(diff), strict=True))
    return "\n".join(out) + "\n"


def to_json(diff: Diff, result: CheckResult | None = None) -> str:
    data: dict[str, Any] = {
        "old_pricing_version": diff.old_pricing,
        "new_pricing_version": diff.new_pricing,
        "workloads": [_change(c) for c in diff.workloads],
        "totals": [_change(c) for c in diff.totals],
    }
    if result is not None:
        data = {"passed": result.passed, "failures": list(result.failures), **data}
    return json.dumps(data, indent=2, default=float) + "\n"


def _change(c: Change) -> dict[str, Any]:
    return {
        "workload": c.workload, "scenario": c.scenario, "kind": c.kind,
        "old_monthly_cost_usd": c.old_usd, "new_monthly_cost_usd": c.new_usd,
        "change_usd": c.change_usd, "change_pct": c.change_pct,
        "volume_usd": c.volume_usd, "mix_usd": c.mix_usd, "price_usd": c.price_usd,
        "old_label": c.old_label, "new_label": c.new_label,
    }


def _unknown(c: Change, shown: Shown) -> bool:
    return c.scenario == "as-logged" and (c.workload in shown.unpriced_old
                                          or c.workload in shown.unpriced_new)


def _cells(c: Change, shown: Shown) -> tuple[str, ...]:
    label = c.new_label or c.old_label or ""
    if c.old_label and c.new_label and c.old_label != c.new_label:
        label = f"{c.old_label} -> {c.new_label}"
    name = f"{c.workload} ({label})"
    if _unknown(c, shown):  # a model without a price: its cost is not $0, it is not known
        old = UNKNOWN if c.workload in shown.unpriced_old else _usd(c.old_usd)
        new = UNKNOWN if c.workload in shown.unpriced_new else _usd(c.new_usd)
        return (c.kind, name, c.scenario, old, new, *([UNKNOWN] * 5))
    return (c.kind, name, c.scenario, _usd(c.old_usd), _usd(c.new_usd),
            _signed(c.change_usd), _pct(c.change_pct), _signed(c.volume_usd),
            _signed(c.mix_usd), _signed(c.price_usd))


def _usd(v: Decimal) -> str:
    return f"${v:,.2f}"


def _signed(v: Decimal) -> str:
    return f"{'+' if v >= 0 else '-'}${abs(v):,.2f}"


def _pct(v: Decimal | None) -> str:
    return "new" if v is None else f"{'+' if v >= 0 else ''}{v}%"

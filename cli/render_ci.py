"""Renderings of a diff and of a check result: Rich table, Markdown (a pull-request comment),
GitHub workflow annotations and JSON."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from cli.hygiene import markdown as _md
from cli.hygiene import workflow as _gh
from planner.diff import Change, Diff
from planner.gate import CheckResult

HEADER = ("", "workload", "scenario", "old", "new", "change", "%", "volume", "mix", "price")


def rows(diff: Diff) -> list[tuple[str, ...]]:
    """Changed workload lines: '+' added, '-' removed, '~' changed (unchanged ones left out)."""
    return [_cells(c) for c in diff.workloads if c.kind != "="]


def footer(diff: Diff) -> list[str]:
    return [
        f"total {t.scenario}: {_usd(t.old_usd)} -> {_usd(t.new_usd)} "
        f"({_signed(t.change_usd)}, {_pct(t.change_pct)}): volume {_signed(t.volume_usd)}, "
        f"mix {_signed(t.mix_usd)}, price {_signed(t.price_usd)}"
        for t in diff.totals
    ]


def table(diff: Diff, console: Console, result: CheckResult | None = None) -> None:
    console.print(f"plan diff: pricing {diff.old_pricing} -> {diff.new_pricing}")
    changed = rows(diff)
    if changed:
        grid = Table(*HEADER, show_edge=False)
        for r in changed:
            grid.add_row(*(Text(cell) for cell in r))  # log content, never markup
        console.print(grid)
    else:
        console.print("no workload changed")
    for line in footer(diff):
        console.print(line, markup=False)
    if result is not None:
        _verdict(result, console.print)


def markdown(diff: Diff, result: CheckResult | None = None) -> str:
    out = ["### plan: monthly LLM cost change", ""]
    if result is not None:
        out.append("**plan check passed**" if result.passed else "**plan check failed**")
        out.extend(f"- {_md(f)}" for f in result.failures)
        out.append("")
    out.append(f"Pricing {diff.old_pricing} -> {diff.new_pricing}.")
    out.append("")
    out.append("| " + " | ".join(h or "&nbsp;" for h in HEADER) + " |")
    out.append("|" + "---|" * len(HEADER))
    out.extend("| " + " | ".join(_md(c) for c in r) + " |" for r in rows(diff))
    out.append("")
    out.extend(f"- {line}" for line in footer(diff))
    return "\n".join(out) + "\n"


def github(diff: Diff, result: CheckResult | None = None) -> str:
    """GitHub Actions workflow commands: an error per failure, a notice per scenario total."""
    out = [f"::error title=plan check::{_gh(f)}" for f in (result.failures if result else ())]
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


def _verdict(result: CheckResult, emit: Any) -> None:
    emit("plan check: passed" if result.passed else "plan check: FAILED", markup=False)
    for f in result.failures:
        emit(f"  - {f}", markup=False)


def _change(c: Change) -> dict[str, Any]:
    return {
        "workload": c.workload, "scenario": c.scenario, "kind": c.kind,
        "old_monthly_cost_usd": c.old_usd, "new_monthly_cost_usd": c.new_usd,
        "change_usd": c.change_usd, "change_pct": c.change_pct,
        "volume_usd": c.volume_usd, "mix_usd": c.mix_usd, "price_usd": c.price_usd,
        "old_label": c.old_label, "new_label": c.new_label,
    }


def _cells(c: Change) -> tuple[str, ...]:
    label = c.new_label or c.old_label or ""
    if c.old_label and c.new_label and c.old_label != c.new_label:
        label = f"{c.old_label} -> {c.new_label}"
    return (c.kind, f"{c.workload} ({label})", c.scenario, _usd(c.old_usd), _usd(c.new_usd),
            _signed(c.change_usd), _pct(c.change_pct), _signed(c.volume_usd),
            _signed(c.mix_usd), _signed(c.price_usd))


def _usd(v: Decimal) -> str:
    return f"${v:,.2f}"


def _signed(v: Decimal) -> str:
    return f"{'+' if v >= 0 else '-'}${abs(v):,.2f}"


def _pct(v: Decimal | None) -> str:
    return "new" if v is None else f"{'+' if v >= 0 else ''}{v}%"

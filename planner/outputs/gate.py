"""`plan check`: the CI cost gate. A new report against a baseline report, under thresholds."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from planner.errors import InputError
from planner.outputs.diff import Diff, diff_reports
from planner.report import SCENARIOS
from planner.wording import count


@dataclass(frozen=True)
class Thresholds:
    scenario: str = "routed"
    max_increase_pct: Decimal | None = None
    max_increase_usd: Decimal | None = None
    fail_on_label_flip: bool = True
    fail_on_unpriced: bool = True
    max_rejected_pct: Decimal | None = Decimal(1)  # None: any share of rejected lines passes

    def __post_init__(self) -> None:
        if self.scenario not in SCENARIOS:
            raise InputError(f"--scenario must be one of {', '.join(SCENARIOS)}, "
                             f"got '{self.scenario}'")


@dataclass(frozen=True)
class CheckResult:
    diff: Diff
    failures: tuple[str, ...]  # empty: the gate passes

    @property
    def passed(self) -> bool:
        return not self.failures


def check(
    baseline: Mapping[str, Any], new: Mapping[str, Any], thresholds: Thresholds
) -> CheckResult:
    diff = diff_reports(baseline, new)
    total = diff.total(thresholds.scenario)
    failures: list[str] = []
    change = total.change_usd
    if thresholds.max_increase_pct is not None and change > 0:
        pct = total.change_pct
        if pct is None or pct > thresholds.max_increase_pct:
            failures.append(
                f"{thresholds.scenario} monthly cost rose {_pct(pct)} (${total.old_usd:,.2f} -> "
                f"${total.new_usd:,.2f}, +${change:,.2f}), above --max-increase "
                f"{thresholds.max_increase_pct}%")
    if thresholds.max_increase_usd is not None and change > thresholds.max_increase_usd:
        failures.append(
            f"{thresholds.scenario} monthly cost rose ${change:,.2f} (${total.old_usd:,.2f} -> "
            f"${total.new_usd:,.2f}), above --max-increase-usd {thresholds.max_increase_usd}")
    if thresholds.fail_on_label_flip:
        flips = {c.workload: (c.old_label, c.new_label) for c in diff.workloads
                 if c.old_label and c.new_label and c.old_label != c.new_label}
        failures.extend(f"workload '{w}' changed label: {a} -> {b}"
                        for w, (a, b) in sorted(flips.items()))
    if thresholds.fail_on_unpriced:
        known = {m["model"] for m in baseline.get("unpriced_models", [])}
        failures.extend(
            f"model '{m['model']}' has no price ({count(m['requests'], 'request')}) and is new "
            "since the baseline"
            for m in new.get("unpriced_models", []) if m["model"] not in known)
        seen = {(u["model"], u["provider"]) for u in _unpriced_searches(baseline)}
        failures.extend(
            f"{count(u['searches'], 'web search', 'web searches')} on '{u['model']}' "
            f"({u['provider']}) {'has' if u['searches'] == 1 else 'have'} no per-search price and "
            f"{'is' if u['searches'] == 1 else 'are'} new since the baseline"
            for u in _unpriced_searches(new) if (u["model"], u["provider"]) not in seen)
    if thresholds.max_rejected_pct is not None:
        ingest = new["ingest"]
        share = Decimal(100 * ingest["rejected"]) / Decimal(ingest["read"]) if ingest[
            "read"] else Decimal(0)
        if share > thresholds.max_rejected_pct:
            failures.append(
                f"{ingest['rejected']} of {ingest['read']} lines rejected "
                f"({share.quantize(Decimal('0.01'))}%), above --max-rejected-pct "
                f"{thresholds.max_rejected_pct}")
    return CheckResult(diff, tuple(failures))


def _unpriced_searches(report: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    fees = report.get("server_tool_fees") or {}  # absent from reports before pricing schema 5
    return list(fees.get("unpriced") or [])


def _pct(pct: Decimal | None) -> str:
    return "from $0" if pct is None else f"{pct}%"

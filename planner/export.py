"""`plan export`: scenario costs per group (workload, team, model, day, month, label, rule,
domain, task type), for finance.

One row per group and scenario from the `costs` table of the run just analysed. Money is
rounded once, per scenario, with the largest-remainder method, so the rows of a scenario add up
to the report's total for it, to the cent. On-prem's fixed fleet cost is shared by each group's
share of the tokens routed to the self-hosted model, as in the report.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from decimal import Decimal
from enum import StrEnum

import duckdb

from planner.money import allocate_cents
from planner.report import SCENARIOS, Report


class GroupBy(StrEnum):
    workload = "workload"
    team = "team"
    model = "model"
    day = "day"
    month = "month"
    label = "label"
    rule = "rule"
    domain = "domain"
    task_type = "task_type"


# group -> SQL expression over `costs` (constants: nothing user-written becomes SQL)
GROUPS: dict[str, str] = {
    GroupBy.workload: "workload",
    GroupBy.team: "coalesce(team, '(none)')",
    GroupBy.model: "coalesce(model, '(none)')",
    GroupBy.day: "strftime(day, '%Y-%m-%d')",
    GroupBy.month: "strftime(day, '%Y-%m')",
    # each request's own label, the rule that decided it and its domain (stage 50)
    GroupBy.label: "label",
    GroupBy.rule: "rule",
    GroupBy.domain: "domain",
    GroupBy.task_type: "coalesce(task_type, '(none)')",
}
_COST_COLUMNS = {
    "as-logged": "coalesce(sum(as_logged_cost), 0)",
    "all-frontier": "sum(frontier_cost)",
    "routed": "sum(routed_cost)",
    "on-prem": "sum(onprem_api_cost)",
}


def export_rows(
    con: duckdb.DuckDBPyConnection,
    group_by: Sequence[str],
    factor: Decimal,
    fleet_usd: Decimal,
) -> list[dict[str, object]]:
    unknown = [g for g in group_by if g not in GROUPS]
    if unknown or not group_by:
        raise ValueError(f"group by one or more of {', '.join(GROUPS)}, got {unknown}")
    keys = ", ".join(f"{GROUPS[g]} AS {g}" for g in group_by)
    costs = ", ".join(f"{sql} AS \"{name}\"" for name, sql in _COST_COLUMNS.items())
    rows = con.execute(
        f"SELECT {keys}, sum(requests)::BIGINT, sum(input_tokens)::BIGINT, "
        f"sum(output_tokens)::BIGINT, sum(cached_input_tokens)::BIGINT, {costs}, "
        "coalesce(sum(input_tokens + output_tokens) "
        "FILTER (WHERE route = 'distilled' AND NOT cache_hit), 0) "
        f"FROM costs GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    n = len(group_by)
    onprem_tokens = sum((Decimal(r[n + 8]) for r in rows), Decimal(0))
    window = {name: [Decimal(r[n + 4 + i]) for r in rows] for i, name in enumerate(SCENARIOS)}
    window["on-prem"] = [
        api + (fleet_usd / factor * Decimal(r[n + 8]) / onprem_tokens if onprem_tokens else 0)
        for api, r in zip(window["on-prem"], rows, strict=True)
    ]
    window_cents = {s: allocate_cents(v) for s, v in window.items()}
    monthly_cents = {s: allocate_cents([x * factor for x in v]) for s, v in window.items()}
    out: list[dict[str, object]] = []
    for scenario in SCENARIOS:
        for i, r in enumerate(rows):
            out.append({
                **dict(zip(group_by, r[:n], strict=True)),
                "scenario": scenario,
                "requests": r[n], "input_tokens": r[n + 1], "output_tokens": r[n + 2],
                "cached_input_tokens": r[n + 3],
                "window_cost_usd": window_cents[scenario][i],
                "monthly_cost_usd": monthly_cents[scenario][i],
            })
    return out


def assumptions_digest(report: Report) -> str:
    """First 12 hex digits of the SHA-256 of the assumptions (names, values, sources)."""
    text = json.dumps([[a.name, a.value, a.source] for a in report.assumptions])
    return hashlib.sha256(text.encode()).hexdigest()[:12]

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

from planner.projection.money import allocate_cents
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
        f"SELECT {keys}, CASE WHEN min(label) = max(label) THEN min(label) ELSE 'mixed' END, "
        "sum(requests)::BIGINT, sum(input_tokens)::BIGINT, "
        f"sum(output_tokens)::BIGINT, sum(cached_input_tokens)::BIGINT, {costs}, "
        "sum(fleet_tokens), "
        # web searches, those without a known fee, and the fee (in every scenario's cost)
        "coalesce(sum(web_search_requests), 0)::BIGINT, coalesce(sum(unpriced_searches), 0)"
        "::BIGINT, coalesce(sum(search_fee), 0) "
        f"FROM costs GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    labels = [r[len(group_by)] for r in rows]
    rows = [r[:len(group_by)] + r[len(group_by) + 1:] for r in rows]
    n = len(group_by)
    onprem_tokens = sum((Decimal(r[n + 8]) for r in rows), Decimal(0))
    window = {name: [Decimal(r[n + 4 + i]) for r in rows] for i, name in enumerate(SCENARIOS)}
    window["on-prem"] = [
        api + (fleet_usd / factor * Decimal(r[n + 8]) / onprem_tokens if onprem_tokens else 0)
        for api, r in zip(window["on-prem"], rows, strict=True)
    ]
    window_cents = {s: allocate_cents(v) for s, v in window.items()}
    monthly_cents = {s: allocate_cents([x * factor for x in v]) for s, v in window.items()}
    fee_cents = allocate_cents([Decimal(r[n + 11]) * factor for r in rows])
    out: list[dict[str, object]] = []
    for scenario in SCENARIOS:
        for i, r in enumerate(rows):
            out.append({
                **dict(zip(group_by, r[:n], strict=True)),
                "label": r[group_by.index("label")] if "label" in group_by else labels[i],
                "scenario": scenario,
                "requests": r[n], "input_tokens": r[n + 1], "output_tokens": r[n + 2],
                "cached_input_tokens": r[n + 3],
                "web_searches": r[n + 9], "unpriced_web_searches": r[n + 10],
                "window_cost_usd": window_cents[scenario][i],
                "monthly_cost_usd": monthly_cents[scenario][i],
                "web_search_fee_monthly_usd": fee_cents[i],
            })
    return out


def assumptions_digest(report: Report) -> str:
    """First 12 hex digits of the SHA-256 of the assumptions (names, values, sources)."""
    text = json.dumps([[a.name, a.value, a.source] for a in report.assumptions])
    return hashlib.sha256(text.encode()).hexdigest()[:12]


class Layout(StrEnum):
    wide = "wide"  # one row per group, one money column per scenario: a spreadsheet's SUM works
    long = "long"  # one row per group and scenario: for pivot tables and databases


_MONTH_NOTE = ("an average month (30.4375 days), projected from the observed window: the "
               "window's cost times month length / window length")
# The data dictionary (docs/exports.md, `plan export --schema`): column, type, meaning.
_GROUP = ("text", "the group, one column per --group-by: workload, team, model, day "
          "(YYYY-MM-DD), month (YYYY-MM), label, rule, domain or task_type")
_LEADING: tuple[tuple[str, str, str], ...] = (
    ("label", "text", "capability-bound or cost-bound. Grouped by workload: the workload's "
     "label (what the report shows); otherwise the label all the group's requests share, or "
     "'mixed'"),
)
_COUNTS: tuple[tuple[str, str, str], ...] = (
    ("requests", "integer", "requests in the observed window (accepted, each request_id once)"),
    ("input_tokens", "integer", "input tokens in the window, cached ones included"),
    ("output_tokens", "integer", "output tokens in the window, reasoning included"),
    ("cached_input_tokens", "integer", "input tokens the provider served from its prompt cache"),
    ("web_searches", "integer", "server-side web searches in the window (Anthropic's, OpenAI's "
     "and Gemini's grounding queries, as logged: docs/formats.md), billed per search on top of "
     "the tokens"),
    ("unpriced_web_searches", "integer", "of them, searches whose provider has no per-search fee "
     "in the pricing table: their fee is left out of every scenario (unpriced, not $0)"),
)
_FEES: tuple[tuple[str, str, str], ...] = (
    ("web_search_fee_monthly_usd", "decimal(2)", "the web searches' fee, a month: a part of "
     "each scenario's monthly cost, the same in every scenario (searches are billed whatever "
     "model answers)"),
)
_CONTEXT: tuple[tuple[str, str, str], ...] = (
    ("pricing_version", "text", "the pricing table the costs come from"),
    ("window_start", "timestamp", "first request of the observed window, ISO 8601 UTC"),
    ("window_end", "timestamp", "last request of the observed window, ISO 8601 UTC"),
    ("assumptions_digest", "text", "first 12 hex digits of the SHA-256 of the report's "
     "assumptions: rows with the same digest were priced alike"),
)
_WIDE_MONEY = (
    *((f"{s.replace('-', '_')}_monthly_usd", "decimal(2)",
       f"monthly cost in the {s} scenario: {_MONTH_NOTE}") for s in SCENARIOS),
    ("routed_change_monthly_usd", "decimal(2)",
     "routed_monthly_usd minus as_logged_monthly_usd (negative: routing saves)"),
)
_LONG_MONEY = (
    ("scenario", "text", "as-logged, all-frontier, routed or on-prem: a group has one row each; "
     "sum one scenario at a time"),
    ("window_cost_usd", "decimal(2)", "what the observed window cost in this scenario"),
    ("monthly_cost_usd", "decimal(2)", f"{_MONTH_NOTE}. For a day or month group it is that "
     "group's share of the projected month, not what the day cost (window_cost_usd is)"),
)


def schema(layout: Layout) -> tuple[tuple[str, str, str], ...]:
    """Every column of an export (a group column stands for each --group-by), in order."""
    money = _WIDE_MONEY if layout is Layout.wide else _LONG_MONEY
    counts = _COUNTS if layout is Layout.wide else (money[0], *_COUNTS)
    rest = money if layout is Layout.wide else money[1:]
    return (("<group>", *_GROUP), *_LEADING, *counts, *rest, *_FEES, *_CONTEXT)


def columns(group_by: Sequence[str], layout: Layout) -> list[str]:
    """The group columns, then the schema's (label once: it may be a group column itself)."""
    names = [c[0] for c in schema(layout)]
    return [*group_by, *(n for n in names[1:] if n not in group_by)]


def shaped(rows: Sequence[dict[str, object]], group_by: Sequence[str], layout: Layout,
           workload_labels: dict[str, str]) -> list[dict[str, object]]:
    """The rows of `export_rows` (long, each scenario's rows in the same group order) with the
    workloads' own labels, in the chosen layout, with exactly the columns of `columns`."""
    fixed = [dict(r, label=workload_labels.get(str(r["workload"]), r["label"]))
             if "workload" in group_by else dict(r) for r in rows]
    names = columns(group_by, layout)
    if layout is Layout.long:
        return [{k: r[k] for k in names} for r in fixed]
    n = len(fixed) // len(SCENARIOS)
    out = []
    for i in range(n):
        parts = {s: fixed[j * n + i] for j, s in enumerate(SCENARIOS)}
        first = parts[SCENARIOS[0]]
        row = {k: first[k] for k in names if k in first}
        for s, part in parts.items():
            row[f"{s.replace('-', '_')}_monthly_usd"] = part["monthly_cost_usd"]
        row["routed_change_monthly_usd"] = (
            _money(parts["routed"]["monthly_cost_usd"])
            - _money(parts["as-logged"]["monthly_cost_usd"]))
        out.append({k: row[k] for k in names})
    return out


def _money(value: object) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))

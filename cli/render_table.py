"""The human rendering of a Report: Rich tables on stdout."""

from __future__ import annotations

from decimal import Decimal

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from planner.report import Report

MAX_REASONS_SHOWN = 5


def render(report: Report, console: Console) -> None:
    w = report.window
    # Everything that comes from the logs or the pricing file (workload, model and file names)
    # is passed as Text, never as a string Rich would read as markup: a workload named
    # "[/x]" must print as itself.
    console.print(Text.assemble(
        ("plan", "bold"),
        f": monthly LLM spend from {w.start} to {w.end} ({w.days} days), "
        f"pricing {report.pricing_version}"))
    console.print(_scenarios(report))
    console.print(_workloads(report))
    o = report.onprem
    console.print(Text(
        f"On-prem: {o.gpus} x {o.gpu} ({o.replicas} replicas of {o.model}) for the cost-bound "
        f"traffic, ${o.monthly_fleet_cost_usd:,.2f}/month rented; peak minute {o.peak_minute} "
        f"loads the fleet to {o.utilization:.0%}."
    ))
    console.print(_ingest(report))
    if report.unpriced_models:
        console.print(Text.assemble(
            ("Models without a price", "bold red"), " (left out of as-logged): ",
            ", ".join(f"{m.model} ({m.requests} requests)" for m in report.unpriced_models)))
    console.print(_assumptions(report))


def _usd(amount: Decimal) -> str:
    return f"${amount:,.2f}"


def _scenarios(report: Report) -> Table:
    t = Table(title="Monthly cost by scenario", title_justify="left")
    t.add_column("scenario")
    t.add_column("monthly cost", justify="right")
    t.add_column("vs as-logged", justify="right")
    t.add_column("vs all-frontier", justify="right")
    for s in report.scenarios:
        t.add_row(s.name, _usd(s.monthly_cost_usd), _saving(s.savings_vs_as_logged_pct),
                  _saving(s.savings_vs_all_frontier_pct))
    return t


def _saving(pct: Decimal | None) -> str:
    if pct is None:
        return "-"
    return f"saves {pct}%" if pct >= 0 else f"costs {-pct}% more"


def _tokens(n: int) -> str:
    for unit, size in (("B", 10**9), ("M", 10**6), ("k", 10**3)):
        if n >= size:
            return f"{n / size:.1f}{unit}"
    return str(n)


def _workloads(report: Report) -> Group:
    t = Table(title="Workloads (monthly cost)", title_justify="left")
    t.add_column("workload", overflow="fold")
    t.add_column("label")
    t.add_column("cap.", justify="right")
    t.add_column("requests", justify="right")
    t.add_column("tokens in/out", justify="right")
    t.add_column("all-frontier", justify="right")
    t.add_column("routed", justify="right")
    why = []
    for w in report.workloads:
        style = "magenta" if w.label == "capability-bound" else "green"
        t.add_row(
            Text(w.workload), Text(w.label, style), f"{w.capability_share:.0%}",
            f"{w.requests:,}", f"{_tokens(w.input_tokens)}/{_tokens(w.output_tokens)}",
            _usd(w.monthly_cost_usd["all-frontier"]), _usd(w.monthly_cost_usd["routed"]),
        )
        why.append(Text(f"  {w.workload}: " + "; ".join(w.reasons[:2])))
    return Group(t, Text("Why:"), *why)


def _ingest(report: Report) -> Group:
    i = report.ingest
    failed = f" + {i.failed:,} failed" if i.failed else ""
    t = Table(
        title=f"Ingest: {i.read:,} lines read = {i.accepted:,} accepted + {i.rejected:,} "
        f"rejected + {i.duplicates:,} duplicates{failed}",
        title_justify="left",
    )
    t.add_column("file", overflow="fold")
    columns = ["read as", "read", "accepted", "rejected", "duplicates"]
    columns += ["failed"] if i.failed else []
    for col in columns:
        t.add_column(col, justify="left" if col == "read as" else "right")
    for f in i.files:
        t.add_row(Text(f.path), f.source + (" (cached)" if f.reused else ""), f"{f.read:,}",
                  f"{f.accepted:,}", f"{f.rejected:,}", f"{f.duplicates:,}",
                  *([f"{f.failed:,}"] if i.failed else []))
    parts: list[Table | Text] = [t]
    for title, reasons in (("Rejected lines (first of each kind):", i.reject_reasons),
                           ("Failed requests, recorded as errors in the log (not priced):",
                            i.failure_reasons)):
        if reasons:
            parts.append(Text(title))
            parts += [Text(f"  x{r.count}  {r.first}: {r.describe()}")
                      for r in reasons[:MAX_REASONS_SHOWN]]
        if len(reasons) > MAX_REASONS_SHOWN:
            parts.append(Text(f"  ... {len(reasons) - MAX_REASONS_SHOWN} more reasons "
                              "(--format json lists them all)"))
    if i.skipped:
        parts.append(Text(f"{i.skipped:,} OpenTelemetry spans that are not LLM calls "
                          "(no gen_ai attributes) were skipped; they are not lines of plan's."))
    spend = report.logged_spend
    if spend:
        parts.append(Text(
            f"Cost recorded in the logs for {spend.requests:,} requests over the window: "
            f"${spend.logged_usd:,.6f}; plan's as-logged prices for the same requests: "
            f"${spend.as_logged_usd:,.6f}"
            + (f" ({spend.unpriced_requests:,} without a price)"
               if spend.unpriced_requests else "")))
    return Group(*parts)


def _assumptions(report: Report) -> Table:
    t = Table(title="Assumptions", title_justify="left")
    t.add_column("assumption", overflow="fold")
    t.add_column("value", overflow="fold")
    t.add_column("source", overflow="fold")
    for a in report.assumptions:
        t.add_row(Text(a.name), Text(a.value), Text(a.source))
    return t

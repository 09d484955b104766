"""The human rendering of a Report: Rich tables on stdout."""

from __future__ import annotations

from decimal import Decimal

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from cli import render_charts, render_money
from planner.report import Report, Workload

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
    console.print(Text(report.verdict, style="bold"))
    console.print(_scenarios(report))
    console.print(render_charts.scenarios_chart(report))
    console.print(render_money.effects_table(report))
    if report.routing_curve:
        console.print(_curve(report))
    console.print(_workloads(report))
    console.print(render_charts.workloads_chart(report))
    for overflow in report.envelope_overflow:
        console.print(Text(f"Kept on frontier: {overflow.requests:,} cost-bound requests of "
                           f"{overflow.workload} ({overflow.reason})"))
    console.print(_onprem(report))
    if report.forecast and (_grows(report) or report.budget):
        console.print(_forecast(report))
    if report.sensitivity:
        console.print(_sensitivity(report))
    console.print(_ingest(report))
    console.print(render_money.reconciliation_table(report))
    if report.unpriced_models:
        console.print(Text.assemble(
            ("Models without a price", "bold red"), " (left out of as-logged): ",
            ", ".join(f"{m.model} ({m.requests} requests)" for m in report.unpriced_models)))
    for m in report.model_ids:
        console.print(Text.assemble(
            ("Priced as another entry" if m.approximate else "Model id resolved", "bold red"
             if m.approximate else "bold"), f": {m.model} ({m.requests} requests) as "
            f"{m.priced_as}: {m.why}"))
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


def _curve(report: Report) -> Table:
    """The routing curve's distinct points (JSON has every bin): how the cost moves as more
    traffic goes to the distilled model, most confidently cost-bound first."""
    t = Table(title="Routing curve (before the cache; * the routed scenario)",
              title_justify="left")
    for name in ("to distilled", "on default", "monthly cost", "vs as-logged",
                 "vs all-frontier"):
        t.add_column(name, justify="right")
    seen = set()
    for point in report.routing_curve:
        if point.distilled_share in seen and not point.marked:
            continue
        seen.add(point.distilled_share)
        t.add_row(f"{point.distilled_share:.1%}" + ("*" if point.marked else ""),
                  f"{point.on_default_share:.1%}", _usd(point.monthly_cost_usd),
                  _saving(point.savings_vs_as_logged_pct),
                  _saving(point.savings_vs_all_frontier_pct))
    return t


def _saving(pct: Decimal | None) -> str:
    if pct is None:
        return "-"
    return f"saves {pct}%" if pct >= 0 else f"costs {-pct}% more"


def _onprem(report: Report) -> Text:
    o = report.onprem
    if not o.gpus:
        return Text("On-prem: no distilled-routed traffic to host, so no fleet.")
    breakeven = (f"on-prem costs what routing this traffic to the distilled API costs at "
                 f"{_tokens(o.breakeven_monthly_tokens)} tokens a month"
                 if o.breakeven_monthly_tokens is not None
                 else "on-prem never costs less than routing this traffic to the distilled API")
    return Text(
        f"On-prem ({o.mode}): {o.gpus} x {o.gpu} ({o.replicas} replicas of {o.model}) at "
        f"${o.gpu_hourly_usd:,.2f}/GPU-hour: {_usd(o.monthly_fleet_cost_usd)}/month for "
        f"{_tokens(o.monthly_tokens)} tokens a month. Sized for the minute at the chosen "
        f"percentile ({o.percentile_replica_load} replicas of load; the busiest minute, "
        f"{o.peak_minute}, needs {o.peak_replica_load}). Utilisation {o.utilization:.1%}: "
        f"{o.idle_cost_share:.1%} of the fleet's cost pays for idle capacity. Break-even: "
        f"{breakeven}.")


def _grows(report: Report) -> bool:
    first, last = report.forecast[0].costs_usd, report.forecast[-1].costs_usd
    return first != last


def _forecast(report: Report) -> Table:
    names = list(report.forecast[0].costs_usd)
    t = Table(title="Forecast (monthly cost)", title_justify="left")
    t.add_column("month", justify="right")
    for name in names:
        t.add_column(name, justify="right")
    over = report.budget.first_month_over if report.budget else {}
    for f in report.forecast:
        t.add_row(str(f.month), *(
            Text(_usd(f.costs_usd[n]), "bold red" if over.get(n) == f.month else "")
            for n in names))
    if report.budget:
        firsts = ", ".join(f"{n} month {m}" if m else f"{n} never"
                           for n, m in report.budget.first_month_over.items())
        t.caption = f"Budget {_usd(report.budget.usd)}/month first exceeded: {firsts}"
    return t


def _sensitivity(report: Report) -> Table:
    t = Table(title="Sensitivity: savings vs all-frontier with each assumption low / high "
              "(largest swing first)", title_justify="left")
    for col in ("assumption", "low", "base", "high", "routed saves", "on-prem saves"):
        t.add_column(col, justify="left" if col == "assumption" else "right")
    for s in report.sensitivity:
        t.add_row(Text(s.assumption), s.low, s.base, s.high,
                  f"{s.routed_savings_pct[0]}% / {s.routed_savings_pct[1]}%",
                  f"{s.onprem_savings_pct[0]}% / {s.onprem_savings_pct[1]}%")
    return t


def _tokens(n: int) -> str:
    for unit, size in (("B", 10**9), ("M", 10**6), ("k", 10**3)):
        if n >= size:
            return f"{n / size:.1f}{unit}"
    return str(n)


def _confidence(w: Workload) -> str:
    """How much the label rests on: flagged when mostly default, and a sample's margin."""
    e = w.evidence
    if e is None:
        return ""
    notes = []
    if e.mostly_default:
        notes.append(f"labelled mostly by default: {1 - e.positive_share:.0%} of requests "
                     "matched no rule")
    if e.capability_margin is not None:
        notes.append(f"capability share ±{e.capability_margin:.1%} (95%): the text signals "
                     f"read {e.sampled_texts:,} of {e.distinct_texts:,} distinct texts")
    if e.hard_share:
        notes.append(f"{e.hard_share:.0%} of its cost-bound requests look hard for a distilled "
                     "model (2,000+ reasoning or 4,000+ output tokens): compare the escalation "
                     "assumption")
    return "".join(f" [{n}]" for n in notes)


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
        why.append(Text(f"  {w.workload}: " + "; ".join(w.reasons[:2]) + _confidence(w)))
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
    if i.bodies:
        parts.append(Text(f"{i.bodies:,} request bodies read from OpenAI batch input files; "
                          f"{i.bodies_joined:,} batch output requests got theirs (custom_id), "
                          "for classification. Bodies are not lines of their own."))
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

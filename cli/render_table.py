"""The human rendering of a Report: Rich tables on stdout."""

from __future__ import annotations

from decimal import Decimal

from rich import box
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from cli import layout, render_basis, render_charts, render_money
from cli.view import DEFAULT_TOP, View
from planner.report import CurvePoint, Report
from planner.wording import count

__all__ = ["DEFAULT_TOP", "View", "render"]

_DEFAULT_VIEW = View()


def render(report: Report, console: Console, view: View = _DEFAULT_VIEW) -> None:
    """The answer first: verdict, scenarios, top workloads, what it rests on; then details."""
    w = report.window
    # Everything that comes from the logs or the pricing file (workload, model and file names)
    # is passed as Text, never as a string Rich would read as markup: a workload named
    # "[/x]" must print as itself.
    console.print(Text.assemble(
        ("plan", "bold"), f": monthly LLM spend, {w.start} to {w.end} ({w.span}), "
        f"pricing {report.pricing_version}"))
    console.print(Text(report.verdict, style="bold"))
    console.print(_scenarios(report))
    console.print(render_charts.scenarios_chart(report))
    console.print(render_money.effects_table(report))
    if report.routing_curve:
        console.print(_curve(report))
    if report.cache_curve:
        console.print(_cache(report))
    _workloads(report, console, view)
    console.print(render_charts.workloads_chart(
        report, view.top, 10**4 if view.wide else console.width))
    for line in _overflow(report):
        console.print(line)
    console.print(_onprem(report))
    if report.forecast and (_grows(report) or report.budget):
        console.print(_forecast(report))
    if report.sensitivity:
        console.print(_sensitivity(report))
    render_basis.basis(report, console, view.top, view.details)
    console.print(render_money.reconciliation_table(
        report, None if view.wide else console.width))
    if view.details:
        render_basis.details(report, console)
    else:
        console.print(Text(f"{len(report.assumptions)} assumptions with their sources, and "
                           "what each file gave: plan analyze ... --details"))


_usd = layout.usd


def _scenarios(report: Report) -> Table:
    t = _table("Monthly cost by scenario")
    t.add_column("scenario", no_wrap=True)
    for name in ("monthly cost", "vs as-logged", "vs all-frontier"):
        t.add_column(name, justify="right", no_wrap=True)
    for s in report.scenarios:
        t.add_row(s.name, _usd(s.monthly_cost_usd), _saving(s.savings_vs_as_logged_pct),
                  _saving(s.savings_vs_all_frontier_pct))
    fees = report.server_tool_fees
    if fees:  # web-search fees: a part of every scenario's cost, the same in each
        t.add_section()
        t.add_row("web searches", _usd(fees.monthly_usd), "", "")
        t.caption = "web searches: a part of each scenario's monthly cost"
        t.caption_justify = "left"
    return t


OVERFLOW_NAMED = 5  # workloads named in a reason's line; JSON lists every one


def _overflow(report: Report) -> list[Text]:
    """Cost-bound requests the distilled model cannot take, one line a reason (not a workload:
    600 workloads made 267 lines), the workloads with most such requests named first."""
    reasons: dict[str, list] = {}
    for o in report.envelope_overflow:
        reasons.setdefault(o.reason, []).append(o)
    out = []
    for reason, rows in reasons.items():
        total = count(sum(o.requests for o in rows), "cost-bound request")
        if len(rows) == 1:
            out.append(Text(f"Outside the distilled envelope: {total} of {rows[0].workload} "
                            f"({reason})"))
            continue
        rows.sort(key=lambda o: (-o.requests, o.workload))
        named = ", ".join(f"{o.workload} {o.requests:,}" for o in rows[:OVERFLOW_NAMED])
        rest = len(rows) - OVERFLOW_NAMED
        out.append(Text(f"Outside the distilled envelope ({reason}): {total} of "
                        f"{len(rows)} workloads: {named}"
                        + (f" and {rest:,} more (--format json lists each)" if rest > 0 else "")))
    return out


def _curve(report: Report) -> Table:
    """The routing curve's distinct points (JSON has every bin): how the cost moves as more
    traffic goes to the distilled model, most confidently cost-bound first."""
    t = _table("Routing curve (before the cache; * the routed scenario)")
    for name in ("to distilled", "default label", "monthly cost", "vs as-logged",
                 "vs all-frontier"):
        t.add_column(name, justify="right", no_wrap=True)
    # one row per share and cost as printed (bins differ in the fourth digit), the routed one's
    shown: dict[tuple[str, str], CurvePoint] = {}
    for point in report.routing_curve:
        key = (f"{point.distilled_share:.1%}", _usd(point.monthly_cost_usd))
        if key not in shown or point.marked:
            shown[key] = point
    for (share, _), point in shown.items():
        t.add_row(share + ("*" if point.marked else ""),
                  f"{point.on_default_share:.1%}", _usd(point.monthly_cost_usd),
                  _saving(point.savings_vs_as_logged_pct),
                  _saving(point.savings_vs_all_frontier_pct))
    return t


def _cache(report: Report) -> Table:
    """The cache curve over all workloads (JSON and HTML have each workload's)."""
    t = _table("Cache curve, all workloads (near repeats: estimates)")
    for name in ("similarity", "hit share", "hits a month", "saves a month"):
        t.add_column(name, justify="right", no_wrap=True)
    for p in report.cache_curve:
        if p.workload == "(all)":
            t.add_row("same" if p.threshold >= 1 else f">= {p.threshold}", f"{p.hit_share:.1%}",
                      f"{p.monthly_hits:,}", _usd(p.monthly_saved_usd))
    return t


def _saving(pct: Decimal | None) -> str:
    return render_money.saving(pct)


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
    t = _table("Forecast (monthly cost)")
    t.add_column("month", justify="right")
    for name in names:
        t.add_column(name, justify="right", no_wrap=True)
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


def _sensitivity(report: Report) -> Group:
    t = _table(None)
    t.padding = (0, 0, 0, 1)  # one space and the column rule between figures: 5 more for names
    for col in ("assumption", "low", "base", "high", "routed", "on-prem"):
        # The assumption's name wraps before a figure is cut (a tiny log's on-prem is "x15,719").
        t.add_column(col, justify="left" if col == "assumption" else "right",
                     no_wrap=col != "assumption",
                     overflow="fold" if col == "assumption" else "ellipsis")
    for s in report.sensitivity:
        t.add_row(Text(s.assumption), s.low, s.base, s.high,
                  render_money.changes(s.routed_savings_pct),
                  render_money.changes(s.onprem_savings_pct))
    return Group(Text(render_money.SENSITIVITY_TITLE), t)


def _table(title: str | None) -> Table:
    """Compact tables (no outer frame): more room for names and money at 80 columns."""
    return Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, show_edge=False,
                 pad_edge=False)


_tokens = layout.tokens


def _workloads(report: Report, console: Console, view: View) -> None:
    shown = report.workloads[:view.top]
    rest = report.workloads[view.top:]
    rows = [layout.row_of(w) for w in shown]
    folded = count(len(rest), "more workload")
    extra = [layout.summed(folded, [layout.row_of(w) for w in rest])] if rest else []
    extra.append(layout.summed("total", [layout.row_of(w) for w in report.workloads]))
    console.print(Text(f"Top {len(shown)} of {len(report.workloads)} workloads by all-frontier "
                       "cost (USD a month)" if rest else "Workloads (USD a month)", "bold"))
    for line in layout.render(rows, extra, None if view.wide else console.width):
        console.print(line, soft_wrap=True)
    notes = ["change: routed minus as-logged (negative: routing saves)"]
    if any(r.unpriced for r in [*rows, *extra]):
        notes.append("* as-logged leaves out requests of models without a price")
    console.print(Text("; ".join(notes), "dim"))

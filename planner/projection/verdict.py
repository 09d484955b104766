"""The report's answer in one sentence a manager can repeat: what routing saves and where from,
which workloads need a frontier model, and whether self-hosting pays (issue 20's verdict)."""

from __future__ import annotations

from decimal import Decimal

from planner.report import Report
from planner.wording import count as _count

CAPABILITY = "capability-bound"


def verdict(report: Report) -> str:
    logged, routed = report.scenario("as-logged"), report.scenario("routed")
    cost_bound = [w for w in report.workloads if w.label != CAPABILITY]
    frontier = [w for w in report.workloads if w.label == CAPABILITY]
    change = logged.monthly_cost_usd - routed.monthly_cost_usd
    parts = []
    if not cost_bound:
        parts.append("No workload is cost-bound: routing saves nothing")
    else:
        gains = sorted(cost_bound, key=lambda w: w.monthly_cost_usd["as-logged"]
                       - w.monthly_cost_usd["routed"], reverse=True)
        saving = [w.workload for w in gains[:2]
                  if w.monthly_cost_usd["as-logged"] > w.monthly_cost_usd["routed"]]
        pct = routed.savings_vs_as_logged_pct
        share = f" ({pct}% of as-logged)" if pct is not None else ""
        routing = (f"Routing the {_count(len(cost_bound), 'cost-bound workload')} to the "
                   "distilled model")
        if change == 0:
            parts.append(f"{routing} changes the monthly cost by less than a cent")
        else:
            verb = "saves" if change > 0 else "costs"
            parts.append(f"{routing} {verb} {_usd(abs(change))} a month{share}" + (
                f", mostly from {' and '.join(saving)}" if change > 0 and saving else ""))
    cheaper = _cheaper_on_frontier(report)
    if cheaper:
        parts.append(cheaper)
    if frontier:
        parts.append(f"{_count(len(frontier), 'workload')} "
                     f"{'needs' if len(frontier) == 1 else 'need'} a frontier model")
    else:
        parts.append("no workload needs a frontier model")
    onprem = report.onprem
    if onprem.breakeven_monthly_tokens is None:
        parts.append("self-hosting never pays for this traffic at these prices")
    elif onprem.monthly_tokens < onprem.breakeven_monthly_tokens:
        parts.append(f"self-hosting pays only above {_tokens(onprem.breakeven_monthly_tokens)} "
                     f"tokens a month (now {_tokens(onprem.monthly_tokens)})")
    else:
        parts.append("self-hosting the routed traffic costs less than the distilled API")
    return "; ".join(parts) + "." + _caveats(report)


def _cheaper_on_frontier(report: Report) -> str | None:
    """When every request on the frontier model costs less than routing (the logged models cost
    more than it), the sentence says so, and how to route with the rest moved onto it."""
    everything, routed = report.scenario("all-frontier"), report.scenario("routed")
    if everything.monthly_cost_usd >= routed.monthly_cost_usd:
        return None
    model = next((a.value for a in report.assumptions if a.name == "frontier_model"), None)
    on = f"on {model}" if model else "on the frontier model"
    moved = next((e.monthly_usd for s in report.effects if s.scenario == "routed"
                  for e in s.effects if e.name == "vendor consolidation"), None)
    how = (f" (--frontier {model} routes with the rest moved onto it)"
           if model and moved == 0 else "")
    return (f"every request {on} costs less still, {_usd(everything.monthly_cost_usd)} a month "
            f"(all-frontier), as the logged models cost more than it{how}")


# Under these, a month extrapolated from the log is a rough figure, and the verdict says so.
FEW_REQUESTS = 1000
SHORT_DAYS = 7


def _caveats(report: Report) -> str:
    """What the sentence rests on, when it rests on little: few requests, a short window,
    traffic with no price (left out of as-logged, so its percentage is of the priced part)."""
    out = []
    accepted, days = report.ingest.accepted, report.window.days
    if accepted < FEW_REQUESTS or days < SHORT_DAYS:
        out.append(f"It rests on {_count(accepted, 'request')} over {report.window.span}, "
                   "scaled to a month: a rough estimate.")
    unpriced = sum(m.requests for m in report.unpriced_models)
    if unpriced:
        out.append(f"{_count(unpriced, 'request')} of "
                   f"{_count(len(report.unpriced_models), 'model')} with no price "
                   f"{'is' if unpriced == 1 else 'are'} left out of as-logged.")
    return "".join(" " + o for o in out)


def _usd(amount: Decimal) -> str:
    return f"${amount:,.2f}"


def _tokens(n: int) -> str:
    for unit, size in (("B", 10**9), ("M", 10**6), ("k", 10**3)):
        if n >= size:
            return f"{n / size:.1f}{unit}"
    return str(n)

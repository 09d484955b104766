"""What the terminal report rests on (the lines read, the models, why each top workload got its
label), and the details behind `--details` (per-file ingest, reject reasons, assumptions).

Lists rather than tables: prose wraps between words at any width, so a file name, a model or
an assumption's value is never cut into a column cell.
"""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from planner.report import Report, Workload
from planner.wording import count as _count

MAX_REASONS_SHOWN = 5


RESOLVED_SHOWN = 3  # model ids resolved to a price entry listed without --details


def basis(report: Report, console: Console, top: int, details: bool = False) -> None:
    i = report.ingest
    console.print(Text("What it rests on", "bold"))
    failed = f" + {i.failed:,} failed" if i.failed else ""
    failed += f" + {i.outside:,} outside --since/--until" if i.outside else ""
    sources = sorted({f.source for f in i.files})
    console.print(Text(
        f"Ingest: {i.read:,} lines read = {i.accepted:,} accepted + {i.rejected:,} rejected + "
        f"{_count(i.duplicates, 'duplicate')}{failed}, from {_count(len(i.files), 'file')} "
        f"read as {', '.join(sources)}"))
    _reasons(report, console)
    if report.unpriced_models:
        console.print(Text.assemble(
            ("Models without a price", "bold red"), " (left out of as-logged): ",
            ", ".join(f"{m.model} ({_count(m.requests, 'request')})"
                      for m in report.unpriced_models)))
    _searches(report, console)
    resolved = [m for m in report.model_ids if not m.approximate]
    listed = details or len(resolved) <= RESOLVED_SHOWN
    for m in report.model_ids if listed else [m for m in report.model_ids if m.approximate]:
        console.print(Text.assemble(
            ("Priced as another entry" if m.approximate else "Model id resolved", "bold red"
             if m.approximate else "bold"), f": {m.model} ({_count(m.requests, 'request')}) as "
            f"{m.priced_as}: {m.why}"))
    if not listed:
        console.print(Text.assemble(
            ("Model ids resolved", "bold"), f": {len(resolved)} ids priced at the entry they "
            "name (a vendor or region prefix, a version or date suffix removed); --details "
            "shows each and how"))
    spend = report.logged_spend
    if spend:
        console.print(Text(
            f"Cost recorded in the logs for {spend.requests:,} requests over the window: "
            f"${spend.logged_usd:,.6f}; plan's as-logged prices for the same requests: "
            f"${spend.as_logged_usd:,.6f}"
            + (f" ({spend.unpriced_requests:,} without a price)"
               if spend.unpriced_requests else "")))
    console.print(Text("Why each label:"))
    for w in report.workloads[:top]:
        console.print(Text(f"  {w.workload}: " + "; ".join(w.reasons[:2]) + _confidence(w)))


def _searches(report: Report, console: Console) -> None:
    """Web searches and their fee (in every scenario), and those whose fee is unknown."""
    fees = report.server_tool_fees
    if fees is None:
        return
    console.print(Text(
        f"Web searches: {fees.searches:,} over the window ({fees.monthly_searches:,} a month): "
        f"${fees.monthly_usd:,.2f} a month in every scenario's cost"))
    if fees.unpriced:
        console.print(Text.assemble(
            ("Web searches without a fee", "bold red"), " (left out of every scenario): ",
            ", ".join(f"{u.model} ({u.searches:,}, {u.provider or 'no price'})"
                      for u in fees.unpriced)))


def _reasons(report: Report, console: Console) -> None:
    """Why lines were rejected or failed: the first line of each kind (the warnings send here)."""
    i = report.ingest
    for title, reasons in (("Rejected lines (first of each kind):", i.reject_reasons),
                           ("Failed requests, recorded as errors in the log (not priced):",
                            i.failure_reasons)):
        if reasons:
            console.print(Text(title))
            for r in reasons[:MAX_REASONS_SHOWN]:
                console.print(Text(f"  x{r.count:,}  {r.first}: {r.describe()}"))
        if len(reasons) > MAX_REASONS_SHOWN:
            console.print(Text(f"  ... {_count(len(reasons) - MAX_REASONS_SHOWN, 'more reason')} "
                               "(--format json lists them all)"))


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


def details(report: Report, console: Console) -> None:
    i = report.ingest
    console.print(Text("Files read", "bold"))
    for f in i.files:
        console.print(Text(
            f"  {f.path}: read as {f.source}{' (cached)' if f.reused else ''}; {f.read:,} read, "
            f"{f.accepted:,} accepted, {f.rejected:,} rejected, {f.duplicates:,} duplicates"
            + (f", {f.failed:,} failed" if f.failed else "")
            + (f", {f.outside:,} outside --since/--until" if f.outside else "")
            + (f"; it grew: {f.read - f.read_after:,} new lines read after line "
               f"{f.read_after:,}" if f.read_after else "")))
    if i.bodies:
        console.print(Text(
            f"{i.bodies:,} request bodies read from OpenAI batch input files; "
            f"{i.bodies_joined:,} batch output requests got theirs (custom_id), for "
            "classification. Bodies are not lines of their own."))
    if i.skipped:
        console.print(Text(f"{i.skipped:,} OpenTelemetry spans that are not LLM calls "
                           "(no gen_ai attributes) were skipped; they are not lines of plan's."))
    console.print(Text("Assumptions (name = value, then its source)", "bold"))
    for a in report.assumptions:
        console.print(Text(f"  {a.name} = {a.value}"))
        console.print(Text(f"      {a.source}", "dim"))

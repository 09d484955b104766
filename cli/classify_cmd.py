"""`plan samples` and `plan eval`: look at the classification request by request, and measure
it on prompts labelled without plan."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from cli.errors import reported
from cli.hygiene import printable
from cli.options import (
    DbOpt,
    KeepTextOpt,
    LogsArg,
    OverridesOpt,
    PricingOpt,
    RulesOpt,
    TextSampleOpt,
)
from planner import evaluation, pipeline
from planner.samples import cache_pairs as read_cache_pairs
from planner.samples import samples as read_samples
from planner.settings import Settings
from planner.stages.signals import DEFAULT_PER_WORKLOAD

SHOWN_CHARS = 240  # of a request's text, unless --full


def samples(
    logs: LogsArg,
    workload: Annotated[str, typer.Option("--workload", "-w", help="The workload to show.")],
    label: Annotated[str | None, typer.Option(
        help="Only requests with this label (capability-bound or cost-bound).")] = None,
    rule: Annotated[str | None, typer.Option(help="Only requests this rule labelled.")] = None,
    number: Annotated[int, typer.Option("--number", "-n", min=1, help="How many.")] = 5,
    full: Annotated[bool, typer.Option(
        "--full", help=f"Show each request's whole text (default: its first {SHOWN_CHARS} "
        "characters).")] = False,
    db: DbOpt = None,
    pricing: PricingOpt = None,
    rules: RulesOpt = None,
    overrides: OverridesOpt = None,
    text_sample: TextSampleOpt = DEFAULT_PER_WORKLOAD,
    keep_text: KeepTextOpt = False,
) -> None:
    """Requests of one workload with the label, rule and evidence that decided each."""
    options = pipeline.AnalyzeOptions(
        db=db, pricing=pricing, rules=str(rules) if rules else None,
        overrides=str(overrides) if overrides else None, text_sample=text_sample,
        keep_text=keep_text)
    with reported():
        found = read_samples(logs, options, workload, label, rule, number)
    out = Console(highlight=False)
    if not found:
        _put(out, "no requests match")
    for s in found:
        _put(out, f"{s.where}  {s.label}  rule {s.rule}  ({s.domain})")
        _put(out, f"  evidence: {shown(s.evidence)}")
        text = shown(s.text, keep_lines=full)
        if not full and len(text) > SHOWN_CHARS:
            text = text[:SHOWN_CHARS - 1] + "…"
        _put(out, f"  text: {text or '(no text logged)'}")


def cache_pairs(
    logs: LogsArg,
    workload: Annotated[str, typer.Argument(help="The workload to show.")],
    number: Annotated[int, typer.Option("--number", "-n", min=1, help="How many.")] = 10,
    cache_ttl_hours: Annotated[float, typer.Option(
        "--cache-ttl-hours", min=0, help="How long a cached answer is kept (default 24).")] = 24,
    db: DbOpt = None,
    rules: RulesOpt = None,
    text_sample: TextSampleOpt = DEFAULT_PER_WORKLOAD,
) -> None:
    """Near repeats the cache curve counts for one workload, with both prompts, so that you can
    judge whether the earlier answer would have served (a false hit the logs cannot show)."""
    options = pipeline.AnalyzeOptions(
        db=db, rules=str(rules) if rules else None, text_sample=text_sample,
        settings=Settings(cache_ttl_hours=Decimal(str(cache_ttl_hours))))
    with reported():
        found = read_cache_pairs(logs, options, workload, number)
    out = Console(highlight=False)
    if not found:
        _put(out, "no near repeats (similarity 0.85 or more, within the TTL) in this workload's "
             "sampled texts")
    for p in found:
        _put(out, f"similarity {p.similarity:.3f}, {p.seconds_apart:,.0f} s apart")
        for where, text in ((p.earlier, p.earlier_text), (p.where, p.text)):
            cut = shown(text)
            cut = cut if len(cut) <= SHOWN_CHARS else cut[:SHOWN_CHARS - 1] + "…"
            _put(out, f"  {where}: {cut or '(no text logged)'}")


def evaluate(
    labelled: Annotated[list[Path], typer.Argument(
        help="JSON-lines files (or folders of them) of labelled prompts: id, label, domain, "
        "prompt[, system_prompt, split].")],
    split: Annotated[str | None, typer.Option(
        help="Only prompts of this split (e.g. dev).")] = None,
    misses: Annotated[int, typer.Option(min=0, help="List this many wrong labels.")] = 0,
    rules: RulesOpt = None,
    pricing: PricingOpt = None,
) -> None:
    """Precision, recall and F1 of capability-bound on prompts labelled without plan."""
    options = pipeline.AnalyzeOptions(rules=str(rules) if rules else None, pricing=pricing)
    with reported():
        result = evaluation.evaluate([str(p) for p in labelled], options, split)
    out = Console(highlight=False)
    table = Table(title=f"Labelled prompts: {result.prompts}"
                  + (f" (split {split})" if split else ""), title_justify="left", box=None,
                  pad_edge=False, header_style="bold")  # (fits 80 columns uncut)
    table.add_column("domain", no_wrap=True)
    table.add_column("label", no_wrap=True)
    for name in ("prompts", "as cap.", "recall", "precision", "F1"):
        table.add_column(name, justify="right", no_wrap=True)
    for d in result.domains:
        capability = d.label == evaluation.CAPABILITY
        table.add_row(d.domain, "capability" if capability else "cost", str(d.prompts),
                      str(d.called_capability),
                      f"{d.share:.2f}" if capability else "-", _fmt(d.precision),
                      _fmt(d.f1))
    _put(out, table)
    out.print("label: the suite's (capability- or cost-bound); as cap.: prompts plan called "
              "capability-bound (false positives in a cost-bound domain); a capability domain's "
              "precision counts the prompts plan put in that domain.")
    _put(out, f"capability-bound: precision {result.precision:.3f}, recall {result.recall:.3f}, "
              f"F1 {result.f1:.3f} (TP {result.true_pos}, FP {result.false_pos}, "
              f"FN {result.false_neg})")
    for ident, want, rule in result.misses[:misses]:
        _put(out, f"  miss: {shown(ident)} is {want}, rule {rule}")


def _put(out: Console, text: str) -> None:
    """One line of plain text (log text is never read as markup, never hard-wrapped)."""
    out.print(text, markup=False, soft_wrap=True)


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def shown(text: str, keep_lines: bool = False) -> str:
    """Log text made safe for a terminal (cli/hygiene.py): whitespace runs folded to one space,
    or with keep_lines each line kept and made printable on its own."""
    if keep_lines:
        return "\n".join(printable(line) for line in text.splitlines())
    return printable(" ".join(text.split()))

"""Self-contained report blocks about money's causes: each scenario's change against as-logged
split by effect, and the logs' own recorded cost beside plan's. Terminal (Rich) and HTML."""

from __future__ import annotations

from decimal import Decimal
from html import escape

from rich.console import Group
from rich.table import Table
from rich.text import Text

from cli import layout
from planner.report import Report

_TITLE = "Change against as-logged, by cause (monthly; negative saves)"
SENSITIVITY_TITLE = ("Sensitivity: routed and on-prem against all-frontier with each assumption "
                     "at its low / high (negative saves, x: times as much; largest swing first)")


def saving(pct: Decimal | None) -> str:
    """A scenario against another: "saves 12.5%", "costs 40.0% more", and past ten times as
    much, "costs 12.0x as much" (a tiny base makes percentages of six digits unreadable)."""
    if pct is None:
        return "-"
    if pct >= 0:
        return f"saves {pct}%"
    if -pct <= 900:
        return f"costs {-pct}% more"
    times = 1 - pct / 100
    return f"costs {times:,.1f}x as much" if times < 100 else f"costs {times:,.0f}x as much"


def change(pct: Decimal, times: bool = False) -> str:
    """The short form of saving() for a table's cell: the change against the other scenario,
    negative saves ("-8.9%", "+81.4%"), and past ten times as much (or when `times`) "x32.2"."""
    if -pct <= 900 and not times:
        return "0.0%" if pct == 0 else f"{-pct:+}%"
    n = 1 - pct / 100
    return f"x{n:,.2f}" if n < 10 else f"x{n:,.1f}" if n < 100 else f"x{n:,.0f}"


def changes(pcts: tuple[Decimal, ...]) -> str:
    """Low / high in one cell, both in the same form: "x19.7 / x6.8", not "x19.7 / +581.2%"."""
    times = any(-p > 900 for p in pcts)
    return " / ".join(change(p, times) for p in pcts)


def _signed(amount: Decimal, places: int = 2) -> str:
    sign = "-" if amount < 0 else "+" if amount > 0 else ""
    return f"{sign}${abs(amount):,.{places}f}"


def _rows(report: Report) -> tuple[list[str], list[tuple[str, list[str], str]]]:
    """Scenarios, and per effect: its name, its amount in each scenario ("" where it does not
    apply) and what it is (routed's wording). Effects that are zero everywhere are left out,
    except vendor consolidation, whose $0 says that nothing was consolidated."""
    scenarios = [s.scenario for s in report.effects]
    names: dict[str, str] = {}
    for s in sorted(report.effects, key=lambda s: s.scenario != "routed"):
        for e in s.effects:
            if e.monthly_usd or e.name == "vendor consolidation":
                names.setdefault(e.name, e.what)
    order = [e.name for s in report.effects for e in s.effects]
    rows = []
    for name, what in sorted(names.items(), key=lambda kv: order.index(kv[0])):
        cells = []
        for s in report.effects:
            found = [e for e in s.effects if e.name == name]
            cells.append(_signed(found[0].monthly_usd) if found else "")
        rows.append((name, cells, what))
    rows.append(("change", [_signed(s.change_usd) for s in report.effects],
                 "the scenario's monthly cost - as-logged's: the sum of the lines above"))
    return scenarios, rows


def _unpriced_note(report: Report) -> str:
    n = max((s.unpriced_requests for s in report.effects), default=0)
    return (f"{n:,} requests have no as-logged price: what they cost today is unknown, so "
            "their part of each change ('unpriced traffic') is neither a saving nor a cost."
            if n else "")


def effects_table(report: Report) -> Group:
    if not report.effects:
        return Group()
    scenarios, rows = _rows(report)
    t = Table(title=_TITLE, title_justify="left")
    t.add_column("effect")
    for name in scenarios:
        t.add_column(name, justify="right")
    for name, cells, _ in rows:
        t.add_row(name, *cells, style="bold" if name == "change" else None)
    lines = [Text(f"  {name}: {what}") for name, _, what in rows[:-1]]
    note = _unpriced_note(report)
    return Group(t, *lines, *([Text(note)] if note else []))


def effects_html(report: Report) -> str:
    if not report.effects:
        return ""
    scenarios, rows = _rows(report)
    head = "".join(f"<th class='num'>{escape(s)}</th>" for s in scenarios)
    body = "".join(
        f"<tr class='effect' data-effect='{escape(name, quote=True)}'><td>{escape(name)}</td>"
        + "".join(f"<td class='num'>{escape(c)}</td>" for c in cells)
        + f"<td>{escape(what)}</td></tr>" for name, cells, what in rows)
    note = _unpriced_note(report)
    return (f"<h2>{escape(_TITLE)}</h2><div class='scroll'><table><thead><tr><th>effect</th>"
            f"{head}<th>what</th></tr></thead><tbody>{body}</tbody></table></div>"
            + (f"<p>{escape(note)}</p>" if note else ""))


_RECON_TITLE = "What the logs recorded against plan's as-logged prices (over the window)"


def _recon_rows(report: Report) -> list[tuple[str, list[str], tuple[str, ...]]]:
    spend = report.logged_spend
    if spend is None or not spend.by_model:
        return []
    out = []
    for m in spend.by_model:
        ours = "unknown" if m.as_logged_usd is None else f"${m.as_logged_usd:,.6f}"
        diff = "unknown" if m.difference_usd is None else (
            _signed(m.difference_usd, 6)
            + (f" ({m.difference_pct:+}%)" if m.difference_pct is not None else ""))
        out.append((m.model, [f"{m.requests:,}", f"${m.logged_usd:,.6f}", ours, diff],
                    m.explanations))
    return out


_RECON_HEAD = ("model", "requests", "logged", "plan as-logged", "plan - logged")


def reconciliation_table(report: Report, width: int | None) -> Group:
    """One aligned line a model when the lines fit `width` (None: any width), its explanations
    below the table; else each model on a line of its own, its figures and explanations under
    it (a Vertex AI resource path is 100 characters: folding it inside a cell made a row of
    seven lines at 80 columns)."""
    rows = _recon_rows(report)
    if not rows:
        return Group()
    title = Text(_RECON_TITLE, "bold")
    flat = layout.aligned(_RECON_HEAD, [[model, *cells] for model, cells, _ in rows], {0},
                          width, ())
    if flat is not None:
        return Group(title, *(Text(line) for line in flat),
                     *(Text(f"  {model}: {why}") for model, _, whys in rows for why in whys))
    figures = layout.aligned(_RECON_HEAD[1:], [cells for _, cells, _ in rows], set(), None, ())
    assert figures is not None  # (no width: always fits)
    head, rule, *lines = figures
    out = [title, Text("model, then its figures and what could explain the difference:"),
           Text("  " + head), Text("  " + rule)]
    for (model, _, whys), line in zip(rows, lines, strict=True):
        out += [Text(model), Text("  " + line), *(Text(f"    {why}", "dim") for why in whys)]
    return Group(*out)


def reconciliation_html(report: Report) -> str:
    rows = _recon_rows(report)
    if not rows:
        return ""
    body = "".join(
        f"<tr class='reconciled'><td>{escape(model)}</td>"
        + "".join(f"<td class='num'>{escape(c)}</td>" for c in cells)
        + f"<td>{'<br>'.join(escape(w) for w in whys)}</td></tr>" for model, cells, whys in rows)
    head = "".join(f"<th class='num'>{h}</th>" for h in
                   ("requests", "logged", "plan as-logged", "plan - logged"))
    return (f"<h2>{escape(_RECON_TITLE)}</h2><div class='scroll'><table><thead><tr>"
            f"<th>model</th>{head}<th>what could explain it</th></tr></thead><tbody>{body}"
            "</tbody></table></div>")

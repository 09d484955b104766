"""Bar charts in the terminal, drawn with Rich: the monthly cost of each scenario, and each
workload's share of all-frontier spend coloured by its label. Bars are block characters (eighths
of a cell), so they keep their meaning without colour (NO_COLOR, or output that is not a
terminal, where Rich drops colour by itself) and fit an 80-column terminal."""

from __future__ import annotations

from decimal import Decimal

from rich.console import Group
from rich.table import Table
from rich.text import Text

from planner.report import Report
from planner.wording import count

LABEL_STYLE = {"capability-bound": "magenta", "cost-bound": "green"}
SCENARIO_STYLE = {"as-logged": "white", "all-frontier": "magenta", "routed": "green",
                  "on-prem": "cyan"}
_EIGHTHS = " ▏▎▍▌▋▊▉"
BAR_WIDTH = 30  # cells: the longest bar; the rest of 80 columns holds names and figures
MAX_WORKLOADS = 12


def bar(value: Decimal, largest: Decimal, width: int = BAR_WIDTH) -> str:
    """A horizontal bar of `value / largest` of `width` cells, to an eighth of a cell."""
    if largest <= 0 or value <= 0:
        return ""
    eighths = int((value / largest * width * 8).to_integral_value())
    eighths = max(eighths, 1)  # a non-zero value always shows
    full, part = divmod(eighths, 8)
    return "█" * full + (_EIGHTHS[part] if part else "")


def scenarios_chart(report: Report) -> Table:
    costs = {s.name: s.monthly_cost_usd for s in report.scenarios}
    largest = max(costs.values(), default=Decimal(0))
    t = Table.grid(padding=(0, 1))
    t.add_column(no_wrap=True)
    t.add_column(justify="right", no_wrap=True)
    t.add_column(no_wrap=True)
    for name, usd in costs.items():
        t.add_row(name, f"${usd:,.2f}", Text(bar(usd, largest), SCENARIO_STYLE.get(name, "")))
    return t


def workloads_chart(report: Report, top: int = MAX_WORKLOADS, width: int = 80) -> Group:
    """Bars as long as the terminal leaves beside the longest name (never cut)."""
    total = sum((w.monthly_cost_usd["all-frontier"] for w in report.workloads), Decimal(0))
    # the table's order (the report's: all-frontier cost before rounding), so that both name
    # the same workloads when many round to the same cent
    shown = report.workloads[:top]
    longest = max((len(w.workload) for w in shown), default=0)
    cells = max(8, min(BAR_WIDTH, width - longest - 10))  # name, share, mark and gaps
    largest = max((w.monthly_cost_usd["all-frontier"] for w in shown), default=Decimal(0))
    t = Table.grid(padding=(0, 1))
    t.title = "Share of all-frontier spend by workload"
    t.title_justify = "left"
    t.add_column(no_wrap=True)
    t.add_column(justify="right", no_wrap=True)
    t.add_column(no_wrap=True)
    for w in shown:
        usd = w.monthly_cost_usd["all-frontier"]
        share = usd / total * 100 if total else Decimal(0)
        # A marker as well as the colour, so the label reads without colour.
        mark = "C" if w.label == "capability-bound" else "c"
        t.add_row(Text(w.workload), f"{share:.1f}%",
                  Text(f"{mark} " + bar(usd, largest, cells), LABEL_STYLE.get(w.label, "")))
    parts: list[Table | Text] = [t]
    if len(report.workloads) > len(shown):
        more = count(len(report.workloads) - len(shown), "more workload")
        parts.append(Text(f"  ... {more}"))
    parts.append(Text("  C capability-bound (frontier), c cost-bound (distilled will do)"))
    return Group(*parts)

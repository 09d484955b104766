"""Fitting the workload table to the terminal: which columns to show at a given width, and the
stacked layout when even the essential columns do not fit beside a long name.

Names and money are never cut: columns are dropped by priority (the least useful first) until
the rest fits; when the workload name and the money columns alone are wider than the terminal,
each workload takes two lines (its name, then its figures). Drawn as plain aligned text, so the
width of every line is known exactly (a test checks it at 80, 120 and 200 columns).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from rich.text import Text

from planner.report import SCENARIOS, Workload

GAP = 2  # spaces between columns
INDENT = 2  # the figures line of the stacked layout
LABEL_STYLE = {"capability-bound": "magenta", "cost-bound": "green"}
SHORT_LABEL = {"capability-bound": "cap", "cost-bound": "cost"}


def usd(amount: Decimal) -> str:
    return f"-${-amount:,.2f}" if amount < 0 else f"${amount:,.2f}"


def signed_usd(amount: Decimal) -> str:
    return "+" + usd(amount) if amount > 0 else usd(amount)


def tokens(n: int) -> str:
    for unit, size in (("B", 10**9), ("M", 10**6), ("k", 10**3)):
        if n >= size:
            return f"{n / size:.1f}{unit}"
    return str(n)


@dataclass(frozen=True)
class Row:
    """One line of the table: a workload, the rest folded into one, or the total."""

    name: str
    label: str  # "" for the folded and total rows
    capability_share: Decimal | None
    requests: int
    input_tokens: int
    output_tokens: int
    cached_input_tokens: int
    costs: dict[str, Decimal]  # scenario -> monthly USD
    unpriced: bool = False  # as-logged leaves out requests of models without a price

    @property
    def change(self) -> Decimal:
        return self.costs["routed"] - self.costs["as-logged"]


def row_of(w: Workload) -> Row:
    return Row(w.workload, w.label, w.capability_share, w.requests, w.input_tokens,
               w.output_tokens, w.cached_input_tokens, dict(w.monthly_cost_usd),
               w.unpriced_requests > 0)


def summed(name: str, rows: Sequence[Row]) -> Row:
    return Row(name, "", None, sum(r.requests for r in rows),
               sum(r.input_tokens for r in rows), sum(r.output_tokens for r in rows),
               sum(r.cached_input_tokens for r in rows),
               {s: sum((r.costs[s] for r in rows), Decimal(0)) for s in SCENARIOS},
               any(r.unpriced for r in rows))


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    cell: Callable[[Row], str]
    left: bool = False


def _label(r: Row) -> str:
    return r.label


def _cached(r: Row) -> str:
    return f"{r.cached_input_tokens / r.input_tokens:.0%}" if r.input_tokens else "-"


def _scenario(name: str) -> Callable[[Row], str]:
    def cell(r: Row) -> str:
        return usd(r.costs[name]) + ("*" if name == "as-logged" and r.unpriced else "")
    return cell


COLUMNS = {c.key: c for c in (
    Column("label", "label", _label, left=True),
    Column("short", "", lambda r: SHORT_LABEL.get(r.label, ""), left=True),
    Column("cap", "cap.", lambda r: "" if r.capability_share is None
           else f"{r.capability_share:.0%}"),
    Column("requests", "requests", lambda r: f"{r.requests:,}"),
    Column("tokens", "tokens in/out", lambda r: f"{tokens(r.input_tokens)}/"
           f"{tokens(r.output_tokens)}"),
    Column("cached", "cached in", _cached),
    *(Column(s, s, _scenario(s)) for s in SCENARIOS),
    Column("change", "change", lambda r: signed_usd(r.change)),
)}

# Widest first; each next layout drops what matters least. Names and the as-logged, routed
# and change columns are never dropped.
LAYOUTS: tuple[tuple[str, ...], ...] = (
    ("label", "cap", "requests", "tokens", "cached", *SCENARIOS, "change"),
    ("label", "requests", "cached", *SCENARIOS, "change"),
    ("label", "requests", *SCENARIOS, "change"),
    ("short", "requests", *SCENARIOS, "change"),
    ("short", *SCENARIOS, "change"),
    ("short", "as-logged", "all-frontier", "routed", "change"),
    ("as-logged", "routed", "change"),
)


def _widths(keys: Sequence[str], rows: Sequence[Row]) -> list[int]:
    return [max(len(COLUMNS[k].header), *(len(COLUMNS[k].cell(r)) for r in rows))
            for k in keys]


def _line(cells: Sequence[str], widths: Sequence[int], keys: Sequence[str]) -> str:
    return (" " * GAP).join(c.ljust(w) if COLUMNS[k].left else c.rjust(w)
                            for c, w, k in zip(cells, widths, keys, strict=True))


def render(rows: Sequence[Row], extra: Sequence[Row], width: int | None) -> list[Text]:
    """The table's lines: `rows` (workloads), then `extra` (folded rest, total) under a rule.
    width None: every column (--wide)."""
    everything = [*rows, *extra]
    name_width = max(len("workload"), *(len(r.name) for r in everything))
    # Every scenario beside the name if it fits; else every scenario under the name (two lines
    # a workload); else fewer scenarios beside the name; else the fewest under it.
    every = LAYOUTS.index(("short", *SCENARIOS, "change"))
    for keys in LAYOUTS[:every + 1]:
        widths = _widths(keys, everything)
        if width is None or name_width + GAP + _span(keys, widths) <= width:
            return _flat(rows, extra, keys, widths, name_width)
    widths = _widths(LAYOUTS[every], everything)
    if INDENT + _span(LAYOUTS[every], widths) <= width:
        return _stacked(rows, extra, LAYOUTS[every], widths)
    for keys in LAYOUTS[every + 1:]:
        widths = _widths(keys, everything)
        if name_width + GAP + _span(keys, widths) <= width:
            return _flat(rows, extra, keys, widths, name_width)
    return _stacked(rows, extra, keys, widths)


def _span(keys: Sequence[str], widths: Sequence[int]) -> int:
    return sum(widths) + GAP * (len(keys) - 1)


def _styled(text: str, label: str) -> Text:
    return Text(text, LABEL_STYLE.get(label, ""))


def _flat(rows: Sequence[Row], extra: Sequence[Row], keys: Sequence[str], widths: list[int],
          name_width: int) -> list[Text]:
    def line(r: Row) -> Text:
        return Text.assemble(r.name.ljust(name_width), " " * GAP,
                             _styled(_line([COLUMNS[k].cell(r) for k in keys], widths, keys),
                                     r.label))
    head = Text("workload".ljust(name_width) + " " * GAP
                + _line([COLUMNS[k].header for k in keys], widths, keys), "bold")
    rule = Text("-" * len(head.plain))
    return [head, rule, *(line(r) for r in rows), rule, *(line(r) for r in extra)]


def _stacked(rows: Sequence[Row], extra: Sequence[Row], keys: Sequence[str],
             widths: list[int]) -> list[Text]:
    def lines(r: Row) -> list[Text]:
        return [Text(r.name, "bold" if not r.label else ""),
                _styled(" " * INDENT + _line([COLUMNS[k].cell(r) for k in keys], widths, keys),
                        r.label)]
    head = Text(" " * INDENT + _line([COLUMNS[k].header for k in keys], widths, keys), "bold")
    rule = Text("-" * len(head.plain))
    out = [Text("workload, then its figures:"), head, rule]
    for r in rows:
        out += lines(r)
    out.append(rule)
    for r in extra:
        out += lines(r)
    return out


def aligned(headers: Sequence[str], rows: Sequence[Sequence[str]], left: set[int],
            width: int | None, drop: Sequence[int]) -> list[str] | None:
    """Plain aligned lines of a table, dropping the columns in `drop` (in that order) until
    the lines fit `width`; None when even the rest does not fit (the caller stacks)."""
    keep = list(range(len(headers)))
    for column in (None, *drop):
        if column is not None:
            keep.remove(column)
        widths = {i: max(len(headers[i]), *(len(r[i]) for r in rows)) for i in keep}
        if width is None or sum(widths.values()) + GAP * (len(keep) - 1) <= width:
            head = _aligned_line(headers, widths, left)
            return [head, "-" * len(head), *(_aligned_line(r, widths, left) for r in rows)]
    return None


def _aligned_line(cells: Sequence[str], widths: dict[int, int], left: set[int]) -> str:
    return (" " * GAP).join(cells[i].ljust(w) if i in left else cells[i].rjust(w)
                            for i, w in widths.items()).rstrip()

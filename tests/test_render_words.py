"""How a saving reads in the report: the scenario table's words and the sensitivity table's
short form, on values worked out by hand."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from cli.render_money import change, changes, saving


@pytest.mark.parametrize(("pct", "words", "short"), [
    (D("22.1"), "saves 22.1%", "-22.1%"),
    (D("0.0"), "saves 0.0%", "0.0%"),
    (D("-81.4"), "costs 81.4% more", "+81.4%"),
    (D("-900"), "costs 900% more", "+900%"),
    # $2,009.74 against $145.38: 1 + 1282.4 / 100 = 13.824 times as much.
    (D("-1282.4"), "costs 13.8x as much", "x13.8"),
    # $1,898.00 against $0.12: 1,571,771.6% more is 15,718.716 times as much.
    (D("-1571771.6"), "costs 15,719x as much", "x15,719"),
])
def test_saving_words_and_short_form(pct: D, words: str, short: str) -> None:
    assert saving(pct) == words
    assert change(pct) == short


def test_no_saving_is_a_dash() -> None:
    assert saving(None) == "-"


def test_low_and_high_read_in_one_form() -> None:
    # 581.2% more is 6.812 times as much: beside x19.7 it reads x6.81, not +581.2%.
    assert changes((D("-1867.4"), D("-581.2"))) == "x19.7 / x6.81"
    assert changes((D("20.1"), D("-60.0"))) == "-20.1% / +60.0%"


def test_routing_curve_rows_that_print_alike_are_one_row() -> None:
    """Bins 0.9978 and 0.9981 of the share print alike (99.8%, $0.16): one row, the routed
    scenario's (marked) kept; a bin of the same share but another cost keeps its row."""
    from types import SimpleNamespace

    from rich.console import Console

    from cli.render_table import _curve
    from planner.report import CurvePoint

    def point(share: str, cost: str, marked: bool = False) -> CurvePoint:
        return CurvePoint(D("0.5"), D(share), D(share), D(cost), None, None, marked)

    report = SimpleNamespace(routing_curve=[
        point("0", "0.80"), point("0.9978", "0.16"), point("0.9981", "0.16", marked=True),
        point("0.9983", "0.16"), point("0.9984", "0.15"), point("1", "0.14")])
    console = Console(width=100, record=True)
    console.print(_curve(report))  # type: ignore[arg-type]
    rows = [line.split() for line in console.export_text().splitlines()[3:] if line.strip()]
    assert [row[:2] + row[2:3] for row in rows] == [
        ["0.0%", "0.0%", "$0.80"], ["99.8%*", "99.8%", "$0.16"], ["99.8%", "99.8%", "$0.15"],
        ["100.0%", "100.0%", "$0.14"]]

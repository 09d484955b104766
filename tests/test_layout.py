"""The terminal report at 80, 120 and 200 columns: golden files over sample_logs/ and over a
600-workload log made here, and checks that no line is wider than the terminal and that no
workload name or money figure is cut (the figures are formatted here from the JSON report)."""

from __future__ import annotations

import io
import json
import os
from decimal import Decimal
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from cli.app import app
from cli.hygiene import cleaned
from cli.render_table import OVERFLOW_NAMED, View, render
from planner.outputs.formats import to_json
from planner.pipeline import AnalyzeOptions, analyze
from planner.wording import count
from tests.conftest import ROOT

GOLDEN = Path(__file__).parent / "golden"
WIDTHS = (80, 120, 200)
TASKS = ("customer_support", "extraction", "summarization", "classification", "code_agent")


def many_workloads(path: Path, n: int = 600) -> Path:
    """n workloads, two requests each, names from 6 to 46 characters, costs all different."""
    lines = []
    for i in range(n):
        name = f"wl-{i:03d}" if i % 7 else f"customer-facing-assistant-eu-west-team-{i:03d}-x"
        lines.extend(json.dumps({
                "timestamp": f"2026-10-{1 + (i + j * 13) % 28:02d}T{(i * 7) % 24:02d}:00:00Z",
                "request_id": f"r{i}-{j}", "workload": name,
                "model": "gpt-5" if i % 3 else "gpt-4o",
                "input_tokens": 1000 + (i * 7919) % 90000, "output_tokens": 50 + (i * 31) % 4000,
                "tool_calls": 8 if TASKS[i % 5] == "code_agent" else 0,
                "task_type": TASKS[i % 5]}) for j in range(2))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    logs = tmp_path_factory.mktemp("logs")
    many_workloads(logs / "many.jsonl")
    here, out = os.getcwd(), {}
    try:  # file names in the report as the golden files have them, relative
        os.chdir(ROOT)
        out["sample_logs"] = analyze(["sample_logs/"], AnalyzeOptions(db=":memory:"))
        os.chdir(logs)
        out["600_workloads"] = analyze(["many.jsonl"], AnalyzeOptions(db=":memory:"))
    finally:
        os.chdir(here)
    return out


def shown(report, width: int, view: View | None = None) -> str:
    out = io.StringIO()
    render(cleaned(report), Console(file=out, width=width, highlight=False, color_system=None),
           view or View())
    return out.getvalue()


def _usd(d: Decimal) -> str:
    return f"-${-d:,.2f}" if d < 0 else f"${d:,.2f}"


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("log", ["sample_logs", "600_workloads"])
def test_report_fits_the_terminal_without_cutting_names_or_money(reports, log, width):
    report = reports[log]
    text = shown(report, width)
    path = GOLDEN / f"{log}_{width}.txt"
    if os.environ.get("PLAN_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= width
    data = json.loads(to_json(report), parse_float=Decimal)
    # The answer comes first.
    flowing = " ".join(text.split())
    assert flowing.index(" ".join(data["verdict"].split())) < 160  # after the one header line
    top, rest = data["workloads"][:10], data["workloads"][10:]
    table = lines[lines.index(next(x for x in lines if x.startswith(("Top ", "Workloads ("))))
                  :lines.index("change: routed minus as-logged (negative: routing saves)")]
    assert "…" not in "".join(table)
    for w in top:
        at = next(i for i, x in enumerate(table) if x == w["workload"]
                  or x.startswith(w["workload"] + " "))
        figures = table[at] if table[at] != w["workload"] else table[at + 1]  # stacked
        for scenario in ("as-logged", "routed"):
            assert f" {_usd(w['monthly_cost_usd'][scenario])}" in figures, (w, figures)
        change = w["monthly_cost_usd"]["routed"] - w["monthly_cost_usd"]["as-logged"]
        assert (" +" if change > 0 else " ") + _usd(change) in figures
    totals = table[-1]
    for s in data["scenarios"]:
        if s["name"] in ("as-logged", "routed"):
            # the total row adds up every workload, and equals the scenario's total
            assert sum(w["monthly_cost_usd"][s["name"]] for w in data["workloads"]
                       ) == s["monthly_cost_usd"]
            assert f" {_usd(s['monthly_cost_usd'])}" in totals
        assert _usd(s["monthly_cost_usd"]) in text  # the scenario table, whole
    if rest:
        at = next(i for i, x in enumerate(table) if x.startswith(f"{len(rest)} more workload"))
        folded = table[at] if table[at] != f"{len(rest)} more workloads" else table[at + 1]
        rest_logged = sum(w["monthly_cost_usd"]["as-logged"] for w in rest)
        assert f" {_usd(rest_logged)}" in folded


def test_wide_shows_every_column_and_top_n(reports):
    report = reports["sample_logs"]
    text = shown(report, 80, View(top=3, wide=True))
    head = next(x for x in text.splitlines() if x.startswith("workload "))
    for column in ("label", "cap.", "requests", "tokens in/out", "cached in", "as-logged",
                   "all-frontier", "routed", "on-prem", "change"):
        assert column in head
    assert "8 more workloads" in text
    assert "Assumptions" not in text
    detailed = shown(report, 80, View(details=True))
    assert "Assumptions (name = value" in detailed
    assert max(len(line) for line in detailed.splitlines()) <= 80
    for a in report.assumptions:  # every name whole, at the start of its line
        assert f"\n  {a.name} = " in detailed


def test_the_command_at_80_columns_prints_the_golden_report(monkeypatch):
    monkeypatch.chdir(ROOT)
    res = CliRunner().invoke(app, ["analyze", "sample_logs/", "--db", ":memory:"],
                             env={"COLUMNS": "80", "NO_COLOR": "1"})
    assert res.exit_code == 0, res.stderr
    assert res.stdout == (GOLDEN / "sample_logs_80.txt").read_text(encoding="utf-8")


def test_a_name_too_long_to_sit_beside_the_figures_gets_a_line_of_its_own():
    from cli import layout
    costs = {"as-logged": Decimal("1234.5"), "all-frontier": Decimal("99.99"),
             "routed": Decimal("12.01"), "on-prem": Decimal("300")}
    row = layout.Row("n" * 70, "cost-bound", Decimal(0), 5, 10, 10, 0, costs)
    lines = [t.plain for t in layout.render([row], [layout.summed("total", [row])], 60)]
    assert max(len(x) for x in lines) <= 70 and "n" * 70 in lines
    figures = lines[lines.index("n" * 70) + 1]
    assert "$1,234.50" in figures and "$12.01" in figures and "-$1,222.49" in figures


def test_counts_read_as_english_in_every_rendering():
    """'1 more workload', not '1 more workloads': the folded rows and notes of every rendering."""
    assert count(1, "more workload") == "1 more workload"
    assert count(2, "more reason") == "2 more reasons"
    assert count(1204, "line") == "1,204 lines"
    assert count(0, "file") == "0 files"
    assert count(3, "web search", "web searches") == "3 web searches"


def test_requests_outside_the_envelope_are_one_line_a_reason(reports):
    """600 workloads, 267 of them with cost-bound requests over the self-hosted context: one
    sentence for the reason (it printed 267 before), its totals those of the report's list."""
    report = reports["600_workloads"]
    rows = report.envelope_overflow
    assert len({o.reason for o in rows}) == 1 and len(rows) > OVERFLOW_NAMED
    text = " ".join(shown(report, 80).split())
    assert text.count("Outside the distilled envelope") == 1
    top = sorted(rows, key=lambda o: (-o.requests, o.workload))[:OVERFLOW_NAMED]
    assert (f"{sum(o.requests for o in rows):,} cost-bound requests of {len(rows)} workloads: "
            + ", ".join(f"{o.workload} {o.requests}" for o in top)
            + f" and {len(rows) - OVERFLOW_NAMED} more") in text


def test_the_chart_names_the_tables_workloads_in_its_order(reports):
    """600 workloads, many of the same cost to the cent: the share chart and the table name the
    same ten workloads in the same order (the chart sorted by rounded cents and name before)."""
    lines = shown(reports["600_workloads"], 200).splitlines()
    start = next(i for i, x in enumerate(lines) if x.startswith("Top 10 of 600")) + 3
    table = [x.split()[0] for x in lines[start:start + 10]]
    start = lines.index(next(x for x in lines if x.startswith("Share of all-frontier"))) + 1
    chart = [x.split()[0] for x in lines[start:start + 10]]
    assert len(set(table)) == 10 and chart == table

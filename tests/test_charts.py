"""Terminal charts: an 80-column golden file over sample_logs/, bar lengths by hand, and colour
only on a terminal without NO_COLOR."""

from __future__ import annotations

import io
import json
import os
import re
from decimal import Decimal
from pathlib import Path

import pytest
from rich.console import Console

from cli.render_charts import bar, scenarios_chart, workloads_chart
from planner.pipeline import AnalyzeOptions, analyze
from tests.conftest import ROOT

GOLDEN = Path(__file__).parent / "golden" / "charts_80.txt"


@pytest.fixture(scope="module")
def report():
    return analyze([str(ROOT / "sample_logs")], AnalyzeOptions(db=":memory:"))


def render(report, **console: object) -> str:
    out = io.StringIO()
    c = Console(file=out, width=80, **console)  # type: ignore[arg-type]
    c.print(scenarios_chart(report))
    c.print(workloads_chart(report))
    return out.getvalue()


def test_charts_at_80_columns_match_the_golden_file(report):
    text = render(report, color_system=None)
    if os.environ.get("PLAN_UPDATE_GOLDEN"):
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "\x1b[" not in text


def test_bar_lengths_by_hand():
    assert bar(Decimal(30), Decimal(30)) == "█" * 30          # the largest fills 30 cells
    assert bar(Decimal(15), Decimal(30)) == "█" * 15
    assert bar(Decimal(1), Decimal(16), width=2) == "▏"       # 1/16 of 2 cells = 1 eighth
    assert bar(Decimal(3), Decimal(8), width=1) == "▍"        # 3 eighths
    assert bar(Decimal("0.0001"), Decimal(30)) == "▏"         # not zero: visible
    assert bar(Decimal(0), Decimal(30)) == ""


# An SGR sequence setting a foreground colour (30-38, 90-97); NO_COLOR allows bold and italic.
COLOUR = re.compile(r"\x1b\[(?:[0-9;]*;)?(?:3[0-8]|9[0-7])[;m]")


def test_colour_on_a_terminal_unless_no_color(report, monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert COLOUR.search(render(report, force_terminal=True, color_system="standard"))
    monkeypatch.setenv("NO_COLOR", "1")
    assert not COLOUR.search(render(report, force_terminal=True, color_system="standard"))
    # Not a terminal (a file, a pipe): Rich writes no colour.
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert "\x1b[" not in render(report)


def test_workload_shares_add_up_and_follow_the_costs(report):
    text = render(report, color_system=None)
    total = sum(w.monthly_cost_usd["all-frontier"] for w in report.workloads)
    top = max(report.workloads, key=lambda w: w.monthly_cost_usd["all-frontier"])
    share = top.monthly_cost_usd["all-frontier"] / total * 100
    line = next(x for x in text.splitlines() if x.startswith(top.workload))
    assert f"{share:.1f}%" in line and "█" * 30 in line


def test_report_command_writes_html_and_format_follows_the_extension(run, tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    page = tmp_path / "r.html"
    res = run("report", "sample_logs/", "--db", ":memory:", "-o", str(page))
    assert res.exit_code == 0, res.stderr
    text = page.read_text(encoding="utf-8")
    assert text.startswith("<!doctype html>") and "Chart.js v4.6.1" in text
    assert "http://" not in text.replace("http://www.w3.org", "") and "src=" not in text
    as_json = tmp_path / "r.json"
    assert run("analyze", "sample_logs/", "--db", ":memory:", "-o", str(as_json)).exit_code == 0
    assert json.loads(as_json.read_text())["schema_version"] == 1

"""The diff as reviewers read it: rows largest change first, changes under --min-change-usd
folded into one line (their sum kept), a model without a price shown as unknown rather than
$0.00, and the table at 80 columns with every name and amount whole."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
from typer.testing import CliRunner

from cli.app import app

BASE = {"model": "gpt-4o", "input_tokens": 2000, "output_tokens": 300}


def _log(write_log, name, counts):
    lines = []
    for workload, (n, model) in counts.items():
        lines += [{**BASE, "model": model, "workload": workload, "request_id": f"{workload}-{i}",
                   "timestamp": f"2026-01-{1 + i % 28:02d}T10:00:00Z"} for i in range(n)]
    return write_log(lines, name)


@pytest.fixture
def reports(run, write_log, tmp_path):
    old = _log(write_log, "old.jsonl", {"support": (100, "gpt-4o"), "tiny": (2, "gpt-4o"),
                                        "triage": (40, "gpt-4o")})
    new = _log(write_log, "new.jsonl", {"support": (160, "gpt-4o"), "tiny": (3, "gpt-4o"),
                                        "triage": (50, "gpt-4o"),
                                        "mystery": (5, "acme-9000")})
    paths = []
    for log in (old, new):
        out = tmp_path / f"{log.stem}.json"
        res = run("analyze", str(log), "--db", ":memory:", "--json", "-o", str(out))
        assert res.exit_code == 0, res.stderr
        paths.append(out)
    return paths


def test_rows_by_size_small_ones_folded_and_unknown_prices(run, reports):
    old, new = reports
    data = json.loads(run("diff", str(old), str(new), "-f", "json").stdout, parse_float=Decimal)
    floor = Decimal("1")
    changed = [c for c in data["workloads"] if c["kind"] != "="]
    res = run("diff", str(old), str(new), "-f", "markdown", "--min-change-usd", str(floor))
    assert res.exit_code == 0, res.stderr
    table = [line.split(" | ") for line in res.stdout.splitlines()
             if line.startswith("| ") and not line.startswith("| &nbsp;")]
    shown = [r for r in table if not r[1].split(" ", 1)[0].isdigit()]
    # sorted by the size of the change, largest first (unknown ones count by their dollars)
    sizes = [abs(c["change_usd"]) for c in sorted(changed, key=lambda c: -abs(c["change_usd"]))
             if abs(c["change_usd"]) >= floor or (c["workload"] == "mystery"
                                                   and c["scenario"] == "as-logged")]
    assert len(shown) == len(sizes)
    small = [c for c in changed if abs(c["change_usd"]) < floor
             and not (c["workload"] == "mystery" and c["scenario"] == "as-logged")]
    folded = next(r for r in table if r[1].startswith(f"{len(small)} smaller changes"))
    total = sum((c["change_usd"] for c in small), Decimal(0))
    assert folded[5] == ("+" if total >= 0 else "-") + f"${abs(total):,.2f}"
    mystery = next(r for r in shown if r[1].startswith("mystery") and r[2] == "as-logged")
    assert mystery[4] == "unknown" and mystery[5] == "unknown" and "$0.00" not in mystery[4]
    dollars = [Decimal(re.sub(r"[+$,]", "", r[5])) for r in shown if r[5] != "unknown"]
    assert [abs(d) for d in dollars] == sorted((abs(d) for d in dollars), reverse=True)


@pytest.mark.parametrize("width", [50, 80, 120])
def test_the_table_cuts_no_name_or_amount(reports, width):
    """At 120 every column; at 80 the volume / mix / price split goes; at 50 each workload
    takes two lines."""
    old, new = reports
    res = CliRunner().invoke(app, ["diff", str(old), str(new), "--min-change-usd", "1"],
                             env={"COLUMNS": str(width), "NO_COLOR": "1"})
    assert res.exit_code == 0, res.stderr
    lines = res.stdout.splitlines()
    assert max(len(line) for line in lines) <= width and "…" not in res.stdout
    head = [line for line in lines if line.split()[:1] == ["workload"]]
    assert (bool(head) and "volume" in head[0]) == (width >= 120)
    assert bool(head) == (width >= 80)  # at 50: stacked, no header
    changes = json.loads(CliRunner().invoke(app, ["diff", str(old), str(new), "-f", "json"])
                         .stdout, parse_float=Decimal)["workloads"]
    for c in changes:
        if abs(c["change_usd"]) >= 1 and not (c["workload"] == "mystery"
                                              and c["scenario"] == "as-logged"):
            assert any(line.lstrip(" ~+-").startswith(c["workload"] + " (") for line in lines)
            assert f"${c['new_monthly_cost_usd']:,.2f}" in res.stdout

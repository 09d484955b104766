"""Golden files: every output format over sample_logs/. `make golden` rewrites them; review the diff."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from planner.outputs.formats import OutputFormat
from tests.conftest import ROOT

GOLDEN = Path(__file__).parent / "golden"


@pytest.mark.parametrize("fmt", list(OutputFormat), ids=[f.value for f in OutputFormat])
def test_sample_logs_golden(run, monkeypatch, fmt):
    monkeypatch.chdir(ROOT)
    res = run("analyze", "sample_logs/", "--db", ":memory:", "--format", fmt.value)
    assert res.exit_code == 0, res.stderr
    path = GOLDEN / f"sample_logs.{fmt.value if fmt is not OutputFormat.table else 'txt'}"
    if os.environ.get("PLAN_UPDATE_GOLDEN"):
        path.write_text(res.stdout, encoding="utf-8")
    assert res.stdout == path.read_text(encoding="utf-8")


def test_export_csv_golden(run, monkeypatch, tmp_path):
    """The export column set and values over sample_logs/ (README "CI cost gate and reports")."""
    monkeypatch.chdir(ROOT)
    out = tmp_path / "export.csv"
    res = run("export", "sample_logs/", "--db", ":memory:", "-o", str(out), "-g", "workload",
              "-g", "month")
    assert res.exit_code == 0, res.stderr
    path = GOLDEN / "export_workload_month.csv"
    if os.environ.get("PLAN_UPDATE_GOLDEN"):
        path.write_text(out.read_text(encoding="utf-8"), encoding="utf-8")
    assert out.read_text(encoding="utf-8") == path.read_text(encoding="utf-8")

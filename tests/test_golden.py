"""Golden files: every output format over sample_logs/. `make golden` rewrites them; review the diff."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from planner.formats import OutputFormat
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

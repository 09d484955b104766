"""Finance exports: one schema for `analyze --format csv` and `export` (docs/exports.md, `plan
export --schema`), wide and long layouts, a label column, CSV with a byte-order mark, and an
.xlsx workbook read back with openpyxl (an implementation independent of the writer) whose
typed cells add up to the report's totals."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from tests.conftest import ROOT, SAMPLE_LOGS

CENT = Decimal("0.01")
SCENARIO_COLUMNS = {"as-logged": "as_logged_monthly_usd", "all-frontier":
                    "all_frontier_monthly_usd", "routed": "routed_monthly_usd",
                    "on-prem": "on_prem_monthly_usd"}


@pytest.fixture(scope="module")
def report():
    from typer.testing import CliRunner

    from cli.app import app
    res = CliRunner().invoke(app, ["analyze", str(SAMPLE_LOGS), "--db", ":memory:", "--json",
                                   "-q"])
    return json.loads(res.stdout, parse_float=Decimal)


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_analyze_csv_and_export_have_the_same_columns_and_rows(run, tmp_path):
    out = tmp_path / "e.csv"
    assert run("export", str(SAMPLE_LOGS), "--db", ":memory:", "-o", str(out)).exit_code == 0
    analyzed = run("analyze", str(SAMPLE_LOGS), "--db", ":memory:", "-f", "csv").stdout
    assert analyzed == out.read_text(encoding="utf-8")
    header = analyzed.splitlines()[0].split(",")
    schema = run("export", "--schema").stdout
    for column in header[1:]:  # the group column is documented as <group>
        assert f"| {column} |" in schema
    assert header[:2] == ["workload", "label"]


def test_wide_columns_add_up_to_the_report_and_the_change_is_routed_minus_logged(run, report,
                                                                                  tmp_path):
    out = tmp_path / "e.csv"
    assert run("export", str(SAMPLE_LOGS), "--db", ":memory:", "-o", str(out)).exit_code == 0
    rows = _rows(out.read_text(encoding="utf-8"))
    assert len(rows) == len(report["workloads"])
    for s in report["scenarios"]:
        total = sum(Decimal(r[SCENARIO_COLUMNS[s["name"]]]) for r in rows)
        assert total == s["monthly_cost_usd"].quantize(CENT)
    for r in rows:
        assert Decimal(r["routed_change_monthly_usd"]) == (
            Decimal(r["routed_monthly_usd"]) - Decimal(r["as_logged_monthly_usd"]))
    labels = {w["workload"]: w["label"] for w in report["workloads"]}
    assert {r["workload"]: r["label"] for r in rows} == labels


def test_each_workload_row_is_the_reports_workload_in_every_scenario(run, report, tmp_path):
    """The export's workload rows are the report's workloads, to the cent, on-prem included:
    the fleet's fixed cost shared by the same tokens (sample_logs: 29 doc-summaries requests are
    over the self-hosted context; the export counted them, so doc-summaries' on-prem was $800.77
    there and $746.55 in the report, both adding up to the same total)."""
    out = tmp_path / "e.csv"
    assert run("export", str(SAMPLE_LOGS), "--db", ":memory:", "-o", str(out)).exit_code == 0
    rows = {r["workload"]: r for r in _rows(out.read_text(encoding="utf-8"))}
    assert any(w["workload"] == "doc-summaries" for w in report["workloads"])
    for w in report["workloads"]:
        for scenario, column in SCENARIO_COLUMNS.items():
            assert Decimal(rows[w["workload"]][column]) == w["monthly_cost_usd"][scenario], (
                w["workload"], scenario)


def test_long_layout_has_a_row_per_scenario_and_labels_per_group(run, report, tmp_path):
    out = tmp_path / "e.csv"
    res = run("export", str(SAMPLE_LOGS), "--db", ":memory:", "-o", str(out), "-g", "team",
              "--layout", "long")
    assert res.exit_code == 0, res.stderr
    rows = _rows(out.read_text(encoding="utf-8"))
    by_scenario: dict[str, Decimal] = defaultdict(Decimal)
    for r in rows:
        by_scenario[r["scenario"]] += Decimal(r["monthly_cost_usd"])
    assert by_scenario == {s["name"]: s["monthly_cost_usd"].quantize(CENT)
                           for s in report["scenarios"]}
    assert {r["label"] for r in rows} <= {"capability-bound", "cost-bound", "mixed"}
    assert len(rows) == 4 * len({r["team"] for r in rows})


def test_excel_csv_has_a_byte_order_mark_and_keeps_accents(run, write_log, tmp_path):
    log = write_log([{"timestamp": "2026-10-01T00:00:00Z", "model": "gpt-4o",
                      "workload": "café-résumés", "input_tokens": 100, "output_tokens": 10}])
    out = tmp_path / "e.csv"
    assert run("export", str(log), "--db", ":memory:", "-o", str(out), "--excel").exit_code == 0
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert _rows(data.decode("utf-8-sig"))[0]["workload"] == "café-résumés"
    plain = tmp_path / "plain.csv"
    assert run("export", str(log), "--db", ":memory:", "-o", str(plain)).exit_code == 0
    assert not plain.read_bytes().startswith(b"\xef\xbb\xbf")


def test_xlsx_has_typed_cells_a_frozen_header_and_totals_equal_to_the_report(run, report,
                                                                              tmp_path):
    out = tmp_path / "costs.xlsx"
    res = run("export", str(SAMPLE_LOGS), "--db", ":memory:", "-o", str(out))
    assert res.exit_code == 0, res.stderr
    sheet = openpyxl.load_workbook(out, data_only=True).active
    header = [c.value for c in sheet[1]]
    body = [dict(zip(header, (c.value for c in row), strict=True))
            for row in sheet.iter_rows(min_row=2, max_row=sheet.max_row - 1)]
    totals = dict(zip(header, (c.value for c in sheet[sheet.max_row]), strict=True))
    assert sheet.freeze_panes == "A2" and totals["workload"] == "total"
    assert len(body) == len(report["workloads"])
    for s in report["scenarios"]:
        column = SCENARIO_COLUMNS[s["name"]]
        assert all(isinstance(r[column], float | int) for r in body)
        added = sum(Decimal(str(r[column])) for r in body)
        assert added == s["monthly_cost_usd"].quantize(CENT)
        assert Decimal(str(totals[column])).quantize(CENT) == added
    assert all(isinstance(r["requests"], int) for r in body)
    assert sum(r["requests"] for r in body) == report["ingest"]["accepted"]
    formulas = openpyxl.load_workbook(out).active
    assert formulas.cell(formulas.max_row, 3).value == f"=SUM(C2:C{formulas.max_row - 1})"


@pytest.mark.skipif(not (shutil.which("libreoffice") or shutil.which("soffice"))
                    and not os.environ.get("PLAN_REQUIRE_OFFICE"),
                    reason="LibreOffice is not installed (.ci/run installs it and requires it)")
def test_libreoffice_reads_the_csv_with_the_same_sums(run, report, tmp_path):
    out = tmp_path / "costs.csv"
    assert run("export", str(SAMPLE_LOGS), "--db", ":memory:", "-o", str(out),
               "--excel").exit_code == 0
    office = shutil.which("libreoffice") or shutil.which("soffice")
    subprocess.run([str(office), "--headless", "--convert-to", "xlsx", "--outdir",
                    str(tmp_path), str(out)], check=True, capture_output=True, timeout=180,
                   cwd=ROOT)
    sheet = openpyxl.load_workbook(Path(tmp_path / "costs.xlsx"), data_only=True).active
    header = [c.value for c in sheet[1]]
    for s in report["scenarios"]:
        c = header.index(SCENARIO_COLUMNS[s["name"]])
        cells = [row[c].value for row in sheet.iter_rows(min_row=2)]
        assert all(isinstance(v, float | int) for v in cells)  # numbers, not text
        assert sum(Decimal(str(v)) for v in cells) == s["monthly_cost_usd"].quantize(CENT)


def test_the_schema_in_the_docs_is_the_one_plan_prints(run):
    doc = (ROOT / "docs" / "exports.md").read_text(encoding="utf-8")
    assert run("export", "--schema").stdout in doc

"""The command line: exit codes, one-line errors, help text, stdout is data."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

from cli.app import app
from tests.conftest import FIXTURES, SAMPLE_LOGS

GOOD = {"timestamp": "2026-01-01T00:00:00Z", "model": "gpt-4o", "input_tokens": 10,
        "output_tokens": 5}


def test_help_lists_exit_codes(run):
    res = run("--help")
    assert res.exit_code == 0
    assert "Exit codes: 0 ok; 1 a check failed; 2 usage error or unusable input; 3" in res.stdout


def test_every_command_has_help():
    import typer.main

    group = typer.main.get_command(app)
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        assert command.help, name
        for param in command.params:
            assert getattr(param, "help", None), f"{name} {param.name}"


def test_missing_file_exit_2_one_line(run):
    res = run("analyze", "/no/such/file.jsonl", "--db", ":memory:")
    assert res.exit_code == 2
    assert res.stderr == "plan: error: /no/such/file.jsonl: no such file\n"
    assert res.stdout == ""


def test_zero_accepted_lines_exit_2_naming_reasons(run, write_log):
    log = write_log(["nope", {**GOOD, "input_tokens": -1}])
    res = run("analyze", str(log), "--db", ":memory:")
    assert res.exit_code == 2
    assert res.stderr.count("\n") == 1
    assert f"{log}:1: not valid JSON" in res.stderr
    assert f"{log}:2: field 'input_tokens': negative: -1" in res.stderr


def test_bad_option_values_are_usage_errors(run, write_log):
    log = write_log([GOOD])
    assert run("analyze", str(log), "--escalation", "1.5").exit_code == 2
    assert run("analyze", str(log), "--format", "xml").exit_code == 2


def test_json_and_csv_contracts_on_sample_logs(run):
    report = json.loads(run("analyze", str(SAMPLE_LOGS), "--db", ":memory:", "-f", "json").stdout)
    assert set(report) >= {"schema_version", "pricing_version", "window", "ingest", "scenarios",
                           "workloads", "prices", "assumptions"}
    i = report["ingest"]
    assert i["read"] == i["accepted"] + i["rejected"] + i["duplicates"]
    names = {a["name"] for a in report["assumptions"]}
    assert {"frontier_model", "distilled_model", "escalation_rate"} <= names
    assert all(a["source"] for a in report["assumptions"])
    labels = {w["label"] for w in report["workloads"]}
    assert labels == {"capability-bound", "cost-bound"} and len(report["workloads"]) >= 6
    rows = list(csv.DictReader(io.StringIO(
        run("analyze", str(SAMPLE_LOGS), "--db", ":memory:", "-f", "csv").stdout)))
    assert list(rows[0])[:3] == ["workload", "label", "requests"]  # docs/exports.md
    from decimal import Decimal
    columns = {"as-logged": "as_logged_monthly_usd", "all-frontier": "all_frontier_monthly_usd",
               "routed": "routed_monthly_usd", "on-prem": "on_prem_monthly_usd"}
    for s in report["scenarios"]:
        total = sum(Decimal(r[columns[s["name"]]]) for r in rows)
        assert total == Decimal(str(s["monthly_cost_usd"])).quantize(Decimal("0.01"))


def test_csv_neutralises_formula_cells(run, write_log):
    log = write_log([{**GOOD, "workload": '=HYPERLINK("http://x","y")'}])
    rows = list(csv.reader(io.StringIO(
        run("analyze", str(log), "--db", ":memory:", "-f", "csv").stdout)))
    assert rows[1][0] == "'=HYPERLINK(\"http://x\",\"y\")"


def test_output_file(run, write_log, tmp_path):
    out = tmp_path / "r.json"
    res = run("analyze", str(write_log([GOOD])), "--db", ":memory:", "-f", "json", "-o", str(out))
    assert res.exit_code == 0 and res.stdout == ""
    assert json.loads(out.read_text())["ingest"]["accepted"] == 1


def test_engine_never_imports_ui_libraries():
    code = ("import sys, planner.pipeline, planner.outputs.formats, pricing; "
            "bad = [m for m in ('typer', 'rich', 'click', 'cli') if m in sys.modules]; "
            "print(bad); sys.exit(1 if bad else 0)")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr


def test_names_from_the_logs_are_printed_as_text_never_as_markup(run, write_log):
    log = write_log([{"timestamp": "2026-01-01T00:00:00Z", "model": "gpt-4o",
                      "workload": "[/bold] [red]x", "input_tokens": 10, "output_tokens": 5}],
                    name="[odd].jsonl")
    res = run("analyze", str(log), "--db", ":memory:")
    assert res.exit_code == 0, res.stderr
    assert "[/bold] [red]x" in res.stdout


def test_analyze_reads_a_real_trace_unchanged(run):
    res = run("analyze", str(FIXTURES / "real" / "AzureLLMInferenceTrace_code.csv"),
              "--db", ":memory:", "--model", "gpt-4o", "--workload", "copilot")
    assert res.exit_code == 0, res.stderr
    assert "azure-trace" in res.stdout and "copilot" in res.stdout
    assert "8,819 lines read = 8,819 accepted" in res.stdout


def test_bad_trace_start_is_a_usage_error(run, write_log):
    res = run("analyze", str(write_log([{"timestamp": 0, "input_length": 1,
                                         "output_length": 1}])),
              "--db", ":memory:", "--trace-start", "last tuesday")
    assert res.exit_code == 2
    assert "not an ISO 8601 date or time" in res.stderr

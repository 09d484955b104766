"""Command-line conventions: one-line errors with exit 2 (usage, input, output path) or 3
(pricing, rules), checked before the analysis; a quiet end when the reader of stdout goes away;
--version, -q, --json, `-` for stdin, ./plan.toml, typed numeric options, `report` without -o."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import version

from typer.testing import CliRunner

from cli.app import app
from tests.conftest import ROOT, SAMPLE_LOGS

GOOD = {"timestamp": "2026-10-01T00:00:00Z", "model": "gpt-4o", "workload": "w",
        "input_tokens": 1000, "output_tokens": 100}


def _one_line(res, code: int) -> str:
    assert res.exit_code == code, (res.exit_code, res.stdout, res.stderr)
    assert res.stderr.count("\n") == 1 and res.stderr.startswith("plan: error: "), res.stderr
    assert "Traceback" not in res.stderr and "Usage:" not in res.stderr
    return res.stderr


def test_a_typo_in_a_flag_is_one_line_naming_the_flag_it_meant(run):
    err = _one_line(run("analyze", str(SAMPLE_LOGS), "--fromat", "json"), 2)
    assert "--fromat" in err and "--format" in err
    _one_line(run("nosuch"), 2)


def test_an_output_path_in_a_missing_folder_fails_before_the_analysis(run, tmp_path):
    # sample_logs/ makes warnings when analysed: their absence shows nothing was analysed
    err = _one_line(run("analyze", str(SAMPLE_LOGS), "-o", str(tmp_path / "no" / "r.html")), 2)
    assert f"{tmp_path / 'no'} does not exist" in err
    err = _one_line(run("export", str(SAMPLE_LOGS), "-o", str(tmp_path)), 2)
    assert "is a folder" in err


def test_bad_numbers_and_missing_files_exit_2_and_pricing_or_rules_exit_3(run, write_log, tmp_path):
    log = str(write_log([GOOD]))
    assert "is not a number" in _one_line(run("analyze", log, "--escalation", "lots"), 2)
    assert "between 0 and 1" in _one_line(run("analyze", log, "--escalation", "2"), 2)
    _one_line(run("analyze", str(tmp_path / "missing.jsonl"), "--db", ":memory:"), 2)
    _one_line(run("analyze", log, "--db", ":memory:", "--rules", str(tmp_path / "r.toml")), 3)
    _one_line(run("analyze", log, "--db", ":memory:", "--pricing", "1999-01-01"), 3)


def test_numeric_options_show_their_type_in_help(run):
    text = run("analyze", "--help").stdout
    assert "--escalation FRACTION" in text and "--budget USD" in text and "<str>" not in text


def test_binary_files_are_named_as_such(run, tmp_path):
    png = tmp_path / "shot.jsonl"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    assert "the file is a PNG image" in _one_line(run("analyze", str(png), "--db", ":memory:"), 2)
    blob = tmp_path / "blob.csv"
    blob.write_bytes(bytes([0, 1, 2, 3, 200, 17, 0, 9]) * 64)
    assert "the file is binary data" in _one_line(run("analyze", str(blob), "--db", ":memory:"),
                                                    2)


def test_version_quiet_and_json(run, write_log):
    res = run("--version")
    assert (res.exit_code, res.stdout) == (0, f"plan {version('plan')}\n")
    log = str(write_log([GOOD, GOOD | {"timestamp": "2026-10-01T00:00:01Z"}]))
    loud = run("analyze", log, "--db", ":memory:", "--json")
    assert "warning: the logs span" in loud.stderr  # one day of logs: a warning
    quiet = run("analyze", log, "--db", ":memory:", "--json", "-q")
    assert quiet.exit_code == 0 and quiet.stderr == ""
    assert json.loads(quiet.stdout)["ingest"]["accepted"] == 2
    assert quiet.stdout == run("analyze", log, "--db", ":memory:", "-f", "json").stdout


def test_a_dash_reads_standard_input():
    lines = "".join(json.dumps(GOOD | {"request_id": f"r{i}"}) + "\n" for i in range(3))
    res = CliRunner().invoke(app, ["analyze", "-", "--db", ":memory:", "--json"], input=lines)
    assert res.exit_code == 0, res.stderr
    assert json.loads(res.stdout)["ingest"]["accepted"] == 3


def test_plan_toml_in_the_working_directory_is_read_and_config_names_another(
        run, write_log, tmp_path, monkeypatch):
    log = str(write_log([GOOD]))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "plan.toml").write_text("escalation = 0.2\n", encoding="utf-8")

    def escalation(*args: str) -> str:
        res = run("analyze", log, "--db", ":memory:", "--json", *args)
        assert res.exit_code == 0, res.stderr
        found = [a for a in json.loads(res.stdout)["assumptions"]
                 if a["name"] == "escalation_rate"]
        return found[0]["value"]

    assert escalation() == "0.2"
    (tmp_path / "other.toml").write_text("escalation = 0.3\n", encoding="utf-8")
    assert escalation("--config", "other.toml") == "0.3"
    assert escalation("--escalation", "0.25") == "0.25"  # a flag wins over the file


def test_report_without_output_prints_the_terminal_table(run, write_log):
    res = run("report", str(write_log([GOOD])), "--db", ":memory:")
    assert res.exit_code == 0 and res.stdout.startswith("plan: monthly LLM spend")


def test_a_reader_that_goes_away_ends_plan_quietly():
    """`plan analyze ... | head -1`: no traceback, no error line."""
    proc = subprocess.Popen(
        [sys.executable, "-c", "from cli.app import main; main()", "analyze", "sample_logs/",
         "--db", ":memory:", "--wide", "-q"], cwd=ROOT, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, env={"COLUMNS": "80", "PATH": "/usr/bin:/bin"})
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read()
    proc.wait(timeout=120)
    assert first.startswith(b"plan: ") and err == b"", err
    assert proc.returncode in (0, -13)  # -13: ended by SIGPIPE, as `head`'s writers are


def test_quiet_is_one_commands_not_the_next(run, write_log, tmp_path):
    log = str(write_log([GOOD]))
    assert run("analyze", log, "--db", ":memory:", "--json", "-q").stderr == ""
    res = run("baseline", log, "--db", ":memory:", "-o", str(tmp_path / "b.json"))
    assert "baseline written to" in res.stderr

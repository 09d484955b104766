"""Output hygiene (issue 19): nothing from a log escapes its cell. CSV cells that a spreadsheet
would run as a formula are neutralised and a field with CR or LF is quoted; control characters
are escaped in the terminal, on stderr and in CI outputs; Markdown links and @mentions from a
log stay inert in a pull-request comment. Every CSV is read back with Python's csv module."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess

import openpyxl
import pytest

from tests.test_ingest import GOOD

# The audit's payloads: formula starts, the carriage-return bypass, terminal escapes, a forged
# workflow command and Markdown that GitHub would make live.
FORMULAS = ["=cmd|' /C calc'!A0", "+1+1", "-1+1", "@SUM(1+1)", "\t=1+1", "\r=cmd|' /C calc'!A0",
            "\n=1+1", "ok\r=1+1", "ok\n=1+1"]
ESCAPES = "\x1b]0;pwned\x07\x1b[2J\x9b31m\u202e"
FORGED = "x\n::error file=app.py,line=1::forged"
LINKS = "[click](https://evil.example) @octocat www.evil.example"
NAMES = [*FORMULAS, ESCAPES, FORGED, LINKS]
STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def _log(write_log, names, model=None, name="log.jsonl"):
    return write_log([{**GOOD, "request_id": f"r{i}", "workload": n, "team": n,
                       "model": model or GOOD["model"]} for i, n in enumerate(names)], name)


def _cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def _number(cell: str) -> bool:
    """A negative amount (-0.05) starts like a formula but a spreadsheet reads it as a number."""
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _neutral(cell: str, name: str) -> bool:
    return cell == ("'" + name if name.startswith(STARTS) else name)


def test_analyze_csv_neutralises_formulas_and_quotes_cr_and_lf(run, write_log):
    res = run("analyze", str(_log(write_log, NAMES)), "--db", ":memory:", "-f", "csv")
    assert res.exit_code == 0, res.stderr
    rows = _cells(res.stdout)
    assert len(rows) == 1 + len(NAMES)  # the header, then one row per workload (wide layout)
    column = rows[0].index("workload")
    shown = [r[column] for r in rows[1:]]
    assert all(any(_neutral(cell, n) for n in NAMES) for cell in shown)
    assert not [c for r in rows for c in r if c.startswith(STARTS) and not _number(c)]
    # a CR or LF only ever inside a quoted field: every physical line that does not end a
    # quoted field starts a row
    assert res.stdout.count('"\'\r=cmd') == 1 and "\n\r" not in res.stdout


def test_export_csv_neutralises_every_group_column(run, write_log, tmp_path):
    out = tmp_path / "groups.csv"
    res = run("export", str(_log(write_log, NAMES, model=FORMULAS[5])), "-o", str(out),
              "--group-by", "workload", "--group-by", "team", "--group-by", "model",
              "--db", ":memory:")
    assert res.exit_code == 0, res.stderr
    rows = _cells(out.read_bytes().decode("utf-8"))
    header, body = rows[0], rows[1:]
    assert len(body) == len(NAMES) and all(len(r) == len(header) for r in body)
    for key in ("workload", "team"):
        assert all(any(_neutral(r[header.index(key)], n) for n in NAMES) for r in body)
    assert {r[header.index("model")] for r in body} == {"'" + FORMULAS[5]}
    assert not [c for r in rows for c in r if c.startswith(STARTS) and not _number(c)]


def test_the_terminal_and_stderr_never_get_a_control_character_from_a_log(run, write_log):
    res = run("analyze", str(_log(write_log, NAMES, model=FORGED)), "--db", ":memory:")
    assert res.exit_code == 0, res.stderr
    for text in (res.stdout, res.stderr):
        assert not set(text) & {"\x1b", "\x07", "\r", "\x9b", "\u202e"}
        assert not [line for line in text.splitlines() if line.startswith("::")]
    assert "\\x1b]0;pwned\\x07\\x1b[2J\\x9b31m\\u202e" in res.stdout
    assert "x\\n::error file=app.py,line=1::forged" in res.stderr  # the unpriced-model warning


def test_ci_outputs_keep_log_text_inert(run, write_log, tmp_path):
    baseline = tmp_path / "baseline.json"
    assert run("baseline", str(_log(write_log, ["support"], name="old.jsonl")), "-o",
               str(baseline), "--db", ":memory:").exit_code == 0
    new = _log(write_log, ["support", *NAMES], model=FORGED, name="new.jsonl")
    markdown = run("check", str(new), "--baseline", str(baseline), "--db", ":memory:",
                   "-f", "markdown")
    assert markdown.exit_code == 1  # the forged model has no price
    lines = markdown.stdout.splitlines()
    table = [line for line in lines if line.startswith("| ")]
    assert len(table) == 1 + 4 * (1 + len(NAMES))  # the header; support changed; the added
    assert all(line.endswith(" |") and line.count(" | ") == 9 for line in table)
    assert not re.search(r"(?<!\\)\]\(", markdown.stdout)  # no live link
    assert "\\[click\\](https:\u200b//evil.example)" in markdown.stdout
    assert "@octocat" not in markdown.stdout and "@\u200boctocat" in markdown.stdout
    assert "www\u200b.evil.example" in markdown.stdout
    assert not set(markdown.stdout) & {"\x1b", "\x07", "\r"}
    github = run("check", str(new), "--baseline", str(baseline), "--db", ":memory:",
                 "-f", "github")
    assert github.exit_code == 1
    assert all(line.startswith(("::error title=plan check::", "::notice title=plan "))
               for line in github.stdout.splitlines())
    assert "model 'x\\n::error file=app.py,line=1::forged' has no price" in github.stdout
    assert json.loads(run("check", str(new), "--baseline", str(baseline), "--db", ":memory:",
                          "-f", "json").stdout)["failures"][0].startswith("model 'x\n::error")


def test_json_keeps_log_text_exact_but_never_raw_controls(run, write_log, tmp_path):
    log = _log(write_log, NAMES)
    res = run("analyze", str(log), "--db", ":memory:", "-f", "json")
    out = tmp_path / "groups.json"
    assert run("export", str(log), "-o", str(out), "--db", ":memory:").exit_code == 0
    for text in (res.stdout, out.read_text(encoding="utf-8")):
        assert not set(text) & {"\x1b", "\x07", "\r", "\x9b", "\u202e"}
        assert "\\u009b31m\\u202e" in text
    assert {w["workload"] for w in json.loads(res.stdout)["workloads"]} == set(NAMES)
    assert {r["workload"] for r in json.loads(out.read_text(encoding="utf-8"))} == set(NAMES)


@pytest.mark.skipif(not (shutil.which("libreoffice") or shutil.which("soffice"))
                    and not os.environ.get("PLAN_REQUIRE_OFFICE"),
                    reason="LibreOffice is not installed (.ci/run installs it and requires it)")
def test_libreoffice_finds_no_formula_cell_in_any_csv_output(run, write_log, tmp_path):
    # Every CSV plan writes from a log with the audit's payloads in its names, opened by a
    # spreadsheet (LibreOffice, headless, converting to xlsx): not one cell is a formula, and
    # each payload arrives as the text it was.
    log = _log(write_log, NAMES, model=FORMULAS[5])
    outputs = {
        "analyze.csv": ("analyze", str(log), "--db", ":memory:", "-f", "csv"),
        "export.csv": ("export", str(log), "--db", ":memory:", "--group-by", "workload",
                       "--group-by", "team", "--group-by", "model"),
        "long.csv": ("export", str(log), "--db", ":memory:", "--layout", "long",
                     "--group-by", "workload"),
        "excel.csv": ("export", str(log), "--db", ":memory:", "--excel", "--group-by",
                      "workload"),
    }
    office = shutil.which("libreoffice") or shutil.which("soffice")
    for name, args in outputs.items():
        path = tmp_path / name
        res = run(*args) if args[0] == "analyze" else run(*args, "-o", str(path))
        assert res.exit_code == 0, res.stderr
        if args[0] == "analyze":
            path.write_text(res.stdout, encoding="utf-8", newline="")
        subprocess.run([str(office), "--headless", "--convert-to", "xlsx", "--outdir",
                        str(tmp_path), str(path)], check=True, capture_output=True,
                       timeout=300)
        sheet = openpyxl.load_workbook(tmp_path / (path.stem + ".xlsx")).active
        cells = [c for row in sheet.iter_rows() for c in row if c.value is not None]
        assert cells, name
        assert [c.coordinate for c in cells if c.data_type == "f"] == [], name
        texts = {str(c.value) for c in cells}
        assert "'" + FORMULAS[0] in texts or FORMULAS[0] in texts, name

"""Hostile input (issue 19): one bad value never aborts the run; it is a reject with its file,
line, field and reason. The payloads are the audit's."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from planner import db
from planner.stages import ingest
from tests.test_ingest import GOOD, load, rejects
from tests.test_pricing_cli import versions  # noqa: F401  (a fixture)

# these tests read the text stored with --keep-text (by default only its hashes are kept)
KEEP_TEXT = ingest.IngestOptions(text=ingest.TextPolicy(keep=True))

# (the raw JSON value of the field, the reason stage 20 gives)
BAD_COUNTS = [
    ("NaN", "not a number: NaN"),
    ("Infinity", "not a number: Infinity"),
    ("-Infinity", "not a number: -Infinity"),
    ("1e309", "not a number: 1e309"),
    ("1e20", "implausibly large: 1e+20"),
    ('"inf"', "not a number: inf"),
    ("9223372036854775807", "implausibly large: 9223372036854775807"),
    ("18446744073709551616", "implausibly large: 18446744073709551616"),
    ("1000000001", "implausibly large: 1000000001"),
]
BAD_TOOL_CALLS = [
    ("2147483648", "implausibly large: 2147483648"),
    ("9223372036854775807", "implausibly large: 9223372036854775807"),
    ("100001", "implausibly large: 100001"),
    ("NaN", "not a number: NaN"),
]
HEAD = '{"timestamp": "2026-01-01T00:00:00Z", "model": "gpt-4o"'


def test_every_bad_number_is_a_reject_and_the_good_lines_are_kept(write_log):
    lines = [f'{HEAD}, "output_tokens": 5, "request_id": "i{n}", "input_tokens": {v}}}'
             for n, (v, _) in enumerate(BAD_COUNTS)]
    lines += [f'{HEAD}, "input_tokens": 10, "request_id": "o{n}", "output_tokens": {v}}}'
              for n, (v, _) in enumerate(BAD_COUNTS)]
    lines += [f'{HEAD}, "input_tokens": 10, "output_tokens": 5, "request_id": "t{n}", '
              f'"tool_calls": {v}}}' for n, (v, _) in enumerate(BAD_TOOL_CALLS)]
    lines += [f'{HEAD}, "input_tokens": 1000000000, "output_tokens": 5, "tool_calls": 100000, '
              '"request_id": "biggest"}', f'{HEAD}, "input_tokens": 10, "output_tokens": 5}}']
    con, files, scope = load(write_log(lines))
    k, t = len(BAD_COUNTS), len(BAD_TOOL_CALLS)
    assert rejects(con) == (
        [(n + 1, "input_tokens", r) for n, (_, r) in enumerate(BAD_COUNTS)]
        + [(k + n + 1, "output_tokens", r) for n, (_, r) in enumerate(BAD_COUNTS)]
        + [(2 * k + n + 1, "tool_calls", r) for n, (_, r) in enumerate(BAD_TOOL_CALLS)])
    assert con.execute("SELECT line_no, input_tokens, tool_calls FROM requests ORDER BY line_no"
                       ).fetchall() == [(2 * k + t + 1, 1_000_000_000, 100_000),
                                        (2 * k + t + 2, 10, 0)]
    i = scope.ingest
    assert (i.read, i.accepted, i.rejected) == (2 * k + t + 2, 2, 2 * k + t)


def test_a_failed_request_with_a_bad_count_is_still_a_failed_request(write_log):
    """Counts are cast for requests only: a failed line is never priced, whatever it holds."""
    ok = {"custom_id": "a", "response": {"status_code": 200, "body": {
        "id": "x", "created": 1767225600, "model": "gpt-4o",
        "usage": {"prompt_tokens": 10, "completion_tokens": 5}}}, "error": None}
    failed = ('{"custom_id": "b", "response": {"status_code": 500, "body": {"created": '
              '1767225600, "model": "gpt-4o", "usage": {"prompt_tokens": NaN, '
              '"completion_tokens": 1e20}}}, "error": {"message": "boom"}}')
    con, files, scope = load(write_log([ok, failed], "batch.jsonl"))
    assert (files[0].accepted, files[0].failed, files[0].rejected) == (1, 1, 0)


def test_parquet_nan_and_int64_max_are_rejects(tmp_path):
    path = tmp_path / "hostile.parquet"
    pq.write_table(pa.table({
        "timestamp": [GOOD["timestamp"]] * 5,
        "request_id": ["a", "b", "c", "d", "e"],
        "model": ["gpt-4o"] * 5,
        "input_tokens": pa.array([10.0, float("nan"), float("inf"), 5.0, 7.0]),
        "output_tokens": pa.array([5, 5, 5, 2**63 - 1, 3], pa.int64()),
        "tool_calls": pa.array([2**31, 0, 0, 0, 1], pa.int64()),
    }), path)
    con, files, scope = load(path)
    assert rejects(con) == [(1, "tool_calls", "implausibly large: 2147483648"),
                            (2, "input_tokens", "not a number: NaN"),
                            (3, "input_tokens", "not a number: Infinity"),
                            (4, "output_tokens", "implausibly large: 9223372036854775807")]
    assert con.execute("SELECT line_no, input_tokens, output_tokens, tool_calls FROM requests"
                       ).fetchall() == [(5, 7, 3, 1)]


STRAY_TIMES = ["9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z", 0, "12345-01-01T00:00:00Z",
               "2014-12-31T23:59:59Z", 4102444799]


def _month(run, log, *args):
    res = run("analyze", str(log), "--db", ":memory:", "-f", "json", *args)
    assert res.exit_code == 0, res.stderr
    report = json.loads(res.stdout)
    return report, {s["name"]: s["monthly_cost_usd"] for s in report["scenarios"]}


def test_a_stray_timestamp_is_a_reject_and_never_stretches_the_window(run, write_log):
    good = [{**GOOD, "request_id": f"r{i}", "timestamp": f"2026-10-{1 + i % 28:02d}T10:00:00Z"}
            for i in range(200)]
    clean, clean_costs = _month(run, write_log(good, "clean.jsonl"))
    stray = [{**GOOD, "request_id": f"s{n}", "timestamp": t} for n, t in enumerate(STRAY_TIMES)]
    report, costs = _month(run, write_log(good + stray, "stray.jsonl"))
    assert report["window"] == clean["window"] == {
        "start": "2026-10-01T10:00:00Z", "end": "2026-10-28T10:00:00Z", "days": 27.0}
    assert costs == clean_costs and costs["all-frontier"] > 0
    i = report["ingest"]
    assert (i["read"], i["accepted"], i["rejected"]) == (206, 200, 6)
    con, files, scope = load(write_log(good + stray, "stray.jsonl"))
    bounds = "2015-01-01T00:00:00Z .. a day from now (--time-bounds)"
    assert rejects(con) == [(201 + n, "timestamp", f"implausible, outside {bounds}: {t}")
                            for n, t in enumerate(STRAY_TIMES)]


def test_time_bounds_are_an_option_and_part_of_the_reading(run, write_log, tmp_path):
    log = write_log([{**GOOD, "request_id": f"r{d}", "timestamp": f"2026-10-{d:02d}T00:00:00Z"}
                     for d in range(1, 11)])
    db = str(tmp_path / "plan.duckdb")
    for bounds, accepted in (("2026-10-03..2026-10-08T12:00", 6), ("..2026-10-04", 4),
                             ("2026-10-09..", 2), ("..", 10)):
        res = run("analyze", str(log), "--db", db, "-f", "json", "--time-bounds", bounds)
        assert res.exit_code == 0, res.stderr
        files = json.loads(res.stdout)["ingest"]["files"]
        assert (files[0]["accepted"], files[0]["rejected"], files[0]["reused"]) == (
            accepted, 10 - accepted, False)
    res = run("analyze", str(log), "--db", db, "--time-bounds", "2026-10-03")
    assert res.exit_code == 2 and "is not FROM..TO" in res.stderr


def _analysed(run, log, db):
    res = run("analyze", str(log), "--db", str(db))
    assert res.exit_code == 0, res.stderr
    return db.stat().st_size


def test_a_damaged_database_file_is_one_line_naming_it(run, write_log, tmp_path):
    log = write_log([{**GOOD, "request_id": f"r{i}"} for i in range(2000)])
    whole = tmp_path / "whole.duckdb"
    size = _analysed(run, log, whole)
    data = whole.read_bytes()
    damaged = {"truncated.duckdb": data[: size // 3], "junk.duckdb": bytes(range(256)) * 20,
               "empty.duckdb": b"", "overwritten.duckdb": data[:8192] + b"\xa5" * 3000
               + data[8192 + 3000:]}
    for name, content in damaged.items():
        db = tmp_path / name
        db.write_bytes(content)
        res = run("analyze", str(log), "--db", str(db))
        assert res.exit_code == 2, (name, res.stderr)
        assert res.stderr.startswith(f"plan: error: database {db} is damaged: "), res.stderr
        assert res.stderr.count("\n") == 1 and "delete it" in res.stderr


def test_a_dangling_or_looping_link_in_a_log_folder_is_one_line(run, write_log, tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    write_log([GOOD], "logs/good.jsonl")
    (logs / "gone.jsonl").symlink_to(tmp_path / "nowhere.jsonl")
    res = run("analyze", str(logs), "--db", ":memory:")
    assert (res.exit_code, res.stderr) == (2, f"plan: error: {logs}/gone.jsonl: a symbolic link "
                                              "to a missing file (hint: remove the link, or name "
                                              "the files to read)\n")
    (logs / "gone.jsonl").unlink()
    (logs / "a.jsonl").symlink_to(logs / "b.jsonl")
    (logs / "b.jsonl").symlink_to(logs / "a.jsonl")
    for target in (logs, logs / "b.jsonl"):
        res = run("analyze", str(target), "--db", ":memory:")
        assert res.exit_code == 2 and res.stderr.endswith(": a loop of symbolic links\n")


def test_json_nested_5000_deep_in_the_first_lines_is_judged_line_by_line(write_log):
    deep_object = '{"a": ' * 5000 + "1" + "}" * 5000
    deep_array = "[" * 5000 + "]" * 5000
    nested = json.dumps(GOOD)[:-1] + ', "metadata": ' + deep_object + "}"
    con, files, scope = load(write_log([deep_object, deep_array, nested, GOOD]))
    assert rejects(con) == [(1, "timestamp", "missing"),
                            (2, None, "not a JSON object (a JSON array)")]
    assert [f.source for f in files] == ["canonical"]
    assert con.execute("SELECT line_no FROM requests ORDER BY 1").fetchall() == [(3,), (4,)]
    document = write_log([f"[{json.dumps(GOOD)}, {deep_object}, {deep_array}]"], "doc.json")
    con, files, scope = load(document)  # a .json document: its records are positions
    assert rejects(con) == [(2, "timestamp", "missing"),
                            (3, None, "not a JSON object (a JSON array)")]


def _plan(*args: str, debug: bool = False) -> subprocess.CompletedProcess[str]:
    """The installed entry point (cli.app:main), as a user runs it."""
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("PLAN_DEBUG", None)
    if debug:
        env["PLAN_DEBUG"] = "1"
    return subprocess.run([sys.executable, "-c", "from cli.app import main; main()", *args],
                          capture_output=True, text=True, env=env, check=False)


def test_an_unexpected_error_is_one_line_and_exit_4(run, write_log, tmp_path):
    res = run("analyze", str(write_log([GOOD])), "--db", ":memory:", "-f", "json")
    good = tmp_path / "good.json"
    good.write_text(res.stdout)
    odd = tmp_path / "odd.json"  # a report plan's checks let through, with workloads a number
    odd.write_text(json.dumps({**json.loads(res.stdout), "workloads": 5}))
    out = _plan("diff", str(good), str(odd))
    assert (out.returncode, out.stdout) == (4, "")
    assert out.stderr == ("plan: error: unexpected TypeError: 'int' object is not iterable "
                          "(hint: a bug in plan, please report it; PLAN_DEBUG=1 shows the "
                          "traceback)\n")
    out = _plan("diff", str(good), str(odd), debug=True)
    assert out.returncode == 1 and "Traceback (most recent call last)" in out.stderr
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    out = _plan("diff", str(good), str(deep))
    assert out.returncode == 2 and out.stderr.startswith(f"plan: error: {deep}: not a JSON "
                                                         "report: maximum recursion depth")


def test_released_pricing_is_verified_wherever_it_is_loaded_from(
        run, write_log, versions, tmp_path, monkeypatch):  # noqa: F811 (the fixture imported)
    log = str(write_log([GOOD]))
    released = versions / "versions" / "2026-11-01.toml"
    text = released.read_text()
    edited = text.replace("output = 15.00", "output = 1.50", 1)
    assert edited != text
    copy = tmp_path / "copy.toml"
    copy.write_text(text)
    res = run("analyze", log, "--db", ":memory:", "-f", "json", "--pricing", str(copy))
    assert res.exit_code == 0 and json.loads(res.stdout)["pricing_version"] == "2026-11-01"
    copy.write_text(edited)  # an edited copy that still names the released version
    res = run("analyze", log, "--db", ":memory:", "--pricing", str(copy))
    assert res.exit_code == 3 and res.stderr.startswith(
        f"plan: error: {copy}: names pricing version 2026-11-01, which is already released "
        "with other contents")
    copy.write_text(edited.replace('version = "2026-11-01"', 'version = "mine"', 1))
    res = run("analyze", log, "--db", ":memory:", "-f", "json", "--pricing", str(copy))
    assert res.exit_code == 0 and json.loads(res.stdout)["pricing_version"] == "mine"
    released.write_text(edited)  # the released file itself, edited, named by its path
    monkeypatch.chdir(versions)
    for path in (str(released), "versions/2026-11-01.toml", "../pricing/versions/2026-11-01.toml"):
        res = run("analyze", log, "--db", ":memory:", "--pricing", path)
        assert res.exit_code == 3 and "released pricing version was modified" in res.stderr, path
    res = run("pricing", "list", "-f", "json")
    assert res.exit_code == 3
    assert {r["version"]: r["status"] for r in json.loads(res.stdout)}["2026-11-01"] == "MODIFIED"
    assert res.stderr == ("plan: error: released pricing version modified (SHA-256 differs "
                          "from manifest.json): 2026-11-01\n")


@pytest.mark.parametrize("pad", [0, 2_000_000])  # hashed whole; by head and tail
def test_a_file_replaced_with_the_same_size_and_mtime_is_read_again(write_log, tmp_path, pad):
    def log(tokens: int) -> None:
        records = [{**GOOD, "request_id": f"r{i}", "input_tokens": tokens} for i in range(3)]
        path = write_log([*records, {**GOOD, "request_id": "pad", "prompt": "x" * pad}])
        os.utime(path, ns=(1_700_000_000_000_000_000,) * 2)

    db_path = tmp_path / "plan.duckdb"
    totals = []
    for tokens in (10, 10, 99):  # the same file twice, then one of the same size and mtime
        log(tokens)
        con = db.connect(db_path)
        files = ingest.ingest(con, ingest.discover([str(tmp_path / "log.jsonl")]), KEEP_TEXT)
        totals.append((files[0].reused, con.execute(
            "SELECT sum(input_tokens) FROM requests WHERE request_id <> 'pad'").fetchone()[0]))
        con.close()
    assert totals == [(False, 30), (True, 30), (False, 297)]


@pytest.mark.parametrize("gz", [False, True])
def test_a_crlf_line_a_lone_cr_or_a_byte_not_utf8_costs_only_its_line(tmp_path, gz):
    lines = [json.dumps({**GOOD, "request_id": f"r{i}", "prompt": "héllo"},
                        ensure_ascii=False).encode()
             for i in range(1, 9)]
    lines[1] += b"\r"  # line 2 ends in CRLF: judged as it is (CR is JSON whitespace)
    lines[3] = lines[3].replace(b"h\xc3\xa9llo", b"h\xe9llo")  # latin-1, not UTF-8
    lines[5] = lines[5][:20] + b"\r" + lines[5][20:]  # a lone CR inside line 6
    lines[6] = b"\xff\xfe" + lines[6]
    body = b"\n".join(lines) + b"\r\n"
    path = tmp_path / ("mixed.jsonl.gz" if gz else "mixed.jsonl")
    path.write_bytes(gzip.compress(body) if gz else body)
    con, files, scope = load(path)
    assert rejects(con) == [(4, None, "not valid UTF-8"),
                            (6, None, "a carriage return inside the line"),
                            (7, None, "not valid UTF-8")]
    assert con.execute("SELECT line_no, request_id, prompt, excerpt FROM lines "
                       "WHERE problem IS NULL ORDER BY 1").fetchall() == [
        (n, f"r{n}", "héllo", None) for n in (1, 2, 3, 5, 8)]
    assert (files[0].lines_read, files[0].accepted, files[0].rejected) == (8, 5, 3)


def test_a_ragged_csv_row_costs_only_its_row(tmp_path):
    """The delimiter and columns come from the header: one row with an extra field (early, in
    the sniffer's sample, or past it) or a missing one is a reject, the rest are read."""
    header = "timestamp,request_id,model,input_tokens,output_tokens"
    rows = [f"2026-01-01T00:00:00Z,r{i},gpt-4o,{i},5" for i in range(1, 30_001)]
    rows[4] += ",extra"  # line 6
    rows[25_000] += ",extra,more"  # line 25,002
    rows[7] = "2026-01-01T00:00:00Z,r8"  # line 9
    path = tmp_path / "ragged.csv"
    path.write_text("\n".join([header, *rows]) + "\n")
    con, files, scope = load(path)
    assert rejects(con) == [(6, None, "more fields than the header"),
                            (9, "input_tokens", "no token counts and no text to count"),
                            (25_002, None, "more fields than the header")]
    assert con.execute("SELECT count(*), sum(input_tokens), min(line_no), max(line_no) "
                       "FROM requests").fetchone() == (
        29_997, sum(range(1, 30_001)) - 5 - 8 - 25_001, 2, 30_001)


def test_a_semicolon_csv_with_a_bom_crlf_and_quoted_delimiters(tmp_path):
    path = tmp_path / "semi.csv"
    path.write_bytes("\ufefftimestamp;request_id;model;input_tokens;output_tokens\r\n"
                     '2026-01-01T00:00:00Z;"a;1";gpt-4o;10;5\r\n'
                     '2026-01-01T00:00:01Z;b;gpt-4o;"7";5;x\r\n'
                     "2026-01-01T00:00:02Z;c;gpt-4o;12;5\r\n".encode())
    con, files, scope = load(path)
    assert rejects(con) == [(3, None, "more fields than the header")]
    assert con.execute("SELECT line_no, request_id, input_tokens FROM requests ORDER BY 1"
                       ).fetchall() == [(2, "a;1", 10), (4, "c", 12)]


def test_a_line_over_32_mb_is_a_reject_and_never_held_whole(tmp_path):
    big = json.dumps({**GOOD, "prompt": "x" * (ingest.MAX_LINE_BYTES + 10)})
    lines = [json.dumps({**GOOD, "request_id": f"r{i}"}) for i in range(4)]
    path = tmp_path / "long.jsonl.gz"
    path.write_bytes(gzip.compress("\n".join([lines[0], big, lines[1], lines[2], big]).encode(),
                                   compresslevel=1))
    con, files, scope = load(path)
    assert rejects(con) == [(2, None, "longer than 32 MB"), (5, None, "longer than 32 MB")]
    assert con.execute("SELECT line_no FROM requests ORDER BY 1").fetchall() == [(1,), (3,), (4,)]


def test_duckdb_running_out_of_memory_is_one_line_naming_the_limit_option():
    # a real DuckDB query over a real 16 MB limit with nowhere to spill, through the CLI's own
    # error handler: the user is told what ran out and which option to raise, not "a bug"
    code = ("from cli.errors import run\nimport duckdb\n"
            "def app():\n"
            "    c = duckdb.connect(config={'memory_limit': '16MB', 'temp_directory': ''})\n"
            "    c.execute('SELECT count(DISTINCT i::VARCHAR) FROM range(20000000) t(i)')\n"
            "run(app)\n")
    env = {k: v for k, v in os.environ.items() if k != "PLAN_DEBUG"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         check=False)
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr
    assert out.stderr.startswith("plan: error: DuckDB ran out of memory: Out of Memory Error: ")
    assert out.stderr.endswith("(hint: a larger --memory-limit, or fewer other programs "
                               "running; see README 'Scale')\n")

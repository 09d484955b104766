"""A re-run restores the run's rejects and failures grouped by reason, and its requests outside
--since/--until, from the snapshot (planner/stages/snapshot.py): it groups no reject and counts
no request, and reports what a cold run does, to the cent and to the line."""

from __future__ import annotations

import pytest

from planner.stages import analysis
from tests.test_reprojection import _json

T0 = "2026-10-01T00:00:00Z"


def _canonical(n: int, **fields: object) -> dict:
    record = {"timestamp": f"2026-10-{1 + n % 20:02d}T00:00:00Z", "request_id": f"r{n}",
              "workload": "support", "model": "gpt-4o-mini", "input_tokens": 100 + n,
              "output_tokens": 10}
    return {**record, **fields}


@pytest.fixture()
def logs(write_log):
    """Two files: canonical requests with rejects of three kinds, and an OpenAI batch output
    with two failed requests (one reason each) and a line that is not JSON."""
    canonical = write_log([
        *(_canonical(n) for n in range(40)),
        _canonical(40, input_tokens=-5),           # line 41: input_tokens negative
        _canonical(41, input_tokens=-7),           # line 42: the same kind
        _canonical(42, timestamp="yesterday"),     # line 43: timestamp
        _canonical(43, input_tokens="lots"),       # line 44: input_tokens not a number
        _canonical(44, input_tokens=-9),           # line 45: negative again
    ], name="gateway.jsonl")
    body = {"object": "chat.completion", "created": 1791072000, "model": "gpt-4o-mini",
            "choices": [{"message": {"content": "ok"}}],
            "usage": {"prompt_tokens": 30, "completion_tokens": 4}}  # 2026-10-04
    failed = {"error": {"message": "boom"}}
    batch = write_log([
        *({"id": f"b{n}", "custom_id": f"t{n}", "error": error, "response": None if status is None
           else {"status_code": status, "request_id": f"q{n}", "body": answer}}
          for n, status, answer, error in (
              (1, 200, body, None),
              (2, None, None, {"code": "rate_limit_exceeded", "message": "slow down"}),
              (3, 500, failed, None))),
        "{broken",
    ], name="batch.jsonl")
    return canonical, batch


def _refuse(*_args: object) -> None:
    raise AssertionError("a restored run grouped the rejects or counted requests again")


@pytest.mark.parametrize("window", [[], ["--since", "2026-10-05", "--until", "2026-10-15"]],
                         ids=["all", "since-until"])
def test_a_rerun_restores_the_reasons_and_reports_what_a_cold_run_does(
        run, logs, tmp_path, monkeypatch, window):
    canonical, batch = logs
    database = str(tmp_path / "plan.duckdb")
    paths = [str(canonical), str(batch)]
    first = _json(run, *paths, "--db", database, *window)
    monkeypatch.setattr(analysis, "_count_lines", _refuse)  # the re-run must not need it
    warm = _json(run, *paths, "--db", database, *window, "--escalation", "0.3")
    monkeypatch.undo()
    cold = _json(run, *paths, "--db", ":memory:", *window, "--escalation", "0.3")
    assert warm == cold
    assert warm["ingest"] == first["ingest"]
    # by hand: the three kinds of reject, most frequent first, each at its first line
    i = warm["ingest"]
    assert [(r["field"], r["reason"], r["count"], r["first"]) for r in i["reject_reasons"]] == [
        ("input_tokens", "negative: -5", 3, f"{canonical}:41"),
        ("timestamp", "not an ISO 8601 time or epoch seconds: yesterday", 1, f"{canonical}:43"),
        ("input_tokens", "not a number: lots", 1, f"{canonical}:44"),
        (None, "not valid JSON", 1, f"{batch}:4"),
    ]
    assert [(r["reason"], r["count"], r["first"]) for r in i["failure_reasons"]] == [
        ("batch error rate_limit_exceeded: slow down", 1, f"{batch}:2"),
        ("HTTP 500: boom", 1, f"{batch}:3"),
    ]
    # requests outside the window, by hand: days 1-4 and 15-20 of each 20 (the 40 canonical
    # requests) and the batch's one request (2026-10-04)
    outside = [f["outside"] for f in i["files"]]
    assert outside == ([0, 0] if not window else [2 * 10, 1])


def test_a_cold_run_into_a_database_keeps_the_reasons_saved(run, logs, tmp_path):
    """The snapshot's table, read back independently: one row per reason group."""
    import duckdb

    canonical, batch = logs
    database = tmp_path / "plan.duckdb"
    report = _json(run, str(canonical), str(batch), "--db", str(database))
    with duckdb.connect(str(database), read_only=True) as con:
        saved = con.execute("SELECT failed, n FROM snapshot_reject_reasons ORDER BY pos").fetchall()
    assert saved == [(False, 3), (False, 1), (False, 1), (False, 1), (True, 1), (True, 1)]
    assert sum(n for _, n in saved) == report["ingest"]["rejected"] + report["ingest"]["failed"]


def test_a_reason_met_a_thousand_times_is_counted_with_a_separator(run, write_log):
    # 1,200 lines without a timestamp, one with: the terminal and the page say x1,200.
    good = {"timestamp": "2026-10-01T00:00:00Z", "request_id": "ok", "model": "gpt-4o-mini",
            "input_tokens": 10, "output_tokens": 5}
    lines = [good] + [{k: v for k, v in good.items() if k != "timestamp"} | {"request_id": f"r{i}"}
                      for i in range(1200)]
    log = str(write_log(lines))
    text = run("analyze", log, "--db", ":memory:").stdout
    assert "  x1,200  " in text and "x1200" not in text
    page = run("analyze", log, "--db", ":memory:", "--format", "html").stdout
    assert "<li>x1,200 " in page

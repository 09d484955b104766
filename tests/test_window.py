"""--since / --until (issue 20): requests outside the run's window are read and counted as
outside, not analysed; the counts still reconcile; a duration counts back from now."""

from __future__ import annotations

import json

DAY = {"workload": "w", "model": "gpt-4o", "input_tokens": 100, "output_tokens": 10}


def _log(write_log):
    return write_log([dict(DAY, timestamp=f"2026-10-0{d}T00:00:00Z", request_id=rid)
                      for d, rid in ((1, "a"), (2, "b"), (3, "c"), (4, "b"))])


def test_requests_outside_the_window_are_counted_not_analysed(run, write_log):
    log = _log(write_log)
    res = run("analyze", str(log), "--db", ":memory:", "--json", "--since", "2026-10-02",
              "--until", "2026-10-04")
    assert res.exit_code == 0, res.stderr
    data = json.loads(res.stdout)
    i = data["ingest"]
    # 1 Oct is before --since; 4 Oct is not before --until (the upper bound is excluded), so
    # its repeat of request b is outside, not a duplicate
    assert (i["read"], i["accepted"], i["duplicates"], i["outside"]) == (4, 2, 0, 2)
    assert i["read"] == i["accepted"] + i["rejected"] + i["duplicates"] + i["failed"] + \
        i["outside"]
    assert (data["window"]["start"], data["window"]["end"]) == ("2026-10-02T00:00:00Z",
                                                               "2026-10-03T00:00:00Z")
    # the same two requests analysed on their own cost the same
    alone = write_log([dict(DAY, timestamp=f"2026-10-0{d}T00:00:00Z", request_id=rid)
                       for d, rid in ((2, "b"), (3, "c"))], "alone.jsonl")
    other = json.loads(run("analyze", str(alone), "--db", ":memory:", "--json").stdout)
    assert data["scenarios"] == other["scenarios"]
    only_since = json.loads(run("analyze", str(log), "--db", ":memory:", "--json",
                                "--since", "2026-10-02").stdout)["ingest"]
    assert (only_since["accepted"], only_since["duplicates"], only_since["outside"]) == (2, 1, 1)


def test_a_duration_counts_back_from_now(run, write_log):
    # every request is from October 2026, more than a day before the machine's clock here
    res = run("analyze", str(_log(write_log)), "--db", ":memory:", "--since", "1d")
    assert res.exit_code == 2
    assert "4 requests outside --since/--until" in " ".join(res.stderr.split())
    assert run("analyze", str(_log(write_log)), "--db", ":memory:", "--since",
               "soon").exit_code == 2

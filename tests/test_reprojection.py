"""Re-projection (issue 18): a run whose logs are already ingested restores what the per-request
stages left (planner/stages/snapshot.py) and gives the same report, to the cent, as a cold run with
the same options; an option those stages read recomputes them (from the stored lines)."""

from __future__ import annotations

import json
import shutil

import duckdb
import pytest

from tests.conftest import SAMPLE_LOGS

# (options, whether the per-request stages read them: True recomputes them, False restores)
CHANGES = [
    (["--escalation", "0.3"], False),
    (["--utilization", "0.5", "--min-replicas", "3"], False),
    (["--onprem-mode", "owned"], False),
    (["--onprem-mode", "autoscaled"], False),
    (["--growth", "0.1", "--months", "6", "--budget", "50"], False),
    (["--batch-workload", "doc-summaries"], False),
    (["--scenario-file", "{dir}/projection.toml"], False),
    (["--frontier", "claude-sonnet-4-5"], True),
    (["--distilled", "deepseek-r1-distill-qwen-32b"], True),
    (["--pricing", "2026-11-22.1"], True),
    (["--price-at", "request-time"], True),
    (["--scenario-file", "{dir}/routing.toml"], True),
]


def _json(run, *args: str) -> dict:
    res = run("analyze", *args, "--format", "json")
    assert res.exit_code == 0, res.stderr
    report = json.loads(res.stdout)
    for f in report["ingest"]["files"]:
        f.pop("reused")
    return report


def _key(path) -> str | None:
    with duckdb.connect(str(path), read_only=True) as con:
        row = con.execute("SELECT key FROM plan_snapshot").fetchone()
    return row[0] if row else None


@pytest.fixture(scope="module")
def primed(tmp_path_factory):
    """A database that has analysed sample_logs/ once with the defaults."""
    from typer.testing import CliRunner

    from cli.app import app
    folder = tmp_path_factory.mktemp("primed")
    res = CliRunner().invoke(app, ["analyze", str(SAMPLE_LOGS), "--db",
                                   str(folder / "plan.duckdb"), "--format", "json"])
    assert res.exit_code == 0
    (folder / "projection.toml").write_text(
        "verbosity = 0.8\nassumed_cache_hit_rate = 0.2\npercentile = 0.95\n"
        "gpu_rate = 'reserved'\npue = 1.4\nkwh_usd = 0.12\namortization_months = 24\n"
        "[escalation_by_workload]\nsupport-bot = 0.05\n")
    (folder / "routing.toml").write_text("cache_ttl_hours = 1\nrouter_tokens = 128\n"
                                         "max_tool_calls = 2\n")
    return folder


@pytest.mark.parametrize(("change", "recomputes"), CHANGES, ids=lambda c: " ".join(c)
                         if isinstance(c, list) else str(c))
def test_a_rerun_reports_what_a_cold_run_does(run, primed, tmp_path, change, recomputes):
    database = tmp_path / "plan.duckdb"
    shutil.copy(primed / "plan.duckdb", database)
    before = _key(database)
    args = [a.replace("{dir}", str(primed)) for a in change]
    warm = _json(run, str(SAMPLE_LOGS), "--db", str(database), *args)
    cold = _json(run, str(SAMPLE_LOGS), "--db", ":memory:", *args)
    assert warm == cold
    # the restored path was taken (the snapshot kept), or the stages ran again (a new one)
    assert (_key(database) != before) is recomputes
    default = _json(run, str(SAMPLE_LOGS), "--db", ":memory:")
    assert warm["scenarios"] != default["scenarios"] or warm["assumptions"] != \
        default["assumptions"]  # the option did change the report


def test_an_appended_file_is_read_once_and_the_rest_restored(run, write_log, tmp_path):
    day = {"timestamp": "2026-10-01T00:00:00Z", "workload": "w", "model": "gpt-4o",
           "input_tokens": 100, "output_tokens": 10}
    first = write_log([dict(day, request_id=f"a{i}") for i in range(5)], "day1.jsonl")
    database = str(tmp_path / "plan.duckdb")
    one = _json(run, str(first), "--db", database)
    second = write_log([dict(day, request_id=f"b{i}", timestamp="2026-10-02T00:00:00Z")
                        for i in range(3)], "day2.jsonl")
    res = run("analyze", str(first), str(second), "--db", database, "--format", "json")
    both = json.loads(res.stdout)
    assert [(f["path"].rsplit("/", 1)[1], f["reused"]) for f in both["ingest"]["files"]] == [
        ("day1.jsonl", True), ("day2.jsonl", False)]
    assert (one["ingest"]["accepted"], both["ingest"]["accepted"]) == (5, 8)


def test_a_chosen_routing_point_is_the_routed_scenario(run, tmp_path):
    # sample_logs with no cache (a zero TTL: no repeat is close enough in time), so that the
    # routed scenario is the curve's point before the cache; a routing point of 0.8 keeps the
    # cost-bound requests scored 0.5-0.8 on frontier.
    def report(extra: str) -> dict:
        scenario = tmp_path / "s.toml"
        scenario.write_text("cache_ttl_hours = 0\n" + extra)
        return _json(run, str(SAMPLE_LOGS), "--db", ":memory:", "--scenario-file",
                     str(scenario))

    default, chosen = report(""), report("routing_min_score = 0.8\n")
    for data, score in ((default, 0.5), (chosen, 0.8)):
        [marked] = [p for p in data["routing_curve"] if p["marked"]]
        assert marked["min_score"] == score
        [routed] = [s["monthly_cost_usd"] for s in data["scenarios"] if s["name"] == "routed"]
        assert marked["monthly_cost_usd"] == routed
    shares = {p["min_score"]: p["distilled_share"] for p in default["routing_curve"]}
    assert shares[0.8] < shares[0.5]  # the point moves traffic back to frontier here
    assert [a["source"] for a in chosen["assumptions"] if a["name"] == "routing_min_score"] == [
        f"scenario file {tmp_path / 's.toml'}"]


@pytest.mark.parametrize("frontier", [[], ["--frontier", "gpt-5"]], ids=["measured", "chosen"])
def test_check_against_a_baseline_of_the_same_logs_finds_no_change(run, tmp_path, frontier):
    # The check prices with the baseline's assumptions: a frontier model measured from the logs
    # is measured again (requests keep their own model), one chosen is chosen again.
    base = tmp_path / "base.json"
    assert run("baseline", str(SAMPLE_LOGS), "-o", str(base), "--db", ":memory:",
               *frontier).exit_code == 0
    res = run("check", str(SAMPLE_LOGS), "--baseline", str(base), "--db", ":memory:",
              "--format", "json")
    assert res.exit_code == 0, res.stdout + res.stderr
    data = json.loads(res.stdout)
    old = json.loads(base.read_text())
    [routed] = [s["monthly_cost_usd"] for s in old["scenarios"] if s["name"] == "routed"]
    assert routed == (40.33 if frontier else 113.28)  # README, docs/money.md
    rows = data["workloads"] + data["totals"]
    assert len(data["totals"]) == 4 and len(rows) > 4
    assert {r["change_usd"] for r in rows} == {0}

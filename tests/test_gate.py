"""CI gate and finance export: baseline, check, diff (volume / mix / price) and export.

Logs span exactly one day (a month is 30.4375 days) and use the round test prices of
fixtures/hand_pricing.toml: big (frontier) in 10 out 20 per 1M tokens, small (distilled) in 0.10
out 0.20. A request of 10k input and 5k output costs 0.20 on big and 0.002 on small; routed, a
cost-bound request pays small plus 12% of big: 0.026.
"""

from __future__ import annotations

import csv
import json
import os
from decimal import ROUND_HALF_UP, Decimal

import pytest

from tests.conftest import FIXTURES

GOLDEN = FIXTURES.parent / "golden"
V1 = str(FIXTURES / "hand_pricing.toml")
V2 = str(FIXTURES / "hand_pricing_v2.toml")  # big input 12 instead of 10
MONTH = Decimal("30.4375")


def requests(n: int, workload: str = "support", task: str = "customer_support",
             start: int = 0) -> list[dict]:
    """n requests spread over exactly one day: the first at 00:00, the last at 24:00."""
    return [
        {"timestamp": f"2026-01-0{1 + (i == n - 1)}T{'00:00:00' if i in (0, n - 1) else '12:00:00'}Z",
         "request_id": f"{workload}-{start + i}", "workload": workload, "task_type": task,
         "model": "big", "input_tokens": 10000, "output_tokens": 5000}
        for i in range(n)
    ]


def cents(x: Decimal) -> Decimal:
    return x.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@pytest.fixture
def logs(write_log):
    base = write_log(requests(100), name="base.jsonl")
    more = write_log(requests(120), name="more.jsonl")  # 20% more traffic, same day
    return base, more


def test_check_on_the_same_logs_passes(run, logs, tmp_path):
    base, _ = logs
    out = tmp_path / "baseline.json"
    assert run("baseline", str(base), "-o", str(out), "--db", ":memory:",
               "--pricing", V1).exit_code == 0
    res = run("check", str(base), "--baseline", str(out), "--max-increase", "10",
              "--db", ":memory:", "--pricing", V1)
    assert res.exit_code == 0, res.stdout + res.stderr
    assert "plan check passed: scenario routed, fails above +10%" in res.stdout


def test_twenty_percent_more_traffic_fails_a_ten_percent_gate(run, logs, tmp_path):
    base, more = logs
    out = tmp_path / "baseline.json"
    run("baseline", str(base), "-o", str(out), "--db", ":memory:", "--pricing", V1)
    res = run("check", str(more), "--baseline", str(out), "--max-increase", "10",
              "--db", ":memory:", "--pricing", V1)
    assert res.exit_code == 1
    old = cents(100 * Decimal("0.026") * MONTH)  # 79.1375 -> 79.14
    new = cents(120 * Decimal("0.026") * MONTH)  # 94.965 -> 94.97 (half up)
    assert (old, new) == (Decimal("79.14"), Decimal("94.97"))
    assert ("routed monthly cost rose 20.0% ($79.14 -> $94.97, +$15.83), above "
            "--max-increase 10%") in res.stdout
    # The same through the dollar threshold, and a generous one passes.
    assert run("check", str(more), "--baseline", str(out), "--max-increase-usd", "15",
               "--db", ":memory:", "--pricing", V1).exit_code == 1
    assert run("check", str(more), "--baseline", str(out), "--max-increase", "25",
               "--db", ":memory:", "--pricing", V1).exit_code == 0


def report(run, tmp_path, log, pricing, name):
    path = tmp_path / name
    res = run("analyze", str(log), "--db", ":memory:", "--pricing", pricing, "-f", "json",
              "-o", str(path))
    assert res.exit_code == 0, res.stderr
    return path


def test_more_traffic_is_all_volume(run, logs, tmp_path):
    base, more = logs
    res = run("diff", str(report(run, tmp_path, base, V1, "a.json")),
              str(report(run, tmp_path, more, V1, "b.json")), "-f", "json")
    totals = {t["scenario"]: t for t in json.loads(res.stdout)["totals"]}
    routed = totals["routed"]
    assert routed["volume_usd"] == 15.83  # 20 more requests at 79.14 / 100 each
    assert (routed["mix_usd"], routed["price_usd"]) == (0, 0)


def test_a_pricing_change_alone_is_all_price(run, logs, tmp_path):
    base, _ = logs
    res = run("diff", str(report(run, tmp_path, base, V1, "a.json")),
              str(report(run, tmp_path, base, V2, "b.json")), "-f", "json")
    data = json.loads(res.stdout)
    assert (data["old_pricing_version"], data["new_pricing_version"]) == (
        "test-hand", "test-hand-2")
    totals = {t["scenario"]: t for t in data["totals"]}
    # all-frontier: big goes from 0.20 to 0.22 a request (10k input at 12 instead of 10).
    old, new = cents(100 * Decimal("0.2") * MONTH), cents(100 * Decimal("0.22") * MONTH)
    assert (old, new) == (Decimal("608.75"), Decimal("669.63"))
    frontier = totals["all-frontier"]
    assert Decimal(str(frontier["price_usd"])) == new - old
    for t in data["totals"] + data["workloads"]:
        assert (t["volume_usd"], t["mix_usd"]) == (0, 0), t
        assert Decimal(str(t["price_usd"])) == Decimal(str(t["change_usd"])).quantize(
            Decimal("0.01"))


def test_volume_mix_and_price_add_up_to_the_change_to_the_cent(run, write_log, tmp_path):
    # Baseline: 10 support and 5 agent requests. New: 12 support, the agent workload now logs
    # customer_support (it flips to cost-bound), a new workload, and new prices.
    old_log = write_log(requests(10) + requests(5, "agent", "agent"), name="old.jsonl")
    new_log = write_log(requests(12) + requests(5, "agent", "customer_support")
                        + requests(3, "extract", "extraction"), name="new.jsonl")
    a = report(run, tmp_path, old_log, V1, "a.json")
    b = report(run, tmp_path, new_log, V2, "b.json")
    data = json.loads(run("diff", str(a), str(b), "-f", "json").stdout)
    for row in data["workloads"] + data["totals"]:
        parts = sum(Decimal(str(row[k])) for k in ("volume_usd", "mix_usd", "price_usd"))
        change = Decimal(str(row["new_monthly_cost_usd"])) - Decimal(
            str(row["old_monthly_cost_usd"]))
        assert parts == change, row
    kinds = {(r["workload"], r["scenario"]): r["kind"] for r in data["workloads"]}
    assert kinds[("extract", "routed")] == "+"
    assert kinds[("agent", "routed")] == "~"
    # check names the flip; --allow-label-flips turns that failure off.
    out = tmp_path / "baseline.json"
    run("baseline", str(old_log), "-o", str(out), "--db", ":memory:", "--pricing", V1)
    res = run("check", str(new_log), "--baseline", str(out), "--db", ":memory:",
              "--pricing", V2)
    assert res.exit_code == 1
    assert "workload 'agent' changed label: capability-bound -> cost-bound" in res.stdout
    assert run("check", str(new_log), "--baseline", str(out), "--db", ":memory:",
               "--pricing", V2, "--allow-label-flips").exit_code == 0


def test_a_new_unpriced_model_and_rejected_lines_fail_the_gate(run, logs, write_log, tmp_path):
    base, _ = logs
    out = tmp_path / "baseline.json"
    run("baseline", str(base), "-o", str(out), "--db", ":memory:", "--pricing", V1)
    bad = requests(10)
    bad[3] = {**bad[3], "model": "mystery"}  # 11 lines: 10 requests and one bad line
    newer = write_log(bad + ["not json"], name="newer.jsonl")
    res = run("check", str(newer), "--baseline", str(out), "--db", ":memory:", "--pricing", V1)
    assert res.exit_code == 1
    assert "model 'mystery' has no price (1 request) and is new since the baseline" in res.stdout
    assert "1 of 11 lines rejected (9.09%), above --max-rejected-pct 1" in res.stdout
    assert run("check", str(newer), "--baseline", str(out), "--db", ":memory:",
               "--pricing", V1, "--allow-unpriced", "--max-rejected-pct", "10").exit_code == 0


def test_new_unpriced_web_searches_fail_the_gate(run, logs, write_log, tmp_path):
    # The hand table has no per-search fee for provider "test": 3 + 4 searches on big are
    # unpriced, so a gate that allows none new fails, naming them; the same searches in the
    # baseline pass.
    base, _ = logs
    out = tmp_path / "baseline.json"
    run("baseline", str(base), "-o", str(out), "--db", ":memory:", "--pricing", V1)
    searched = requests(10)
    searched[2] = {**searched[2], "web_search_requests": 3}
    searched[5] = {**searched[5], "web_search_requests": 4}
    newer = write_log(searched, name="searched.jsonl")
    res = run("check", str(newer), "--baseline", str(out), "--db", ":memory:", "--pricing", V1)
    assert res.exit_code == 1
    assert ("7 web searches on 'big' (test) have no per-search price and are new since the "
            "baseline") in res.stdout
    again = tmp_path / "baseline2.json"
    run("baseline", str(newer), "-o", str(again), "--db", ":memory:", "--pricing", V1)
    assert run("check", str(newer), "--baseline", str(again), "--db", ":memory:",
               "--pricing", V1).exit_code == 0
    assert run("check", str(newer), "--baseline", str(out), "--db", ":memory:",
               "--pricing", V1, "--allow-unpriced").exit_code == 0


@pytest.mark.parametrize("fmt", ["markdown", "github"])
def test_ci_outputs_golden(run, logs, tmp_path, fmt):
    base, more = logs
    out = tmp_path / "baseline.json"
    run("baseline", str(base), "-o", str(out), "--db", ":memory:", "--pricing", V1)
    res = run("check", str(more), "--baseline", str(out), "--max-increase", "10",
              "--db", ":memory:", "--pricing", V1, "-f", fmt)
    assert res.exit_code == 1
    path = GOLDEN / f"check.{'md' if fmt == 'markdown' else 'github.txt'}"
    if os.environ.get("PLAN_UPDATE_GOLDEN"):
        path.write_text(res.stdout, encoding="utf-8")
    assert res.stdout == path.read_text(encoding="utf-8")


def test_export_groups_add_up_and_neutralise_formulas(run, write_log, tmp_path):
    evil = '=HYPERLINK("http://x","y")'
    log = write_log(requests(10) + requests(5, evil, "agent"))
    out = tmp_path / "report.csv"
    res = run("export", str(log), "-o", str(out), "--group-by", "workload", "--group-by",
              "day", "--db", ":memory:", "--pricing", V1, "--layout", "long")
    assert res.exit_code == 0, res.stderr
    with out.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["workload"] for r in rows} == {"support", "'" + evil}
    # all-frontier: 15 requests at 0.20 over one day: 3.00 in the window, 91.31 a month.
    frontier = [r for r in rows if r["scenario"] == "all-frontier"]
    assert sum(Decimal(r["window_cost_usd"]) for r in frontier) == Decimal("3.00")
    assert sum(Decimal(r["monthly_cost_usd"]) for r in frontier) == cents(3 * MONTH)
    assert {r["pricing_version"] for r in rows} == {"test-hand"}
    assert {r["day"] for r in rows} == {"2026-01-01", "2026-01-02"}
    assert all(len(r["assumptions_digest"]) == 12 for r in rows)


def test_check_prices_with_the_baselines_scenario_assumptions(run, logs, tmp_path):
    """A baseline made with a scenario file (verbosity 3, 3 replicas): check prices the new logs
    with the same assumptions, so the same logs pass with no change at all."""
    base, _ = logs
    plan_toml = tmp_path / "plan.toml"
    plan_toml.write_text('verbosity = 3\nonprem_mode = "owned"\nmin_replicas = 3\n')
    out = tmp_path / "baseline.json"
    # The test table's GPU has no purchase price: an owned fleet is refused, naming the GPU.
    owned = run("baseline", str(base), "-o", str(out), "--db", ":memory:", "--pricing", V1,
                "--scenario-file", str(plan_toml))
    assert owned.exit_code == 3 and "GPU 'g1' has no purchase price" in owned.stderr
    plan_toml.write_text('verbosity = 3\nmin_replicas = 3\n')
    assert run("baseline", str(base), "-o", str(out), "--db", ":memory:", "--pricing", V1,
               "--scenario-file", str(plan_toml)).exit_code == 0
    res = run("check", str(base), "--baseline", str(out), "--db", ":memory:", "--pricing", V1,
              "-f", "json")
    assert res.exit_code == 0, res.stdout + res.stderr
    totals = json.loads(res.stdout)["totals"]
    assert len(totals) == 4 and all(Decimal(str(t["change_usd"])) == 0 for t in totals)
    # Without the baseline's assumptions the routed cost would differ: verbosity 3 triples the
    # distilled output tokens.
    plain = run("analyze", str(base), "--db", ":memory:", "--pricing", V1, "-f", "json")
    routed = {s["name"]: s for s in json.loads(plain.stdout)["scenarios"]}["routed"]
    baseline = {s["name"]: s for s in json.loads(out.read_text())["scenarios"]}["routed"]
    assert routed["monthly_cost_usd"] < baseline["monthly_cost_usd"]

"""Every scenario of a small log, computed by hand from round test prices.

Prices per 1M tokens: big (frontier) in 10, cached 1, out 20; small (distilled, 200k context,
text only, no cache price) in 0.10, out 0.20; old in 2, out 4. The log spans exactly one day,
so a month is 30.4375 times the window.
"""

from __future__ import annotations

import json
import math
from decimal import Decimal
from statistics import NormalDist

import pytest

from tests.conftest import FIXTURES

D = Decimal
M = D(1_000_000)
MONTH = D("30.4375")


def cost(inp: int, out: int, p_in: str, p_out: str, cached: int = 0, p_cached: str = "0") -> Decimal:
    return (inp - cached) * D(p_in) / M + cached * D(p_cached) / M + out * D(p_out) / M


RECORDS = [
    # A, support, on "old": routed to small
    {"timestamp": "2026-01-01T00:00:00Z", "request_id": "r1", "workload": "A",
     "task_type": "customer_support", "model": "old", "input_tokens": 100000,
     "output_tokens": 50000},
    # A, support, on big with 100k cached: routed to small (small bills cached as input)
    {"timestamp": "2026-01-01T12:00:00Z", "request_id": "r2", "workload": "A",
     "task_type": "customer_support", "model": "big", "input_tokens": 200000,
     "cached_input_tokens": 100000, "output_tokens": 0},
    # A, support, but over small's 200k context window: stays on frontier
    {"timestamp": "2026-01-01T18:00:00Z", "request_id": "r4", "workload": "A",
     "task_type": "customer_support", "model": "old", "input_tokens": 300000,
     "output_tokens": 0},
    # B, agent: capability-bound
    {"timestamp": "2026-01-02T00:00:00Z", "request_id": "r3", "workload": "B",
     "task_type": "agent", "model": "big", "input_tokens": 10000, "output_tokens": 5000},
    # B, agent, a model with no price: out of as-logged, priced in every other scenario
    {"timestamp": "2026-01-01T06:00:00Z", "request_id": "r6", "workload": "B",
     "task_type": "agent", "model": "mystery", "input_tokens": 1000, "output_tokens": 1000},
    # r1 again (a retry logged twice): a duplicate, counted once
    {"timestamp": "2026-01-01T00:00:00Z", "request_id": "r1", "workload": "A",
     "task_type": "customer_support", "model": "old", "input_tokens": 100000,
     "output_tokens": 50000},
]

R1 = {"logged": cost(100000, 50000, "2", "4"), "big": cost(100000, 50000, "10", "20"),
      "small": cost(100000, 50000, "0.10", "0.20")}
R2 = {"logged": cost(200000, 0, "10", "20", 100000, "1"), "big": cost(200000, 0, "10", "20", 100000, "1"),
      "small": cost(200000, 0, "0.10", "0.20")}
R4 = {"logged": cost(300000, 0, "2", "4"), "big": cost(300000, 0, "10", "20")}
R3 = {"logged": cost(10000, 5000, "10", "20"), "big": cost(10000, 5000, "10", "20")}
R6 = {"big": cost(1000, 1000, "10", "20")}
ESC = D("0.12")


@pytest.fixture
def report(run, write_log):
    log = write_log(RECORDS)
    res = run("analyze", str(log), "--db", ":memory:", "--format", "json",
              "--pricing", str(FIXTURES / "hand_pricing.toml"),
              "--rules", str(FIXTURES / "hand_rules.toml"))
    assert res.exit_code == 0, res.stderr
    return json.loads(res.stdout)


def test_hand_values_are_what_we_think():
    # The arithmetic above, spelled out once more for a reader.
    assert R1 == {"logged": D("0.4"), "big": D("2.0"), "small": D("0.02")}
    assert R2["big"] == D("1.1") and R2["small"] == D("0.02")
    assert R4 == {"logged": D("0.6"), "big": D("3.0")}


def scenario(report, name):
    return D(str(next(s for s in report["scenarios"] if s["name"] == name)["monthly_cost_usd"]))


def cents(x: Decimal) -> Decimal:
    return x.quantize(D("0.01"))


def test_as_logged_leaves_out_the_unpriced_model(report):
    window = R1["logged"] + R2["logged"] + R4["logged"] + R3["logged"]
    assert scenario(report, "as-logged") == cents(window * MONTH) == D("70.01")
    assert report["unpriced_models"] == [{"model": "mystery", "requests": 1}]


def test_all_frontier(report):
    window = R1["big"] + R2["big"] + R4["big"] + R3["big"] + R6["big"]
    assert scenario(report, "all-frontier") == cents(window * MONTH) == D("192.67")


def test_routed_escalation_and_envelope(report):
    # By default a request kept off the distilled model stays on the model it logged, and an
    # escalation is re-sent there: r1 and r4 on "old", r2 and r3 on big; r6 (no price) on the
    # frontier model, big.
    window = (R1["small"] + ESC * R1["logged"] + R2["small"] + ESC * R2["big"]
              + R4["logged"] + R3["big"] + R6["big"])
    assert scenario(report, "routed") == cents(window * MONTH) == D("31.96")
    a = next(w for w in report["workloads"] if w["workload"] == "A")
    assert a["stays_on_frontier"] == 1


def test_routed_consolidated_with_frontier_flag(run, write_log):
    # --frontier big: everything not sent to small, and every escalation, on big.
    res = run("analyze", str(write_log(RECORDS)), "--db", ":memory:", "--format", "json",
              "--pricing", str(FIXTURES / "hand_pricing.toml"), "--frontier", "big",
              "--rules", str(FIXTURES / "hand_rules.toml"))
    assert res.exit_code == 0, res.stderr
    routed_small = [R1, R2]  # r4 is over small's context window, r3 and r6 are agents
    window = sum(r["small"] + ESC * r["big"] for r in routed_small) + R4["big"] + R3["big"] + R6["big"]
    assert scenario(json.loads(res.stdout), "routed") == cents(window * MONTH) == D("110.85")


def test_onprem_fleet_sized_for_the_peak_minute(run, write_log, tmp_path):
    # Busiest minute: r1, 100k in and 50k out in one minute, on replicas doing 6000 prefill and
    # 600 decode tokens/s: 100000/60/6000 + 50000/60/600 = 1.667 replicas; at 75% -> 2.22 -> 3.
    # percentile = 1: the fleet covers the busiest minute itself.
    scenario_file = tmp_path / "plan.toml"
    scenario_file.write_text("percentile = 1.0\n")
    res = run("analyze", str(write_log(RECORDS)), "--db", ":memory:", "--format", "json",
              "--pricing", str(FIXTURES / "hand_pricing.toml"),
              "--rules", str(FIXTURES / "hand_rules.toml"), "--scenario-file", str(scenario_file))
    assert res.exit_code == 0, res.stderr
    report = json.loads(res.stdout)
    onprem = report["onprem"]
    assert onprem["replicas"] == 3 and onprem["gpus"] == 3
    fleet = 3 * D("2.0") * 730
    assert D(str(onprem["monthly_fleet_cost_usd"])) == fleet == D("4380")
    api = ESC * R1["logged"] + ESC * R2["big"] + R4["logged"] + R3["big"] + R6["big"]
    assert scenario(report, "on-prem") == cents(api * MONTH + fleet) == D("4410.74")
    assert report["assumptions"][[a["name"] for a in report["assumptions"]].index(
        "onprem_percentile")] == {"name": "onprem_percentile", "value": "1.0",
                                  "source": f"scenario file {scenario_file}"}


def test_onprem_fleet_at_the_p99_minute_of_a_mostly_idle_day(report):
    # The window (r1 at 00:00 to r3 at 24:00) has 24 hours; two have fleet traffic: r1 alone in
    # hour 0 (l1 = 100000/60/6000 + 50000/60/600 = 1.6667 replicas for its minute) and r2 alone
    # in hour 12 (l2 = 200000/60/6000 = 0.5556). planner/projection/fleet.py models each hour's minutes as
    # normal, mean l/60, variance dispersion x l^2/60, the dispersion being the minutes' variance
    # about their hour's mean ((59/60) l^2 each) over the Poisson one (l^2 each): 59/60. The
    # p99 minute is exceeded by 0.01 x 24 = 0.24 hours' worth of minutes.
    l1, l2, disp = 100000 / 60 / 6000 + 50000 / 60 / 600, 200000 / 60 / 6000, 59 / 60
    hours = [NormalDist(x / 60, math.sqrt(disp * x * x / 60)) for x in (l1, l2)]
    x = 0.0
    while sum(1 - h.cdf(x) for h in hours) > 0.24:
        x += 1e-5
    onprem = report["onprem"]
    assert abs(D(str(onprem["percentile_replica_load"])) - D(str(x))) < D("0.0001")
    assert onprem["replicas"] == 2  # 0.18 / 0.75 -> 1: the minimum of 2
    # Utilisation: work done over capacity paid. r1's minute needs 1.6667 replicas for a minute,
    # r2's 0.5556; 2 replicas x 1440 minutes paid.
    work = D(100000) / 60 / 6000 + D(50000) / 60 / 600 + D(200000) / 60 / 6000
    assert D(str(onprem["utilization"])) == (work / (2 * 1440)).quantize(D("0.0001"))
    assert D(str(onprem["idle_cost_share"])) == 1 - D(str(onprem["utilization"]))


def test_labels_and_counts(report):
    by_name = {w["workload"]: w for w in report["workloads"]}
    assert by_name["A"]["label"] == "cost-bound" and by_name["A"]["capability_share"] == 0
    assert by_name["B"]["label"] == "capability-bound" and by_name["B"]["capability_share"] == 1
    assert by_name["A"]["requests"] == 3 and by_name["B"]["requests"] == 2
    assert by_name["A"]["input_tokens"] == 600000
    assert report["ingest"] == {**report["ingest"], "read": 6, "accepted": 5, "rejected": 0,
                                "duplicates": 1}
    assert report["window"]["days"] == 1


def test_workload_rows_add_up_to_scenario_totals_to_the_cent(report):
    for s in report["scenarios"]:
        parts = sum(D(str(w["monthly_cost_usd"][s["name"]])) for w in report["workloads"])
        assert parts == D(str(s["monthly_cost_usd"])), s["name"]


def test_escalation_flag_changes_routed(run, write_log):
    log = write_log(RECORDS)
    res = run("analyze", str(log), "--db", ":memory:", "--format", "json", "--escalation", "0",
              "--pricing", str(FIXTURES / "hand_pricing.toml"),
              "--rules", str(FIXTURES / "hand_rules.toml"))
    window = R1["small"] + R2["small"] + R4["logged"] + R3["big"] + R6["big"]
    assert scenario(json.loads(res.stdout), "routed") == cents(window * MONTH)
    assumptions = {a["name"]: a for a in json.loads(res.stdout)["assumptions"]}
    assert assumptions["escalation_rate"] == {"name": "escalation_rate", "value": "0",
                                              "source": "flag --escalation"}

"""Each scenario's change against as-logged, split by cause, computed by hand on the small log of
test_scenarios_hand (prices per 1M tokens: big in 10, cached 1, out 20; small in 0.10, out 0.20;
old in 2, out 4; a one-day window, so a month is 30.4375 windows), and on sample_logs."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from planner.projection.effects import allocate_to
from tests.conftest import FIXTURES
from tests.test_scenarios_hand import ESC, MONTH, R1, R2, R3, R4, R6, RECORDS

D = Decimal
HAND = ("--pricing", str(FIXTURES / "hand_pricing.toml"),
        "--rules", str(FIXTURES / "hand_rules.toml"))


def cents(x: Decimal) -> Decimal:
    return x.quantize(D("0.01"))


def effects(report: dict, scenario: str) -> dict[str, Decimal]:
    found = next(e for e in report["effects"] if e["scenario"] == scenario)
    out = {e["name"]: D(str(e["monthly_usd"])) for e in found["effects"]}
    assert sum(out.values()) == D(str(found["change_usd"])), scenario
    return out


def total(report: dict, name: str) -> Decimal:
    return D(str(next(s for s in report["scenarios"] if s["name"] == name)["monthly_cost_usd"]))


@pytest.fixture
def analyze(run, write_log):
    def go(*flags: str) -> dict:
        res = run("analyze", str(write_log(RECORDS)), "--db", ":memory:", "--format", "json",
                  *HAND, *flags)
        assert res.exit_code == 0, res.stderr
        return json.loads(res.stdout)
    return go


def test_routed_by_default_keeps_each_model(analyze):
    report = analyze()
    got = effects(report, "routed")
    # r1 (old) and r2 (big) go to small: the routing effect is their price difference.
    routing = (R1["small"] - R1["logged"]) + (R2["small"] - R2["logged"])
    assert routing == D("-1.46")
    # 12% of r1 and r2 escalate to the model each came from.
    escalation = ESC * (R1["logged"] + R2["big"])
    assert got == {
        "vendor consolidation": D("0"),  # r3 stays on big, r4 on old: nothing moves
        "routing": cents(routing * MONTH),  # -44.44
        "escalation": cents(escalation * MONTH),  # 5.48
        "batch tier": D("0"), "semantic cache": D("0"), "router": D("0"),
        # r6's model has no price: its frontier cost is not a change but an unknown
        "unpriced traffic": cents(R6["big"] * MONTH),  # 0.91
    }
    assert total(report, "routed") - total(report, "as-logged") == D("-38.05")
    found = next(e for e in report["effects"] if e["scenario"] == "routed")
    assert found["unpriced_requests"] == 1
    # Savings against as-logged leave r6 out of both sides (its as-logged cost is unknown):
    # (70.01 - (31.96 - 0.91)) / 70.01 = 55.649...%, not (70.01 - 31.96) / 70.01.
    routed = next(s for s in report["scenarios"] if s["name"] == "routed")
    assert D(str(routed["savings_vs_as_logged_pct"])) == D("55.6")


def test_frontier_flag_shows_consolidation_on_its_own_line(analyze):
    got = effects(analyze("--frontier", "big"), "routed")
    # r4 (old, over small's context window) moves to big; r3 is already on big.
    assert got["vendor consolidation"] == cents((R4["big"] - R4["logged"]) * MONTH) == D("73.05")
    assert got["routing"] == D("-44.44")
    assert got["escalation"] == cents(ESC * (R1["big"] + R2["big"]) * MONTH) == D("11.32")
    assert got["unpriced traffic"] == D("0.91")
    assert sum(got.values()) == D("110.85") - D("70.01")


def test_all_frontier_and_onprem(analyze):
    report = analyze()
    moved = sum(r["big"] - r["logged"] for r in (R1, R2, R3, R4))
    assert effects(report, "all-frontier") == {
        "vendor consolidation": cents(moved * MONTH), "unpriced traffic": D("0.91")}
    onprem = effects(report, "on-prem")
    # Two replicas of 1 GPU at $2.00/h for 730 h, less small's API cost of r1 and r2.
    fleet = 2 * D("2.0") * 730
    assert onprem["self-hosting"] == cents(fleet - (R1["small"] + R2["small"]) * MONTH) \
        == D("2918.78")
    assert {k: v for k, v in onprem.items() if k != "self-hosting"} == effects(report, "routed")


def test_sample_logs_split_consolidation_and_routing(run):
    res = run("analyze", "sample_logs/", "--db", ":memory:", "--format", "json",
              "--frontier", "gpt-5")
    assert res.exit_code == 0, res.stderr
    report = json.loads(res.stdout)
    got = effects(report, "routed")
    assert got["vendor consolidation"] < 0 and got["routing"] < 0
    assert sum(got.values()) == total(report, "routed") - total(report, "as-logged")
    default = json.loads(run("analyze", "sample_logs/", "--db", ":memory:", "--format",
                             "json").stdout)
    assert effects(default, "all-frontier")["vendor consolidation"] == \
        total(default, "all-frontier") - total(default, "as-logged")
    assert effects(default, "routed")["vendor consolidation"] == 0
    # Routing, escalation, cache and router do not depend on where kept traffic goes.
    assert effects(default, "routed")["routing"] == got["routing"]


def test_terminal_and_html_show_the_effects(run):
    text = run("analyze", "sample_logs/", "--db", ":memory:", "--frontier", "gpt-5").stdout
    assert "Change against as-logged, by cause" in text
    assert "vendor consolidation" in text and "routing" in text
    page = run("analyze", "sample_logs/", "--db", ":memory:", "--format", "html").stdout
    assert "data-effect='vendor consolidation'" in page and "data-effect='routing'" in page


def test_allocate_to_hits_the_total_either_way():
    assert allocate_to([D("1.004"), D("2.004")], D("3.01")) == [D("1.01"), D("2.00")]
    assert allocate_to([D("1.006"), D("2.006")], D("3.00")) == [D("1.00"), D("2.00")]
    assert allocate_to([D("-1.006"), D("0.5")], D("-0.50")) == [D("-1.00"), D("0.50")]

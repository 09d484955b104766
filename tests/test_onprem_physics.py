"""On-prem sized from physics: the self-hosted context limit, and the fleet at other volumes of the
same traffic shape. Hand values use the small log and prices of test_scenarios_hand."""

from __future__ import annotations

import json
from decimal import Decimal

from tests.conftest import FIXTURES
from tests.test_scenarios_hand import ESC, MONTH, R1, R2, R3, R4, R6, RECORDS

D = Decimal


def test_requests_over_the_profile_context_stay_on_the_api(run, write_log, tmp_path):
    # The self-hosted small takes 150,000 tokens (input + output): r1 (100k + 50k) fits, r2
    # (200k + 0) does not, so on-prem sends r2 to small's API and sizes the fleet for r1 alone.
    pricing = tmp_path / "p.toml"
    pricing.write_text((FIXTURES / "hand_pricing.toml").read_text().replace(
        "max_context = 200000", "max_context = 150000"))
    res = run("analyze", str(write_log(RECORDS)), "--db", ":memory:", "--format", "json",
              "--pricing", str(pricing), "--rules", str(FIXTURES / "hand_rules.toml"))
    assert res.exit_code == 0, res.stderr
    report = json.loads(res.stdout)
    overflow = [o for o in report["envelope_overflow"] if o["reason"].startswith("on-prem")]
    assert overflow == [{"workload": "A", "requests": 1, "reason": "on-prem only: over the "
                         "self-hosted small's 150,000-token context, served by its API"}]
    fleet = 2 * D("2.0") * 730  # two replicas (the minimum) of one $2/h GPU, 730 h
    api = (ESC * R1["logged"] + R2["small"] + ESC * R2["big"] + R4["logged"] + R3["big"]
           + R6["big"])
    total = next(s for s in report["scenarios"] if s["name"] == "on-prem")["monthly_cost_usd"]
    assert D(str(total)) == (api * MONTH + fleet).quantize(D("0.01")) == D("2951.35")
    # The fleet serves r1's tokens only.
    assert report["onprem"]["monthly_tokens"] == int(150000 * MONTH)

"""Price buckets real bills have, through the whole pipeline, computed by hand: GPT-5.4's
long-context tier from the shipped price list (above 272,000 input tokens the WHOLE request pays
$5 input, $0.50 cached input and $22.50 output per 1M, instead of $2.50 / $0.25 / $15), and a
time-of-day rate (a test model's off-peak window)."""

from __future__ import annotations

import json
from decimal import Decimal

from tests.conftest import FIXTURES

D = Decimal
M = D(1_000_000)


def test_tiered_long_context_request(run, write_log):
    log = write_log([
        # 300,000 input tokens, 50,000 of them cache reads: above the threshold, all at lc rates
        {"timestamp": "2026-11-01T00:00:00Z", "request_id": "a", "workload": "w",
         "model": "gpt-5.4", "input_tokens": 300_000, "cached_input_tokens": 50_000,
         "output_tokens": 1000},
        # exactly 272,000: not above it, standard rates
        {"timestamp": "2026-11-02T00:00:00Z", "request_id": "b", "workload": "w",
         "model": "gpt-5.4", "input_tokens": 272_000, "output_tokens": 1000},
    ])
    res = run("analyze", str(log), "--db", ":memory:", "--format", "json",
              "--pricing", "2026-11-29.2")
    assert res.exit_code == 0, res.stderr
    report = json.loads(res.stdout)
    above = (250_000 * D(5) + 50_000 * D("0.5") + 1000 * D("22.5")) / M
    at = (272_000 * D("2.5") + 1000 * D(15)) / M
    assert (above, at) == (D("1.2975"), D("0.695"))
    month = D("30.4375")  # the window is exactly one day
    as_logged = next(s for s in report["scenarios"] if s["name"] == "as-logged")
    assert D(str(as_logged["monthly_cost_usd"])) == ((above + at) * month).quantize(D("0.01"))
    lc = [q for q in report["priced_quantities"]
          if q["scenario"] == "as-logged" and q["long_context"]]
    assert [(q["requests"], q["input_tokens"], q["cached_input_tokens"]) for q in lc] == [
        (1, 250_000, 50_000)]


NIGHT = """
[models.night]
provider = "t"
tier = "frontier"
context_window = 1000000
input = 2.0
output = 8.0
source = "test"
source_date = "2026-01-01"

[models.night.off_peak]
from_utc = "16:30"
to_utc = "00:30"
input = 0.5
output = 2.0
"""


def test_time_of_day_rate(run, write_log, tmp_path):
    # "night" bills $0.50 / $2 per 1M from 16:30 to 00:30 UTC (past midnight), $2 / $8 else.
    pricing = tmp_path / "p.toml"
    pricing.write_text((FIXTURES / "hand_pricing.toml").read_text() + NIGHT)
    times = ["2026-01-01T00:00:00Z",  # off-peak (before 00:30)
             "2026-01-01T12:00:00Z",  # peak
             "2026-01-01T16:29:59Z",  # peak: the window opens at 16:30
             "2026-01-01T16:30:00Z",  # off-peak
             "2026-01-02T00:00:00Z"]  # off-peak
    log = write_log([{"timestamp": t, "request_id": f"r{i}", "workload": "agents",
                      "task_type": "agent", "model": "night", "input_tokens": 100_000,
                      "output_tokens": 10_000} for i, t in enumerate(times)])
    res = run("analyze", str(log), "--db", ":memory:", "--format", "json",
              "--pricing", str(pricing), "--rules", str(FIXTURES / "hand_rules.toml"))
    assert res.exit_code == 0, res.stderr
    report = json.loads(res.stdout)
    off = (100_000 * D("0.5") + 10_000 * D(2)) / M
    peak = (100_000 * D(2) + 10_000 * D(8)) / M
    assert (off, peak) == (D("0.07"), D("0.28"))
    want = ((3 * off + 2 * peak) * D("30.4375")).quantize(D("0.01"))
    costs = {s["name"]: D(str(s["monthly_cost_usd"])) for s in report["scenarios"]}
    assert costs["as-logged"] == want == D("23.44")
    # Capability-bound requests stay on "night", at the same hours' rates.
    assert costs["routed"] == want

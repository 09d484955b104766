"""Price buckets real bills have, through the whole pipeline, computed by hand from the shipped
price list: GPT-5.4's long-context tier (above 272,000 input tokens the WHOLE request pays $5
input, $0.50 cached input and $22.50 output per 1M, instead of $2.50 / $0.25 / $15)."""

from __future__ import annotations

import json
from decimal import Decimal

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

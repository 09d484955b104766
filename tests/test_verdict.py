"""The verdict sentence says what it rests on when it rests on little: a handful of requests, a
window shorter than a week, or traffic with no price (which as-logged leaves out)."""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal
from pathlib import Path

from planner.pipeline import AnalyzeOptions, analyze


def _log(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    path.write_text("".join(json.dumps({
        "timestamp": ts, "model": model, "workload": workload,
        "input_tokens": 1000, "output_tokens": 200}) + "\n" for ts, model, workload in rows))
    return path


def test_a_three_request_log_says_it_is_a_rough_estimate(tmp_path):
    # Three requests from 06:00 to 18:00 on one day: a window of 12 hours, 0.5 days.
    log = _log(tmp_path / "tiny.jsonl", [
        ("2026-10-01T06:00:00Z", "gpt-4o", "support"),
        ("2026-10-01T12:00:00Z", "gpt-4o", "support"),
        ("2026-10-01T18:00:00Z", "gpt-4o", "support"),
    ])
    report = analyze([log], AnalyzeOptions(db=":memory:"))
    assert report.verdict.endswith(
        " It rests on 3 requests over 0.5 days, scaled to a month: a rough estimate.")
    # The one workload is support (cost-bound by its name): none needs a frontier model.
    assert "; no workload needs a frontier model; " in report.verdict


def test_a_saving_under_a_cent_names_no_workload_it_comes_from(tmp_path):
    # One 10-token request on gpt-4o-mini over a day: $0.15 and $0.60 per 1M tokens make any
    # month of it cost well under a cent on either model, so there is no saving to attribute.
    log = tmp_path / "cent.jsonl"
    log.write_text("".join(json.dumps({
        "timestamp": ts, "model": "gpt-4o-mini", "workload": "support", "input_tokens": 10,
        "output_tokens": 0}) + "\n" for ts in ("2026-10-01T00:00:00Z", "2026-10-02T00:00:00Z")))
    report = analyze([log], AnalyzeOptions(db=":memory:"))
    assert report.scenario("as-logged").monthly_cost_usd == report.scenario(
        "routed").monthly_cost_usd
    assert report.verdict.startswith("Routing the 1 cost-bound workload to the distilled model "
                                     "changes the monthly cost by less than a cent; ")
    assert "mostly from" not in report.verdict


def test_unpriced_traffic_is_named_in_the_verdict(tmp_path):
    # One request of a model no pricing table knows, beside two priced ones.
    log = _log(tmp_path / "mixed.jsonl", [
        ("2026-10-01T10:00:00Z", "gpt-4o", "support"),
        ("2026-10-01T11:00:00Z", "gpt-4o", "support"),
        ("2026-10-01T12:00:00Z", "acme-private-llm-7", "support"),
    ])
    report = analyze([log], AnalyzeOptions(db=":memory:"))
    assert report.verdict.endswith(" 1 request of 1 model with no price is left out of "
                                   "as-logged.")


def test_the_window_reads_in_minutes_under_a_tenth_of_a_day():
    from decimal import Decimal

    from planner.report import Window
    # 0.0007 days is 1.008 minutes; 0.05 days is 72 minutes; 27.7952 days rounds to 27.8.
    assert Window("a", "b", Decimal("0.0007")).span == "1 minute"
    assert Window("a", "b", Decimal("0.05")).span == "72 minutes"
    assert Window("a", "b", Decimal("27.7952")).span == "27.8 days"
    assert Window("a", "b", Decimal("1234.5")).span == "1,234.5 days"


def test_the_verdict_says_when_the_frontier_model_alone_costs_less_than_routing(tmp_path):
    # 14 requests of 150k tokens are very long context: capability-bound, so routing leaves
    # them on claude-opus-4-1 ($15 / $75 per 1M: $2.40 each), while all-frontier moves them to
    # gpt-5, the frontier model the log uses most ($1.25 / $10: $0.2075 each). 42 small
    # support requests on gpt-5 ($0.001625 each) are cost-bound.
    rows = [{"timestamp": f"2026-10-{d:02d}T10:00:00Z", "model": "claude-opus-4-1",
             "workload": "contracts", "input_tokens": 150_000, "output_tokens": 2_000}
            for d in range(1, 15)]
    rows += [{"timestamp": f"2026-10-{d:02d}T1{h}:00:00Z", "model": "gpt-5",
              "workload": "support", "input_tokens": 500, "output_tokens": 100}
             for d in range(1, 15) for h in range(3)]
    log = tmp_path / "opus.jsonl"
    log.write_text("".join(json.dumps(r) + "\n" for r in rows))
    report = analyze([log], AnalyzeOptions(db=":memory:"))
    # The window: 2026-10-01T10:00 to 2026-10-14T12:00, 13 days 2 hours; a month 30.4375 days.
    month = Decimal("30.4375") / (Decimal(13) + Decimal(2) / 24)
    all_frontier = ((14 * Decimal("0.2075") + 42 * Decimal("0.001625")) * month).quantize(
        Decimal("0.01"))
    assert all_frontier == Decimal("6.92")
    assert report.scenario("all-frontier").monthly_cost_usd == all_frontier
    assert report.scenario("routed").monthly_cost_usd > 14 * Decimal("2.40") * month - 1
    assert ("; every request on gpt-5 costs less still, $6.92 a month (all-frontier), as the "
            "logged models cost more than it (--frontier gpt-5 routes with the rest moved onto "
            "it); ") in report.verdict
    # The advice holds: routing with --frontier gpt-5 costs less than all-frontier, and the
    # sentence then says no more.
    options = AnalyzeOptions(db=":memory:")
    again = analyze([log], dataclasses.replace(options, settings=dataclasses.replace(
        options.settings, frontier="gpt-5")))
    assert again.scenario("routed").monthly_cost_usd < all_frontier
    assert "costs less still" not in again.verdict

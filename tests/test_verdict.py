"""The verdict sentence says what it rests on when it rests on little: a handful of requests, a
window shorter than a week, or traffic with no price (which as-logged leaves out)."""

from __future__ import annotations

import json
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

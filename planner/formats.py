"""Machine renderings of a Report: JSON (the canonical artifact) and CSV (for spreadsheets)."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from enum import StrEnum
from typing import Any

from planner.report import SCENARIOS, Report

CSV_COLUMNS = (
    "scenario", "workload", "label", "requests", "input_tokens", "output_tokens",
    "monthly_cost_usd", "pricing_version", "window_start", "window_end",
)
# A cell starting with one of these can run as a formula in a spreadsheet (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


def to_json(report: Report) -> str:
    return json.dumps(report.to_dict(), indent=2, default=_json_default, ensure_ascii=False) + "\n"


def to_csv(report: Report) -> str:
    """One row per scenario and workload; each scenario's rows sum to its total, to the cent."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for scenario in SCENARIOS:
        for w in report.workloads:
            writer.writerow([
                scenario, _cell(w.workload), w.label, w.requests, w.input_tokens,
                w.output_tokens, f"{w.monthly_cost_usd[scenario]:.2f}", report.pricing_version,
                report.window.start, report.window.end,
            ])
    return out.getvalue()


def _cell(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_START) else text


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        # Every Decimal here has at most a few places; float() prints them exactly as written.
        return float(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")

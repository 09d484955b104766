"""Machine renderings of a Report: JSON (the canonical artifact), the CSV writer and cell rules
export files use (planner/outputs/spreadsheet.py), and reading a JSON report back (baselines,
diffs)."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import IO, Any

from planner.errors import InputError
from planner.report import SCHEMA_VERSION, Report
from planner.settings import DEFAULTS, Settings

# A cell starting with one of these can run as a formula in a spreadsheet (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


class CiFormat(StrEnum):
    table = "table"
    markdown = "markdown"
    github = "github"
    json = "json"




def to_json(report: Report) -> str:
    return json_text(report.to_dict(), _json_default)


# JSON escapes the C0 controls itself; these others (C1 controls such as CSI, DEL, line and
# paragraph separators, bidirectional overrides) would reach a terminal that shows the JSON raw.
_UNSHOWN = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def json_text(data: Any, default: Any) -> str:
    """Indented UTF-8 JSON, with the invisible characters a log may hold written as \\u escapes
    (they can only occur inside strings, where the escape means the same)."""
    text = json.dumps(data, indent=2, default=default, ensure_ascii=False) + "\n"
    return _UNSHOWN.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


class CsvWriter:
    """csv.writer's rows, one per line ending in LF, except that a field holding a carriage
    return is quoted too: csv.writer quotes only the line terminator's characters, so a lone CR
    from a log split the row in a spreadsheet (and `\r=cmd` became a live formula)."""

    def __init__(self, out: IO[str]) -> None:
        self._out, self._row = out, io.StringIO()
        self._writer = csv.writer(self._row, lineterminator="\r\n")

    def writerow(self, cells: Iterable[object]) -> None:
        self._row.seek(0)
        self._row.truncate()
        self._writer.writerow(cells)
        self._out.write(self._row.getvalue()[:-2] + "\n")


def csv_cell(text: str) -> str:
    """A CSV cell a spreadsheet shows as text, never runs as a formula."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        # Every Decimal here has at most a few places; float() prints them exactly as written.
        return float(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def load_report(path: Path) -> dict[str, Any]:
    """A JSON report written by plan (a baseline, or one side of a diff)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except (ValueError, RecursionError) as exc:  # RecursionError: nested too deep
        raise InputError(f"{path}: not a JSON report: {exc}") from exc
    if not isinstance(data, dict) or "workloads" not in data or "schema_version" not in data:
        raise InputError(f"{path}: not a plan JSON report (no schema_version / workloads)",
                         hint="write one with `plan baseline` or `plan analyze -f json`")
    if data["schema_version"] > SCHEMA_VERSION:
        raise InputError(f"{path}: schema_version {data['schema_version']} is newer than this "
                         f"plan reads ({SCHEMA_VERSION})", hint="upgrade plan")
    if "priced_quantities" not in data:
        raise InputError(f"{path}: written by an older plan without priced_quantities",
                         hint="write the baseline again with this plan")
    return data


# Assumption name in a report -> the scenario knob it records (planner/settings.py).
_KNOBS = {
    "output_verbosity": "verbosity", "semantic_cache_ttl_hours": "cache_ttl_hours",
    "semantic_cache_hit_rate_without_text": "assumed_cache_hit_rate",
    "distilled_max_tool_calls": "max_tool_calls", "onprem_mode": "onprem_mode",
    "onprem_percentile": "percentile", "gpu_utilization_target": "utilization",
    "min_replicas": "min_replicas", "routing_min_score": "routing_min_score",
}


def baseline_settings(report: dict[str, Any]) -> Settings:
    """The scenario settings a report was made with (its assumptions), to price like it."""
    values = {a["name"]: a["value"] for a in report.get("assumptions", [])}
    sources = {a["name"]: a.get("source", "") for a in report.get("assumptions", [])}
    escalation = values.get("escalation_rate")
    # A frontier model the baseline chose (--frontier, a scenario file) consolidated its kept
    # requests onto it; one measured from the logs did not: each request kept its own model.
    chosen = not sources.get("frontier_model", "").startswith("measured")
    similarity = (values.get("semantic_cache_similarity") or "").split(" ", 1)[0]
    knobs: dict[str, Any] = {}
    for name, knob in _KNOBS.items():
        raw = values.get(name)
        if raw is None or raw == "none":
            continue
        default = DEFAULTS[knob][0]
        knobs[knob] = (raw if isinstance(default, str) else int(raw)
                       if knob in ("min_replicas", "max_tool_calls") else Decimal(raw))
    if similarity.replace(".", "", 1).isdigit():
        knobs["cache_similarity"] = Decimal(similarity)
    return Settings(frontier=values.get("frontier_model") if chosen else None,
                    distilled=values.get("distilled_model"),
                    escalation=Decimal(escalation) if escalation else None,
                    price_at="request-time" if values.get("price_at") == "request-time"
                    else "current",
                    **knobs,
                    sources=dict.fromkeys((*knobs, "escalation"), "the baseline report"))

"""--engine spark against DuckDB on tests/fixtures/real/vendors6 (tests/test_sources_vendors6.py):
the same reports from googleapis/js-genai's recorded Gemini and Vertex AI calls as HTTP captures
and as google-genai's Python SDK dumps them (sql/13_calls_gemini_sdk.sql as written,
transpiled), its streams' chunks one per line, three of them closing a turn before their end
(a repeated responseId: the chunk with the most tokens counts, sql/30_scope.sql)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from planner.outputs.formats import to_json
from planner.pipeline import AnalyzeOptions, analyze
from tests.spark.test_parity import spark  # noqa: F401  (the session fixture)
from tests.test_sources_vendors6 import DUMPS, HTTP, REAL


def _report(paths: list[str], engine: str) -> dict[str, Any]:
    out: dict[str, Any] = json.loads(to_json(analyze(paths, AnalyzeOptions(db=":memory:",
                                                                          engine=engine))))
    return out


def test_vendors6_on_spark_as_on_duckdb(spark: Any) -> None:  # noqa: F811
    paths = [str(REAL / name) for name in [*DUMPS, HTTP]]
    on_duckdb = _report(paths, "duckdb")
    on_spark = _report(paths, "spark")
    assert on_spark == on_duckdb
    files = {Path(f["path"]).name: f for f in on_spark["ingest"]["files"]}
    assert [files[name]["source"] for name in DUMPS] == ["gemini-sdk", "gemini-sdk"]
    assert on_spark["ingest"]["duplicates"] > 3  # (the dumps repeat the captures' responses)

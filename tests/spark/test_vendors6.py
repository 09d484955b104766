"""--engine spark against DuckDB on tests/fixtures/real/vendors6 (tests/test_sources_vendors6.py):
the same reports from googleapis/js-genai's recorded Gemini and Vertex AI calls as HTTP captures
and as google-genai's Python SDK dumps them (sql/13_calls_gemini_sdk.sql as written,
transpiled), its streams' chunks one per line, three of them closing a turn before their end
(a repeated responseId: the chunk with the most tokens counts, sql/30_scope.sql); and Bedrock
Converse's 1-hour cache writes (usage.cacheDetails) in HTTP captures, a ConverseStream and
model-invocation logs (tests/test_cache_1h.py's records)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from planner.outputs.formats import to_json
from planner.pipeline import AnalyzeOptions, analyze
from tests.spark.test_parity import spark  # noqa: F401  (the session fixture)
from tests.test_cache_1h import _converse, _converse_log, _converse_stream, _invocation_log
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


def test_bedrock_one_hour_writes_on_spark_as_on_duckdb(
        spark: Any, tmp_path: Path) -> None:  # noqa: F811
    paths = []
    for make in (_converse, _converse_stream, _invocation_log, _converse_log):
        # (not "_converse.jsonl": Spark's file source ignores names starting with "_")
        path = tmp_path / f"{make.__name__.lstrip('_')}.jsonl"
        path.write_text("".join(json.dumps(make(day)) + "\n" for day in (1, 2)),
                        encoding="utf-8")
        paths.append(str(path))
    on_duckdb = _report(paths, "duckdb")
    assert _report(paths, "spark") == on_duckdb
    q = next(q for q in on_duckdb["priced_quantities"] if q["scenario"] == "as-logged")
    assert (q["cache_write_tokens"], q["cache_write_1h_tokens"]) == (200_000, 200_000)

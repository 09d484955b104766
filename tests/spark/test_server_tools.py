"""--engine spark against DuckDB on web searches (migration 016): the same reports, fee and
unpriced searches included, from API bodies, streams, batch results, LiteLLM rows, Bedrock
invocation logs, canonical records, Langfuse usage keys and the real recordings of
tests/test_server_tools.py and tests/test_server_tools_sources.py (OpenAI Responses streams,
search models, Gemini grounding)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.spark.test_parity import _report, spark  # noqa: F401  (the session fixture)
from tests.test_server_tools import FIRST, LAST, REAL, SONNET, _body, _logged, _stream
from tests.test_server_tools_sources import MORE, _observation


def test_web_searches_on_spark_as_on_duckdb(spark: Any, tmp_path: Path) -> None:  # noqa: F811
    bedrock = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
    logs = {
        "api.jsonl": [_logged(FIRST, "a", 3), _logged(LAST, "b", None), _stream(LAST, "c", 2),
                      _logged(LAST, "d", 4, bedrock)],
        "batch.jsonl": [{"custom_id": "x", "timestamp": LAST,
                         "result": {"type": "succeeded", "message": _body("e", 5)}}],
        "canonical.jsonl": [{"timestamp": LAST, "request_id": "f", "model": SONNET,
                             "input_tokens": 10, "output_tokens": 2, "web_search_requests": 1}],
        "langfuse.jsonl": [_observation("g", {"web_search_queries": 2}),
                           _observation("h", {"webSearchQueries": 3, "groundingQueries": 1}),
                           _observation("i", {})],
    }
    paths = [str(REAL), str(MORE)]
    for name, records in logs.items():
        path = tmp_path / name
        path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
        paths.append(str(path))
    on_duckdb = _report(paths, "duckdb")
    # (MORE: 10 searches, tests/test_server_tools_sources.py; Langfuse: 2 + 4)
    assert on_duckdb["server_tool_fees"]["searches"] == 3 + 2 + 4 + 5 + 1 + 6 + 10 + 6
    assert _report(paths, "spark") == on_duckdb


def test_langfuse_usage_totals_above_the_parts_on_spark(spark: Any, tmp_path: Path) -> None:  # noqa: F811
    """The real Vertex AI trace download and its observations as an export: both warned of on
    Spark as on DuckDB (1,173 tokens each: tests/test_langfuse_totals.py)."""
    from tests.test_langfuse_totals import VERTEX

    export = tmp_path / "observations.jsonl"
    doc = json.loads(VERTEX.read_text(encoding="utf-8"))
    export.write_text("".join(json.dumps(o) + "\n" for o in doc["observations"]),
                      encoding="utf-8")
    on_duckdb = _report([str(VERTEX), str(export)], "duckdb")
    assert len([w for w in on_duckdb["warnings"] if "1,173 tokens" in w]) == 2
    assert _report([str(VERTEX), str(export)], "spark") == on_duckdb

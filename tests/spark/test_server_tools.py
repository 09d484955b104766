"""--engine spark against DuckDB on web searches (migration 016): the same reports, fee and
unpriced searches included, from API bodies, streams, batch results, LiteLLM rows, Bedrock
invocation logs, canonical records and the real recordings of tests/test_server_tools.py."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.spark.test_parity import _report, spark  # noqa: F401  (the session fixture)
from tests.test_server_tools import FIRST, LAST, REAL, SONNET, _body, _logged, _stream


def test_web_searches_on_spark_as_on_duckdb(spark: Any, tmp_path: Path) -> None:  # noqa: F811
    bedrock = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
    logs = {
        "api.jsonl": [_logged(FIRST, "a", 3), _logged(LAST, "b", None), _stream(LAST, "c", 2),
                      _logged(LAST, "d", 4, bedrock)],
        "batch.jsonl": [{"custom_id": "x", "timestamp": LAST,
                         "result": {"type": "succeeded", "message": _body("e", 5)}}],
        "canonical.jsonl": [{"timestamp": LAST, "request_id": "f", "model": SONNET,
                             "input_tokens": 10, "output_tokens": 2, "web_search_requests": 1}],
    }
    paths = [str(REAL)]
    for name, records in logs.items():
        path = tmp_path / name
        path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
        paths.append(str(path))
    on_duckdb = _report(paths, "duckdb")
    assert on_duckdb["server_tool_fees"]["searches"] == 3 + 2 + 4 + 5 + 1 + 6
    assert _report(paths, "spark") == on_duckdb

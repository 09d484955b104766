"""--engine spark against DuckDB on Langfuse generations' messages (tests/test_langfuse_messages.py:
texts, turns, tool calls, image, audio and file parts), as a trace download and as an export."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.spark.test_parity import _report, spark  # noqa: F401  (the session fixture)
from tests.test_langfuse_messages import observations


def test_langfuse_messages_on_spark_as_on_duckdb(spark: Any, tmp_path: Path) -> None:  # noqa: F811
    trace = tmp_path / "trace.json"
    trace.write_text(json.dumps({"trace": {"id": "t"}, "observations": observations()}))
    export = tmp_path / "observations.jsonl"
    export.write_text("".join(json.dumps(o) + "\n" for o in observations()))
    paths = [str(trace), str(export)]
    on_duckdb = _report(paths, "duckdb")
    assert on_duckdb["ingest"]["files"][0]["accepted"] == len(observations())
    assert _report(paths, "spark") == on_duckdb

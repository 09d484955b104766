"""--engine spark against DuckDB on the computer tools a request defines (migration 014): the
same reports, and each request's evidence names the tools tests/test_computer_tool.py expects
(one workload a request, so that each is its workload's example)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.spark.test_parity import _report, spark  # noqa: F401  (the session fixture)
from tests.test_computer_tool import CASES, _id


def test_computer_tools_on_spark_as_on_duckdb(spark: Any, tmp_path: Path) -> None:  # noqa: F811
    api, bedrock = [], []
    for record, _tools in CASES:
        rid = _id(record)
        if "schemaType" in record:
            bedrock.append({**record, "requestMetadata": {"workload": rid}})
        else:
            api.append({**record, "metadata": {"workload": rid}})
    paths = []
    for name, records in (("api.jsonl", api), ("bedrock.jsonl", bedrock)):
        path = tmp_path / name
        path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
        paths.append(str(path))
    on_duckdb = _report(paths, "duckdb")
    assert _report(paths, "spark") == on_duckdb
    reasons = {w["workload"]: " | ".join(w["reasons"]) for w in on_duckdb["workloads"]}
    assert len(reasons) == len(CASES)
    for record, tools in CASES:
        said = reasons[_id(record)]
        if tools is None:
            assert "computer-use tool defined" not in said
        else:
            assert f"computer-use tool defined: {tools})" in said, said

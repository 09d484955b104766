"""--engine spark against DuckDB on tests/fixtures/real/vendors4 (tests/test_sources_vendors4.py):
the same reports from ruby_llm's real recordings of Bedrock Converse streams (Nova, Claude with
cache writes and reads), Vertex AI (cached content, thinking), Cohere v2, Perplexity (its
object `usage.cost`) and Anthropic (`thinking_tokens`), and from the Anthropic and OpenAI batch
results it downloaded, their time given by --trace-start."""

from __future__ import annotations

import gzip
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from planner.outputs.formats import to_json
from planner.pipeline import AnalyzeOptions, analyze
from tests.spark.test_parity import _renamed, spark  # noqa: F401  (the session fixture)
from tests.test_sources_streams import plain_totals
from tests.test_sources_vendors import invocation_records
from tests.test_sources_vendors4 import GIVEN, REAL

CAPTURES = ["ruby_llm_bedrock_vcr.derived.jsonl", "ruby_llm_vertex_vcr.derived.jsonl",
            "ruby_llm_cohere_vcr.derived.jsonl", "ruby_llm_perplexity_xai_vcr.derived.jsonl",
            "ruby_llm_anthropic_vcr.derived.jsonl"]
BATCHES = ["ruby_llm_anthropic_batch_results.jsonl",
           "ruby_llm_openai_batch_output_embeddings.jsonl"]


def _report(paths: list[str], engine: str) -> dict[str, Any]:
    options = AnalyzeOptions(db=":memory:", engine=engine)
    options = replace(options, reading=replace(options.reading, trace_start=GIVEN))
    out: dict[str, Any] = json.loads(to_json(analyze(paths, options)))
    return out


def test_vendors4_on_spark_as_on_duckdb(spark: Any) -> None:  # noqa: F811
    paths = [str(REAL / name) for name in CAPTURES + BATCHES]
    on_duckdb = _report(paths, "duckdb")
    on_spark = _report(paths, "spark")
    assert on_spark == on_duckdb
    files = {Path(f["path"]).name: f for f in on_spark["ingest"]["files"]}
    for name in CAPTURES:
        want, failed, none = plain_totals(REAL / name)
        f = files[name]
        assert (f["accepted"], f["failed"], f["rejected"]) == (want["requests"], failed, none)
    for name in BATCHES:  # every line read, at the time given
        f = files[name]
        assert f["accepted"] == f["read"] > 0 and f["rejected"] == 0


def test_a_cloudwatch_export_task_folder_is_listed_in_the_lake(spark: Any,  # noqa: F811
                                                              tmp_path: Path) -> None:
    """A CloudWatch Logs export task writes exportedlogs/TASK/STREAM/000000.gz (and a write-test
    file at its prefix): a file:// folder of them is listed by Spark as the local folder is
    (the listing kept only log suffixes and left them out: 'no log files in this folder'), and
    read the same (the real Bedrock records of tests/test_sources_vendors.py)."""
    records = invocation_records()
    root = tmp_path / "exportedlogs"
    for n, stream in enumerate(("bedrock-a", "bedrock-b")):
        folder = root / "7f3c-task" / stream
        folder.mkdir(parents=True)
        half = records[n::2]
        with gzip.open(folder / "000000.gz", "wt", encoding="utf-8") as fh:
            fh.writelines(f"2025-03-11T00:{i // 60:02d}:{i % 60:02d}.{i:03d}Z {json.dumps(r)}\n"
                          for i, r in enumerate(half))
    (root / "aws-logs-write-test").write_text("Permission Check Successful", encoding="utf-8")
    local = _report([str(root)], "duckdb")
    lake = _report([root.as_uri()], "spark")
    assert [f["path"] for f in lake["ingest"]["files"]] == [
        f"file:{root}/7f3c-task/{s}/000000.gz" for s in ("bedrock-a", "bedrock-b")]
    assert {f["source"] for f in lake["ingest"]["files"]} == {"cloudwatch-events"}
    assert sum(f["accepted"] for f in lake["ingest"]["files"]) == len(records)
    # (a local folder's report also counts the files read per folder and the file skipped)
    local["warnings"] = [w for w in local["warnings"] if "skipped 1 file" not in w]
    assert _renamed(lake, f"file:{root}", str(root)) == local

"""--engine spark against DuckDB on tests/fixtures/real/vendors5 (tests/test_sources_vendors5.py):
the same reports from the batch jobs ruby_llm recorded whole (a Gemini API batch operation with
its inlined responses, a Mistral job with its outputs, xAI's batch results with their
`cost_in_usd_ticks`; the Gemini and Mistral jobs polled while running, rejected), split by
sql/14_split_batch_job.sql as written, transpiled; and DataDog's recorded OpenRouter calls (a
BYOK call's logged cost: OpenRouter's fee and the provider's charge) and Bedrock calls (a
Claude 2 stream counted by its invocation metrics; a 401 recorded with a binary body; Azure OpenAI streams)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from planner.outputs.formats import to_json
from planner.pipeline import AnalyzeOptions, analyze
from tests.spark.test_parity import spark  # noqa: F401  (the session fixture)
from tests.test_sources_vendors5 import JOBS, REAL, _results

RUNNING = ["ruby_llm_gemini_batch_job_pending.json", "ruby_llm_mistral_batch_job_running.json"]
BYOK = "dd_trace_litellm_openrouter_vcr.derived.jsonl"  # (a BYOK call's cost: two parts)
BEDROCK = "dd_trace_js_bedrock_testagent.derived.jsonl"  # (a Claude 2 stream's metrics)
AGENT = "dd_trace_js_claude_agent_sdk_testagent.derived.jsonl"  # (a 401 with a binary body)
AZURE = "lmnr_azure_openai_vcr.derived.jsonl"  # (streams opening with a prompt-filter chunk)


def _report(paths: list[str], engine: str) -> dict[str, Any]:
    out: dict[str, Any] = json.loads(to_json(analyze(paths, AnalyzeOptions(db=":memory:",
                                                                          engine=engine))))
    return out


def test_vendors5_on_spark_as_on_duckdb(spark: Any) -> None:  # noqa: F811
    names = [name for name, _ in JOBS] + [*RUNNING, BYOK, BEDROCK, AGENT, AZURE]
    paths = [str(REAL / name) for name in names]
    on_duckdb = _report(paths, "duckdb")
    on_spark = _report(paths, "spark")
    assert on_spark == on_duckdb
    files = {Path(f["path"]).name: f for f in on_spark["ingest"]["files"]}
    for name, source in JOBS:  # one record per result, each read
        n = len(_results(json.loads((REAL / name).read_text(encoding="utf-8"))))
        f = files[name]
        assert (f["source"], f["read"], f["accepted"], f["rejected"]) == (source, n, n, 0)
    for name in RUNNING:
        assert (files[name]["read"], files[name]["rejected"]) == (1, 1)

"""--engine spark against DuckDB on tests/fixtures/real/vendors7 (tests/test_sources_vendors7.py):
the same reports from DataDog's recorded LiteLLM proxy calls, the Anthropic responses as the
proxy hands them on (cache writes as the top-level cache_creation_input_tokens, 1-hour ones in
prompt_tokens_details), and pydantic-ai's recorded OpenRouter calls whose logged cost holds
charges beyond inference (migration 019: the reconciliation names them); an agent's run
as OpenTelemetry spans (tests/test_otel_agent_spans.py: its roll-up and tool spans skipped);
OpenAI's legacy /v1/completions (streams without usage counted from their text)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from planner.outputs.formats import to_json
from planner.pipeline import AnalyzeOptions, analyze
from tests.spark.test_parity import spark  # noqa: F401  (the session fixture)
from tests.test_otel_agent_spans import agent_lines, bedrock_calls, strands_export
from tests.test_sources_vendors7 import (
    COMPLETIONS,
    LITELLM,
    OPENROUTER,
    _as_litellm,
    _records,
    payloads,
)


def _report(paths: list[str], engine: str) -> dict[str, Any]:
    out: dict[str, Any] = json.loads(to_json(analyze(paths, AnalyzeOptions(db=":memory:",
                                                                          engine=engine))))
    return out


def test_vendors7_on_spark_as_on_duckdb(spark: Any, tmp_path: Path) -> None:  # noqa: F811
    proxy = tmp_path / "proxy.jsonl"
    proxy.write_text("".join(json.dumps(_as_litellm(r["response_body"], True)) + "\n"
                             for r in _records(LITELLM)
                             if r["uri"].startswith("https://api.anthropic.com")),
                     encoding="utf-8")
    spans = tmp_path / "spans.jsonl"  # (an agent's run: its roll-up and tool spans skipped)
    spans.write_text("".join(x + "\n" for x in agent_lines()), encoding="utf-8")
    strands = tmp_path / "strands.jsonl"  # (Strands' spans of Bedrock calls: cache added back)
    strands.write_text(strands_export(bedrock_calls()) + "\n", encoding="utf-8")
    logged = tmp_path / "payloads.jsonl"  # (LiteLLM's logging payloads of the same calls)
    logged.write_text("".join(json.dumps(p) + "\n" for p in payloads()), encoding="utf-8")
    paths = [str(LITELLM), str(proxy), str(OPENROUTER), str(spans), str(strands), str(logged),
             str(COMPLETIONS)]
    on_duckdb = _report(paths, "duckdb")
    on_spark = _report(paths, "spark")
    assert on_spark == on_duckdb
    why = {m["model"]: m["explanations"] for m in on_spark["logged_spend"]["by_model"]}
    assert why["openai/gpt-4o-mini"][0].startswith("charges beyond inference: $0.015885")
    files = {Path(f["path"]).name: f for f in on_spark["ingest"]["files"]}
    assert (files["spans.jsonl"]["accepted"], files["spans.jsonl"]["skipped"]) == (3, 3)

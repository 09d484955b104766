"""A Gemini response as google-genai's Python SDK dumps it (`response.model_dump()`: the API's
fields in snake_case) was read as the canonical source and every line rejected as 'timestamp:
missing'. It is refused whole, naming what it is, and the hint's column map reads it with the
API's token accounting (docs/formats.md): input = prompt + tool-use prompt (cached included),
output = candidates + thoughts, reasoning = thoughts."""

from __future__ import annotations

import json
import shlex

from planner.stages.refusals import SDK_DUMP_MAP


def _dump(rid: str, ts: str, prompt: int, cached: int | None, tool: int | None, out: int,
          thoughts: int | None) -> dict:
    usage = {"prompt_token_count": prompt, "candidates_token_count": out,
             "total_token_count": prompt + (tool or 0) + out + (thoughts or 0)}
    usage |= {key: value for key, value in (("cached_content_token_count", cached),
                                            ("tool_use_prompt_token_count", tool),
                                            ("thoughts_token_count", thoughts))
              if value is not None}
    return {"candidates": [{"content": {"parts": [{"text": "Hi"}], "role": "model"},
                            "finish_reason": "STOP", "index": 0}],
            "create_time": ts, "model_version": "gemini-2.5-flash", "response_id": rid,
            "usage_metadata": usage}


ROWS = [_dump("a", "2026-10-01T00:00:00Z", 1000, 400, 30, 50, 200),
        _dump("b", "2026-10-02T00:00:00Z", 100, None, None, 7, None)]


def test_a_gemini_sdk_dump_is_refused_naming_it_and_the_hint_reads_it(run, write_log):
    log = str(write_log(ROWS))
    refused = run("analyze", log, "--db", ":memory:")
    assert refused.exit_code != 0
    [line] = refused.stderr.strip().splitlines()  # one line, no traceback
    assert "Gemini response as the Python SDK dumps it" in line and log in line
    args = shlex.split(SDK_DUMP_MAP.removeprefix("read it with "))
    res = run("analyze", log, "--db", ":memory:", "--format", "json", *args)
    assert res.exit_code == 0, res.stderr
    report = json.loads(res.stdout)
    assert (report["ingest"]["accepted"], report["ingest"]["rejected"]) == (2, 0)
    [w] = report["workloads"]
    # by hand: input 1,000 + 30 and 100 (400 of them cached); output 50 + 200 and 7
    assert (w["input_tokens"], w["cached_input_tokens"], w["output_tokens"]) == (1130, 400, 257)

"""A Gemini response as google-genai's Python SDK dumps it (`response.model_dump()`: the API's
fields in snake_case) was read as the canonical source and every line rejected as 'timestamp:
missing', then refused whole with a --map hint. It is read (the `gemini-sdk` source) with the
API's token accounting (docs/formats.md): input = prompt + tool-use prompt (cached included),
output = candidates + thoughts, reasoning = thoughts; the same column map still reads it alike.
(Real dumps: tests/test_sources_vendors6.py.)"""

from __future__ import annotations

import json
import shlex


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


# The column map the refusal's hint gave (a user's own map of such a dump reads it alike).
SDK_DUMP_MAP = (
    "--map timestamp=create_time --map request_id=response_id --map model=model_version --map "
    "input_tokens=usage_metadata.prompt_token_count+usage_metadata.tool_use_prompt_token_count "
    "--map cached_input_tokens='usage_metadata.cached_content_token_count|0' --map "
    "output_tokens=usage_metadata.candidates_token_count+usage_metadata.thoughts_token_count "
    "--map reasoning_tokens='usage_metadata.thoughts_token_count|0'")


def _totals(res) -> tuple[str, int, int, int, int, int]:
    assert res.exit_code == 0, res.stderr
    report = json.loads(res.stdout)
    [f] = report["ingest"]["files"]
    [w] = report["workloads"]
    return (f["source"], f["accepted"], f["rejected"], w["input_tokens"],
            w["cached_input_tokens"], w["output_tokens"])


def test_a_gemini_sdk_dump_is_read_as_its_column_map_reads_it(run, write_log):
    log = str(write_log(ROWS))
    read = _totals(run("analyze", log, "--db", ":memory:", "--format", "json"))
    mapped = _totals(run("analyze", log, "--db", ":memory:", "--format", "json",
                         *shlex.split(SDK_DUMP_MAP)))
    # by hand: input 1,000 + 30 and 100 (400 of them cached); output 50 + 200 and 7
    assert read == ("gemini-sdk", 2, 0, 1130, 400, 257)
    assert mapped == ("mapped", 2, 0, 1130, 400, 257)

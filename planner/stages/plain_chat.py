"""Stage 12's variant for files of plain OpenAI chat completion calls (sql/12_norm_chat.sql).

A file whose sampled records are all chat completion calls (a request with messages, a response
object 'chat.completion' with usage) is read with stage 12 for them only, in place of the whole
API stage (sql/12_norm_api.sql), with the narrower response structure below.
The stage checks each record again; one it does not read stops the read with NOT_PLAIN, and
planner/stages/ingest.py reads the file again with the whole stage.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import duckdb

from planner.stages.readers import sample
from planner.stages.sources import API, BODY, USAGE, J, Source

CHAT = "12_norm_chat"
NOT_PLAIN = "NOT_PLAIN:"
_CHAT_CALLS = {"openai-chat": ("request", "response"),
               "http-capture": ("request_body", "response_body")}
# The response body as 12_norm_chat.sql and stage 13 read it: the chat completion's fields, and
# the keys of the other APIs that tell a record is not one as JSON (present or not: a value
# whose structure BODY reads costs every line its parse, 20% of such a file's parse).
CHAT_USAGE = {**{k: USAGE[k] for k in (
    "prompt_tokens", "completion_tokens", "total_tokens", "prompt_tokens_details", "cost",
    "cost_in_usd_ticks", "server_tool_use_details", "is_byok", "cost_details",
    "prompt_cache_hit_tokens", "completion_tokens_details",
    "cache_creation_input_tokens", "cache_read_input_tokens",  # (LiteLLM's)
    "inputTokens", "outputTokens", "cacheReadInputTokens", "cacheWriteInputTokens")},
    "billed_units": J}
CHAT_BODY = {**{k: BODY[k] for k in ("id", "object", "type", "model", "created", "service_tier",
                                      "error", "choices", "modelVersion", "responseId",
                                      "prompt_token_count", "inputTextTokenCount")},
             "usage": CHAT_USAGE, "meta": {"billed_units": J},
             **dict.fromkeys(("content", "output", "usageMetadata", "candidates",
                              "promptFeedback", "message"), J)}


def chat_variant(con: duckdb.DuckDBPyConnection, path: Path, reader: str,
                 source: Source) -> Source | None:
    """The source with stage 12 for chat completions only, when every sampled record of the file
    is a chat completion call (a request with messages, a response object 'chat.completion'
    with usage); else None. (The stage checks each record again: this only picks the likely
    one.)"""
    keys = _CHAT_CALLS.get(source.name)
    if keys is None or API not in source.stages:
        return None
    records = sample(con, path, reader)
    if not records:
        return None
    for r in records:
        req, resp = r.get(keys[0]), r.get(keys[1])
        if not (isinstance(req, dict) and "messages" in req and isinstance(resp, dict)
                and resp.get("object") == "chat.completion"
                and isinstance(resp.get("usage"), dict)):
            return None
    return dataclasses.replace(
        source, stages=tuple(CHAT if s == API else s for s in source.stages),
        columns=tuple((k, CHAT_BODY if k == keys[1] else v) for k, v in source.columns))

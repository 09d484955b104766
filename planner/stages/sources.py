"""Log formats plan reads, and detection of which one a file holds.

Every file is read by one of the readers of planner/stages/readers.py (how its records are split:
JSON lines, one JSON document, CSV rows, Parquet rows), each record turned into one JSON object
text. A Source then names the top-level keys DuckDB takes from each object (all as VARCHAR or
JSON, so that a bad value is caught by plan's validation instead of being coerced by the
reader: read_json turns 12.5 into 12 and true into 1 for integer columns) and the SQL stages
that map them onto plan's canonical columns (README "Log sources" has the table).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from planner.errors import InputError
from planner.stages import refusals
from planner.stages.batch_jobs import job_kind
from planner.stages.bedrock_logs import holds_invocation_logs, is_invocation_log
from planner.stages.readers import Record, sample


@dataclass(frozen=True)
class Source:
    name: str
    title: str  # what the format is, in words (shown while reading)
    columns: tuple[tuple[str, object], ...]  # top-level key -> VARCHAR, JSON or a structure
    stages: tuple[str, ...]  # SQL files run in order; the last one creates the `norm` view
    matches: Callable[[Record], bool]
    trace: bool = False  # a request trace: no model, no text (model and workload from options)
    split: str | None = None  # SQL run after the reader to split its records (OTLP: spans)
    after: str | None = None  # SQL run after stage 20 with the file's id (batch join keys)
    # Its stages need line numbers before stage 20, or read the records twice: the file is
    # copied to a numbered table first (sql/14_numbered.sql) instead of streamed.
    numbered: bool = False
    # Its records may carry no time (Gemini and Anthropic batch output): --trace-start gives
    # them one (variable plan_given_time), never a silent default.
    undated: bool = False

    def struct_spec(self) -> str:
        """The json_transform structure read from every record."""
        return json.dumps(dict(self.columns))


def _text(*keys: str) -> tuple[tuple[str, object], ...]:
    return tuple((k, "VARCHAR") for k in keys)


def _json(*keys: str) -> tuple[tuple[str, object], ...]:
    return tuple((k, "JSON") for k in keys)


json_columns = _json  # (planner/stages/column_map.py reads mapped records' top-level keys as JSON)


def _has(*keys: str) -> Callable[[Record], bool]:
    return lambda r: all(k in r for k in keys)


def _bare(name: str, title: str, matches: Callable[[Record], bool],
          stage: str = "13_calls_bare", columns: tuple[tuple[str, object], ...] = ()) -> Source:
    """A source of bare API response objects: the record is the response body."""
    return Source(name, title, _text("timestamp") + _json("metadata") + columns,
                  (stage, API), matches)


def _is_dict(value: object) -> bool:
    return isinstance(value, dict)


API = "12_norm_api"  # the shared stage for request/response bodies of the OpenAI / Anthropic APIs

# The parts of an API request and response body stage 12 reads, as json_transform structures:
# parsed once per line into typed fields (every extra `->>` on a JSON value parses it again).
# Keys only some vendors' bodies have are read as JSON and parsed where present: every typed
# field costs every line its share of the parse, JSON that is absent costs nothing.
# The union of OpenAI Chat Completions, OpenAI Responses, Anthropic Messages and Gemini
# generateContent; a key a body
# lacks is NULL. Values of an unexpected type are NULL too (json_transform is lenient), which is
# why a stream (SSE text, a list of chunks) is read from the raw record instead. A value that is
# either text or a list of parts (message content, Anthropic `system`, Responses `input`) is read
# as VARCHAR: json_transform gives the text itself, or the list as JSON text (plan_content_text).
V, J = "VARCHAR", "JSON"
USAGE = {
    "prompt_tokens": V, "completion_tokens": V, "input_tokens": V, "output_tokens": V,
    "total_tokens": V,  # (xAI: prompt + completion + reasoning; its completion excludes reasoning)
    "cache_creation_input_tokens": V, "cache_read_input_tokens": V,
    "cache_creation": {"ephemeral_1h_input_tokens": V},  # Anthropic: the 1-hour cache writes
    "prompt_tokens_details": {"cached_tokens": V, "cache_write_tokens": V,  # + OpenRouter's
                              # LiteLLM's (older versions; also the top-level
                              # cache_creation_input_tokens) and its 1-hour writes
                              "cache_creation_tokens": V,
                              "cache_creation_token_details": {"ephemeral_1h_input_tokens": V}},
    "input_tokens_details": {"cached_tokens": V},
    "cost": V,  # OpenRouter: what it charged, USD
    "cost_in_usd_ticks": V,  # xAI: what it charged, in 1e-10 USD
    # OpenRouter BYOK: what the provider charged on the team's key, beside OpenRouter's fee
    "is_byok": V, "cost_details": {"upstream_inference_cost": V,
                                   # (its parts: chat completions; Responses)
                                   "upstream_inference_prompt_cost": V,
                                   "upstream_inference_completions_cost": V,
                                   "upstream_inference_input_cost": V,
                                   "upstream_inference_output_cost": V},
    "prompt_cache_hit_tokens": V,  # DeepSeek (older responses have no prompt_tokens_details)
    "billed_units": {"input_tokens": V, "output_tokens": V},  # Cohere v2
    "completion_tokens_details": {"reasoning_tokens": V},
    # (Anthropic: thinking_tokens, the part of output_tokens spent thinking)
    "output_tokens_details": {"reasoning_tokens": V, "thinking_tokens": V},
    "iterations": J,  # Anthropic compaction passes (JSON: rare, read only where present)
    # Anthropic server tools: web searches are billed per search (migration 016)
    "server_tool_use": {"web_search_requests": V},
    "server_tool_use_details": {"web_search_requests": V},  # OpenRouter's, in a chat usage
    # Gemini / Vertex AI usageMetadata
    "promptTokenCount": V, "candidatesTokenCount": V, "cachedContentTokenCount": V,
    "thoughtsTokenCount": V, "toolUsePromptTokenCount": V,
    # Gemini Interactions API (object 'interaction'): the same counts, spelled total_*
    "total_input_tokens": V, "total_tool_use_tokens": V, "total_cached_tokens": V,
    "total_output_tokens": V, "total_thought_tokens": V,
    # AWS Bedrock Converse (and Nova InvokeModel): inputTokens EXCLUDES the cache counts
    "inputTokens": V, "outputTokens": V, "cacheReadInputTokens": V, "cacheWriteInputTokens": V,
    "cacheReadInputTokenCount": V, "cacheWriteInputTokenCount": V, "cacheDetails": J,  # by TTL
    "inputTokenCount": V, "outputTokenCount": V,  # Bedrock stream invocation metrics
}
TOOL_CALLS = [{"id": V}]
MESSAGES = [{"role": V, "type": V, "content": V, "tool_calls": TOOL_CALLS}]
REQUEST = {"model": V, "messages": MESSAGES, "input": V, "system": V, "instructions": V,
           # a tool's type, name and environment (a computer tool: migration 014,
           # sql/00_macros.sql); Gemini's tool groups: computerUse, or the functions declared
           "tools": [{"type": V, "name": V, "function": {"name": V},
                      "environment": {"type": V}, "computerUse": J, "functionDeclarations": J}],
           "contents": V, "systemInstruction": V, "system_instruction": V,  # Gemini (JSON)
           "prompt": V}  # Anthropic's legacy /v1/complete (its text: the counts are not logged)
BODY = {
    "id": V, "object": V, "type": V, "model": V, "created": V, "created_at": V,
    "service_tier": V, "usage": USAGE, "error": J,
    "choices": [{"message": {"content": V, "tool_calls": TOOL_CALLS}}],  # chat
    "content": [{"type": V, "text": V}],  # anthropic
    "output": [{"type": V, "content": [{"type": V, "text": V}]}],  # responses
    # Gemini / Vertex AI generateContent
    "usageMetadata": J, "modelVersion": V, "responseId": V, "createTime": V,
    "candidates": [{"finishReason": V,  # (text not read: the usage counts it)
                    "content": {"parts": [{"functionCall": J}]},
                    # grounding with Google Search: the queries it ran (web searches)
                    "groundingMetadata": {"webSearchQueries": [V]}}],
    "promptFeedback": {"blockReason": V},
    # Bedrock InvokeModel bodies of Meta Llama and Amazon Titan text models
    "prompt_token_count": V, "generation_token_count": V, "generation": V,
    "inputTextTokenCount": V, "results": J,
    "message": J,  # Cohere v2
    # Cohere v1 chat / generate and v1 / v2 embed: meta.billed_units (embeddings: response_type)
    "meta": {"billed_units": {"input_tokens": V, "output_tokens": V, "search_units": V}},
    "response_type": V,  # (a rerank bills search_units: rejected with that reason)
    "completion": V,  # Anthropic's legacy /v1/complete: the reply text, no usage
}
ATTRIBUTES = [{"key": V, "value": {"stringValue": V, "intValue": V, "doubleValue": V,
                                   "boolValue": V}}]
SPAN = {"spanId": V, "traceId": V, "name": V, "startTimeUnixNano": V, "attributes": ATTRIBUTES,
        "status": {"code": V, "message": V}}
OTLP = {"resourceSpans": [{"resource": {"attributes": ATTRIBUTES},
                           "scopeSpans": [{"spans": [SPAN]}]}]}
# An AWS Bedrock model-invocation log record (CloudWatch Logs or S3 delivery). The cache counts
# sit in `input`; some writers put them at the top level.
CACHE_COUNTS = {"cacheReadInputTokenCount": V, "cacheWriteInputTokenCount": V}
# The keys of a record's metadata stage 13 reads (workload, task type, team), parsed with the
# record (a JSON value read again with json_transform costs a second parse of its text).
META = {"workload": V, "task_type": V, "team": V}
BEDROCK_LOG = {
    "schemaType": V, "timestamp": V, "requestId": V, "operation": V, "modelId": V,
    "errorCode": V,
    # (the metadata's three keys, as stage 13 reads them; the request's fields it reads: the
    # other APIs' keys of REQUEST cost a parse of every line for nothing)
    "requestMetadata": META, **CACHE_COUNTS,
    "input": {"inputTokenCount": V, **CACHE_COUNTS,
              "inputBodyJson": {"messages": [{"role": V, "content": V}], "system": V,
                                "tools": REQUEST["tools"], "prompt": V, "inputText": V,
                                "toolConfig": J, "additionalModelRequestFields": J}},
    "output": {"outputTokenCount": V, "outputBodyJson": {
        # the reply: Converse / Nova, Anthropic, Llama, Titan; an embedding has no output count
        "output": {"message": {"content": [{"text": V, "toolUse": {"toolUseId": V}}]}},
        "content": [{"type": V, "text": V}], "generation": V, "results": [{"outputText": V}],
        "embedding": V, "embeddings": V, "usage": {"server_tool_use": {"web_search_requests": V},
            "cache_creation": {"ephemeral_1h_input_tokens": V}, "cacheDetails": J}}},  # 1h
}
BEDROCK_COLUMNS = (("@message", V), ("message", V), ("@timestamp", V), *BEDROCK_LOG.items())
SPECS = {"plan_otlp_spec": OTLP, "plan_body_spec": BODY, "plan_request_spec": REQUEST,
         "plan_usage_spec": USAGE, "plan_bedrock_spec": BEDROCK_LOG,
         "plan_messages_spec": MESSAGES}

# A Langfuse observation (export rows, or those of a trace download). The recorded cost is
# calculatedTotalCost, or in current versions totalCost / costDetails.total. The blob storage
# export names its columns in snake case (start_time, provided_model_name, usage_details, ...).
LANGFUSE = (_text("id", "type", "startTime", "model", "name", "level", "statusMessage",
                  "calculatedTotalCost", "totalCost", "inputUsage", "outputUsage",
                  "start_time", "provided_model_name", "status_message", "total_cost")
            + _json("usage", "usageDetails", "costDetails", "metadata", "tags", "input", "output",
                    "usage_details", "cost_details")
            + (("trace", {"tags": J, "metadata": J}),))  # (14_split_langfuse.sql adds it)

OPENAI_BATCH = (_text("id", "custom_id")
                + (("response", {"status_code": V, "request_id": V, "body": BODY}),)
                + _json("error"))
GEMINI_BATCH = _text("key", "timestamp") + (("response", BODY),) + _json("error", "status")

# In detection order: the first whose test a record passes names it. Canonical comes last and
# takes any object: a file of unrecognisable records is then rejected line by line with reasons,
# which says more than a refusal to read it.
SOURCES: tuple[Source, ...] = (
    Source(
        "otel", "OpenTelemetry GenAI spans (OTLP/JSON)",
        (("span", SPAN), ("resource", ATTRIBUTES)), ("13_norm_otel",), _has("resourceSpans"),
        split="14_split_otel",
    ),
    Source(
        "bedrock-invocation", "AWS Bedrock model-invocation logs (CloudWatch, S3, Logs Insights)",
        BEDROCK_COLUMNS, ("13_norm_bedrock",), is_invocation_log,
    ),
    Source(
        "cloudwatch-events",
        "CloudWatch Logs events or Logs Insights results holding Bedrock invocation logs",
        BEDROCK_COLUMNS, ("13_norm_bedrock",), holds_invocation_logs,
        split="14_split_cloudwatch",
    ),
    Source("gemini-batch-job", "Gemini API batch job with its inlined responses",
           GEMINI_BATCH, ("13_calls_gemini_batch", API), lambda r: job_kind(r) == "gemini",
           split="14_split_batch_job", undated=True),
    Source("batch-job", "Mistral batch job with its outputs (?inline=true), xAI batch results",
           OPENAI_BATCH, ("13_calls_openai_batch", API), lambda r: job_kind(r) == "openai",
           split="14_split_batch_job"),
    Source(
        "openai-batch", "OpenAI Batch API output",
        OPENAI_BATCH, ("13_calls_openai_batch", API),
        lambda r: "custom_id" in r and ("response" in r or "error" in r),
        undated=True,  # (embeddings: no `created`)
    ),
    Source(
        "openai-batch-input", "OpenAI Batch API input (request bodies, joined on custom_id)",
        _text("custom_id", "method", "url") + (("body", REQUEST),),
        ("13_batch_input",),
        lambda r: "custom_id" in r and "body" in r and "response" not in r,
        after="21_batch_bodies", numbered=True,
    ),
    Source(
        "anthropic-batch", "Anthropic Message Batches results",
        _text("custom_id", "timestamp")
        + (("result", {"type": V, "message": BODY, "error": J}),),
        ("13_calls_anthropic_batch", API), _has("custom_id", "result"), undated=True,
    ),
    Source(
        "http-capture", "recorded HTTP calls to an LLM API (request_body / response_body)",
        _text("date", "status", "uri", "request_id", "timestamp")
        + (("request_body", REQUEST), ("response_body", BODY), ("metadata", META))
        + _json("response_headers"),  # (Bedrock InvokeModel: the counts of older bodies)
        ("13_calls_http", API),
        lambda r: "response_body" in r,
    ),
    Source(
        "mooncake-trace", "Mooncake request trace (ms offsets, no model or text)",
        _text("timestamp", "input_length", "output_length") + _json("hash_ids"),
        ("16_trace_mooncake", "17_norm_trace"), _has("input_length", "output_length"), trace=True,
        numbered=True,
    ),
    Source(
        "azure-trace", "Azure LLM inference trace (no model or text)",
        _text("TIMESTAMP", "ContextTokens", "GeneratedTokens"),
        ("16_trace_azure", "17_norm_trace"), _has("ContextTokens", "GeneratedTokens"), trace=True,
    ),
    Source(
        "litellm", "LiteLLM proxy SpendLogs rows / StandardLoggingPayload",
        _text("request_id", "id", "startTime", "model", "prompt_tokens", "completion_tokens",
              "spend", "response_cost", "user", "end_user", "team_id", "status",
              "custom_llm_provider")
        + _json("metadata", "request_tags", "messages", "response"),
        ("18_norm_litellm",),
        lambda r: "startTime" in r and ("prompt_tokens" in r or "spend" in r),
    ),
    Source(
        "langfuse-trace", "Langfuse trace downloads ({trace, observations})",
        LANGFUSE, ("19_norm_langfuse",), _has("trace", "observations"),
        split="14_split_langfuse",
    ),
    Source(
        "langfuse", "Langfuse generation observations", LANGFUSE, ("19_norm_langfuse",),
        lambda r: ("startTime" in r and ("usage" in r or "usageDetails" in r))
        or ("start_time" in r and "usage_details" in r),  # (the blob storage export)
    ),
    Source(
        "gemini-batch", "Gemini API batch output ({key, response})",
        GEMINI_BATCH, ("13_calls_gemini_batch", API),
        lambda r: "key" in r and ("error" in r or "status" in r
                                  or "usageMetadata" in (r.get("response") or {})),  # type: ignore[operator]
        undated=True,
    ),
    Source("bedrock-batch", "AWS Bedrock batch inference output ({recordId, modelOutput})",
           _text("recordId", "timestamp") + (("modelInput", REQUEST), ("modelOutput", BODY))
           + _json("error"), ("13_calls_bedrock_batch", API),
           lambda r: "recordId" in r and ("modelOutput" in r or "error" in r), undated=True),
    Source(
        "vertex-batch", "Vertex AI batch prediction output (Gemini)",
        _text("status", "processed_time") + (("request", REQUEST), ("response", BODY)),
        ("13_calls_vertex_batch", API), _has("processed_time", "request"),
    ),
    Source(
        "openai-chat", "request/response log (OpenAI chat, Responses or Anthropic bodies)",
        _text("timestamp", "request_id") + (("request", REQUEST), ("response", BODY))
        + _json("metadata"),
        ("13_calls_logged", API),
        lambda r: _is_dict(r.get("request")) or _is_dict(r.get("response"))
        or isinstance(r.get("response"), list),
    ),
    _bare("openai-responses", "OpenAI Responses API objects",
          lambda r: r.get("object") == "response" and "usage" in r),
    _bare("anthropic-messages", "Anthropic Messages API responses",
          lambda r: r.get("type") == "message" and "usage" in r),
    _bare("openai-chat-completion", "OpenAI chat.completion objects",
          lambda r: r.get("object") == "chat.completion" and "usage" in r),
    _bare("gemini", "Gemini / Vertex AI generateContent responses",
          lambda r: "usageMetadata" in r and ("candidates" in r or "modelVersion" in r)),
    _bare("gemini-sdk", "Gemini responses as google-genai's Python SDK dumps them (snake_case)",
          lambda r: "usage_metadata" in r and ("candidates" in r or "model_version" in r),
          "13_calls_gemini_sdk", (("sdk_http_response", {"headers": {"date": V}}),)),
    _bare("bedrock-response", "AWS Bedrock Converse / InvokeModel (Llama, Titan) responses",
          lambda r: (_is_dict(r.get("usage")) and "inputTokens" in r["usage"])  # type: ignore[operator]
          or "prompt_token_count" in r or "inputTextTokenCount" in r),
    _bare("cohere-chat", "Cohere v2 chat responses",
          lambda r: _is_dict(r.get("usage")) and "billed_units" in r["usage"]),  # type: ignore[operator]
    Source(
        "canonical", "plan's canonical record",
        _text(
            "timestamp", "request_id", "workload", "model", "input_tokens", "output_tokens",
            "cached_input_tokens", "cache_write_tokens", "cache_write_1h_tokens",
            "reasoning_tokens", "task_type", "team", "has_images", "tool_calls", "system_prompt",
            "prompt", "response", "service_tier", "web_search_requests",
        )
        + _json("metadata"),
        ("10_records", "10_norm_canonical"),
        lambda r: True,
    ),
)
BY_NAME = {s.name: s for s in SOURCES}

CANONICAL = BY_NAME["canonical"]


def detect(
    con: duckdb.DuckDBPyConnection, path: Path, reader: str, forced: str | None = None,
    utf8: Path | None = None
) -> Source:
    """The source named by --source, else the one most sampled records match (sampled from
    `utf8`, the file's UTF-8 copy, when it has one)."""
    if forced is not None:
        if forced not in BY_NAME:
            raise InputError(f"unknown source '{forced}'",
                             hint="sources: " + ", ".join(BY_NAME))
        return BY_NAME[forced]
    records = sample(con, utf8 or path, reader)
    refusals.check(path, records)
    votes = Counter(_first_match(r).name for r in records)
    if not votes:
        return CANONICAL
    best = max(votes.values())
    return next(s for s in SOURCES if votes.get(s.name) == best)


def _first_match(record: Record) -> Source:
    return next(s for s in SOURCES if s.matches(record))

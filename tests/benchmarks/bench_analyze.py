"""`make bench`: plan analyze on a generated 1M-request canonical log, as a ratio to a bare
DuckDB load of the same file (read_json into a table), both measured in this run; then the
ingest of 1M lines of each nested JSON source as a ratio to the ingest of the canonical log, both
the text-free one and one carrying the same text as the nested files (system prompt, prompt,
response), with DuckDB's own bare-load ratio of the same two files beside it for scale.

Ratios, not seconds, are the figure of merit: they cancel out the machine. Targets: analyze
<= 2x the bare load; any JSON source's ingest <= 2x the canonical ingest. Each ratio is of
wall-clock times (the target), with the ratio of CPU times beside it.
"""

from __future__ import annotations

import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import duckdb

from planner import db
from planner.pipeline import AnalyzeOptions, analyze
from planner.stages import ingest

OUT = Path(__file__).parent / "out"
ROWS = 1_000_000
REPEATS = 3


# The text the nested files carry (their system and user messages and the answer).
TEXT = """,
            'You are assistant ' || (i % 6) AS system_prompt,
            'Question ' || i AS prompt,
            'Answer number ' || i AS response"""


def generate(path: Path, rows: int, text: bool = False, start: str = "2026-10-01",
             fmt: str = "json") -> None:
    """`rows` canonical requests two seconds apart from `start` (a date), written to `path` as
    JSON lines (or fmt="parquet")."""
    duckdb.connect().execute(f"""
        COPY (
          SELECT
            strftime(TIMESTAMP '{start}' + INTERVAL (i * 2) SECOND, '%Y-%m-%dT%H:%M:%SZ')
                AS timestamp,
            'req-' || i AS request_id,
            ['support', 'extract', 'agent', 'coder', 'summarise', 'vision'][1 + i % 6] AS workload,
            ['gpt-5', 'gpt-4o-mini', 'claude-sonnet-4-5-20250929'][1 + i % 3] AS model,
            (200 + (i * 7919) % 4000)::BIGINT AS input_tokens,
            (50 + (i * 104729) % 800)::BIGINT AS output_tokens,
            ((i * 31) % 200)::BIGINT AS cached_input_tokens,
            0::BIGINT AS reasoning_tokens,
            ['customer_support', 'extraction', 'agent', 'code', 'summarization', 'vision']
                [1 + i % 6] AS task_type,
            ['core', 'growth', 'ml'][1 + i % 3] AS team,
            (i % 6 = 5) AS has_images,
            (CASE WHEN i % 6 = 2 THEN 6 ELSE 0 END)::INT AS tool_calls{TEXT if text else ""}
          FROM range({rows}) t(i)
        ) TO '{path}' (FORMAT {fmt})
    """)


# The same requests as nested JSON sources (only what differs from `generate` is spelled out).
_USAGE = """{'prompt_tokens': (200 + (i * 7919) % 4000)::BIGINT,
             'completion_tokens': (50 + (i * 104729) % 800)::BIGINT,
             'prompt_tokens_details': {'cached_tokens': ((i * 31) % 200)::BIGINT}}"""
_BODY = f"""{{'id': 'chatcmpl-' || i, 'object': 'chat.completion',
             'created': 1790812800 + i * 2,
             'model': ['gpt-5', 'gpt-4o-mini', 'claude-sonnet-4-5-20250929'][1 + i % 3],
             'choices': [{{'index': 0, 'message': {{'role': 'assistant',
                           'content': 'Answer number ' || i}}}}],
             'usage': {_USAGE}}}"""
_TS = "strftime(TIMESTAMP '2026-10-01' + INTERVAL (i * 2) SECOND, '%Y-%m-%dT%H:%M:%SZ')"
_MODEL = "['gpt-5', 'gpt-4o-mini', 'claude-sonnet-4-5-20250929'][1 + i % 3]"
_IN, _OUT, _CACHED = ("(200 + (i * 7919) % 4000)::BIGINT", "(50 + (i * 104729) % 800)::BIGINT",
                      "((i * 31) % 200)::BIGINT")
_GEMINI = f"""{{'candidates': [{{'content': {{'role': 'model',
                  'parts': [{{'text': 'Answer number ' || i}}]}}, 'finishReason': 'STOP'}}],
             'usageMetadata': {{'promptTokenCount': {_IN}, 'candidatesTokenCount': {_OUT},
                                'cachedContentTokenCount': {_CACHED}}},
             'modelVersion': {_MODEL}, 'responseId': 'resp-' || i}}"""
_METADATA = """{'workload': ['support', 'extract', 'agent', 'coder', 'summarise', 'vision'][1 + i % 6],
          'team': ['core', 'growth', 'ml'][1 + i % 3]}"""


def _capture(uri: str) -> str:
    """An HTTP capture of an OpenAI-compatible chat call to `uri` (Groq, OpenRouter)."""
    return f"""SELECT 'POST' AS method, '{uri}' AS uri, 200 AS status, {_TS} AS timestamp,
        {{'model': {_MODEL}, 'messages': [
            {{'role': 'system', 'content': 'You are assistant ' || (i % 6)}},
            {{'role': 'user', 'content': 'Question ' || i}}]}} AS request_body,
        {_BODY} AS response_body,
        {_METADATA} AS metadata"""


NESTED = {
    "openai-chat": f"""SELECT
        strftime(TIMESTAMP '2026-10-01' + INTERVAL (i * 2) SECOND, '%Y-%m-%dT%H:%M:%SZ')
            AS timestamp,
        'req-' || i AS request_id,
        {{'model': 'gpt-5', 'messages': [
            {{'role': 'system', 'content': 'You are assistant ' || (i % 6)}},
            {{'role': 'user', 'content': 'Question ' || i}}]}} AS request,
        {_BODY} AS response,
        {{'workload': ['support', 'extract', 'agent', 'coder', 'summarise', 'vision'][1 + i % 6],
          'team': ['core', 'growth', 'ml'][1 + i % 3]}} AS metadata""",
    "openai-batch": f"""SELECT
        'batch_req_' || i AS id, 'task-' || i AS custom_id,
        {{'status_code': 200, 'request_id': 'r' || i, 'body': {_BODY}}} AS response,
        NULL AS error""",
    # issue 17's JSON sources: bare Gemini responses, Vertex batch output, Bedrock invocation logs
    "gemini": f"""SELECT {_TS} AS timestamp, UNNEST({_GEMINI}),
        {{'workload': ['support', 'extract', 'agent', 'coder', 'summarise', 'vision'][1 + i % 6],
          'team': ['core', 'growth', 'ml'][1 + i % 3]}} AS metadata""",
    "vertex-batch": f"""SELECT '' AS status, {_TS} AS processed_time,
        {{'contents': [{{'role': 'user', 'parts': [{{'text': 'Question ' || i}}]}}],
          'systemInstruction': {{'parts': [{{'text': 'You are assistant ' || (i % 6)}}]}}}}
            AS request,
        {_GEMINI} AS response""",
    "bedrock-invocation": f"""SELECT 'ModelInvocationLog' AS schemaType, '1.0' AS schemaVersion,
        {_TS} AS timestamp, 'req-' || i AS requestId, 'Converse' AS operation,
        {_MODEL} AS modelId,
        {{'inputContentType': 'application/json',
          'inputBodyJson': {{'messages': [{{'role': 'user', 'content': [{{'text': 'Question ' || i}}]}}],
                            'system': [{{'text': 'You are assistant ' || (i % 6)}}]}},
          'inputTokenCount': {_IN} - {_CACHED}, 'cacheReadInputTokenCount': {_CACHED},
          'cacheWriteInputTokenCount': 0}} AS input,
        {{'outputContentType': 'application/json',
          'outputBodyJson': {{'output': {{'message': {{'role': 'assistant',
                                'content': [{{'text': 'Answer number ' || i}}]}}}},
                             'stopReason': 'end_turn'}},
          'outputTokenCount': {_OUT}}} AS output,
        {{'workload': ['support', 'extract', 'agent', 'coder', 'summarise', 'vision'][1 + i % 6],
          'team': ['core', 'growth', 'ml'][1 + i % 3]}} AS requestMetadata""",
    # the rest of issue 17's sources: Cohere v2 responses, Groq and OpenRouter HTTP captures
    # (OpenAI-compatible bodies), Langfuse trace downloads (one generation and one span each)
    "cohere-chat": f"""SELECT {_TS} AS timestamp, 'resp-' || i AS id, 'COMPLETE' AS finish_reason,
        {{'role': 'assistant', 'content': [{{'type': 'text', 'text': 'Answer number ' || i}}]}}
            AS message,
        {{'billed_units': {{'input_tokens': {_IN}, 'output_tokens': {_OUT}}},
          'tokens': {{'input_tokens': {_IN}, 'output_tokens': {_OUT}}}}} AS usage,
        {_METADATA} AS metadata""",
    "groq": _capture("https://api.groq.com/openai/v1/chat/completions"),
    "openrouter": _capture("https://openrouter.ai/api/v1/chat/completions"),
    "langfuse-trace": f"""SELECT
        {{'id': 'trace-' || i, 'tags': ['bench'], 'metadata': {_METADATA}}} AS trace,
        [{{'id': 'span-' || i, 'type': 'SPAN', 'startTime': {_TS}, 'name': 'retrieve'}}::JSON,
         {{'id': 'gen-' || i, 'type': 'GENERATION', 'startTime': {_TS}, 'model': {_MODEL},
           'usageDetails': {{'input': {_IN} - {_CACHED}, 'input_cached_tokens': {_CACHED},
                             'output': {_OUT}}},
           'input': [{{'role': 'system', 'content': 'You are assistant ' || (i % 6)}},
                     {{'role': 'user', 'content': 'Question ' || i}}],
           'output': {{'role': 'assistant', 'content': 'Answer number ' || i}}}}::JSON]
            AS observations""",
}


def generate_nested(path: Path, kind: str, rows: int) -> None:
    duckdb.connect().execute(
        f"COPY ({NESTED[kind]} FROM range({rows}) t(i)) TO '{path}' (FORMAT json)")


def ingest_once(path: Path) -> Callable[[], None]:
    def once() -> None:
        con = db.connect(":memory:")
        ingest.ingest(con, [path])
        con.close()
    return once


def load_once(path: Path) -> Callable[[], None]:
    def once() -> None:
        con = duckdb.connect()
        con.execute(f"CREATE TABLE t AS SELECT * FROM read_json('{path}')")
        con.close()
    return once


class Timing(NamedTuple):
    """A function's best wall-clock time and best CPU time (all threads) of REPEATS runs."""

    wall: float
    cpu: float


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def best(*fns: Callable[[], None]) -> list[Timing]:
    """Each function's best times of REPEATS, the functions taking turns (a, b, a, b, ...): this
    machine's speed drifts within a run, and turns keep a ratio's two sides in the same window.
    CPU time (user + system, every thread) is not inflated by time the hypervisor steals from a
    virtual machine, so its ratio is the steadier one there."""
    runs: list[list[Timing]] = [[] for _ in fns]
    for _ in range(REPEATS):
        for fn, out in zip(fns, runs, strict=True):
            wall, cpu = time.perf_counter(), _cpu()
            fn()
            out.append(Timing(time.perf_counter() - wall, _cpu() - cpu))
    return [Timing(min(t.wall for t in r), min(t.cpu for t in r)) for r in runs]


def _ratio(ours: Timing, base: Timing) -> str:
    return f"{ours.wall / base.wall:.2f} (CPU time: {ours.cpu / base.cpu:.2f})"


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else ROWS
    OUT.mkdir(exist_ok=True)
    path = OUT / f"canonical_{rows}.jsonl"
    if not path.exists():
        generate(path, rows)
    size_mb = path.stat().st_size / 1e6

    def plan() -> None:
        report = analyze([str(path)], AnalyzeOptions(db=":memory:"))
        assert report.ingest.accepted == rows

    base, ours = best(load_once(path), plan)
    print(f"input: {rows:,} canonical requests, {size_mb:,.0f} MB (best of {REPEATS})")
    print(f"bare DuckDB load (read_json -> table): {base.wall:.2f} s (CPU {base.cpu:.2f} s)")
    print(f"plan analyze (ingest, label, price, report): {ours.wall:.2f} s (CPU {ours.cpu:.2f} s)")
    print(f"ratio plan / bare load: {_ratio(ours, base)} (target <= 2)")

    texted = OUT / f"canonical-text_{rows}.jsonl"
    if not texted.exists():
        generate(texted, rows, text=True)
    print(f"\ningest only, {rows:,} lines (bare: DuckDB's own load of the same file; each source "
          "timed in turns with the canonical logs)")
    references = (("canonical", path), ("canonical with the same text", texted))
    kinds = sys.argv[2].split(",") if len(sys.argv) > 2 else list(NESTED)
    for kind in kinds:
        nested = OUT / f"{kind}_{rows}.jsonl"
        if not nested.exists():
            generate_nested(nested, kind, rows)
        files = (*(f for _, f in references), nested)
        ingests = best(*(ingest_once(f) for f in files))
        loads = best(*(load_once(f) for f in files))
        print(f"  {kind}: {nested.stat().st_size / 1e6:,.0f} MB, {ingests[-1].wall:.2f} s "
              f"(bare {loads[-1].wall:.2f} s)")
        for (name, file), ingest_t, load_t in zip(references, ingests, loads, strict=False):
            print(f"    ratio to {name} ({file.stat().st_size / 1e6:,.0f} MB, "
                  f"{ingest_t.wall:.2f} s): {_ratio(ingests[-1], ingest_t)} (target <= 2; bare "
                  f"loads: {_ratio(loads[-1], load_t)})")
    rejects(path, rows)


def rejects(path: Path, rows: int) -> None:
    """A reject costs about what an accepted line does (issue 19: the target is 2x)."""
    blank = OUT / f"blank_{rows}.jsonl"
    if not blank.exists():
        blank.write_bytes(b"\n" * rows)
    accepted, rejected = best(ingest_once(path), ingest_once(blank))
    print(f"\nrejects: {rows:,} blank lines ingest in {rejected.wall:.2f} s, {rows:,} requests in "
          f"{accepted.wall:.2f} s: ratio {_ratio(rejected, accepted)} (target <= 2)")


if __name__ == "__main__":
    main()

"""OpenTelemetry GenAI spans of agent frameworks: an agent's run (gen_ai.operation.name
invoke_agent) wraps its model calls (chat) and tool executions (execute_tool); the GenAI
conventions' agent span may carry the usage of the whole run, and Strands Agents
(src/strands/telemetry/tracer.py: the agent span's accumulated usage), GitHub Copilot Chat
("invoke_agent ... total token usage", code.visualstudio.com, "Monitor agent usage with
OpenTelemetry") and pydantic-ai before its gen_ai.aggregated_usage names write it so. plan
counted such a run twice (the roll-up and its calls) and rejected every tool span as a line
without token counts. The spans here are written by hand in those frameworks' shapes (no real
OTLP export was found to copy); the totals are recomputed by a plain reader of the file."""

from __future__ import annotations

import json
from pathlib import Path

from planner import db
from planner.stages import ingest
from tests.test_sources_streams import _converse

T0 = 1767225600 * 10**9
NO_CALL = ("invoke_agent", "create_agent", "execute_tool", "execute_event_loop_cycle")


def _attr(key: str, value: object) -> dict:
    return {"key": key, "value": {"intValue": str(value)} if isinstance(value, int)
            else {"stringValue": value}}


def _span(trace: str, span: str, op: str, usage: tuple[int, int] | None = None,
          parent: str | None = None, model: str = "claude-sonnet-4-5") -> dict:
    attrs = {"gen_ai.operation.name": op, "gen_ai.request.model": model}
    if op == "execute_tool":
        attrs = {"gen_ai.operation.name": op, "gen_ai.tool.name": "get_weather"}
    if usage:
        attrs |= {"gen_ai.usage.input_tokens": usage[0], "gen_ai.usage.output_tokens": usage[1]}
    out = {"traceId": trace, "spanId": span, "name": f"{op} {span}", "kind": 1,
           "startTimeUnixNano": str(T0 + len(span) * 10**9),
           "endTimeUnixNano": str(T0 + len(span) * 10**9 + 10**8),
           "attributes": [_attr(k, v) for k, v in attrs.items()], "status": {"code": 0}}
    return out | ({"parentSpanId": parent} if parent else {})


def _export(spans: list[dict]) -> str:
    return json.dumps({"resourceSpans": [{
        "resource": {"attributes": [_attr("service.name", "weather-agent")]},
        "scopeSpans": [{"scope": {"name": "strands.telemetry.tracer"}, "spans": spans}]}]})


def _plain(lines: list[str]) -> tuple[int, int, int, int]:
    """Requests, input and output of the model calls: each span with usage, but an agent's (or
    a tool's) whose trace has a model call's span with usage (its roll-up); and the spans
    that are not model calls and count nothing."""
    spans = [s for line in lines for r in json.loads(line)["resourceSpans"]
             for ss in r["scopeSpans"] for s in ss["spans"]]

    def attrs(s: dict) -> dict:
        return {a["key"]: next(iter(a["value"].values())) for a in s["attributes"]}

    def op(s: dict) -> str:
        return attrs(s)["gen_ai.operation.name"]

    def counts(s: dict) -> bool:
        return "gen_ai.usage.input_tokens" in attrs(s)

    def no_call(s: dict) -> bool:
        return op(s).startswith("invoke_") or op(s) in NO_CALL

    called = {s["traceId"] for s in spans if counts(s) and not no_call(s)}
    kept = [s for s in spans if counts(s) and not (no_call(s) and s["traceId"] in called)]
    skipped = sum(1 for s in spans if no_call(s) and (s not in kept))
    return (len(kept), sum(int(attrs(s)["gen_ai.usage.input_tokens"]) for s in kept),
            sum(int(attrs(s)["gen_ai.usage.output_tokens"]) for s in kept), skipped)


def agent_lines() -> list[str]:
    """Two export requests: an agent's run and a remote agent's."""
    return [
        # a run: the agent's span with the run's usage, its cycles, two model calls, a tool
        _export([_span("t1", "agent", "invoke_agent", (3180, 212)),
                 _span("t1", "cycle1", "execute_event_loop_cycle", parent="agent"),
                 _span("t1", "chat1", "chat", (1480, 95), parent="cycle1"),
                 _span("t1", "tool1", "execute_tool", parent="cycle1"),
                 _span("t1", "chat2", "chat", (1700, 117), parent="cycle1")]),
        # a remote agent whose model calls are not in the file: its span is their only record
        _export([_span("t2", "remote", "invoke_agent", (900, 40))]),
    ]


def test_an_agent_run_is_counted_once_and_its_tools_are_skipped(tmp_path: Path) -> None:
    lines = agent_lines()
    path = tmp_path / "spans.jsonl"
    path.write_text("".join(x + "\n" for x in lines), encoding="utf-8")
    requests, tokens_in, tokens_out, skipped = _plain(lines)
    con = db.connect(":memory:")
    [f] = ingest.ingest(con, [path])
    got = con.execute("SELECT count(*), sum(input_tokens), sum(output_tokens) "
                      "FROM requests").fetchone()
    assert got == (requests, tokens_in, tokens_out) == (3, 4080, 252)
    assert (f.source, f.rejected, f.skipped) == ("otel", 0, skipped) and skipped == 3


BEDROCK = Path(__file__).parent / "fixtures" / "real" / "vendors4" / \
    "ruby_llm_bedrock_vcr.derived.jsonl"


def _strands_chat(n: int, usage: dict, model: str) -> dict:
    """The chat span Strands Agents' tracer writes for a Bedrock Converse call (end_model_invoke_span:
    gen_ai.usage.input_tokens = Bedrock's inputTokens, the uncached remainder; the cache counts
    as cache_read_input_tokens / cache_write_input_tokens where the usage has them;
    total_tokens = Bedrock's totalTokens)."""
    attrs = {"gen_ai.operation.name": "chat", "gen_ai.request.model": model,
             "gen_ai.usage.prompt_tokens": usage["inputTokens"],
             "gen_ai.usage.input_tokens": usage["inputTokens"],
             "gen_ai.usage.completion_tokens": usage["outputTokens"],
             "gen_ai.usage.output_tokens": usage["outputTokens"],
             "gen_ai.usage.total_tokens": usage["totalTokens"]}
    if "cacheReadInputTokens" in usage:
        attrs["gen_ai.usage.cache_read_input_tokens"] = usage["cacheReadInputTokens"]
    if "cacheWriteInputTokens" in usage:
        attrs["gen_ai.usage.cache_write_input_tokens"] = usage["cacheWriteInputTokens"]
    return {"traceId": f"t{n}", "spanId": f"s{n}", "name": f"chat {n}",
            "startTimeUnixNano": str(T0 + n * 10**9), "endTimeUnixNano": str(T0 + n * 10**9 + 1),
            "attributes": [_attr(k, v) for k, v in attrs.items()], "status": {"code": 0}}


def bedrock_calls() -> list[tuple[dict, str]]:
    """The usage and model id of each recorded Bedrock Converse call."""
    calls = []
    for line in BEDROCK.read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        body = r["response_body"]
        if isinstance(body, dict) and "inputTokens" in (body.get("usage") or {}):
            calls.append((body["usage"], r["uri"].split("/model/")[1].split("/")[0]))
    return calls


def strands_export(calls: list[tuple[dict, str]]) -> str:
    return _export([_strands_chat(n, u, m) for n, (u, m) in enumerate(calls, 1)])


def test_strands_spans_of_bedrock_calls_add_the_cache_counts_back(tmp_path: Path) -> None:
    """ruby_llm's recorded Bedrock Converse calls (vendors4; Claude Haiku 4.5 writing 7,351
    tokens to the cache, then reading them) as Strands' chat spans: the input is Bedrock's
    inputTokens plus the cache reads and writes (total_tokens shows it), as the Converse body's
    own accounting. Before, the writes were not read and a cache read above the uncached
    input rejected the span."""
    calls = bedrock_calls()
    path = tmp_path / "strands.jsonl"
    path.write_text(strands_export(calls) + "\n", encoding="utf-8")
    want = [tuple(_converse(u)[k] for k in ("input", "output", "cached", "cache_write"))
            for u, _ in calls]
    con = db.connect(":memory:")
    [f] = ingest.ingest(con, [path])
    got = con.execute("SELECT input_tokens, output_tokens, cached_input_tokens, "
                      "cache_write_tokens FROM requests ORDER BY line_no").fetchall()
    assert (f.rejected, len(got)) == (0, len(calls))
    assert got == want
    assert sum(w[3] for w in want) == 7351 and sum(w[2] for w in want) == 7351

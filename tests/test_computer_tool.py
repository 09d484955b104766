"""Migration 014: a tool that acts on a computer, defined in the request (a computer, shell, file
editor or browser tool), read from OpenAI Chat and Responses, Anthropic Messages, Gemini and
Bedrock bodies, and rule computer-use-tool with evidence that names the tool.

The real recordings (tests/fixtures/real/vendors/computer_tools_vcr.derived.jsonl) are read
here with plain `json`: which of their requests define such a tool is decided from the request
bodies by this file's own reading of the decision (docs/scenarios.md), not by plan's SQL."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from planner import pipeline
from tests.test_request_shape import anthropic, chat, converse, gemini, responses

REAL = Path(__file__).parent / "fixtures" / "real" / "vendors" / "computer_tools_vcr.derived.jsonl"
ANTHROPIC_TYPE = re.compile(r"(computer|bash|text_editor)_\d{8}")
OPENAI_TYPES = {"computer_use_preview", "computer", "local_shell", "shell", "apply_patch"}


def expected_tools(body: dict[str, Any]) -> str | None:
    """The computer tools a request body defines, by type (a hosted container's shell is a code
    interpreter: not one), joined as plan joins them."""
    found = [t["type"] for t in body.get("tools", [])
             if (ANTHROPIC_TYPE.fullmatch(t.get("type", "")) or t.get("type") in OPENAI_TYPES)
             and not t.get("environment", {}).get("type", "").startswith("container")]
    return ", ".join(found) or None


def _labels(paths: list[str]) -> dict[str, tuple]:
    def read(con: Any, _rules: Any) -> dict[str, tuple]:
        return {r[0]: r[1:] for r in con.execute(
            "SELECT request_id, computer_tool, rule, label FROM labelled_requests").fetchall()}
    return pipeline.read_labels(paths, pipeline.AnalyzeOptions(db=":memory:"), read)


def test_real_recordings_with_computer_tools_are_capability_bound() -> None:
    lines = [json.loads(x) for x in REAL.read_text(encoding="utf-8").splitlines()]
    got = _labels([str(REAL)])
    assert len(got) == len(lines) == 6
    kinds = []
    for line in lines:
        want = expected_tools(line["request_body"])
        tool, rule, label = got[line["response_body"]["id"]]
        assert tool == want, line["source_file"]
        if want:
            assert (rule, label) == ("computer-use-tool", "capability-bound")
        else:
            assert rule != "computer-use-tool"
        kinds.append(want)
    # two text-editor calls, two bash calls; Anthropic's code execution and OpenAI's hosted
    # shell (container_auto) are not computer tools
    assert kinds == ["text_editor_20250728"] * 2 + ["bash_20250124"] * 2 + [None, None]


def test_evidence_names_the_tool_type(run) -> None:
    res = run("analyze", str(REAL), "--db", ":memory:", "--format", "json")
    assert res.exit_code == 0, res.stderr
    reasons = " | ".join(r for w in json.loads(res.stdout)["workloads"] for r in w["reasons"])
    assert f"{REAL}:1: computer-use tool defined: text_editor_20250728" in reasons
    # (lines 3 and 4 share a workload, the system prompt's: one of them is its example)
    assert re.search(re.escape(str(REAL)) + r":[34]: computer-use tool defined: bash_20250124",
                     reasons)


def _user(text: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": text}]


def _responses(rid: str, tools: list[dict[str, Any]]) -> dict:
    record = responses(rid, _user("book the cheapest flight to Lisbon"))
    record["request"]["tools"] = tools
    return record


def _gemini_tools(rid: str, tools: list[dict[str, Any]]) -> dict:
    record = gemini(rid, [{"role": "user", "parts": [{"text": "find the settings page"}]}])
    record["request"]["tools"] = tools
    return record


def _converse(rid: str, tool_config: dict | None, extra: dict | None) -> dict:
    record = converse(rid, [{"role": "user", "content": [{"text": "hi"}]}], 0)
    body = record["input"]["inputBodyJson"]
    body["toolConfig"] = tool_config
    if extra is not None:
        body["additionalModelRequestFields"] = extra
    return record


def _function(name: str) -> dict[str, Any]:
    return {"type": "function", "function": {"name": name, "parameters": {"type": "object"}}}


# Bodies as each API documents its tools (the shapes of the SDKs' own types); (record, the
# computer tools plan should name).
CASES = [
    (anthropic("a-all", _user("Save a picture of a cat to my desktop."), [
        {"type": "computer_20250124", "name": "computer", "display_width_px": 1024,
         "display_height_px": 768}, {"type": "web_search_20250305", "name": "web_search"},
        {"type": "bash_20250124", "name": "bash"}]),
     "computer_20250124, bash_20250124"),
    (anthropic("a-custom", _user("list the files"), [
        {"name": "str_replace_editor", "input_schema": {"type": "object"}}]),
     "function str_replace_editor"),
    (anthropic("a-code", _user("what is 17 * 23?"), [
        {"type": "code_execution_20250825", "name": "code_execution"}]), None),
    (chat("c-playwright", _user("open the docs"), [_function("lookup_order"),
                                                   _function("mcp__playwright__browser_click")]),
     "function mcp__playwright__browser_click"),
    (chat("c-plain", _user("what time is it in Lima?"), [_function("get_time"),
                                                         _function("search_browser_history")]),
     None),
    (_responses("r-cua", [{"type": "computer_use_preview", "display_width": 1024,
                           "display_height": 768, "environment": "browser"}]),
     "computer_use_preview"),
    (_responses("r-codex", [{"type": "local_shell"}, {"type": "apply_patch"},
                            {"type": "web_search"}]), "local_shell, apply_patch"),
    (_responses("r-shell", [{"type": "shell", "environment": {"type": "local"}}]), "shell"),
    (_responses("r-hosted", [{"type": "shell", "environment": {"type": "container_auto"}},
                             {"type": "code_interpreter", "container": {"type": "auto"}}]), None),
    (_responses("r-fn", [{"type": "function", "name": "execute_bash", "parameters": {}}]),
     "function execute_bash"),
    (_gemini_tools("g-cu", [{"computerUse": {"environment": "ENVIRONMENT_BROWSER"}}]),
     "computerUse"),
    (_gemini_tools("g-fn", [{"functionDeclarations": [{"name": "get_weather"},
                                                      {"name": "browser_navigate"}]}]),
     "function browser_navigate"),
    (_converse("b-cu", {"tools": [{"toolSpec": {"name": "lookup"}}]},
               {"tools": [{"type": "computer_20250124", "name": "computer"}],
                "anthropic_beta": ["computer-use-2025-01-24"]}), "computer_20250124"),
    (_converse("b-fn", {"tools": [{"toolSpec": {"name": "lookup"}},
                                  {"toolSpec": {"name": "run_shell_command"}}]}, None),
     "function run_shell_command"),
    (_converse("b-none", {"tools": [{"toolSpec": {"name": "lookup"}}]}, None), None),
]


def _id(record: dict) -> str:
    resp = record.get("response", {})
    return str(resp.get("id") or resp.get("responseId") or record.get("requestId"))


@pytest.mark.parametrize("case", CASES, ids=[_id(c[0]) for c in CASES])
def test_computer_tools_are_read_from_each_api(write_log, case) -> None:
    record, tools = case
    name = "bedrock.jsonl" if "schemaType" in record else "log.jsonl"
    (row,) = _labels([str(write_log([record], name))]).values()
    assert row[0] == tools
    if tools is None:  # labelled from its text, if at all
        assert row[1] != "computer-use-tool"
    else:
        assert row[1:] == ("computer-use-tool", "capability-bound")


def test_a_batch_input_body_gives_its_output_line_the_tool(tmp_path) -> None:
    """The real OpenAI Batch output (custom_ids request-1, request-2) with a hand-written input
    file: the body of request-2 defines a Playwright browser tool, request-1's a plain one."""
    real = Path(__file__).parent / "fixtures" / "real" / "litellm_batch_output_sample.jsonl"
    inputs = [{"custom_id": f"request-{n}", "method": "POST", "url": "/v1/chat/completions",
               "body": {"model": "gpt-4o-mini", "messages": _user("open the pricing page"),
                        "tools": [_function(name)]}}
              for n, name in ((1, "get_weather"), (2, "browser_navigate"))]
    path = tmp_path / "batch_input.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in inputs), encoding="utf-8")
    got = sorted((tool or "", rule) for tool, rule, _label in _labels([str(real), str(path)])
                 .values())
    assert len(got) == 2
    assert got[1] == ("function browser_navigate", "computer-use-tool")
    assert got[0][0] == "" and got[0][1] != "computer-use-tool"

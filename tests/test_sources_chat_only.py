"""Stage 12 for chat completion calls only (sql/12_norm_chat.sql): a file whose sampled records
are all chat completion calls is read with it, and read again with the whole stage 12 when a
later record is another API's; the counts are the same either way (hand-computed here)."""

from __future__ import annotations

from tests.test_sources import load, rows

T0 = 1772445600


def chat(i: int, **usage: object) -> dict:
    return {"timestamp": "2026-03-02T10:00:00Z", "request_id": f"r{i}",
            "request": {"model": "gpt-4o", "messages": [
                {"role": "system", "content": "Be brief."},
                {"role": "user", "content": f"Question {i}"}]},
            "response": {"id": f"c{i}", "object": "chat.completion", "created": T0 + i,
                         "model": "gpt-4o", "choices": [{"message": {
                             "role": "assistant", "content": f"Answer {i}",
                             "tool_calls": [{"id": "t1", "type": "function"}] if i == 1 else None}}],
                         "usage": usage}}


def test_chat_completion_calls(write_log):
    log = write_log([
        chat(0, prompt_tokens=100, completion_tokens=20,
             prompt_tokens_details={"cached_tokens": 60}),
        # xAI: completion excludes reasoning (total = 50 + 10 + 30): output 10 + 30
        chat(1, prompt_tokens=50, completion_tokens=10, total_tokens=90,
             completion_tokens_details={"reasoning_tokens": 30}),
        # OpenRouter: reads 40 + writes 30 above the prompt's 60: the write counts 0
        chat(2, prompt_tokens=60, completion_tokens=5, cost=0.002,
             prompt_tokens_details={"cached_tokens": 40, "cache_write_tokens": 30}),
    ])
    con, files, _ = load([log])
    assert (files[0].source, files[0].accepted, files[0].rejected) == ("openai-chat", 3, 0)
    assert rows(con) == [(100, 20, 60, 0, 0), (50, 40, 0, 0, 30), (60, 5, 40, 0, 0)]
    assert rows(con, "system_prompt, prompt, response, tool_calls, request_id") == [
        ("Be brief.", "Question 0", "Answer 0", 0, "r0"),
        ("Be brief.", "Question 1", "Answer 1", 1, "r1"),
        ("Be brief.", "Question 2", "Answer 2", 0, "r2")]


def test_a_later_record_of_another_api_reads_the_file_again(write_log):
    anthropic = {"timestamp": "2026-03-02T10:01:00Z", "request_id": "a1",
                 "request": {"model": "claude-sonnet-4-5", "system": "Be brief.",
                             "messages": [{"role": "user", "content": "Hi"}]},
                 "response": {"id": "msg_1", "type": "message", "model": "claude-sonnet-4-5",
                              "content": [{"type": "text", "text": "Hello"}],
                              "usage": {"input_tokens": 10, "cache_read_input_tokens": 200,
                                        "cache_creation_input_tokens": 50,
                                        "output_tokens": 7}}}
    # 60 chat calls (more than detection samples), then an Anthropic message and a bad line
    log = write_log([chat(i, prompt_tokens=10 + i, completion_tokens=2) for i in range(60)]
                    + [anthropic, '{"request": '])
    con, files, _ = load([log])
    assert (files[0].accepted, files[0].rejected) == (61, 1)
    got = rows(con)
    assert got[:60] == [(10 + i, 2, 0, 0, 0) for i in range(60)]
    # Anthropic's input excludes the cache reads and writes: 10 + 200 + 50
    assert got[60] == (260, 7, 200, 50, 0)
    assert rows(con, "system_prompt, prompt, response")[60] == ("Be brief.", "Hi", "Hello")

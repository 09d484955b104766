"""Regenerate the sample logs (deterministic): python sample_logs/generate.py

Writes gateway.jsonl (plan's canonical record) and openai_chat.jsonl (OpenAI chat-completions
request/response logs): 28 days of invented but realistic traffic from nine workloads, with a
working-hours and weekday load shape, plus the things real logs have: malformed lines, a
repeated request_id and a model with no public price.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).parent
START = datetime(2026, 10, 1, tzinfo=UTC)
DAYS = 28
rng = random.Random(20261101)

# name, model, task_type, team, requests/day, input (mu, sd), output (mu, sd), extras
CANONICAL = [
    ("support-bot", "gpt-5", "customer_support", "cx", 60, (1800, 500), (300, 120), {}),
    ("invoice-extraction", "gpt-4o-2024-08-06", "extraction", "finance", 30, (3500, 900),
     (400, 100), {"cached": 0.5}),
    ("ticket-triage", "gpt-4o-mini-2024-07-18", "classification", "cx", 45, (700, 200),
     (20, 8), {}),
    ("doc-summaries", "claude-sonnet-4-5-20250929", "summarization", "knowledge", 20,
     (9000, 3000), (600, 200), {"cached": 0.3}),
    ("code-agent", "claude-opus-4-5-20251101", "agent", "platform", 12, (30000, 9000),
     (2500, 900), {"tools": (5, 14), "reasoning": 0.4}),
    ("screenshot-qa", "gpt-5.4", None, "qa", 6, (2500, 600), (350, 100), {"images": True}),
    ("contract-review", "claude-sonnet-4-5-20250929", "legal", "legal", 3, (150000, 30000),
     (3000, 800), {}),
    ("partner-api", "mistral-small-latest", "content_generation", "partners", 4, (900, 200),
     (500, 150), {}),
]
SECURITY_PROMPTS = [
    "Review this nginx config for a vulnerability an attacker could exploit.",
    "Triage this malware sample report and list indicators of compromise.",
    "Write a threat model for our payment webhook service.",
]
FAQ_PROMPTS = [
    "How do I reset my password?", "What are your opening hours on Sunday?",
    "How do I reset my password?", "Can I change my delivery address after ordering?",
    "Where is my order #48213?", "Do you ship to Norway?",
]


def moments(per_day: float):
    """Request times with a working-hours peak and quieter weekends."""
    for day in range(DAYS):
        date = START + timedelta(days=day)
        weekend = date.weekday() >= 5
        n = max(1, round(rng.gauss(per_day * (0.35 if weekend else 1.0), per_day * 0.1)))
        for _ in range(n):
            hour = min(23.99, max(0.0, rng.gauss(14, 3.5)))
            yield date + timedelta(hours=hour, seconds=rng.randint(0, 59))


def tokens(mu_sd: tuple[int, int]) -> int:
    return max(5, round(rng.lognormvariate(0, 0.35) * mu_sd[0] + rng.gauss(0, mu_sd[1] * 0.2)))


def canonical_records() -> list[dict]:
    out = []
    for name, model, task, team, per_day, inp, outp, extra in CANONICAL:
        for i, ts in enumerate(moments(per_day)):
            n_in, n_out = tokens(inp), tokens(outp)
            rec = {
                "timestamp": ts.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "request_id": f"{name}-{i:05d}",
                "workload": name,
                "model": model,
                "input_tokens": n_in,
                "output_tokens": n_out,
                "cached_input_tokens": int(n_in * extra.get("cached", 0) * rng.random()),
                "reasoning_tokens": int(n_out * extra.get("reasoning", 0)),
                "team": team,
                "has_images": bool(extra.get("images")),
                "tool_calls": rng.randint(*extra["tools"]) if "tools" in extra else 0,
            }
            if task:
                rec["task_type"] = task
            out.append(rec)
    # A workload known only by a metadata tag, with text to classify (no task_type).
    for i, ts in enumerate(moments(5)):
        out.append({
            "timestamp": int(ts.timestamp()),  # epoch seconds, as some gateways write
            "request_id": f"sec-{i:05d}",
            "model": "gpt-5",
            "metadata": {"workload": "security-review"},
            "team": "security",
            "system_prompt": "You are a senior application security engineer.",
            "prompt": rng.choice(SECURITY_PROMPTS),
            "input_tokens": tokens((2200, 500)),
            "output_tokens": tokens((900, 300)),
        })
    out.sort(key=lambda r: str(r["timestamp"]) if isinstance(r["timestamp"], str) else
             datetime.fromtimestamp(r["timestamp"], UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    return out


def openai_records() -> list[dict]:
    out = []
    for i, ts in enumerate(moments(18)):
        question = rng.choice(FAQ_PROMPTS)
        messages = [
            {"role": "system", "content": "You are the FAQ assistant of an online shop."},
            {"role": "user", "content": question},
        ]
        n_in, n_out = 40 + tokens((400, 100)), tokens((120, 40))
        usage = {"prompt_tokens": n_in, "completion_tokens": n_out,
                 "total_tokens": n_in + n_out,
                 "prompt_tokens_details": {"cached_tokens": 0},
                 "completion_tokens_details": {"reasoning_tokens": 0}}
        rec = {
            "timestamp": ts.strftime("%Y-%m-%dT%H:%M:%S+00:00"),
            "request": {"model": "gpt-4o", "messages": messages},
            "response": {
                "id": f"chatcmpl-faq{i:05d}", "object": "chat.completion",
                "created": int(ts.timestamp()), "model": "gpt-4o-2024-08-06",
                "choices": [{"index": 0, "finish_reason": "stop", "message": {
                    "role": "assistant", "content": "Happy to help: " + question.lower()}}],
                "usage": usage,
            },
            "metadata": {"workload": "faq-assistant", "team": "cx", "task_type": "faq"},
        }
        if i % 10 == 3:  # some gateways drop usage: plan counts the text instead
            del rec["response"]["usage"]
        out.append(rec)
    # No workload metadata at all: plan groups these by a fingerprint of the system prompt.
    for i, ts in enumerate(moments(4)):
        messages = [
            {"role": "system", "content": "Translate the user's text into French."},
            {"role": "user", "content": "Our office will be closed on Monday for maintenance."},
        ]
        out.append({
            "request": {"model": "gpt-4.1", "messages": messages},
            "response": {
                "id": f"chatcmpl-tr{i:05d}", "created": int(ts.timestamp()), "model": "gpt-4.1",
                "choices": [{"index": 0, "message": {
                    "role": "assistant",
                    "content": "Notre bureau sera fermé lundi pour maintenance."}}],
                "usage": {"prompt_tokens": 31, "completion_tokens": 14, "total_tokens": 45},
            },
        })
    out.sort(key=lambda r: r["response"]["created"])
    return out


def write(path: Path, records: list[dict], bad_lines: dict[int, str]) -> None:
    lines = [json.dumps(r, separators=(",", ":")) for r in records]
    for at, bad in sorted(bad_lines.items()):
        lines.insert(at, bad)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    canon = canonical_records()
    duplicate = json.dumps(canon[100], separators=(",", ":"))  # a gateway retry logged twice
    write(HERE / "gateway.jsonl", canon, {
        50: '{"timestamp": "2026-10-01T09:12:00Z", "request_id": "broken-1", "model": "gpt-5"',
        400: '{"timestamp": "yesterday", "request_id": "bad-ts", "model": "gpt-5", '
             '"input_tokens": 10, "output_tokens": 5}',
        900: '{"timestamp": "2026-10-09T10:00:00Z", "request_id": "neg", "model": "gpt-5", '
             '"workload": "support-bot", "input_tokens": -40, "output_tokens": 5}',
        1500: duplicate,
        2200: '{"timestamp": "2026-10-20T10:00:00Z", "request_id": "nan", "model": "gpt-5", '
              '"input_tokens": "lots", "output_tokens": 5}',
    })
    write(HERE / "openai_chat.jsonl", openai_records(), {120: "", 300: "[]"})

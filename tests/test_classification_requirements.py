"""The default rules' `requirements_doc` signal and `multi-file-engineering-requirements` rule
(branch cls21): software to build from a requirements document is multi-file engineering,
tested on PRDBench's 50 real product requirements documents (tests/fixtures/prdbench, labelled
by their suite) and on texts counted by hand."""

from __future__ import annotations

import json
import re
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
BASE = {"timestamp": "2026-01-01T00:00:00Z", "model": "gpt-5", "output_tokens": 100}
RULE = ("capability-bound: multi-file software engineering: software to build from a "
        "requirements document (2+ requirement headings)")
WORDS = {"requirement", "requirements", "acceptance", "use case", "use cases", "user story",
         "user stories", "product goal", "product goals", "prd"}


def _headings(text: str) -> int:
    """A plain reader of a document's requirement headings: lines that open with a markdown
    heading, bold, or a section number (1., 2.3, IV.) and name one of WORDS."""
    n = 0
    for line in text.splitlines():
        rest = line.lstrip(" \t")
        marker = re.match(r"#{1,6}|\*\*|\d+(\.\d+)*\.?|[IVX]+\.", rest)
        if not marker or rest[marker.end():marker.end() + 1] not in ("", " ", "\t"):
            continue
        words = re.findall(r"[a-z]+", rest.lower())
        pairs = {" ".join(words[i:i + 2]) for i in range(len(words))}
        n += bool(WORDS & (set(words) | pairs))
    return n


def _analyse(run, write_log, texts: dict[str, str]) -> dict[str, tuple[str, str]]:
    rows = [{**BASE, "request_id": k, "workload": k, "prompt": t} for k, t in texts.items()]
    res = run("analyze", str(write_log(rows)), "--db", ":memory:", "-f", "json")
    assert res.exit_code == 0, res.stderr
    return {w["workload"]: (w["label"], w["reasons"][0])
            for w in json.loads(res.stdout)["workloads"]}


def test_requirement_headings_by_hand(run, write_log):
    """Three texts counted by hand with the default rules: PRDBench task 10's outline (two
    requirement headings of seven), a chat request to write a PRD (the words, no heading) and a
    pasted PRD to summarise (a text task, which the rule skips)."""
    texts = {
        "prd": "Huffman Tree and Code Generation System PRD\n\n## I. Requirement Overview\n\n"
               "This project aims to implement a Python-based Huffman coding system.\n\n"
               "## II. Functional Requirements\n\n### 2.1 Data Input and Editing\n\n"
               "1. **Text Import**: Supports getting text content from local TXT files.\n\n"
               "### 2.3 Data Export\n\n### 2.6 Unit Testing\n",
        "ask": "Write a PRD for a to-do app with functional requirements, user stories and "
               "acceptance criteria.",
        "summarise": "Summarize this PRD in three bullet points:\n## Functional Requirements\n"
                     "Users can add tasks.\n## Acceptance Criteria\nA task appears in the list.",
    }
    assert [_headings(t) for t in texts.values()] == [2, 0, 2]
    labels = _analyse(run, write_log, texts)
    assert labels["prd"][0] == "capability-bound"
    assert labels["prd"][1].startswith(RULE)
    assert "requirements_doc x2: '## i. requirement', '## ii. functional requirements'" in \
        labels["prd"][1]
    assert not labels["ask"][1].startswith(RULE)
    assert not labels["summarise"][1].startswith(RULE)


def test_prdbench_documents_are_multi_file_engineering(run, write_log):
    """All 50 PRDBench documents have two or more requirement headings (the plain reader
    above: 2 to 12) and are called capability-bound by the default rules; those no earlier rule
    takes are labelled by the requirements rule, with its evidence."""
    recs = [json.loads(line) for line in (FIXTURES / "prdbench" / "prdbench.jsonl")
            .read_text(encoding="utf-8").splitlines()]
    assert len(recs) == 50 and {r["label"] for r in recs} == {"capability-bound"}
    counts = sorted(_headings(r["prompt"]) for r in recs)
    assert counts[0] == 2 and counts[-1] == 12
    labels = _analyse(run, write_log, {r["id"]: r["prompt"] for r in recs})
    assert len(labels) == 50
    assert {label for label, _ in labels.values()} == {"capability-bound"}
    by_rule = [reason for _, reason in labels.values() if reason.startswith(RULE)]
    assert by_rule and all("requirements_doc x" in reason for reason in by_rule)

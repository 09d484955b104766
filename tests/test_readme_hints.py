"""Every README section an error hint or help text names ("see README 'Log sources'") exists: a
heading of README.md with that text, and the page of docs/ it points to holds that section; every
page the README links exists."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from planner.errors import InputError
from planner.pipeline import AnalyzeOptions, analyze
from planner.stages.ingest import IngestOptions

ROOT = Path(__file__).parent.parent
REFERENCE = re.compile(r"README '([^']+)'")


def headings(path: Path = ROOT / "README.md") -> set[str]:
    text = path.read_text(encoding="utf-8")
    return {m.group(1).strip().strip("`") for m in re.finditer(r"^#{1,4} (.+)$", text, re.M)}


def test_the_pages_the_readme_links_exist_and_hold_the_sections_hints_name():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    linked = set(re.findall(r"\]\(((?:docs|examples)/[^)#]+)\)", text))
    assert linked and all((ROOT / page).is_file() for page in linked), linked
    in_docs = set().union(*(headings(page) for page in (ROOT / "docs").glob("*.md")))
    reference = text[text.index("## Reference"):]
    for name in re.findall(r"^### (.+)$", reference, re.M):
        assert name in in_docs, f"README 'Reference' names {name!r}, which no docs/ page holds"


def test_every_readme_section_named_in_the_code_exists():
    named = {(str(path.relative_to(ROOT)), m.group(1))
             for package in ("cli", "planner", "pricing")
             for path in sorted((ROOT / package).rglob("*.py"))
             for m in REFERENCE.finditer(path.read_text(encoding="utf-8"))}
    assert named, "no README references found: the pattern is stale"
    missing = sorted((where, name) for where, name in named if name not in headings())
    assert not missing, f"README sections that do not exist: {missing}"


def test_an_unusable_file_is_named_with_the_source_it_was_read_as():
    groq = ROOT / "tests" / "fixtures" / "real" / "vendors" / "groq_vcr.derived.jsonl"
    with pytest.raises(InputError) as err:
        analyze([str(groq)], AnalyzeOptions(db=":memory:", reading=IngestOptions(
            source="azure-trace")))
    assert f"{groq}:1: " in str(err.value) and "(read as azure-trace)" in str(err.value)
    assert "README 'Log sources'" in err.value.hint


def test_an_export_of_spans_that_are_no_llm_calls_says_so(tmp_path):
    """An OTLP file whose spans are all HTTP / database spans: not "0 lines read" alone."""
    from tests.test_sources import _attrs, _export

    span = {"spanId": "s1", "name": "GET /search", "startTimeUnixNano": "1772445600000000000",
            "attributes": _attrs(http__method="GET")}
    path = tmp_path / "spans.jsonl"
    path.write_text(json.dumps(_export("search-api", span, dict(span, spanId="s2"))) + "\n",
                    encoding="utf-8")
    with pytest.raises(InputError, match="0 lines read, 2 spans or observations skipped: none is "
                                         "an LLM call"):
        analyze([str(path)], AnalyzeOptions(db=":memory:"))

"""A seeded fuzz run over EVERY line-oriented source plan auto-detects (issue 19's done-when).

tests/test_fuzz.py fuzzes five sources with hand-made records; this file takes, for each source
of planner.stages.sources.SOURCES, real example records from tests/fixtures/real/ (and its vendors/
folder), or the records tests/test_sources*.py build from them, and writes one JSON-lines file
per source: 50 valid lines first (so that detection, from the first 50 records, picks the
source: the test asserts it did), then LINES_PER_SOURCE seeded lines, about three quarters of
them malformed: leaf values (nested ones too, inside lists) replaced by the hostile values of
tests/test_fuzz.py (NaN, Infinity, 1e309, huge ints, negative counts, far timestamps, escapes,
formulas, 5,000-character strings, wrong types), keys dropped, values nested one level deeper,
duplicates, junk lines (blank, `[]`, `null`, 3,000 `{`, 5,000-deep arrays), lines cut short,
and lines with a damaging byte inserted (CR, invalid UTF-8, NUL, a quote, a brace, a tab).

Per file, plan's ingest (planner.stages.ingest.ingest + planner.stages.analysis.build_scope) must raise
nothing, and account for every physical line (counted here as test_fuzz.py does: the file's
b"\\n" count, blank lines included):
- one row in `lines` per physical line, numbered 1..N, for the sources whose record is a line;
- `openai-batch-input`: a readable line is a request body (`bodies`, outside `read`), an
  unreadable one a reject row: rows + bodies = physical lines (docs/formats.md);
- the split sources (`otel`, `cloudwatch-events`, `langfuse-trace`), whose records are the
  spans / events / observations a line holds (docs/formats.md): rows = the lines that are not
  readable documents + the kept items of those that are, counted here with plain `json`
  (their containers and keep-deciding keys are never mutated, so the count is exact); the
  items not kept equal `skipped`;
- `read = accepted + rejected + duplicates + failed`; every reject has a line number and a
  reason.
No file-level refusal (InputError) is expected: every file here is JSON lines, for which
docs/formats.md documents none short of a 32 MB line or a UTF-16 file without a byte-order mark.

Two bugs this fuzz found, fixed since, keep their minimal reproducers at the end: one CloudWatch
event whose `message` text names "ModelInvocationLog" but is not valid JSON refused its whole
file (cloudwatch-events, and bedrock-invocation in the get-log-events form); a line of a split
source with an empty container left no row at all.

Then `plan analyze DIR --db :memory: --format json` reads all the files once: exit 0, 2 or 3,
no traceback, and the same per-file counts.

Not fuzzed here (not line-oriented, or covered elsewhere):
- `mapped` is not auto-detected (it needs --map): tests/test_sources.py.
- CSV files (azure-trace's real form, LiteLLM / Langfuse / Logs Insights CSV exports): ragged
  rows, CRLF, BOM, quoted delimiters in tests/test_hostile.py; azure-trace is fuzzed here as
  JSON lines of its real CSV rows (its columns are read from JSON objects the same way).
- Parquet: NaN and int64 max in tests/test_hostile.py.
- Whole `.json` documents (Langfuse arrays, filter-log-events, trace downloads): a malformed
  document is refused whole by design (docs/formats.md, "File kinds"), tested in
  tests/test_sources.py; their sources are fuzzed here line by line.
"""

from __future__ import annotations

import copy
import json
import random
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.app import app
from planner import db
from planner.stages import ingest
from planner.stages.analysis import build_scope
from planner.stages.sources import SOURCES
from tests.conftest import Result
from tests.test_fuzz import DAMAGE, HOSTILE, RAW
from tests.test_sources import _attrs, _export
from tests.test_sources_vendors import invocation_records, langfuse_download

REAL = Path(__file__).parent / "fixtures" / "real"
VENDORS = REAL / "vendors"
T = "2026-03-02T10:00:00Z"
HEAD = 50  # valid lines first: detection samples the first 50 records
LINES_PER_SOURCE = 700  # fuzzed lines after them, per source


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def _bodies(name: str, keep: Callable[[dict], bool], folder: Path = REAL) -> list[dict]:
    """The response bodies of a recorded-HTTP fixture that `keep` accepts."""
    return [r["response_body"] for r in _jsonl(folder / name)
            if r["status"] < 400 and isinstance(r["response_body"], dict)
            and keep(r["response_body"])]


def _stamped(bodies: list[dict]) -> list[dict]:
    """Bodies with the `timestamp` a log adds beside them (most APIs' bodies carry none)."""
    return [{"timestamp": T, **b} for b in bodies]


# --- one to a few real example records per source ---------------------------------------------

def _http_capture() -> list[dict]:
    out = []
    for folder, name in ((REAL, "openai_vcr.derived.jsonl"), (REAL, "anthropic_vcr.derived.jsonl"),
                         (VENDORS, "gemini_vcr.derived.jsonl"), (VENDORS, "groq_vcr.derived.jsonl"),
                         (VENDORS, "bedrock_openllmetry.derived.jsonl"),
                         (VENDORS, "cohere_vcr.derived.jsonl")):
        out += _jsonl(folder / name)[:2]
    return out


def _openai_chat() -> list[dict]:
    return [{"timestamp": T, "request_id": f"oc{i}", "metadata": {"workload": "chat"},
             "request": r["request_body"], "response": r["response_body"]}
            for i, r in enumerate(_jsonl(REAL / "openai_vcr.derived.jsonl")[:4])]


def _anthropic_messages() -> list[dict]:
    return _stamped(_bodies("anthropic_vcr.derived.jsonl", lambda b: b.get("type") == "message"
                            and "usage" in b)[:4])


def _openai_chat_completion() -> list[dict]:
    return _bodies("openai_vcr.derived.jsonl",
                   lambda b: b.get("object") == "chat.completion" and "usage" in b)[:4]


def _openai_responses() -> list[dict]:
    found = _bodies("openai_vcr.derived.jsonl",
                    lambda b: b.get("object") == "response" and "usage" in b)
    return found[:4]


def _gemini() -> list[dict]:
    return _stamped(_bodies("gemini_vcr.derived.jsonl", lambda b: "usageMetadata" in b and "candidates" in b,
                            VENDORS)[:4])


def _gemini_sdk() -> list[dict]:  # (finished responses: a chunk before the last is a reject)
    return [r for r in _jsonl(REAL / "vendors6" / "js_genai_sdk_dump.jsonl")
            if r["candidates"][0].get("finish_reason")][:4]


def _bedrock_response() -> list[dict]:
    return _stamped(_bodies("bedrock_openllmetry.derived.jsonl", lambda b: "type" not in b and (
        isinstance(b.get("usage"), dict) and "inputTokens" in b["usage"]
        or "prompt_token_count" in b), VENDORS)[:4])


def _cohere_chat() -> list[dict]:
    return _stamped(_bodies("cohere_vcr.derived.jsonl", lambda b: isinstance(b.get("usage"), dict)
                            and "billed_units" in b["usage"], VENDORS)[:4])


def _openai_batch() -> list[dict]:
    return _jsonl(REAL / "litellm_batch_output_sample.jsonl")


def _openai_batch_input() -> list[dict]:
    return [{"custom_id": f"request-{i}", "method": "POST", "url": "/v1/chat/completions",
             "body": r["request_body"]}
            for i, r in enumerate(_jsonl(REAL / "openai_vcr.derived.jsonl")[:4])]


def _anthropic_batch() -> list[dict]:
    return [{"custom_id": f"ab{i}", "timestamp": T, "result": {"type": "succeeded", "message": m}}
            for i, m in enumerate(_anthropic_messages())]


def _gemini_batch() -> list[dict]:
    """Gemini API batch output lines ({key, response}) holding real Gemini responses, with the
    `timestamp` a log adds beside them (the lines carry none), and a failed line."""
    return [*({"key": f"request-{i}", "timestamp": T, "response": b}
              for i, b in enumerate(_gemini())),
            {"key": "request-9", "timestamp": T, "error": {"code": 3, "message": "invalid"}}]


def _bedrock_batch() -> list[dict]:
    """Bedrock batch inference output lines ({recordId, modelInput, modelOutput}) around real
    Bedrock bodies, with the `timestamp` a log adds beside them, and a failed line."""
    return [*({"recordId": f"REC{i:08d}", "timestamp": T, "modelInput": {"inputText": "hi"},
               "modelOutput": {k: v for k, v in b.items() if k != "timestamp"}}
              for i, b in enumerate(_bedrock_response())),
            {"recordId": "REC99999999", "timestamp": T, "modelInput": {"inputText": "hi"},
             "error": {"errorCode": 400, "errorMessage": "bad request"}}]


def _batch_jobs(*names: str) -> list[dict]:
    """Batch jobs returned whole by an API (tests/fixtures/real/vendors5)."""
    return [json.loads((REAL / "vendors5" / n).read_text(encoding="utf-8")) for n in names]


def _vertex_batch() -> list[dict]:
    return _jsonl(VENDORS / "vertex_batch_text_output.jsonl")[:3]


def _litellm() -> list[dict]:
    return [json.loads((REAL / n).read_text(encoding="utf-8"))
            for n in ("litellm_spend_logs_payload.json", "litellm_standard_logging_payload.json")]


def _langfuse() -> list[dict]:
    return [o for o in langfuse_download()["observations"] if o["type"] == "GENERATION"]


def _langfuse_trace() -> list[dict]:
    return [langfuse_download()]


def _mooncake() -> list[dict]:
    return _jsonl(REAL / "mooncake_conversation_first1000.jsonl")[:10]


def _azure() -> list[dict]:
    lines = (REAL / "AzureLLMInferenceTrace_code.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    return [dict(zip(header, x.split(","), strict=True)) for x in lines[1:11]]


def _bedrock_invocation() -> list[dict]:
    return invocation_records()[:6]


def _cloudwatch_events() -> list[dict]:
    events = [{"timestamp": 1_700_000_000_000 + n, "message": json.dumps(r),
               "id": str(n)} for n, r in enumerate(invocation_records()[:4])]
    other = {"timestamp": 1_700_000_000_000, "message": "START RequestId: 1", "id": "x"}

    def cells(r: dict) -> list[dict]:  # a Logs Insights result row: @message is the record
        return [{"field": "@timestamp", "value": "2023-11-14 22:13:20.000"},
                {"field": "@message", "value": json.dumps(r)}, {"field": "@ptr", "value": "p"}]
    more = invocation_records()[4:7]
    return [{"messageType": "DATA_MESSAGE", "owner": "123456789012",
             "logGroup": "/aws/bedrock/modelinvocations", "logEvents": [*events, other]},
            # `aws logs get-query-results` output, and as PowerShell flattens its rows
            {"results": [cells(r) for r in more[:2]], "status": "Complete"},
            {"results": cells(more[2]), "status": "Complete"}]


def _otel() -> list[dict]:
    t0 = "1772445600000000000"
    chat = {"spanId": "s1", "name": "chat", "startTimeUnixNano": t0, "status": {},
            "attributes": _attrs(**{
                "gen_ai.request.model": "gpt-4o", "gen_ai.usage.input_tokens": 120,
                "gen_ai.usage.output_tokens": 40, "gen_ai.usage.cache_read.input_tokens": 100})}
    http = {"spanId": "s2", "name": "GET /search", "startTimeUnixNano": t0,
            "attributes": _attrs(http__method="GET")}
    failed = {"spanId": "s3", "name": "chat", "startTimeUnixNano": t0,
              "status": {"code": 2, "message": "rate limited"},
              "attributes": _attrs(**{"gen_ai.request.model": "gpt-4o"})}
    return [_export("search-api", chat, http, failed)]


def _canonical() -> list[dict]:
    out = []  # (the sample log has broken lines of its own: only whole records are examples)
    for x in (Path(__file__).parent.parent / "sample_logs" / "gateway.jsonl").read_text(
            encoding="utf-8").splitlines()[:40]:
        try:
            record = json.loads(x)
        except ValueError:
            continue
        if isinstance(record, dict) and "input_tokens" in record:
            out.append(record)
    return out[:10]


EXAMPLES: dict[str, Callable[[], list[dict]]] = {
    "otel": _otel, "bedrock-invocation": _bedrock_invocation,
    "cloudwatch-events": _cloudwatch_events, "openai-batch": _openai_batch,
    "openai-batch-input": _openai_batch_input, "anthropic-batch": _anthropic_batch,
    "http-capture": _http_capture, "mooncake-trace": _mooncake, "azure-trace": _azure,
    "litellm": _litellm, "langfuse-trace": _langfuse_trace, "langfuse": _langfuse,
    "vertex-batch": _vertex_batch, "gemini-batch": _gemini_batch, "openai-chat": _openai_chat,
    "openai-responses": _openai_responses, "anthropic-messages": _anthropic_messages,
    "openai-chat-completion": _openai_chat_completion, "gemini": _gemini,
    "gemini-sdk": _gemini_sdk, "bedrock-batch": _bedrock_batch,
    "bedrock-response": _bedrock_response, "cohere-chat": _cohere_chat, "canonical": _canonical,
    "gemini-batch-job": lambda: _batch_jobs("ruby_llm_gemini_batch_job.json"),
    "batch-job": lambda: _batch_jobs("ruby_llm_mistral_batch_job_inline.json",
                                     "ruby_llm_xai_batch_results.json"),
}


# --- the split sources: which items a readable line holds, and what the fuzz must not touch ----

def _otel_items(doc: dict) -> list[bool] | None:
    spans = doc.get("resourceSpans")
    if not isinstance(spans, list):
        return None
    return [any(str(a.get("key", "")).startswith("gen_ai.") for a in sp.get("attributes") or [])
            for r in spans for s in r.get("scopeSpans") or [] for sp in s.get("spans") or []]


def _cloudwatch_items(doc: dict) -> list[bool] | None:
    events = doc.get("events", doc.get("logEvents"))
    if isinstance(events, list):
        return [isinstance(e.get("message"), str) and '"ModelInvocationLog"' in e["message"]
                for e in events]
    rows = doc.get("results")  # Logs Insights: the @message cell of each row is its item
    if not isinstance(rows, list):
        return None
    cells = [c for row in rows for c in row] if rows and isinstance(rows[0], list) else rows
    return ['"ModelInvocationLog"' in c["value"] for c in cells if c["field"] == "@message"]


def _langfuse_items(doc: dict) -> list[bool] | None:
    observations = doc.get("observations")
    if not isinstance(observations, list):
        return None
    return [str(o.get("type", "")).upper() in ("GENERATION", "EMBEDDING") for o in observations]


# where sql/14_split_batch_job.sql finds a batch job's results, in its order
_JOB_LISTS = (("response", "inlinedResponses", "inlinedResponses"),
              ("metadata", "output", "inlinedResponses", "inlinedResponses"),
              ("dest", "inlinedResponses"), ("outputs",), ("results",), ("batch_results",))


def _job_items(doc: dict) -> list[bool] | None:
    for path in _JOB_LISTS:
        value: object = doc
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        if isinstance(value, list):
            return [True] * len(value)
    return None


def _job_frozen(p: tuple) -> bool:
    """The lists of results and the containers down to each result."""
    return any(p[:len(path)] == path[:len(p)] and len(p) <= len(path) + 1 for path in _JOB_LISTS)


# source -> (the items of a readable line, kept or not; the paths never mutated)
SPLIT: dict[str, tuple[Callable[[dict], list[bool] | None], Callable[[tuple], bool]]] = {
    # the containers down to each span, its attribute list, entries and keys
    "otel": (_otel_items, lambda p: len(p) <= 6 or (p[6] == "attributes" and (
        len(p) <= 8 or p[-1] == "key"))),
    "cloudwatch-events": (_cloudwatch_items, lambda p: len(p) <= 2 or p[2:] == ("message",)
                          or p[0] == "results"),
    "langfuse-trace": (_langfuse_items, lambda p: p[0] == "observations" and (
        len(p) <= 2 or p[2:] == ("type",))),
    "gemini-batch-job": (_job_items, _job_frozen), "batch-job": (_job_items, _job_frozen),
}


# --- the mutations --------------------------------------------------------------------------

_DELETE = object()
_NEST = object()


def _paths(value: object, prefix: tuple = ()) -> list[tuple]:
    """Every key / index path of a record, inside lists too."""
    items = (value.items() if isinstance(value, dict)
             else enumerate(value) if isinstance(value, list) else ())
    out = []
    for key, child in items:
        out.append((*prefix, key))
        out += _paths(child, (*prefix, key))
    return out


def _set(record: dict, path: tuple, value: object) -> None:
    parent = record
    for key in path[:-1]:
        parent = parent[key]
    if value is _DELETE:
        del parent[path[-1]]
    elif value is _NEST:  # nesting changed: the value one level deeper
        old = parent[path[-1]]
        parent[path[-1]] = [old] if isinstance(old, dict) else {"value": old}
    else:
        parent[path[-1]] = value


def _encode(record: dict, rng: random.Random) -> bytes:
    text = json.dumps(record, ensure_ascii=rng.random() < 0.5)
    for raw in ("NaN", "Infinity", "-Infinity", "1e309"):
        text = text.replace(f'"{RAW(raw)}"', raw)
    return text.encode()


def _line(rng: random.Random, record: dict, frozen: Callable[[tuple], bool],
          previous: list[bytes]) -> tuple[bytes, bool]:
    """One fuzzed line, and whether it was left valid."""
    roll = rng.random()
    if roll < 0.25:
        return _encode(record, rng), True
    if roll < 0.62:  # 1-3 values anywhere in the record made hostile, dropped or nested
        paths = [p for p in _paths(record) if not frozen(p)]
        for _ in range(rng.randint(1, 3)):
            if not paths:
                break
            path = rng.choice(paths)
            value = rng.choice([*HOSTILE, _DELETE, _NEST])
            # a copy: HOSTILE's lists and dicts are shared (and later mutations reach inside)
            _set(record, path, value if value in (_DELETE, _NEST) else copy.deepcopy(value))
            paths = [p for p in _paths(record) if not frozen(p)]  # the tree changed
        return _encode(record, rng), False
    if roll < 0.68 and previous:
        return rng.choice(previous), False  # a duplicate
    if roll < 0.74:
        return rng.choice([b"", b"   ", b"[]", b"null", b"42", b'"text"', b"{}", b"{" * 3000,
                           b"[" * 5000 + b"]" * 5000]), False
    line = _encode(record, rng)
    if roll < 0.86:  # cut short
        return line[: rng.randrange(len(line))], False
    at = rng.randrange(len(line) + 1)  # a damaging byte (a newline would make two lines)
    return line[:at] + rng.choice(DAMAGE).replace(b"\n", b" ") + line[at:], False


def _records_in(line: bytes, items: Callable[[dict], list[bool] | None]) -> tuple[int, int]:
    """A split source's (records, skipped items) of one line: the kept items of a readable
    document, else the line itself as one record (rejected with its reason)."""
    try:
        text = line.decode("utf-8")
        doc = json.loads(text)
    except (ValueError, RecursionError):  # (a 5,000-deep array: not a document either way)
        return 1, 0
    if "\r" in text.rstrip("\r") or "\x00" in text or not isinstance(doc, dict):
        return 1, 0
    found = items(doc)
    if not found:  # not a container, or an empty one: the line is one (rejected) record
        return 1, 0
    return sum(found), len(found) - sum(found)


class Fuzzed:
    def __init__(self, path: Path, lines: int, malformed: int, records: int, skipped: int):
        self.path, self.lines, self.malformed = path, lines, malformed
        self.records, self.skipped = records, skipped  # (split sources: what the test expects)


def _write(folder: Path, name: str, seed: int, fuzzed: int = LINES_PER_SOURCE) -> Fuzzed:
    rng = random.Random(seed)
    examples = EXAMPLES[name]()
    assert examples, name
    items, frozen = SPLIT.get(name, (None, lambda p: False))
    lines: list[bytes] = [json.dumps(examples[i % len(examples)]).encode() for i in range(HEAD)]
    malformed = 0
    for _ in range(fuzzed):
        line, valid = _line(rng, copy.deepcopy(rng.choice(examples)), frozen, lines[-50:])
        lines.append(line)
        malformed += not valid
    body = b"\n".join(lines) + b"\n"
    path = folder / f"{name}.jsonl"
    path.write_bytes(body)
    counts = [_records_in(x, items) for x in lines] if items else [(1, 0)] * len(lines)
    return Fuzzed(path, body.count(b"\n"), malformed, sum(r for r, _ in counts),
                  sum(s for _, s in counts))


AUTO_DETECTED = [s.name for s in SOURCES]


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory) -> dict[str, Fuzzed]:
    """One seeded file per source, in one folder (the same files on every run)."""
    folder = tmp_path_factory.mktemp("fuzzed")
    # a seed per source name, not per position: the same file whatever SOURCES' order
    return {name: _write(folder, name, 19 + zlib.crc32(name.encode())) for name in AUTO_DETECTED}


def test_every_source_has_an_example_and_the_run_has_10000_malformed_lines(fuzzed):
    assert set(EXAMPLES) == set(AUTO_DETECTED)
    assert sum(f.malformed for f in fuzzed.values()) >= 10_000
    assert sum(f.lines for f in fuzzed.values()) == len(fuzzed) * (HEAD + LINES_PER_SOURCE)


def _check_file(name: str, f: Fuzzed) -> int:
    """Ingest one fuzzed file (its source detected, not forced) and check its accounting; the
    lines it read."""
    con = db.connect(":memory:")
    try:
        # batch input lines are request bodies: a run needs the output file they belong to
        given = ([REAL / "litellm_batch_output_sample.jsonl"] if name == "openai-batch-input"
                 else [])
        *_, got = files = ingest.ingest(con, [*given, f.path])
        scope = build_scope(con, files)
        assert got.source == name
        rows, numbered, low, high = con.execute(
            "SELECT count(*), count(DISTINCT line_no), min(line_no), max(line_no) FROM lines "
            "WHERE file_id = ?", [got.file_id]).fetchone()
        if name == "openai-batch-input":  # readable lines are bodies, the others rejects
            assert rows + got.bodies == f.lines, name
            assert got.bodies > 0 and rows == got.rejected == got.lines_read
        elif name in SPLIT:  # records: the kept items of the readable lines, the other lines
            assert (rows, got.skipped) == (f.records, f.skipped), name
            assert (numbered, low, high) == (rows, 1, rows), name
        else:  # one row per physical line, numbered 1..N
            assert (rows, numbered, low, high) == (f.lines, f.lines, 1, f.lines), name
        assert got.lines_read == rows == got.accepted + got.rejected + got.failed, name
        i = scope.ingest
        assert i.read == i.accepted + i.rejected + i.duplicates + i.failed, name
        [c] = [c for c in i.files if c.path == str(f.path)]
        assert c.read == c.accepted + c.rejected + c.duplicates + c.failed == got.lines_read
        assert con.execute("SELECT count(*) FROM rejects WHERE line_no IS NULL OR reason IS NULL "
                           "OR trim(reason) = ''").fetchone() == (0,), name
        assert c.rejected > 0 and (c.accepted > 0 or name == "openai-batch-input"), name
        return c.read
    finally:
        con.close()


@pytest.mark.parametrize("name", AUTO_DETECTED)
def test_every_line_of_a_fuzzed_source_is_accounted_for(fuzzed, name):
    _check_file(name, fuzzed[name])


def _analyze(*paths: Path) -> Result:
    """`plan analyze PATHS --db :memory: --format json`, in-process as tests/conftest.py's
    `run` does (that fixture is per test; these runs are shared by the module's tests)."""
    res = CliRunner().invoke(app, ["analyze", *map(str, paths), "--db", ":memory:", "--format",
                                   "json"], env={"COLUMNS": "100", "NO_COLOR": "1"})
    if res.exception and not isinstance(res.exception, SystemExit):
        raise res.exception
    return Result(res.exit_code, res.stdout, res.stderr)


def test_plan_analyze_over_the_folder_of_every_fuzzed_file_never_crashes(fuzzed):
    folder = next(iter(fuzzed.values())).path.parent
    res = _analyze(folder)
    assert res.exit_code in (0, 2, 3), res.stderr
    assert "Traceback" not in res.stderr + res.stdout


def _expected_read(name: str, f: Fuzzed) -> int:
    return f.records if name in SPLIT else f.lines


def _reconciles(res: Result, fuzzed: dict[str, Fuzzed]) -> None:
    assert res.exit_code in (0, 3), res.stderr
    assert "Traceback" not in res.stderr + res.stdout
    report = json.loads(res.stdout)["ingest"]
    by_name = {Path(f["path"]).name.removesuffix(".jsonl"): f for f in report["files"]}
    assert set(by_name) == set(fuzzed)
    for name, f in by_name.items():
        assert f["source"] == name
        assert f["read"] == f["accepted"] + f["rejected"] + f["duplicates"] + f["failed"], name
        if name == "openai-batch-input":  # bodies, outside `read`, and rejects
            assert f["read"] + f["bodies"] == fuzzed[name].lines
        else:
            assert f["read"] == _expected_read(name, fuzzed[name]), name
        assert f["skipped"] == fuzzed[name].skipped, name
    assert report["read"] == report["accepted"] + report["rejected"] + report["duplicates"] + (
        report["failed"])


def test_plan_analyze_reads_and_reconciles_every_fuzzed_file(fuzzed):
    _reconciles(_analyze(*(f.path for f in fuzzed.values())), fuzzed)


# --- minimal reproducers of the bugs this fuzz found (fixed) -------------------------------------

INVOCATION = {"schemaType": "ModelInvocationLog", "timestamp": T, "requestId": "r1",
              "modelId": "anthropic.claude-3-haiku-20240307-v1:0", "operation": "Converse",
              "input": {"inputTokenCount": 10}, "output": {"outputTokenCount": 2}}
BROKEN = '{"schemaType": "ModelInvocationLog"}}'  # names the schema, is not JSON


def _lines_of(tmp_path: Path, name: str, records: list[dict]) -> tuple[ingest.IngestedFile, int]:
    path = tmp_path / name
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    con = db.connect(":memory:")
    [f] = ingest.ingest(con, [path])
    return f, con.execute("SELECT count(*) FROM lines").fetchone()[0]


@pytest.mark.parametrize(("records", "source"), [
    ([{"logEvents": [{"timestamp": 1_700_000_000_000, "message": json.dumps(INVOCATION)}]},
      {"logEvents": [{"timestamp": 1_700_000_000_000, "message": BROKEN}]}], "cloudwatch-events"),
    ([{"timestamp": 1_700_000_000_000, "message": json.dumps(INVOCATION)},
      {"timestamp": 1_700_000_000_000, "message": BROKEN}], "bedrock-invocation"),
], ids=["subscription", "get-log-events"])
def test_a_broken_invocation_message_costs_only_its_line(tmp_path, records, source):
    f, rows = _lines_of(tmp_path, "events.jsonl", records)
    assert (f.source, f.lines_read, f.accepted, f.rejected, rows) == (source, 2, 1, 1, 2)


@pytest.mark.parametrize(("first", "empty", "source"), [
    ({"logEvents": [{"timestamp": 1_700_000_000_000, "message": json.dumps(INVOCATION)}]},
     {"logEvents": []}, "cloudwatch-events"),
    (_otel()[0], {"resourceSpans": []}, "otel"),
    (langfuse_download(), {"trace": {"id": "t-2"}, "observations": []}, "langfuse-trace"),
])
def test_a_line_with_no_items_is_still_accounted_for(tmp_path, first, empty, source):
    f, rows = _lines_of(tmp_path, "empty.jsonl", [first, empty])
    assert f.source == source
    # the empty line: one more record (a reject, with its reason) than the first line alone
    alone, _ = _lines_of(tmp_path, "alone.jsonl", [first])
    assert f.lines_read == rows == alone.lines_read + 1

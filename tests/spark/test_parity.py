"""--engine spark against the DuckDB engine (an independent reader of the same files): the JSON
reports must be equal, ingest counts, labels, tokens and every scenario's cost to the cent.
Spark runs in local mode, 2 cores, one session for the module (planner/stages/spark/session.py reuses
an active session)."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from planner.errors import InputError
from planner.outputs.formats import to_json
from planner.pipeline import AnalyzeOptions, analyze
from planner.stages.ingest import IngestOptions
from tests import test_fuzz_sources as fuzz
from tests.conftest import FIXTURES, SAMPLE_LOGS

# A canonical log with one of each kind of line plan must account for (counted by hand below).
HAND = [
    '{"timestamp": "2026-10-02T10:00:00Z", "request_id": "h-1", "workload": "hand", '
    '"model": "gpt-5", "input_tokens": 100, "output_tokens": 20}',
    '{"timestamp": "2026-10-02T10:00:01Z", "request_id": "h-1", "workload": "hand", '
    '"model": "gpt-5", "input_tokens": 100, "output_tokens": 20}',  # a duplicate of line 1
    "",  # blank
    "{not json",
    "[1, 2]",  # not an object
    '{"timestamp": "2026-10-02T10:00:02Z", "request_id": "h-3", "workload": "hand", '
    '"model": "gpt-5", "input_tokens": -5, "output_tokens": 20}',  # negative
    '{"request_id": "h-4", "workload": "hand", "model": "gpt-5", "input_tokens": 1, '
    '"output_tokens": 2}',  # no timestamp
    '{"timestamp": 1790935200, "request_id": "h-5", "workload": "hand", "model": "gpt-5", '
    '"prompt": "Count these words for me please", "response": "Five words", '
    '"task_type": "Extraction"}',  # epoch seconds; tokens counted from the text
]


@pytest.fixture(scope="module")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # the token counter's workers
    session = (SparkSession.builder.master("local[2]").appName("plan-tests")
               .config("spark.sql.shuffle.partitions", "4")
               .config("spark.sql.warehouse.dir", str(tmp_path_factory.mktemp("warehouse")))
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false").getOrCreate())
    yield session
    session.stop()


def _report(paths: list[str], engine: str) -> dict[str, Any]:
    report = analyze(paths, AnalyzeOptions(db=":memory:", engine=engine))
    out: dict[str, Any] = json.loads(to_json(report))
    return out


def test_canonical_jsonl_and_parquet_give_the_same_report(spark: Any, tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    (logs / "parquet").mkdir(parents=True)
    (logs / "hand.jsonl").write_text("\n".join(HAND) + "\n", encoding="utf-8")
    # gateway.jsonl once as JSON lines, and its first 1,000 lines again as Parquet under other
    # request ids (a second folder, the other reader)
    (logs / "gateway.jsonl").write_bytes((SAMPLE_LOGS / "gateway.jsonl").read_bytes())
    duckdb.connect().execute(
        f"COPY (SELECT * REPLACE ('pq-' || request_id AS request_id) FROM "
        f"read_json('{SAMPLE_LOGS / 'gateway.jsonl'}', ignore_errors = true) LIMIT 1000) "
        f"TO '{logs / 'parquet' / 'gateway.parquet'}' (FORMAT parquet)")
    on_duckdb = _report([str(logs)], "duckdb")
    on_spark = _report([str(logs)], "spark")
    assert on_spark == on_duckdb
    # the text signals (computed as the files are read) and stage 58's near repeats (on the
    # driver on Spark) are in the comparison: gateway.jsonl's prompts repeat
    assert any(c["hits"] for c in on_spark["cache_curve"])

    ingest = on_spark["ingest"]
    hand = next(f for f in ingest["files"] if f["path"].endswith("hand.jsonl"))
    assert (hand["read"], hand["accepted"], hand["rejected"], hand["duplicates"]) == (8, 2, 5, 1)
    assert ingest["read"] == (ingest["accepted"] + ingest["rejected"] + ingest["duplicates"]
                              + ingest["failed"])
    gateway = sum(1 for line in (SAMPLE_LOGS / "gateway.jsonl").open() if line.strip())
    assert ingest["read"] == gateway + 1000 + 8
    reasons = {(r["field"], r["reason"]): r["first"] for r in ingest["reject_reasons"]}
    # (each reason's first line, in the order the files were read: gateway.jsonl first)
    assert reasons[(None, "not a JSON object (a JSON array)")].endswith("hand.jsonl:5")
    negative = next(r for r in ingest["reject_reasons"] if r["reason"].startswith("negative"))
    # gateway.jsonl's one (line 901), again in its Parquet copy of lines 1-1000, and hand's -5
    assert (negative["count"], negative["first"].rpartition("/")[2]) == (3, "gateway.jsonl:901")
    assert reasons[("timestamp", "missing")].endswith("hand.jsonl:7")
    assert reasons[(None, "blank line")].rpartition(":")[2].isdigit()


# Every real-format fixture (tests/fixtures/real/, vendors/) and sample_logs/, by the source
# plan detects in it; each source here runs its own stages on Spark.
REAL = FIXTURES / "real"
SOURCES_ON_SPARK = {
    "openai-chat": [SAMPLE_LOGS / "openai_chat.jsonl"],
    "canonical": [SAMPLE_LOGS / "gateway.jsonl", REAL / "arena_hard_keyword_traps.jsonl"],
    "http-capture": sorted([*REAL.glob("*_vcr.derived.jsonl"),
                            *(REAL / "vendors").glob("*.derived.jsonl")]),
    "openai-batch": [REAL / "litellm_batch_output_sample.jsonl"],
    "vertex-batch": sorted((REAL / "vendors").glob("vertex_batch_*.jsonl")),
    "litellm": sorted(REAL.glob("litellm_*_payload.json")),
    "mooncake-trace": [REAL / "mooncake_conversation_first1000.jsonl"],
    "azure-trace": [REAL / "AzureLLMInferenceTrace_code.csv"],
}


# The sources no fixture file holds: the real records tests/test_fuzz_sources.py takes from
# the fixtures above (response bodies of the VCR recordings, batch results, Langfuse and
# Bedrock invocation records), one JSON lines file each.
DERIVED = {
    "openai-responses": fuzz._openai_responses, "anthropic-messages": fuzz._anthropic_messages,
    "openai-chat-completion": fuzz._openai_chat_completion, "gemini": fuzz._gemini,
    "gemini-sdk": fuzz._gemini_sdk, "bedrock-batch": fuzz._bedrock_batch,
    "bedrock-response": fuzz._bedrock_response, "cohere-chat": fuzz._cohere_chat,
    "anthropic-batch": fuzz._anthropic_batch, "langfuse": fuzz._langfuse,
    "bedrock-invocation": fuzz._bedrock_invocation,
    # the split sources (a line's records are its spans, events or observations) and the
    # batch input whose bodies join litellm_batch_output_sample.jsonl's lines on custom_id
    "otel": fuzz._otel, "cloudwatch-events": fuzz._cloudwatch_events,
    "langfuse-trace": fuzz._langfuse_trace, "openai-batch-input": fuzz._openai_batch_input,
}


def test_sample_logs_and_real_fixtures_give_the_same_report(spark: Any, tmp_path: Path) -> None:
    """Every source above, in one run (several sources and readers, one group each on Spark):
    ingest counts per file, every workload's label and tokens, every scenario's cost."""
    sources = dict(SOURCES_ON_SPARK)
    for source, records in DERIVED.items():
        path = tmp_path / f"{source}.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in records()), encoding="utf-8")
        sources[source] = [path]
    paths = [p for files in sources.values() for p in files]
    on_duckdb = _report([str(p) for p in paths], "duckdb")
    on_spark = _report([str(p) for p in paths], "spark")
    assert on_spark == on_duckdb
    files = {Path(f["path"]).name: f for f in on_spark["ingest"]["files"]}
    for source, named in sources.items():
        for path in named:
            assert files[path.name]["source"] == source, path
    # read, counted independently: a JSON lines file's lines (blank ones too), a CSV file's rows
    for path in paths:
        if path.suffix == ".jsonl" and files[path.name]["source"] not in SPLIT_OR_BODIES:
            text = path.read_text(encoding="utf-8")
            lines = text.count("\n") + (not text.endswith("\n"))
            assert files[path.name]["read"] == lines, path
    with (REAL / "AzureLLMInferenceTrace_code.csv").open(encoding="utf-8") as fh:
        rows = sum(1 for _ in csv.reader(fh)) - 1
    assert files["AzureLLMInferenceTrace_code.csv"]["read"] == rows
    assert {w["label"] for w in on_spark["workloads"]} >= {"capability-bound", "cost-bound"}
    # a split source's records are its items: the OTLP export's two GenAI spans (one a failed
    # call), its HTTP span skipped; the batch input's four bodies, two joined to output lines
    otel = files["otel.jsonl"]
    assert (otel["read"], otel["accepted"], otel["failed"], otel["skipped"]) == (2, 1, 1, 1)
    assert (files["openai-batch-input.jsonl"]["bodies"], on_spark["ingest"]["bodies_joined"]) \
        == (4, 2)


def test_gemini_batch_output_takes_its_time_from_trace_start_on_spark(
        spark: Any, tmp_path: Path) -> None:
    """Gemini API batch output ({key, response}): lines carry no time of their own unless a log
    added one; with --trace-start each undated line is a request at that time, without it
    each is rejected saying so, on both engines alike. The fixture: tests/test_fuzz_sources.py's
    batch lines of real Gemini responses (a `timestamp` added, one failed line), and the same
    lines undated."""
    dated = fuzz._gemini_batch()
    undated = [{**{k: v for k, v in line.items() if k != "timestamp"}, "key": f"u-{line['key']}"}
               for line in dated]  # (other keys: no duplicates of the dated lines)
    paths = []
    for name, lines in (("dated", dated), ("undated", undated)):
        paths.append(tmp_path / f"{name}.jsonl")
        paths[-1].write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    when = datetime(2026, 3, 4, 5, 6, tzinfo=UTC)
    for given in (when, None):
        reports = [json.loads(to_json(analyze([str(p) for p in paths], AnalyzeOptions(
            db=":memory:", engine=engine, reading=IngestOptions(trace_start=given)))))
            for engine in ("duckdb", "spark")]
        assert reports[1] == reports[0]
        files = {Path(f["path"]).name: f for f in reports[1]["ingest"]["files"]}
        bodies = sum("response" in x for x in dated)  # (and one error line each)
        assert (files["dated.jsonl"]["source"], files["dated.jsonl"]["accepted"],
                files["dated.jsonl"]["failed"]) == ("gemini-batch", bodies, 1)
        undated_file = files["undated.jsonl"]
        assert (undated_file["accepted"], undated_file["failed"], undated_file["rejected"]) == (
            (bodies, 1, 0) if given else (0, 0, bodies + 1))
        usage = [x["response"]["usageMetadata"] for x in dated if "response" in x]
        assert sum(w["input_tokens"] for w in reports[1]["workloads"]) == (
            2 if given else 1) * sum(u["promptTokenCount"] + u.get("toolUsePromptTokenCount", 0)
                                     for u in usage)


SPLIT_OR_BODIES = ("otel", "cloudwatch-events", "langfuse-trace", "openai-batch-input")

# Lines of each split source plan must account for besides its real records: a container with
# nothing in it (one rejected record), one whose items are none of them LLM calls (all
# skipped), a line that is not JSON, a blank line and a JSON array.
_JUNK = ["{not json", "", "[1, 2]"]
SPLIT_EDGES = {
    "otel": [{"resourceSpans": []}, fuzz._export("batch-job", {
        "spanId": "h1", "name": "GET /", "startTimeUnixNano": "1772445600000000000",
        "attributes": fuzz._attrs(http__method="GET")})],
    "cloudwatch-events": [{"logEvents": []}, {"events": [
        {"timestamp": 1_700_000_000_000, "message": "START RequestId: 2", "id": "y"}]}],
    "langfuse-trace": [{"trace": {"id": "t-2"}, "observations": []},
                       {"trace": {"id": "t-3"}, "observations": [{"id": "s", "type": "SPAN"}]}],
}


def test_split_sources_account_for_every_line_as_duckdb_does(spark: Any, tmp_path: Path) -> None:
    """Two files of each split source read together (one Spark pass per source: each line's
    key carries its file): the real records, then the edge lines."""
    paths = []
    for source, edges in SPLIT_EDGES.items():
        real = fuzz.EXAMPLES[source]()
        # (the second file opens with a line whose items are all skipped: its records are
        # still numbered from 1; the real records thrice, so that detection, by the first
        # records' votes, still names the source: an empty container is not one of its records)
        for n, records in enumerate((real, edges[::-1] + real * 3)):
            path = tmp_path / f"{source}-{n}.jsonl"
            path.write_text("".join(json.dumps(r) + "\n" for r in records)
                            + ("\n".join(_JUNK) + "\n" if n else ""), encoding="utf-8")
            paths.append(str(path))
    on_duckdb = _report(paths, "duckdb")
    assert _report(paths, "spark") == on_duckdb
    files = {Path(f["path"]).name: f for f in on_duckdb["ingest"]["files"]}
    # otel: 3 x 2 GenAI spans + the empty container + the 3 junk lines; 3 + 1 HTTP spans
    # skipped; cloudwatch: 3 x 4 invocation records, ...; each as its source
    assert (files["otel-1.jsonl"]["read"], files["otel-1.jsonl"]["skipped"]) == (10, 4)
    assert {f["source"] for f in files.values()} == set(SPLIT_EDGES)
    reasons = {r["reason"] for r in on_duckdb["ingest"]["reject_reasons"]}
    assert "nothing to read: its list of records is empty" in reasons


def test_a_column_map_gives_the_same_report(spark: Any, tmp_path: Path) -> None:
    """--map: an in-house log (nested fields, epoch milliseconds, a sum of counts, defaults)."""
    from planner.stages.column_map import ColumnMap

    rows = []
    for n, line in enumerate((SAMPLE_LOGS / "gateway.jsonl").read_text().splitlines()[:400]):
        try:
            r = json.loads(line)
        except ValueError:
            continue
        rows.append({"at": 1_790_000_000_000 + n * 61_000, "id": r.get("request_id"),
                     "app": {"name": r.get("workload")}, "llm": r.get("model"),
                     "usage": {"in": r.get("input_tokens"), "cached": r.get("cached_input_tokens"),
                               "out": r.get("output_tokens")},
                     "msgs": [{"content": r.get("prompt")}]})
    rows.append({"at": "yesterday", "id": "x-1", "llm": "gpt-5"})  # rejected: its time
    log = tmp_path / "inhouse.jsonl"
    log.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    mapping = ColumnMap.parse(["timestamp=at:ms", "request_id=id", "workload=app.name|'misc'",
                               "model=llm", "input_tokens=usage.in+usage.cached",
                               "cached_input_tokens=usage.cached|0", "output_tokens=usage.out",
                               "prompt=msgs[0].content", "team='core'"])
    reports = [json.loads(to_json(analyze([str(log)], AnalyzeOptions(
        db=":memory:", engine=engine, reading=IngestOptions(column_map=mapping)))))
        for engine in ("duckdb", "spark")]
    assert reports[1] == reports[0]
    ingest = reports[0]["ingest"]
    assert (ingest["read"], ingest["rejected"]) == (len(rows), 1)


def test_cli_analyze_on_spark(spark: Any, run: Any, tmp_path: Path) -> None:
    log = tmp_path / "hand.jsonl"
    log.write_text("\n".join(HAND) + "\n", encoding="utf-8")
    res = run("analyze", str(log), "--db", ":memory:", "--engine", "spark", "-f", "json")
    assert res.exit_code == 0, res.stderr
    ingest = json.loads(res.stdout)["ingest"]
    assert (ingest["read"], ingest["accepted"], ingest["rejected"], ingest["duplicates"]) == (
        8, 2, 5, 1)


def test_spark_master_needs_the_spark_engine(run: Any, tmp_path: Path) -> None:
    log = tmp_path / "hand.jsonl"
    log.write_text(HAND[0] + "\n", encoding="utf-8")
    res = run("analyze", str(log), "--db", ":memory:", "--spark-master", "local[2]")
    assert res.exit_code != 0
    assert "--spark-master needs --engine spark" in res.stderr


def _renamed(report: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    """The report with every mention of location `old` (a file's path, in the ingest counts,
    reject reasons and evidence) written as `new`."""
    out: dict[str, Any] = json.loads(json.dumps(report).replace(json.dumps(old)[1:-1],
                                                                 json.dumps(new)[1:-1]))
    return out


def test_lake_uris_and_tables_are_listed_and_read_through_spark(spark: Any,
                                                               tmp_path: Path) -> None:
    """A file:// folder (listed by Hadoop's FileSystem: a hidden file and Spark's _SUCCESS
    marker skipped) and a Spark view (table:NAME) give the report the local files give."""
    logs = tmp_path / "lake" / "day=1"
    logs.mkdir(parents=True)
    (logs / "hand.jsonl").write_text("\n".join(HAND) + "\n", encoding="utf-8")
    (logs / "chat.jsonl").write_bytes((SAMPLE_LOGS / "openai_chat.jsonl").read_bytes())
    (logs / "_SUCCESS").write_text("", encoding="utf-8")
    (logs / ".hand.jsonl.crc").write_text("", encoding="utf-8")
    local = _report([str(logs / "chat.jsonl"), str(logs / "hand.jsonl")], "duckdb")
    lake = _report([(tmp_path / "lake").as_uri()], "spark")
    # (as Hadoop's FileSystem names them: file:/tmp/..., one slash)
    assert [f["path"] for f in lake["ingest"]["files"]] == [
        f"file:{logs}/chat.jsonl", f"file:{logs}/hand.jsonl"]
    assert _renamed(lake, f"file:{logs}", str(logs)) == local

    # a table of Spark's (written and read by Spark: a Parquet file's JSON-typed columns, which
    # DuckDB writes, are plain strings to a catalog table), and the same rows as a local file
    (spark.read.json(str(SAMPLE_LOGS / "gateway.jsonl")).limit(500).coalesce(1)
     .write.parquet(str(tmp_path / "table")))
    spark.read.parquet(str(tmp_path / "table")).createOrReplaceTempView("plan_gateway")
    parquet = next((tmp_path / "table").glob("*.parquet"))
    table = _report(["table:plan_gateway"], "spark")
    assert table["ingest"]["files"][0]["path"] == "table:plan_gateway"
    assert _renamed(table, "table:plan_gateway", str(parquet)) == _report([str(parquet)],
                                                                            "duckdb")
    with pytest.raises(InputError, match="read by --engine spark"):
        _report(["table:plan_gateway"], "duckdb")


def _md5_60(text: str) -> int:
    """The text hash as an independent reader computes it: the low 60 bits of the first 8 bytes
    of the MD5 digest read little-endian (a NULL system prompt adds nothing)."""
    return int.from_bytes(hashlib.md5(text.encode()).digest()[:8], "little") & (2**60 - 1)


def _draw(file_id: int, line_no: int) -> int:
    """Stage 50's draw for a request outside the text sample (sql/00_macros.sql plan_draw)."""
    p = 2**31 - 1
    v = (file_id * 1000003 + line_no) % p * 48271 % p
    return v * v % p % 1_000_000


def test_a_workload_with_more_texts_than_the_sample_gets_the_same_sample_and_draw(
        spark: Any, tmp_path: Path) -> None:
    """The text hash orders each workload's text sample (stages 20, 21 and 45: its first
    --text-sample distinct texts by hash) and stage 50 draws the label of a request whose text
    is outside it: both are computed alike on both engines, so a workload with more distinct
    texts than --text-sample gets equal reports too. `wide` has 6 distinct prompts (3 asking
    for a refactor, 3 for a summary; 10 requests each) and `narrow` 3, with --text-sample 4;
    which 4 of wide's texts are sampled, and how the draw labels the other 20 requests, is
    computed here from MD5 and the draw's arithmetic."""
    lines, prompts = [], []
    for n in range(120):
        wide = n % 2 == 0
        prompt = (f"Refactor module {n % 12} across the repository and fix the failing tests"
                  if wide and n % 4 == 0 else f"Summarise support ticket {n % 12} about billing"
                  if wide else f"Translate greeting {n % 3} into French")
        prompts.append((wide, prompt))
        lines.append(json.dumps({
            "timestamp": f"2026-10-0{1 + n % 5}T10:{n % 60:02d}:00Z", "request_id": f"r-{n}",
            "workload": "wide" if wide else "narrow", "model": "gpt-5",
            "input_tokens": 300 + n, "output_tokens": 40 + n % 7, "prompt": prompt}))
    log = tmp_path / "texts.jsonl"
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    reports = {(engine, sample): json.loads(to_json(analyze([str(log)], AnalyzeOptions(
        db=":memory:", engine=engine, text_sample=sample))))
        for engine in ("duckdb", "spark") for sample in (4, 6)}
    assert reports["spark", 4] == reports["duckdb", 4]
    assert reports["spark", 6] == reports["duckdb", 6]
    wide = {sample: next(w for w in reports["duckdb", sample]["workloads"]
                         if w["workload"] == "wide") for sample in (4, 6)}
    assert (wide[4]["evidence"]["distinct_texts"], wide[4]["evidence"]["sampled_texts"]) == (6, 4)
    # every text read: the refactors are capability-bound, the summaries not
    assert Decimal(wide[6]["capability_share"]) == Decimal("0.5")
    texts = sorted({p for w, p in prompts if w}, key=_md5_60)
    sampled = texts[:4]
    refactors = sum(t.startswith("Refactor") for t in sampled)
    share = round(Decimal(refactors) / 4 * 1_000_000)
    drawn = sum(_draw(1, n + 1) < share for n, (w, p) in enumerate(prompts)
                if w and p not in sampled)
    assert Decimal(wide[4]["capability_share"]) == pytest.approx(
        Decimal(10 * refactors + drawn) / 60, abs=Decimal("0.001"))


def test_a_utf16_file_is_refused_on_spark_read_on_duckdb(spark: Any, tmp_path: Path) -> None:
    """DuckDB reads a UTF-16 file with a byte-order mark from a UTF-8 copy; Spark's readers
    would take it as UTF-8 garbage, so --engine spark refuses it naming the encoding."""
    path = tmp_path / "powershell.jsonl"
    path.write_bytes("\n".join(HAND).encode("utf-16"))
    assert _report([str(path)], "duckdb")["ingest"]["read"] == len(HAND)
    with pytest.raises(InputError, match="--engine spark does not read UTF-16 text"):
        _report([str(path)], "spark")


def test_a_file_named_with_a_leading_underscore_is_refused_on_spark(spark: Any,
                                                                   tmp_path: Path) -> None:
    """Hadoop's readers skip `_name` files (markers such as _SUCCESS) without a word: named
    on the command line, such a file is refused saying so, not read as no requests."""
    path = tmp_path / "_part.jsonl"
    path.write_text("\n".join(HAND) + "\n", encoding="utf-8")
    assert _report([str(path)], "duckdb")["ingest"]["read"] == len(HAND)
    with pytest.raises(InputError, match="--engine spark skips a file whose name starts with"):
        _report([str(path)], "spark")

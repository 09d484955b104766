"""--engine spark against the DuckDB engine (an independent reader of the same files): the JSON
reports must be equal, ingest counts, labels, tokens and every scenario's cost to the cent.
Spark runs in local mode, 2 cores, one session for the module (planner/spark/session.py reuses
an active session)."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from planner.errors import InputError
from planner.formats import to_json
from planner.pipeline import AnalyzeOptions, analyze
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
def spark() -> Iterator[Any]:
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # the token counter's workers
    session = (SparkSession.builder.master("local[2]").appName("plan-tests")
               .config("spark.sql.shuffle.partitions", "4")
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


@pytest.mark.parametrize("name", ["openai_vcr.derived.jsonl", "AzureLLMInferenceTrace_code.csv",
                                  "litellm_spend_logs_payload.json"])
def test_sources_not_on_spark_are_refused_by_name(spark: Any, name: str) -> None:
    with pytest.raises(InputError, match=r"--engine spark does not read (\S+)"):
        analyze([str(FIXTURES / "real" / name)], AnalyzeOptions(db=":memory:", engine="spark"))


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

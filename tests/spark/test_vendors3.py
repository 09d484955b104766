"""--engine spark against DuckDB on tests/fixtures/real/vendors3 (tests/test_sources_vendors3.py):
the same reports from the real recordings of Bedrock InvokeModel streams and Cohere v1 generate
streams (openllmetry-js), Anthropic-on-Bedrock streams (chatlas), and Langfuse's blob storage
export as JSON lines and as CSV whose quoted cells span lines."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.spark.test_parity import _report, spark  # noqa: F401  (the session fixture)
from tests.test_sources_streams import plain_totals
from tests.test_sources_vendors3 import REAL, _export_totals

FILES = ["openllmetry_js_har.derived.jsonl", "chatlas_bedrock_vcr.derived.jsonl",
         "langfuse_blob_export_observations.jsonl", "langfuse_blob_export_observations.csv"]


def test_vendors3_on_spark_as_on_duckdb(spark: Any) -> None:  # noqa: F811
    paths = [str(REAL / name) for name in FILES]
    on_duckdb = _report(paths, "duckdb")
    on_spark = _report(paths, "spark")
    assert on_spark == on_duckdb
    files = {Path(f["path"]).name: f for f in on_spark["ingest"]["files"]}
    # each file read whole on Spark: the CSV's rows, however many lines their cells span
    want, failed, none = plain_totals(REAL / FILES[0])
    har = files[FILES[0]]
    assert (har["accepted"], har["failed"], har["rejected"]) == (want["requests"], failed, none)
    # (the two exports hold the same observations: the second file's are duplicates)
    export, _, other = _export_totals()
    for name in FILES[2:]:
        f = files[name]
        assert (f["source"], f["accepted"] + f["duplicates"], f["rejected"]) == (
            "langfuse", export["requests"], other)

"""The Spark engine (planner/stages/engine.py): the per-request stages on a SparkSession, the small
tables handed over through Arrow.

Requests never come to the driver but for stage 58's: what it collects is per file, per
workload, per reject kind or per summed usage row; the text sample (at most --text-sample
distinct texts a workload, `file_texts`), whose signals the driver computes with
planner/stages/signals.py, as DuckDB's reading does, and hands back as `text_features`
(planner/stages/spark/read.py); and for stage 58 (near repeats: DuckDB's ASOF JOIN, which Spark
lacks) the requests that carry a sampled prompt, with their sampled texts' signals, from which the
driver computes the cache curve as DuckDB does and hands back `cache_best`.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from planner.progress import Progress
from planner.stages import nearrepeats, tokens
from planner.stages.ingest import IngestedFile, IngestOptions
from planner.stages.spark import read
from planner.stages.spark.session import session
from planner.stages.spark.tables import SparkTables, frame


class SparkEngine:
    snapshots = False  # no database of its own: nothing of a run is kept

    def __init__(self, local: duckdb.DuckDBPyConnection, master: str | None = None) -> None:
        self.local = local
        self.tables = SparkTables(session(master))
        _register_token_counter(self.tables.spark)

    def ingest(self, files: Sequence[Path], options: IngestOptions,
               progress: Progress | None, lake: Sequence[str] = ()) -> list[IngestedFile]:
        return read.ingest(self.tables, self.local, files, options, progress, lake)

    def near_repeats(self, con: Any, cache_ttl_seconds: Decimal) -> None:
        """Stage 58 on the driver, over the requests whose sampled text has a prompt (the only
        ones it reads)."""
        self._take("labelled_requests", "SELECT workload, text_hash, file_id, line_no, ts, "
                   "text_sampled, has_prompt FROM labelled_requests "
                   "WHERE text_sampled AND has_prompt")
        self.take("text_signals")
        try:
            nearrepeats.compute(self.local, cache_ttl_seconds)
        finally:
            self.local.execute("DROP TABLE labelled_requests")
        self.give("cache_best")

    def give(self, *names: str) -> None:
        for name in names:
            table = self.local.sql(f"SELECT * FROM {name}").to_arrow_table()  # names: plan's
            self.tables.table(name, frame(self.tables.spark, table))

    def take(self, *names: str) -> None:
        for name in names:
            self._take(name, _SUMMED.get(name, f"SELECT * FROM {name}"))  # names: plan's

    def _take(self, name: str, query: str) -> None:
        """The rows of Spark SQL `query` as local TEMP table `name`."""
        table = self.tables.spark.sql(query).toArrow()
        self.local.register("plan_taken", table)
        try:
            # Spark's timestamps arrive zoned (UTC); plan's tables hold naive UTC ones.
            zoned = [c for c, t in self.local.execute(
                "SELECT column_name, column_type FROM (DESCRIBE plan_taken)").fetchall()
                if t == "TIMESTAMP WITH TIME ZONE"]
            cast = (" REPLACE (" + ", ".join(f'"{c}"::TIMESTAMP AS "{c}"' for c in zoned)
                    + ")") if zoned else ""
            self.local.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS "
                               f"SELECT *{cast} FROM plan_taken")
        finally:
            self.local.unregister("plan_taken")


# Per-request tables the local stages read only summed: their sums (provenance.py's prefix-cache
# note sums `scope`'s tokens per file; a sum of these per-file sums is the same).
_SUMMED = {"scope": "SELECT file_id, sum(cached_input_tokens) AS cached_input_tokens, "
                    "sum(input_tokens) AS input_tokens FROM scope GROUP BY file_id"}


def _register_token_counter(spark: Any) -> None:
    """plan_count_tokens on the executors: the function DuckDB calls (planner/stages/tokens.py),
    over Arrow batches."""
    from pyspark.sql.functions import arrow_udf  # type: ignore[attr-defined]  # (4.1+)

    udf = arrow_udf(_count_tokens, "bigint")
    spark.udf.register("plan_count_tokens", udf)


def _count_tokens(batch: pa.Array) -> pa.Array:
    """planner/stages/tokens.py's counter, typed as PySpark reads an Arrow UDF's kind from its
    hints."""
    counted: pa.Array = tokens.arrow_count(batch)
    return counted

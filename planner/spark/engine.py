"""The Spark engine (planner/engine.py): the per-request stages on a SparkSession, the small
tables handed over through Arrow.

Requests never come to the driver: what it collects is per file, per workload, per reject kind
or per summed usage row, and the text sample (at most --text-sample distinct texts a workload),
whose signals the driver computes with planner/signals.py, as DuckDB's path does, and hands
back as `text_signals`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb

from planner import signals, tokens
from planner.ingest import IngestedFile, IngestOptions, Progress
from planner.rules import RuleSet
from planner.spark import read
from planner.spark.session import session
from planner.spark.tables import SparkTables, frame


class SparkEngine:
    def __init__(self, local: duckdb.DuckDBPyConnection, master: str | None = None) -> None:
        self.local = local
        self.tables = SparkTables(session(master))
        _register_token_counter(self.tables.spark)

    def ingest(self, files: Sequence[Path], options: IngestOptions,
               progress: Progress | None) -> list[IngestedFile]:
        return read.ingest(self.tables, self.local, files, options, progress)

    def classify(self, con: Any, rules: RuleSet) -> None:
        self.take("text_sample")
        signals.classify(self.local, rules)
        self.give("text_signals")

    def give(self, *names: str) -> None:
        for name in names:
            table = self.local.sql(f"SELECT * FROM {name}").to_arrow_table()  # names: plan's
            self.tables.table(name, frame(self.tables.spark, table))

    def take(self, *names: str) -> None:
        for name in names:
            table = self.tables.spark.table(name).toArrow()
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


def _register_token_counter(spark: Any) -> None:
    """plan_count_tokens on the executors: the function DuckDB calls (planner/tokens.py),
    over Arrow batches."""
    from pyspark.sql.functions import arrow_udf  # type: ignore[attr-defined]  # (4.1+)

    udf = arrow_udf(tokens.arrow_count, "bigint")
    spark.udf.register("plan_count_tokens", udf)

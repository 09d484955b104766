"""Engine adapter, Spark: OpenAI Batch API input files (`openai-batch-input`). Their readable
lines are request bodies, not requests: sql/21_batch_bodies.sql (DuckDB runs it after stage 20
with the file's id) puts them in `batch_bodies`, which stage 30 joins to the output file's lines
on custom_id, and their texts in `file_texts`, for the text signals. Here it runs as written,
transpiled, with file_id carried as a column (planner/stages/spark/read.py), into Spark tables of
the run: `batch_bodies`, and `plan_body_texts` (the bodies' sampled texts, added to `file_texts`
once the reading stages made it).
"""

from __future__ import annotations

from typing import Any

from sqlglot import exp

from planner import db
from planner.stages.sources import Source
from planner.stages.spark.tables import Rewrite, SparkTables, frame

BODY_TEXTS = "plan_body_texts"


def prepare(tables: SparkTables, local: Any) -> None:
    """Empty `batch_bodies` (the local database's layout) and body texts, before the reading."""
    spark = tables.spark
    tables.table("batch_bodies", frame(spark, local.sql(
        "SELECT * FROM batch_bodies LIMIT 0").to_arrow_table()))
    spark.createDataFrame([], "text_hash BIGINT, text STRING, prompt STRING"
                          ).createOrReplaceTempView(BODY_TEXTS)


def after(tables: SparkTables, source: Source, carry: Rewrite) -> None:
    """The source's stage after stage 20 (21_batch_bodies) over one file (a numbered source's
    files are read one at a time, as on DuckDB), with `carry` (file_id as a column): its bodies
    go to `batch_bodies`; its sampled texts, which DuckDB adds to the file's `file_texts` (an
    input file's has none: its only lines are rejects), to a table of the file's own, then to
    the body texts."""
    if source.after is None:
        return
    spark = tables.spark
    spark.createDataFrame([], "text_hash BIGINT, text STRING, prompt STRING"
                          ).createOrReplaceTempView(_FILE_TEXTS)
    statements = [s for s in db.sql(source.after).split("\n;\n") if s.strip()]
    for statement in statements:
        texts = "INSERT INTO file_texts" in statement  # its per-key sample: no file_id carried
        tables.rewrite = _file_texts if texts else carry
        try:
            tables.execute(statement)
        finally:
            tables.rewrite = None
    spark.table(BODY_TEXTS).unionByName(spark.table(_FILE_TEXTS)).createOrReplaceTempView(
        BODY_TEXTS)
    spark.catalog.dropTempView(_FILE_TEXTS)


_FILE_TEXTS = "plan_file_texts"  # the texts of the input file being read (DuckDB's file_texts)


def _file_texts(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.Table) and node.name == "file_texts":
        return exp.to_table(_FILE_TEXTS)
    return node


def bodies(tables: SparkTables) -> dict[int, int]:
    """The request bodies read, per file."""
    return {r[0]: r[1] for r in tables.spark.sql(
        "SELECT file_id, count(*) FROM batch_bodies GROUP BY file_id").collect()}


def with_body_texts(tables: SparkTables) -> None:
    """`file_texts` with the body texts added (a text once)."""
    texts = tables.spark.table("file_texts")
    body = tables.spark.table(BODY_TEXTS).select(*texts.columns)
    tables.table("file_texts", texts.unionByName(body).dropDuplicates(["text_hash"]))
    tables.spark.catalog.dropTempView(BODY_TEXTS)

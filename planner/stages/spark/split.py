# SQLGlot's tree methods are loosely typed (they return Any).
# mypy: disable-error-code="no-any-return"
"""Engine adapter, Spark: the split sources (OTLP export requests, CloudWatch Logs documents,
Langfuse trace downloads), whose records are the items of each line read: sql/14_split_*.sql
and sql/14_split_records.sql as written, transpiled, over all the files of a source at once.

DuckDB splits one file at a time and reads three things Spark lacks, rewritten here on the
parsed tree:
- `rowid` of `split_lines` (a line's position, to keep the items in file order): the line's
  key `plan_rowid` = file_id * 2^32 + line_no, carried from the reader's lines (`raw_lines`)
  through split_lines' projections. One key names the file and the line, so the statements'
  joins and orders on it (`s.line_idx = l.rowid`, `ORDER BY line_idx, i`) hold across files;
- `generate_subscripts(x, 1) AS i, unnest(x) AS e` in one select list: `posexplode(x) AS (i, e)`
  (i from 0, not 1: it only orders the items of one line);
- `SET VARIABLE plan_skipped = (SELECT count(*) ... FROM split_items)`: the same count per file
  (`line_idx >> 32`);
and the ordered `split_records` (DuckDB streams them in that order to be numbered) become
numbered records: row_number() over each file's (line_idx, i), from the file's first line.
"""

from __future__ import annotations

import re
from typing import Any

import sqlglot
from sqlglot import exp

from planner import db
from planner.stages.sources import Source
from planner.stages.spark.functions import ddl
from planner.stages.spark.records import stage_sql
from planner.stages.spark.tables import SparkTables
from planner.stages.spark.transpile import spark_sql, to_spark

_SHIFT = 32  # plan_rowid = file_id << 32 | line_no
_ROWID = "plan_rowid"
_SKIPPED = re.compile(r"SET VARIABLE plan_skipped = \((.*)\)\s*$", re.S)


def records(tables: SparkTables, lines: Any, source: Source,
            first: dict[int, int]) -> tuple[Any, dict[int, int]]:
    """The records of the split source's `lines` (file_id, line_no, line): file_id, line_no
    (from each file's first line number, `first`, in file order) and line; and the items
    skipped per file."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    spark = tables.spark
    lines.select("line", (F.shiftleft(F.col("file_id").cast("bigint"), _SHIFT)
                          + F.col("line_no")).alias(_ROWID)).createOrReplaceTempView("raw_lines")
    skip, numbered, *_ = [s for s in db.sql("14_split_records").split("\n;\n") if s.strip()]
    tables.rewrite = _rewrite
    try:
        for statement in db.sql(source.split or "").split("\n;\n"):  # split_lines, split_items
            if statement.strip():
                tables.execute(statement)
        skipped = _skipped(spark, skip)
        tables.execute(numbered)  # split_records: line_idx, i, line (not ordered: numbered here)
    finally:
        tables.rewrite = None
    items = spark.table("split_records")
    file_id = F.shiftright(F.col("line_idx"), _SHIFT).cast("int")
    per_file = Window.partitionBy("file_id")  # (numbered as DuckDB's 14_streamed does)
    start = F.create_map(*[F.lit(v) for kv in first.items() for v in kv])[F.col("file_id")]
    out = items.select(file_id.alias("file_id"), "line_idx", "i", "line").select(
        "file_id", (F.row_number().over(per_file.orderBy("line_idx", "i")) + start - 1)
        .cast("bigint").alias("line_no"), "line")
    for name in ("split_lines", "split_items", "raw_lines"):
        spark.catalog.dropTempView(name)
    return out, skipped


# The split steps whose records are parsed as the lines are split (sql/14_split_langfuse.sql,
# planner/stages/ingest.py's _PARSING_SPLITS), done here with from_json.
PARSING = frozenset({"14_split_langfuse"})
_KEPT = "('GENERATION', 'EMBEDDING')"  # (the observation types 14_split_langfuse.sql keeps)
_EMPTY = "\uffffnothing to read: its list of records is empty"


def parsed(tables: SparkTables, lines: Any, source: Source,
           first: dict[int, int]) -> tuple[Any, dict[int, int]]:
    """Stages 14-15 for a split that parses its items as it splits the lines (Langfuse trace
    downloads, as sql/14_split_langfuse.sql does on DuckDB): stage 15's columns of each record
    kept, numbered per file from its first line in file order, each observation parsed once
    with the line; a line that is not a trace download is parsed by stage 15 as it is; and the
    items skipped per file."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    spark = tables.spark
    columns = dict(source.columns)
    own = {k: v for k, v in columns.items() if k != "trace"}  # (`trace` is the trace's)
    item = "STRUCT<" + ", ".join(f"`{k}`: {'VARIANT' if v == 'JSON' else ddl(v)}"
                                 for k, v in own.items()) + ">"
    schema = f"trace {ddl(columns['trace'])}, observations ARRAY<{item}>"
    t = lines.select("file_id", "line_no", "line", F.from_json("line", schema).alias("t"))
    kept = F.filter("t.observations", lambda o: F.upper(o["type"]).isin(
        "GENERATION", "EMBEDDING"))
    listed = F.col("t.observations").isNotNull()
    t = t.select("file_id", "line_no", "line", F.col("t.trace").alias("trace"), listed.alias(
        "listed"), F.when(listed, F.size("t.observations")).alias("items"), kept.alias("kept"))
    skipped = {r[0]: r[1] for r in t.where("listed").groupBy("file_id").agg(
        F.sum(F.col("items") - F.size("kept"))).collect()}
    whole = F.array(F.lit(None).cast(item))  # (a whole line, or the marked empty container)
    items = t.select("file_id", "line_no", "trace", F.when(~F.col("listed"), F.col("line"))
                     .when(F.col("items") == 0, F.lit(_EMPTY)).alias("line"),
                     F.posexplode(F.when(F.col("items") > 0, F.col("kept")).otherwise(whole))
                     .alias("i", "o"))
    per_file = Window.partitionBy("file_id").orderBy("line_no", "i")
    start = F.create_map(*[F.lit(v) for kv in first.items() for v in kv])[F.col("file_id")]
    items = items.select("*", (F.row_number().over(per_file) + start - 1).cast("bigint")
                         .alias("n")).drop("line_no").withColumnRenamed("n", "line_no")
    items.where("o IS NULL").select("file_id", "line_no", "line").createOrReplaceTempView(
        "file_records")
    whole_records = spark.sql(stage_sql(source))
    records = items.where("o IS NOT NULL").select(
        "file_id", "line_no", F.lit(None).cast("string").alias("line_problem"),
        F.lit(None).cast("string").alias("excerpt"), F.lit(None).cast("string").alias("record"),
        *[(F.to_json(F.col("o")[k]) if v == "JSON" else F.col("o")[k]).alias(k)
          for k, v in own.items()], "trace")
    return whole_records.unionByName(records), skipped


def _skipped(spark: Any, statement: str) -> dict[int, int]:
    """14_split_records' count of the items not kept, per file."""
    m = _SKIPPED.search(re.sub(r"--[^\n]*", "", statement))
    if m is None:
        raise AssertionError("sql/14_split_records.sql's plan_skipped changed: see "
                             "planner/stages/spark/split.py")
    count = to_spark(m.group(1), lambda _: [])
    if not isinstance(count, exp.Select):
        raise AssertionError(
            "plan_skipped is no longer one SELECT: see planner/stages/spark/split.py")
    file_id = sqlglot.parse_one(f"CAST(shiftright(line_idx, {_SHIFT}) AS INT)", read="spark")
    count = count.select(exp.alias_(file_id, "file_id"), append=True).group_by(
        exp.Literal.number(2))
    return {r[1]: r[0] for r in spark.sql(spark_sql(count)).collect()}


def _rewrite(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.Column) and node.name.lower() == "rowid":
        return exp.column(_ROWID, table=node.table or None)
    if isinstance(node, exp.Create) and node.this.name == "split_records":
        # the records with their order (line_idx, i), numbered after, not ORDER BY'd
        query = node.expression
        query.set("order", None)
        query.set("expressions", [exp.column("line_idx"), exp.column("i"),
                                  exp.column("line")])
        return node
    if isinstance(node, exp.Select):
        _posexplode(node)
        if _reads_lines(node) and not any(isinstance(e, exp.Star) or e.alias_or_name == _ROWID
                                          for e in node.expressions):
            node.set("expressions", [*node.expressions, exp.column(_ROWID)])
    return node


def _reads_lines(select: exp.Select) -> bool:
    """A projection of the reader's lines (or of a subquery of them): split_lines' rows, which
    carry their key."""
    source = select.args.get("from_") or select.args.get("from")
    table = source.this if source is not None else None
    if isinstance(table, exp.Subquery):
        return any(t.name == "raw_lines" for t in table.find_all(exp.Table))
    return isinstance(table, exp.Table) and table.name == "raw_lines"


def _posexplode(select: exp.Select) -> None:
    """`generate_subscripts(x, 1) AS i, unnest(x) AS e` -> `posexplode(x) AS (i, e)`."""
    subscripts = {e.this.expressions[0].sql(): e for e in select.expressions
                  if isinstance(e, exp.Alias) and isinstance(e.this, exp.Anonymous)
                  and e.this.name.lower() == "generate_subscripts"}
    if not subscripts:
        return
    out = []
    for e in select.expressions:
        if any(e is s for s in subscripts.values()):
            continue
        if (isinstance(e, exp.Alias) and isinstance(e.this, exp.Explode | exp.Unnest)
                and (i := subscripts.get(_first(e.this).sql())) is not None):
            e = exp.Aliases(this=exp.Posexplode(this=_first(e.this).copy()),
                            expressions=[i.args["alias"].copy(), e.args["alias"].copy()])
        out.append(e)
    select.set("expressions", out)


def _first(node: exp.Expression) -> exp.Expression:
    return node.expressions[0] if node.expressions else node.this

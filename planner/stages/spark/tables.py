"""Engine adapter, Spark: a DuckDB-connection-shaped object over a SparkSession, so that the
stage code of planner/stages/analysis.py, planner/projection/models.py and
planner/stages/signals.py runs unchanged on
Spark (`execute`, `executemany`, `fetchall`, `fetchone`, `sql(...).to_arrow_table()`).

Each statement is transpiled (planner/stages/spark/transpile.py). A DuckDB TEMP TABLE becomes a
Spark
temporary view over an eagerly checkpointed DataFrame (computed once, kept on the executors, as
a table is), a TEMP VIEW a lazy one; `SET VARIABLE` values are kept and bound wherever a stage
reads them with getvariable(); `SET`, `RESET` and transaction statements (DuckDB session
settings) do nothing here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import pyarrow as pa
from sqlglot import exp

from planner.stages.spark.transpile import spark_sql, to_spark

Rewrite = Callable[[exp.Expression], exp.Expression]
_SET_VARIABLE = re.compile(r"\s*SET VARIABLE (\w+) = \?(::\w+)?\s*$", re.I)
_NO_OP = re.compile(r"\s*(SET|RESET|BEGIN|COMMIT|ROLLBACK)\b", re.I)


class Result:
    """A statement's result, read the way DuckDB's are (collected on the driver: callers read
    only small tables this way)."""

    def __init__(self, df: Any) -> None:
        self.df = df

    def fetchall(self) -> list[tuple[Any, ...]]:
        return [] if self.df is None else [tuple(r) for r in self.df.collect()]

    def fetchone(self) -> tuple[Any, ...] | None:
        rows = [] if self.df is None else self.df.limit(1).collect()
        return tuple(rows[0]) if rows else None

    def to_arrow_table(self) -> pa.Table:
        return self.df.toArrow()


class SparkTables:
    def __init__(self, spark: Any, rewrite: Rewrite | None = None) -> None:
        self.spark = spark
        self.variables: dict[str, object] = {}
        self.rewrite = rewrite  # an extra tree rewrite (spark/read.py, while reading)
        self._schemas: dict[str, str] = {}  # tables created with columns: their DDL

    def columns(self, name: str) -> list[str]:
        if not self.spark.catalog.tableExists(name):
            return []
        return list(self.spark.table(name).columns)

    def execute(self, statement: str, params: object = None) -> Result:
        if m := _SET_VARIABLE.match(statement):
            self.variables[m.group(1).lower()] = _values(params)[0]
            return Result(None)
        if _NO_OP.match(_strip(statement)):
            return Result(None)
        tree = to_spark(statement, self.columns)
        if self.rewrite is not None:
            tree = tree.transform(self.rewrite)
        bound = self._bind(tree, params)
        if isinstance(tree, exp.Create):
            return self._create(tree, bound)
        if isinstance(tree, exp.Drop):  # (SQLGlot 30 lists the tables dropped)
            for table in tree.args.get("tables") or [tree.this]:
                self.spark.catalog.dropTempView(table.name)
            return Result(None)
        if isinstance(tree, exp.Insert):
            name = tree.this.name if isinstance(tree.this, exp.Table) else tree.this.this.name
            self._append(name, self.spark.sql(spark_sql(tree.expression), args=bound),
                         by_name=bool(tree.args.get("by_name")))
            return Result(None)
        return Result(self.spark.sql(spark_sql(tree), args=bound))

    def executemany(self, statement: str, rows: Sequence[Sequence[object]]) -> None:
        """INSERT INTO t VALUES (?, ...) for rows of values: a DataFrame of them (bound, never
        SQL text)."""
        name = re.match(r"\s*INSERT INTO (\w+)", statement, re.I).group(1)  # type: ignore[union-attr]
        self._append(name, self.spark.createDataFrame(list(rows), self._schemas[name]))

    def sql(self, statement: str) -> Result:
        return self.execute(statement)

    def register(self, name: str, table: pa.Table) -> None:
        frame(self.spark, table).createOrReplaceTempView(name)

    def unregister(self, name: str) -> None:
        self.spark.catalog.dropTempView(name)

    def table(self, name: str, df: Any) -> None:
        """Keep DataFrame `df` as table `name` (computed once, now)."""
        df.localCheckpoint(eager=True).createOrReplaceTempView(name)

    def _create(self, tree: exp.Create, bound: dict[str, object]) -> Result:
        target = tree.this
        name = target.this.name if isinstance(target, exp.Schema) else target.name
        query = tree.expression
        if query is None:  # CREATE TEMP TABLE t (col TYPE, ...)
            ddl = ", ".join(f"`{c.name}` {c.args['kind'].sql('spark')}"
                            for c in target.expressions)
            self._schemas[name] = ddl
            self.spark.createDataFrame([], ddl).createOrReplaceTempView(name)
            return Result(None)
        df = self.spark.sql(spark_sql(query), args=bound)
        if str(tree.args.get("kind", "")).upper() == "VIEW":
            df.createOrReplaceTempView(name)
        else:
            self.table(name, df)
        return Result(None)

    def _append(self, name: str, df: Any, by_name: bool = False) -> None:
        old = self.spark.table(name)
        df = df.select(*old.columns) if by_name else df.toDF(*old.columns)
        self.table(name, old.unionByName(df.select(
            *[df[c].cast(old.schema[c].dataType) for c in old.columns])))

    def _bind(self, tree: exp.Expression, params: object) -> dict[str, object]:
        """The value of each parameter the statement uses: `$name` from `params`, positional
        `?` (p1, p2, ...) from `params`, `getvariable('name')` from SET VARIABLE."""
        names = {p.name for p in tree.find_all(exp.Placeholder)}
        given: dict[str, object] = {}
        if isinstance(params, dict):
            given = {k.lower(): v for k, v in params.items()}
        elif params is not None:
            given = {f"p{i}": v for i, v in enumerate(_values(params), start=1)}
        return {n: given[n] if n in given else self.variables[n] for n in names}


def _values(params: object) -> list[object]:
    return list(params) if isinstance(params, list | tuple) else [params]


def _strip(statement: str) -> str:
    return re.sub(r"--[^\n]*", "", statement).strip()


def frame(spark: Any, table: pa.Table) -> Any:
    """An Arrow table as a Spark DataFrame (an empty one too, which Arrow alone cannot carry).
    Spark has no unsigned integers: DuckDB's UBIGINT hashes arrive as BIGINT (the text hash is
    60 bits on both engines, Spark's xxhash64 63: planner/stages/spark/transpile.py)."""
    unsigned = [i for i, f in enumerate(table.schema) if pa.types.is_uint64(f.type)]
    for i in unsigned:
        table = table.set_column(i, table.schema.field(i).name,
                                 table.column(i).cast(pa.int64()))
    if table.num_rows:
        return spark.createDataFrame(table)
    from pyspark.sql.pandas.types import from_arrow_schema

    return spark.createDataFrame([], from_arrow_schema(table.schema))

# SQLGlot's tree methods are loosely typed (they return Any).
# mypy: disable-error-code="no-any-return"
"""Engine adapter, Spark: each DuckDB stage statement (planner/stages/sql/*.sql) turned into Spark
SQL with SQLGlot at run time, so that both engines run one definition of every stage.

SQLGlot does most of it (functions, QUALIFY, `->>`, `$name` parameters, list indexes). What it
does not, and is done here on the parsed tree, each for a reason docs/scale.md lists:
- plan's DuckDB macros (sql/00_macros.sql) are expanded in place (Spark has no SQL macros),
  but for the text hash's MD5 bits, which have a Spark form (planner/stages/spark/functions.py);
- `getvariable('x')` and `?` become named parameters (`:x`, `:p1`): values are still bound,
  never pasted into the SQL text;
- `hash(...)` becomes a non-negative 63-bit xxhash64 (DuckDB's hash is an unsigned 64-bit one;
  Spark's `hash` is 32 bits and would collide at a million distinct texts);
- `quantile_disc(x, [a, b])` becomes one `percentile_disc(a) WITHIN GROUP (ORDER BY x)` per
  fraction (the same nearest rank: measured on 4 to 101 values);
- `make_timestamp(epoch_us(x))` (a UTC wall time without a zone conversion) is `x` itself in a
  UTC session, and DuckDB's `to_timestamp(epoch seconds)` is Spark's `timestamp_seconds`;
- `* EXCLUDE (...)` is spelled out from the table's columns (Spark has no star exclusion);
- `list[i]` with a computed `i` is `element_at(list, i)` (SQLGlot shifts only literal indexes to
  Spark's base 0), and `min((a, b))[2]` a struct field (Spark's tuples are structs);
- `unnest(struct)` in a select list is `inline(array(struct))`, `unnest(...)::DATE` the unnest;
- `isfinite(x)` (no Spark function) is spelled out; CTE materialisation hints are dropped.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.optimizer.qualify import qualify

from planner import db
from planner.stages.spark import functions

_COMMENT = re.compile(r"--[^\n]*")
# DuckDB's len() of a list (the stages use it on lists only), which SQLGlot reads as a string's
# LENGTH: read as array_length (Spark's size)
_LEN = re.compile(r"\blen\(")
_MACRO = re.compile(r"CREATE OR REPLACE TEMP MACRO (\w+)\(([^)]*)\) AS\s+(.*)", re.S)


@cache
def macros() -> dict[str, tuple[tuple[str, ...], Any]]:
    """plan's macros: name -> (argument names, body)."""
    out: dict[str, tuple[tuple[str, ...], Any]] = {}
    for statement in _COMMENT.sub("", db.sql("00_macros")).split(";"):
        m = _MACRO.match(statement.strip())
        if m:
            args = tuple(str(a).strip() for a in m.group(2).split(","))
            body = sqlglot.parse_one(_LEN.sub("array_length(", m.group(3)), read="duckdb")
            out[str(m.group(1)).lower()] = (args, body)
    return out


def _expand(node: exp.Expression) -> exp.Expression:
    if (not isinstance(node, exp.Anonymous) or node.name.lower() not in macros()
            or node.name.lower() in functions.SPARK_MACROS):
        return node
    names, body = macros()[node.name.lower()]
    values = dict(zip(names, node.expressions, strict=True))

    def put(n: exp.Expression) -> exp.Expression:
        if isinstance(n, exp.Column) and not n.table and n.name in values:
            return values[n.name].copy()
        if isinstance(n, exp.Column) and n.table in values:  # p.field of a struct argument
            return exp.Dot(this=values[n.table].copy(), expression=exp.to_identifier(n.name))
        return n

    return body.copy().transform(put).transform(_expand)  # macros may call macros


def _fix(node: exp.Expression) -> exp.Expression:
    """The DuckDB functions SQLGlot maps to a different meaning in Spark (see the docstring)."""
    if (new := functions.fix(node)) is not None:
        return new
    if isinstance(node, exp.CTE) and node.args.get("materialized") is not None:
        node.set("materialized", None)  # a DuckDB planning hint
    if isinstance(node, exp.Anonymous) and node.name.lower() == "getvariable":
        return exp.Placeholder(this=node.expressions[0].name)
    if (isinstance(node, exp.Unnest | exp.Explode) and isinstance(node.parent, exp.Select)
            and isinstance(_first(node), exp.Column)):
        # unnest(struct_column) in a select list: its fields as columns
        return exp.Anonymous(this="inline", expressions=[exp.Array(expressions=[_first(node)])])
    if isinstance(node, exp.Cast) and isinstance(node.this, exp.Unnest | exp.Explode):
        return node.this  # unnest(generate_series(day, day, 1 day))::DATE: already dates
    if isinstance(node, exp.Anonymous) and node.name.lower() == "isfinite":
        x = node.expressions[0]
        return sqlglot.parse_one("(NOT isnan(x) AND abs(x) < CAST('Infinity' AS DOUBLE))",
                                 read="spark").transform(
            lambda n: x.copy() if isinstance(n, exp.Column) and n.name == "x" else n)
    if isinstance(node, exp.UnixToTime):
        inner = node.this
        if isinstance(inner, exp.Anonymous) and inner.name.lower() == "epoch_us":
            return inner.expressions[0]  # make_timestamp(epoch_us(x)): x, in a UTC session
        return exp.Anonymous(this="timestamp_seconds", expressions=[inner])
    if isinstance(node, exp.Anonymous) and node.name.lower() == "hash":
        return exp.Paren(this=exp.BitwiseAnd(
            this=exp.Anonymous(this="xxhash64", expressions=node.expressions),
            expression=exp.Literal.number(2**63 - 1)))
    if (isinstance(node, exp.Bracket) and isinstance(node.this, exp.AggFunc)
            and isinstance(node.this.this, exp.Tuple) and len(node.expressions) == 1):
        # min((a, b))[2]: a struct's field by position (tuples compare field by field in both)
        agg, index = node.this.copy(), int(node.expressions[0].name)  # (0-based by now)
        agg.set("this", exp.Struct(expressions=[
            exp.alias_(e, f"_{i}") for i, e in enumerate(agg.this.expressions, start=1)]))
        return exp.Dot(this=agg, expression=exp.to_identifier(f"_{index + 1}"))
    if (isinstance(node, exp.Bracket) and len(node.expressions) == 1
            and isinstance(node.expressions[0], exp.Neg)
            and isinstance(node.expressions[0].this, exp.Literal)):
        # list[-k]: read (shifted to base 0) as -(k + 1); element_at counts -1 as the last
        k = int(node.expressions[0].this.name) - 1
        return exp.Anonymous(this="element_at", expressions=[node.this, exp.Literal.number(-k)])
    if (isinstance(node, exp.Bracket) and len(node.expressions) == 1
            and not isinstance(node.expressions[0], exp.Literal)):
        # list[i] with a computed i: SQLGlot moves only literal indexes to Spark's base 0;
        # element_at counts from 1, as DuckDB does
        return exp.Anonymous(this="element_at", expressions=[node.this, node.expressions[0]])
    if isinstance(node, exp.PercentileDisc) and node.args.get("expression") is not None:
        return _quantiles(node)
    return node


def _bottom_up(tree: exp.Expression,
               fix: Callable[[exp.Expression], exp.Expression]) -> exp.Expression:
    """`fix` applied to every node, its arguments first (a rewrite's output holds arguments
    that are already Spark's)."""
    for node in reversed(list(tree.walk(bfs=False))):
        if not isinstance(node, exp.Expression):
            continue
        new = fix(node)
        if new is not node:
            if node is tree:
                tree = new
            else:
                node.replace(new)
    return tree


def _first(node: exp.Expression) -> exp.Expression | None:
    return node.expressions[0] if node.expressions else node.this


def _quantiles(node: exp.Expression) -> exp.Expression:
    value, fractions = node.this, node.args["expression"]
    each = fractions.expressions if isinstance(fractions, exp.Array) else [fractions]
    parts = [exp.Cast(this=exp.WithinGroup(
        this=exp.PercentileDisc(this=f.copy()),
        expression=exp.Order(expressions=[exp.Ordered(this=value.copy())])),
        to=exp.DataType.build("BIGINT")) for f in each]
    return exp.Array(expressions=parts) if isinstance(fractions, exp.Array) else parts[0]


Columns = Callable[[str], list[str]]  # a table's column names, [] when there is no such table


def _unstar(tree: exp.Expression, columns: Columns) -> exp.Expression:
    """`t.* EXCLUDE (a, b)` -> the columns of t but a and b, from the tables' columns (SQLGlot's
    qualify, which also follows CTEs); a statement without one is left as written."""
    if not any(s.args.get("except_") for s in tree.find_all(exp.Star)):
        return tree
    schema: dict[str, object] = {}
    for table in tree.find_all(exp.Table):
        if table.name not in schema and (names := columns(table.name)):
            schema[table.name] = dict.fromkeys(names, "VARCHAR")
    return qualify(tree, schema=schema, dialect="duckdb", expand_stars=True,
                   validate_qualify_columns=False, quote_identifiers=False, identify=False)


def to_spark(statement: str, columns: Columns) -> exp.Expression:
    """One DuckDB statement as a SQLGlot tree ready to be written as Spark SQL."""
    tree = sqlglot.parse_one(_LEN.sub("array_length(", statement), read="duckdb")
    tree = _bottom_up(tree.transform(_expand), _fix)
    positional = iter(range(1, 10_000))
    tree = tree.transform(lambda n: exp.Placeholder(this=f"p{next(positional)}")
                          if isinstance(n, exp.Placeholder) and n.name in ("", "?") else n)
    return _unstar(tree, columns)


def spark_sql(tree: exp.Expression) -> str:
    return tree.sql(dialect="spark")

# SQLGlot's tree methods are loosely typed (they return Any).
# mypy: disable-error-code="no-any-return"
"""Engine adapter, Spark: the DuckDB JSON, list and struct functions of the sources' stages
(planner/stages/sql/1[0-9]_*.sql, sql/00_macros.sql) that SQLGlot leaves unmapped or maps to another
meaning in Spark, rewritten on the parsed tree (planner/stages/spark/transpile.py applies them;
each is in docs/scale.md's table with its reason).

JSON on Spark is JSON text in a STRING (from_json hands a nested object over as its text, as
json_transform does for VARCHAR); DuckDB's JSON values become such text, parsed where a
function needs it (try_parse_json, from_json, get_json_object).
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

import sqlglot
from sqlglot import exp

from planner.stages.sources import SOURCES, SPECS


def ddl(spec: object) -> str:
    """A json_transform structure as a Spark type: text and JSON are both STRING (from_json
    hands over an object or a list as its JSON text, as json_transform does for VARCHAR)."""
    if isinstance(spec, dict):
        return "STRUCT<" + ", ".join(f"`{k}`: {ddl(v)}" for k, v in spec.items()) + ">"
    if isinstance(spec, list):
        return f"ARRAY<{ddl(spec[0])}>"
    if spec == "MAP(VARCHAR, VARCHAR)":  # (every key of an object: Langfuse's usage parts)
        return "MAP<STRING, STRING>"
    return "STRING"


def _spark(template: str, **args: exp.Expression) -> exp.Expression:
    """Spark SQL `template` with each column named in `args` replaced by its expression."""
    tree = sqlglot.parse_one(template, read="spark")
    return tree.transform(lambda n: args[n.name].copy()
                          if isinstance(n, exp.Column) and not n.table and n.name in args else n)


# DuckDB's json_type names, from the Spark type name schema_of_variant gives (DuckDB: NULL for
# SQL NULL, 'NULL' for JSON null).
_JSON_TYPE = """CASE WHEN x IS NULL THEN NULL ELSE CASE
    WHEN startswith(schema_of_variant(try_parse_json(x)), 'OBJECT') THEN 'OBJECT'
    WHEN startswith(schema_of_variant(try_parse_json(x)), 'ARRAY') THEN 'ARRAY'
    WHEN schema_of_variant(try_parse_json(x)) = 'STRING' THEN 'VARCHAR'
    WHEN schema_of_variant(try_parse_json(x)) = 'BIGINT'
        THEN CASE WHEN startswith(ltrim(x), '-') THEN 'BIGINT' ELSE 'UBIGINT' END
    WHEN schema_of_variant(try_parse_json(x)) = 'BOOLEAN' THEN 'BOOLEAN'
    WHEN schema_of_variant(try_parse_json(x)) = 'VOID' THEN 'NULL'
    WHEN try_parse_json(x) IS NOT NULL THEN 'DOUBLE' END END"""
_JSON_VALID = "CASE WHEN x IS NULL THEN NULL ELSE try_parse_json(x) IS NOT NULL END"
# DuckDB sums a list's non-NULL values (NULL for none); as DOUBLE here (exact to 2^53)
_LIST_SUM = ("aggregate(x, CAST(NULL AS DOUBLE), "
             "(plan_a, plan_v) -> CASE WHEN plan_v IS NULL THEN plan_a "
             "ELSE coalesce(plan_a, 0) + plan_v END)")
# json_merge_patch(a, b) of two objects: their keys in one object text, b's after a's (from_json
# keeps the last of a repeated key: b's value wins, a null in b clears the key, as in a patch)
_MERGE = """CASE WHEN a IS NULL OR b IS NULL THEN NULL
    WHEN trim(b) = '{}' THEN a WHEN trim(a) = '{}' THEN b
    ELSE concat(substr(rtrim(a), 1, length(rtrim(a)) - 1), ',', substr(ltrim(b), 2)) END"""
_RENAMES = {"prefix": "startswith", "list_has_any": "arrays_overlap"}
# plan_md5_60(s) (sql/00_macros.sql, the text hash): the low 60 bits of DuckDB's md5_number,
# which reads the digest's first 8 bytes little-endian: those bytes' hex digits in reverse
# order, less the first digit (the top 4 bits)
_MD5_60 = ("CAST(conv(substr(regexp_replace(left(md5(s), 16), "
           "'(..)(..)(..)(..)(..)(..)(..)(..)', '$8$7$6$5$4$3$2$1'), 2), 16, 10) AS BIGINT)")
# plan's macros with a Spark form of their own (fix below), not expanded from DuckDB's body
SPARK_MACROS = ("plan_md5_60",)


def fix(node: exp.Expression) -> exp.Expression | None:
    """The Spark form of one DuckDB function node, None when it needs none."""
    name = node.name.lower() if isinstance(node, exp.Anonymous) else ""
    if name == "plan_md5_60":
        return _spark(_MD5_60, s=node.expressions[0])
    if name in _RENAMES:
        return exp.Anonymous(this=_RENAMES[name], expressions=node.expressions)
    if isinstance(node, exp.ArrayOverlaps):
        return exp.Anonymous(this="arrays_overlap", expressions=[node.this, node.expression])
    if isinstance(node, exp.JSONType):
        x = node.this
        if node.args.get("expression") is not None:  # json_type(x, path): of the value there
            x = _spark("to_json(try_variant_get(try_parse_json(x), p))", x=x,
                       p=node.args["expression"])
        return _spark(_JSON_TYPE, x=x)
    if name == "json_valid":
        return _spark(_JSON_VALID, x=node.expressions[0])
    if name == "list_sum":
        return _spark(_LIST_SUM, x=node.expressions[0])
    if name == "list_bool_or":
        return _spark("exists(x, plan_v -> plan_v)", x=node.expressions[0])
    if name == "json_transform":
        return _transform(*node.expressions)
    if name == "json_array_length" and len(node.expressions) == 2:
        x, path = node.expressions
        return exp.Anonymous(this="json_array_length", expressions=[
            exp.Anonymous(this="get_json_object", expressions=[x, path])])
    if name == "struct_update":
        return _struct_update(node)
    if name == "try_strptime":
        return _strptime(*node.expressions)
    if isinstance(node, exp.TimeToStr):
        fmt = _datetime_format(node.args["format"].name)
        return exp.Anonymous(this="date_format", expressions=[node.this, exp.Literal.string(fmt)])
    if isinstance(node, exp.ParseJSON):  # json(x): the text, already JSON
        return node.this
    if isinstance(node, exp.Cast) and node.to.is_type(exp.DataType.Type.JSON):
        return node.this  # CAST(text AS JSON): the text (JSON is text on Spark)
    if (isinstance(node, exp.Cast) and node.to.is_type(exp.DataType.Type.ARRAY)
            and node.to.expressions and node.to.expressions[0].is_type(exp.DataType.Type.JSON)):
        return _from_json(node.this, "ARRAY<STRING>")
    if isinstance(node, exp.JSONExtract | exp.JSONExtractScalar):
        return _extract(node)
    if isinstance(node, exp.DataType) and node.is_type(exp.DataType.Type.INT128):
        return exp.DataType.build("DECIMAL(38, 0)")  # HUGEINT (OTLP's nanoseconds)
    if isinstance(node, exp.Chr) and len(node.expressions) == 1 and node.expressions[0].is_int:
        # chr(65535), the mark of a line the reader could not take: Spark's chr takes n % 256
        return exp.Literal.string(chr(int(node.expressions[0].name)))
    if isinstance(node, exp.Try) and isinstance(node.this, exp.Anonymous) \
            and node.this.name.lower() == "from_json":
        return node.this  # from_json gives NULLs where DuckDB's json_transform fails
    return None


def _from_json(x: exp.Expression, spark_type: str) -> exp.Expression:
    return exp.Anonymous(this="from_json", expressions=[x, exp.Literal.string(spark_type)])


def _transform(x: exp.Expression, spec: exp.Expression) -> exp.Expression:
    """json_transform(x, getvariable('plan_*_spec')): from_json with that structure (plan's
    own, planner/stages/sources.py: no log text in it); json_merge_patch(a, b) inside it as one
    object text."""
    # getvariable('plan_x_spec'), a named parameter by now (its arguments are rewritten first),
    # or the structure written out in the stage as a string literal
    name = spec.name if isinstance(spec, exp.Placeholder) else ""
    if name in SPECS:
        structure = ddl(SPECS[name])
    elif isinstance(spec, exp.Literal) and spec.is_string:
        structure = ddl(json.loads(spec.name))
    else:
        raise ValueError(f"json_transform with a structure Spark cannot know: {spec.sql()}")
    if isinstance(x, exp.Anonymous) and x.name.lower() == "json_merge_patch":
        x = _spark(_MERGE, a=x.expressions[0], b=x.expressions[1])
    return _from_json(x, structure)


@cache
def _structs() -> dict[str, tuple[str, ...]]:
    """The fields of each structured top-level key of the sources (plan's specs)."""
    return {k: tuple(v) for s in SOURCES for k, v in s.columns if isinstance(v, dict)}


def _struct_update(node: exp.Expression) -> exp.Expression:
    """struct_update(s, f := v): the struct again with f replaced (named_struct, its fields
    from plan's spec for the column s)."""
    base, *changes = node.expressions
    new = {c.this.name: c.expression for c in changes}
    fields = _structs()[base.name]
    parts: list[exp.Expression] = []
    for f in fields:
        parts += [exp.Literal.string(f), new.get(f) or exp.Dot(
            this=base.copy(), expression=exp.to_identifier(f))]
    return exp.Anonymous(this="named_struct", expressions=parts)


_STRFTIME = {"%Y": "yyyy", "%m": "MM", "%d": "dd", "%H": "HH", "%M": "mm", "%S": "ss",
             "%b": "MMM"}


def _datetime_format(fmt: str) -> str:
    """A strftime format as a Spark datetime pattern (the directives plan's stages use; other
    text quoted)."""
    out = []
    for part in re.split(r"(%\w)", fmt):
        if part in _STRFTIME:
            out.append(_STRFTIME[part])
        elif part.startswith("%"):
            raise ValueError(f"strftime directive {part} has no Spark pattern here")
        elif part:
            out.append("'" + part.replace("'", "''") + "'")
    return "".join(out)


def _strptime(x: exp.Expression, fmt: exp.Expression) -> exp.Expression:
    """try_strptime: Spark cannot parse a day-of-week name (%a): a leading one is dropped before
    the rest is parsed (DuckDB does not check it against the date either)."""
    text = fmt.name
    if text.startswith("%a, "):
        x = _spark("regexp_replace(x, '^[A-Za-z]+, ', '')", x=x)
        text = text[len("%a, "):]
    return exp.Anonymous(this="try_to_timestamp",
                         expressions=[x, exp.Literal.string(_datetime_format(text))])


def _path_text(parts: list[Any]) -> str:
    out = "$"
    for p in parts:
        if isinstance(p, exp.JSONPathKey):
            key = str(p.this)
            out += f".{key}" if re.fullmatch(r"\w+", key) else f"['{key}']"
        elif isinstance(p, exp.JSONPathSubscript):
            out += f"[{p.this}]"
    return out


def _extract(node: exp.JSONExtract | exp.JSONExtractScalar) -> exp.Expression | None:
    """json_extract / `->` (JSON: a string stays quoted) and json_extract_string / `->>` (text);
    a path with a wildcard gives a list of its matches (DuckDB leaves out the elements that
    lack the key; NULLs are left out here)."""
    path = node.expression
    if not isinstance(path, exp.JSONPath):
        return None  # a literal path SQLGlot did not parse ('$.@message'): get_json_object
    parts = [p for p in path.expressions if not isinstance(p, exp.JSONPathRoot)]
    cuts = [i for i, p in enumerate(parts) if isinstance(p, exp.JSONPathSubscript)
            and isinstance(p.this, exp.JSONPathWildcard)]
    scalar = isinstance(node, exp.JSONExtractScalar)
    if not cuts:
        if scalar:
            return None  # get_json_object, as SQLGlot writes it
        return _spark("to_json(try_variant_get(try_parse_json(x), p))", x=node.this,
                      p=exp.Literal.string(_path_text(parts)))
    return _wild(node.this, parts, cuts, scalar)


def _wild(x: exp.Expression, parts: list[Any], cuts: list[int],
          scalar: bool) -> exp.Expression:
    head, rest = parts[:cuts[0]], parts[cuts[0] + 1:]
    inner = exp.column("plan_e" + str(len(cuts)))
    source = x if not head else exp.Anonymous(
        this="get_json_object", expressions=[x, exp.Literal.string(_path_text(head))])
    items = _from_json(source, "ARRAY<STRING>")
    more = [c - cuts[0] - 1 for c in cuts[1:]]
    if more:
        body = _wild(inner, rest, more, scalar)
        return _spark(f"flatten(transform(l, {inner.name} -> b))", l=items, b=body)
    end = inner if not rest else exp.Anonymous(
        this="get_json_object", expressions=[inner, exp.Literal.string(_path_text(rest))])
    return _spark(f"filter(transform(l, {inner.name} -> b), plan_v -> plan_v IS NOT NULL)",
                  l=items, b=end)

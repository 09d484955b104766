"""Column mapping for in-house logs (`--map canonical=EXPR`, repeatable): the `records` view of
stage 10 built from the mapped fields of each record.

EXPR is a field path (`usage.in`, `messages[0].content`), or:
- a sum of paths, for counts: `usage.in+usage.cache_read+usage.cache_write` (a missing term
  counts 0; all missing is a missing field);
- a default after `|`: `usage.cached|0`, `team|'core'` (a number or a 'quoted' text);
- a constant: `'gpt-4o'` or `0`;
- a unit after `:` for the timestamp: `ts:ms` (epoch milliseconds), `ts:s` (seconds), `ts:iso`.

SQL is built only from MAPPABLE names and paths that match _PATH (no quote can occur in them);
constants and defaults are bound as variables, never pasted into the SQL text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from planner.errors import InputError
from planner.stages.sources import Source, json_columns

MAPPABLE = (
    "timestamp", "request_id", "workload", "model", "input_tokens", "output_tokens",
    "cached_input_tokens", "cache_write_tokens", "cache_write_1h_tokens", "reasoning_tokens",
    "task_type", "team", "has_images", "tool_calls", "system_prompt", "prompt", "response",
    "web_search_requests",
)
COUNTS = ("input_tokens", "output_tokens", "cached_input_tokens", "cache_write_tokens",
          "cache_write_1h_tokens", "reasoning_tokens", "tool_calls", "web_search_requests")
UNITS = {"ms": 1000, "s": 1, "iso": 1}
_PATH = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]*(\.[A-Za-z_][A-Za-z0-9_\-]*|\[\d+\])*$")
_CONST = re.compile(r"^('[^']*'|-?\d+(\.\d+)?)$")
_HINT = "README 'Log sources' (column mapping): paths joined by +, a |default, a 'constant'"


@dataclass(frozen=True)
class Mapped:
    """One canonical field's expression, parsed."""

    terms: tuple[str, ...] = ()  # paths, summed
    constant: str | None = None  # the whole field, or its default when `terms` are given
    unit: str | None = None  # timestamp unit


@dataclass(frozen=True)
class ColumnMap:
    """canonical field -> expression over the record (see the module docstring)."""

    fields: tuple[tuple[str, str], ...]

    @classmethod
    def parse(cls, items: Sequence[str]) -> ColumnMap:
        fields: dict[str, str] = {}
        for item in items:
            canonical, sep, expr = (part.strip() for part in item.partition("="))
            if not sep or not expr:
                raise InputError(f"--map {item}: expected canonical=source.path", hint=_HINT)
            if canonical not in MAPPABLE:
                raise InputError(f"--map {item}: '{canonical}' is not a canonical field",
                                 hint="fields: " + ", ".join(MAPPABLE))
            _parse(canonical, expr, item)  # refuses what does not parse, naming the reason
            fields[canonical] = expr
        return cls(tuple(sorted(fields.items())))

    def parsed(self) -> dict[str, Mapped]:
        return {name: _parse(name, expr, f"{name}={expr}") for name, expr in self.fields}

    def source(self) -> Source:
        """A canonical source that reads each mapped path's top-level key as JSON."""
        tops = sorted({_top(t) for m in self.parsed().values() for t in m.terms} | {"metadata"})
        return Source("mapped", "column mapping (--map)", json_columns(*tops),
                      ("mapped", "10_norm_canonical"), lambda r: True)

    def variables(self) -> dict[str, str]:
        """The constants and defaults, bound as SQL variables (plan_map_<field>)."""
        return {f"plan_map_{name}": _unquote(m.constant)
                for name, m in self.parsed().items() if m.constant is not None}

    def records_sql(self) -> str:
        """The `records` view for stage 10: canonical names read from the mapped fields."""
        parsed = self.parsed()
        cols = [f"{_sql(name, parsed[name]) if name in parsed else 'NULL::VARCHAR'} AS {name}"
                for name in MAPPABLE]
        cols += ["NULL::VARCHAR AS service_tier", "metadata"]
        return ("CREATE OR REPLACE TEMP VIEW records AS SELECT line_no, line_problem, excerpt, "
                + ", ".join(cols) + " FROM stage")


def _parse(name: str, expr: str, item: str) -> Mapped:
    def refuse(reason: str) -> InputError:
        return InputError(f"--map {item}: field '{name}': {reason}", hint=_HINT)

    if _CONST.match(expr):
        return Mapped(constant=expr)
    unit = None
    if name == "timestamp" and ":" in expr:
        expr, _, unit = expr.rpartition(":")
        if unit not in UNITS:
            raise refuse(f"unknown time unit '{unit}' (ms, s, iso)")
    body, bar, default = expr.partition("|")
    if bar and not _CONST.match(default.strip()):
        raise refuse(f"the default '{default.strip()}' is not a number or a 'quoted' text")
    terms = tuple(t.strip() for t in body.split("+"))
    if len(terms) > 1 and name not in COUNTS:
        raise refuse("only counts can be sums (" + ", ".join(COUNTS) + ")")
    bad = next((t for t in terms if not _PATH.match(t)), None)
    if bad is not None:
        raise refuse(f"'{bad}' is not a field path (letters, digits, _ and -, joined by . or [N])")
    return Mapped(terms, default.strip() if bar else None, unit)


def _sql(name: str, m: Mapped) -> str:
    variable = f"getvariable('plan_map_{name}')"
    if not m.terms:
        return variable
    values = [_extract(t) for t in m.terms]
    expr = values[0]
    if len(values) > 1:  # a missing term counts 0; all missing is a missing field
        total = f"coalesce({values[-1]}, '0')"
        for v in reversed(values[:-1]):
            total = f"plan_sum_counts(coalesce({v}, '0'), {total}, NULL)"
        all_missing = " AND ".join(f"{v} IS NULL" for v in values)
        expr = f"CASE WHEN {all_missing} THEN NULL ELSE {total} END"
    if m.unit == "ms":
        expr = (f"CASE WHEN TRY_CAST({expr} AS DOUBLE) IS NULL THEN {expr} "
                f"ELSE CAST(TRY_CAST({expr} AS DOUBLE) / 1000 AS VARCHAR) END")
    return f"coalesce({expr}, {variable})" if m.constant is not None else expr


def _extract(path: str) -> str:
    top = _top(path)
    return f"json_extract_string(\"{top}\", '${path[len(top):]}')"


def _unquote(constant: str) -> str:
    return constant[1:-1] if constant.startswith("'") else constant


def _top(path: str) -> str:
    return re.split(r"[.\[]", path, maxsplit=1)[0]

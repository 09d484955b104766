"""Run a stage file (sql/*.sql): its statements one by one, each with the parameters it uses."""

from __future__ import annotations

import re

import duckdb

_COMMENT = re.compile(r"--[^\n]*")
_PARAMETER = re.compile(r"\$(\w+)")


def run_script(con: duckdb.DuckDBPyConnection, script: str, params: dict[str, object]) -> None:
    """Execute a stage file statement by statement, binding the named parameters each uses
    (outside its comments, which may name them)."""
    for statement in script.split("\n;\n"):
        if statement.strip():
            code = _COMMENT.sub("", statement)
            named = set(_PARAMETER.findall(code))  # one pass, not a pattern per parameter
            used = {k: v for k, v in params.items() if k in named}
            con.execute(statement, used).fetchall()  # (statements: a row count at most)

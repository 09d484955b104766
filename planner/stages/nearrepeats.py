"""Stage 58: near repeats among the sampled prompts of each workload, for the cache curve.

Each sampled text keeps the embedding of its prompt (stage 24). Per workload, the prompts'
cosine similarities are one matrix product; the pairs at or above the lowest threshold become
`near_pairs`, and sql/58_cache_pairs.sql finds, for each sampled request, the latest earlier
request within the cache TTL whose prompt is the same or a near repeat. Similarity hits are an
estimate: the logs cannot say whether the cached answer would have been right (a false hit).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

import duckdb

from planner import db
from planner.stages.scripts import run_script

if TYPE_CHECKING:
    import numpy as np

THRESHOLDS = (Decimal("0.95"), Decimal("0.9"), Decimal("0.85"))
SAME = Decimal(1)  # the same text (the self pair)
_ALMOST_ONE = 0.999999  # a near pair is never counted as the same text


def compute(con: duckdb.DuckDBPyConnection, cache_ttl_seconds: Decimal) -> None:
    """Fill `near_pairs`, then stage 58's `cache_curve` and `cache_pairs`."""
    if con.execute("SELECT count(*) FROM text_signals WHERE prompt_vec IS NOT NULL"
                   ).fetchall()[0][0]:
        _near_pairs(con)
    else:  # no sampled prompt: nothing to compare (and no numpy to load)
        con.execute("CREATE OR REPLACE TEMP TABLE near_pairs "
                    "(workload VARCHAR, a UBIGINT, b UBIGINT, sim DOUBLE)")
    run_script(con, db.sql("58_cache_pairs"), {
        "cache_ttl_seconds": str(cache_ttl_seconds),
        "thresholds": [float(t) for t in (SAME, *THRESHOLDS)]})


def _near_pairs(con: duckdb.DuckDBPyConnection) -> None:
    """`near_pairs`: per workload, each ordered pair of sampled prompts at least the lowest
    threshold alike."""
    import numpy as np  # (loaded only when there are sampled texts)
    import pyarrow as pa

    table = con.sql(
        "SELECT DISTINCT l.workload, t.text_hash, t.prompt_vec FROM labelled_requests l "
        "JOIN text_signals t USING (text_hash) WHERE l.has_prompt AND t.prompt_vec IS NOT NULL "
        "ORDER BY l.workload, t.text_hash").to_arrow_table()
    workloads = table.column("workload").to_numpy(zero_copy_only=False)
    hashes = table.column("text_hash").to_numpy(zero_copy_only=False)
    vectors = (table.column("prompt_vec").combine_chunks().flatten().to_numpy()
               .reshape(table.num_rows, -1) if table.num_rows else np.zeros((0, 256)))
    lowest = float(min(THRESHOLDS))
    out_w: list[np.ndarray] = []
    out_a: list[np.ndarray] = []
    out_b: list[np.ndarray] = []
    out_s: list[np.ndarray] = []
    bounds = np.flatnonzero(np.r_[True, workloads[1:] != workloads[:-1], True])
    for start, end in zip(bounds[:-1], bounds[1:], strict=True):
        v = vectors[start:end]
        sims = v @ v.T
        np.fill_diagonal(sims, -1)
        i, j = np.nonzero(sims >= lowest)
        out_w.append(workloads[start + i])
        out_a.append(hashes[start + i])
        out_b.append(hashes[start + j])
        out_s.append(np.minimum(sims[i, j], _ALMOST_ONE))
    pairs = pa.table({
        "workload": pa.array(np.concatenate(out_w) if out_w else [], type=pa.string()),
        "a": pa.array(np.concatenate(out_a) if out_a else [], type=pa.uint64()),
        "b": pa.array(np.concatenate(out_b) if out_b else [], type=pa.uint64()),
        "sim": pa.array(np.concatenate(out_s) if out_s else [], type=pa.float64()),
    })
    con.register("plan_near_pairs", pairs)
    try:
        con.execute("CREATE OR REPLACE TEMP TABLE near_pairs AS SELECT * FROM plan_near_pairs")
    finally:
        con.unregister("plan_near_pairs")

"""What the per-request stages (30-57) leave for the projection, kept so that a re-run does no
per-request work.

Stages 30-57 read every request; everything after them (prices, scenarios, fleet, forecast,
sensitivity, the report) reads only the small tables they leave: the run's duplicates and batch
joins, its rejects and failures grouped by reason (and its requests outside --since/--until),
workload statistics, the sampled texts' signals, the requests summed by route and workload
(`usage`), what each workload's labels rest on, and the logged models. Those tables are saved in
the database under a key naming everything they depend on: the files as ingested (a file read
again gets a new id), the rules, overrides and text sample, the pricing table, the settings the
per-request stages read, and the stages' own SQL. A later run with the same key restores them
instead of recomputing them, so changing an assumption the projection alone reads (escalation,
utilisation, replicas, on-prem mode, GPU rates, growth, months, budget, batch workloads,
verbosity, the assumed hit rate) re-projects from a few thousand rows. Changing anything in the
key (a rule, a price, a model, the cache TTL) re-runs stages 30-57 from the stored lines: the
logs are not read again either way.

One snapshot is kept (the latest): a what-if loop changes projection assumptions, not the key.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Mapping, Sequence
from datetime import datetime

import duckdb

from planner import db
from planner.settings import Settings
from planner.stages.ingest import IngestedFile
from planner.stages.rules import RuleSet
from pricing import PriceTable

# Bump when the Python side of stages 30-57 changes what they compute (their SQL is in the key).
VERSION = 3
# What stages 30-57 leave that later stages read (all TEMP tables).
TABLES = ("duplicate_lines", "batch_joined", "workload_stats", "text_signals", "workload_text",
          "plan_logged", "usage", "rule_evidence", "workload_evidence", "cache_curve",
          "cache_pairs", "cache_best", "reject_reasons", "window_outside")
# Rows of `usage` above which restore() makes it a view of the saved table, not a copy.
LARGE_USAGE = 50_000
_STAGES = ("30_scope", "31_scope_view", "40_workload_stats", "45_text_sample", "50_labels",
           "55_usage", "57_evidence", "58_cache_pairs")
# Settings only the projection reads (stage 60 on); every other one is part of the key, so a
# setting added later is safe by default.
PROJECTION_ONLY = frozenset({
    "escalation", "utilization", "min_replicas", "verbosity", "assumed_cache_hit_rate",
    "onprem_mode", "percentile", "gpu_rate", "amortization_months", "pue", "kwh_usd", "growth",
    "months", "budget", "escalation_by_workload", "batch_workloads", "sources"})


def key(files: Sequence[IngestedFile], rules: RuleSet, overrides: Mapping[str, str],
        text_sample: int, table: PriceTable, settings: Settings,
        defaulted: Sequence[int],
        window: tuple[datetime | None, datetime | None] = (None, None)) -> str:
    """A digest of everything stages 30-57 (and the models they route to) depend on."""
    parts = [
        f"v{VERSION}",
        # a grown file keeps its id and gains lines (planner/stages/reuse.py)
        repr([(f.file_id, f.lines_read) for f in files]),
        repr(rules),
        repr(sorted(overrides.items())),
        str(text_sample),
        repr(table),
        repr(sorted(getattr(table, "_aliases", {}).items())),
        repr(sorted((f.name, repr(getattr(settings, f.name)))
                    for f in dataclasses.fields(settings) if f.name not in PROJECTION_ONLY)),
        repr(list(defaulted)),
        repr(window),
        *(db.sql(stage) for stage in _STAGES),
    ]
    if rules.similarity is not None:  # the examples the similarity signals compare with
        parts.append(hashlib.sha256(rules.similarity.examples.read_bytes()).hexdigest())
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def restore(con: duckdb.DuckDBPyConnection, digest: str) -> tuple[datetime, datetime] | None:
    """Restore the saved tables as TEMP tables when the saved snapshot has this key; the run's
    window (first and last request), else None. (Copies, not views of the saved tables: the
    projection's statements read them again and again, and a view is bound anew in each, which
    costs more than the copy: issue 18's start-up.) A large `usage` (a row per busy minute of a
    long window: 333,000 for 10M requests two seconds apart) is a view of the saved table: its
    copy was most of the restore at 10M (0.09 s of CPU), and the projection's few statements
    that read it read 6-37 of its columns."""
    try:  # (no catalog scan: a database without a snapshot has no plan_snapshot)
        row = con.execute("SELECT window_start, window_end FROM plan_snapshot WHERE key = ?",
                          [digest]).fetchone()
    except duckdb.CatalogException:
        return None
    if row is None:
        return None
    rows = con.execute("SELECT count(*) FROM snapshot_usage").fetchone()
    for table in TABLES:  # names from the tuple above, never from input
        kind = "VIEW" if table == "usage" and rows and rows[0] > LARGE_USAGE else "TABLE"
        con.execute(f"CREATE OR REPLACE TEMP {kind} {table} AS SELECT * FROM snapshot_{table}")
    return row[0], row[1]


def save(con: duckdb.DuckDBPyConnection, digest: str, window: tuple[datetime, datetime]) -> None:
    """Replace the saved snapshot with this run's tables, in one transaction."""
    con.execute("BEGIN")
    try:
        for table in TABLES:
            con.execute(f"CREATE OR REPLACE TABLE snapshot_{table} AS SELECT * FROM {table}")
        con.execute("CREATE OR REPLACE TABLE plan_snapshot (key VARCHAR, window_start TIMESTAMP, "
                    "window_end TIMESTAMP)")
        con.execute("INSERT INTO plan_snapshot VALUES (?, ?, ?)", [digest, *window])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise

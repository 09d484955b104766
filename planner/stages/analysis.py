"""Stages 30-55: the run's scope (dedup, workloads, window), token statistics, labels, routes."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import duckdb

from planner import db
from planner.errors import InputError
from planner.report import FileCounts, Ingest, RejectReason, Window
from planner.settings import Settings, routing_bin
from planner.stages import nearrepeats, signals
from planner.stages.ingest import IngestedFile
from planner.stages.rules import RuleSet
from planner.stages.scripts import run_script
from planner.wording import count

_PARAMETER = re.compile(r"\$(\w+)")
MIN_WINDOW_SECONDS = 60  # a log spanning less than a minute is treated as one minute long
# Where stage 50 sends a request, by the index its CASE gives (from 1): capability-bound ones,
# and cost-bound ones outside the distilled model's envelope, to frontier; the rest distilled;
# requests on an embedding, image or audio model stay on it (the last; stages 60 and 80 too).
ROUTES = ("frontier", "frontier: over distilled context window",
          "frontier: images, distilled is text-only",
          "frontier: more tool calls than the distilled profile allows", "distilled",
          "frontier (below the routing point)",
          "own model: not a chat model")
# The rule of a request whose text was left out of its workload's text sample and that no other
# rule labels: it is drawn at the workload's sampled capability share (stage 50).
WORKLOAD_SAMPLE = "workload-sample"


@dataclass(frozen=True)
class Scope:
    ingest: Ingest
    window: Window
    window_seconds: Decimal
    bounds: tuple[datetime, datetime]  # the first and last request's time
    small: bool = False  # `scope` a table, not a view (SMALL_RUN), and so should the labels be


def build_scope(con: duckdb.DuckDBPyConnection, files: Sequence[IngestedFile],
                restored: tuple[datetime, datetime] | None = None,
                bounds: tuple[datetime | None, datetime | None] = (None, None)) -> Scope:
    """The run's requests (stages 30-31) within `bounds` (--since, --until: either may be
    None). `restored`: the window of a snapshot whose tables (duplicate_lines, batch_joined)
    planner/stages/snapshot.py restored, so nothing is recounted."""
    since, until = (None if t is None else t.astimezone(UTC).replace(tzinfo=None)
                    for t in bounds)
    con.execute("SET VARIABLE plan_since = ?::TIMESTAMP", [since])
    con.execute("SET VARIABLE plan_until = ?::TIMESTAMP", [until])
    _temp_table(con, "run_files", (("file_id", "INTEGER"), ("ord", "INTEGER"),
                                   ("path", "VARCHAR")),  # path: as the user named it
                [(f.file_id, i, f.path) for i, f in enumerate(files)])
    if restored is None:
        run_script(con, db.sql("30_scope"), {})
    run_script(con, _materialized(db.sql("31_scope_view"), "scope",
                                  restored is None and _small(files)), {})
    dupes = dict(con.execute(
        "SELECT file_id, count(*) FROM duplicate_lines GROUP BY file_id").fetchall())
    if restored is None:  # (a snapshot keeps these: a re-run reads no request or reject)
        _count_lines(con, since is not None or until is not None)
    outside = dict(con.execute("SELECT file_id, n FROM window_outside").fetchall())
    counts = tuple(
        FileCounts(
            path=f.path, source=f.source, read=f.lines_read,
            accepted=f.accepted - dupes.get(f.file_id, 0) - outside.get(f.file_id, 0),
            rejected=f.rejected, duplicates=dupes.get(f.file_id, 0), reused=f.reused,
            failed=f.failed, skipped=f.skipped, bodies=f.bodies,
            outside=outside.get(f.file_id, 0), read_after=f.read_after,
        )
        for f in files
    )
    rejected, failed = _reasons(con, {f.file_id: f.path for f in files})
    ingest = Ingest(
        read=sum(c.read for c in counts),
        accepted=sum(c.accepted for c in counts),
        rejected=sum(c.rejected for c in counts),
        duplicates=sum(c.duplicates for c in counts),
        files=counts,
        reject_reasons=rejected,
        failed=sum(c.failed for c in counts),
        failure_reasons=failed,
        skipped=sum(c.skipped for c in counts),
        bodies=sum(c.bodies for c in counts),
        bodies_joined=con.execute("SELECT count(*) FROM batch_joined").fetchone()[0],  # type: ignore[index]
        outside=sum(c.outside for c in counts),
    )
    if ingest.read != (ingest.accepted + ingest.rejected + ingest.duplicates + ingest.failed
                       + ingest.outside):
        raise AssertionError(f"ingest counts do not reconcile: {ingest}")
    if ingest.accepted == 0:
        read_as = {f.path: f.source for f in files}
        first = "; ".join(
            f"{r.first}: {r.describe()} (read as {read_as.get(r.first.rpartition(':')[0], '?')})"
            for r in ingest.reject_reasons[:3])
        skipped = sum(f.skipped for f in files)
        raise InputError(
            f"no usable requests in {count(len(files), 'file')}, {count(ingest.read, 'line')} "
            "read"
            + (f", {ingest.outside} requests outside --since/--until" if ingest.outside else "")
            + (f", {skipped} spans or observations skipped: none is an LLM call" if skipped
               else "")
            + (f": {first}" if first else ""),
            hint="see README 'Log sources' for the fields each source reads, or --source NAME",
        )
    start, end = restored or con.execute("SELECT min(ts), max(ts) FROM scope").fetchone()  # type: ignore[misc]
    seconds = max(Decimal((end - start).total_seconds()), Decimal(MIN_WINDOW_SECONDS))
    window = Window(start=_iso(start), end=_iso(end), days=(seconds / 86400).quantize(
        Decimal("0.0001")))
    return Scope(ingest=ingest, window=window, window_seconds=seconds, bounds=(start, end),
                 small=restored is None and _small(files))


# A run of at most this many requests keeps `scope`, `request_labels` and `labelled_requests`
# as tables: each statement that reads a view binds (plans) its joins and the rules' CASE again,
# which on a small log costs more than the rows (DuckDB's binder was 28% of a 1,000-line run's
# instructions). A larger run keeps the views, which its stages read in one pass each without
# holding every request: the tables cost 0.3 s more CPU at 100,000 requests (1.62 against 1.32
# s) and about the same at 30,000.
SMALL_RUN = 10_000


def _small(files: Sequence[IngestedFile]) -> bool:
    return sum(f.accepted for f in files) <= SMALL_RUN


def _materialized(script: str, view: str, table: bool) -> str:
    """`script` with its `CREATE OR REPLACE TEMP VIEW <view>` made a table when `table`."""
    create = f"CREATE OR REPLACE TEMP VIEW {view} AS"
    if create not in script:
        raise AssertionError(f"no view {view} in the script: see analysis._materialized")
    return script.replace(create, f"CREATE OR REPLACE TEMP TABLE {view} AS") if table else script


def workload_stats(con: duckdb.DuckDBPyConnection, window_seconds: Decimal) -> None:
    """Fill the workload_stats table (token statistics the rules can test)."""
    run_script(con, db.sql("40_workload_stats"), {"window_seconds": window_seconds})


def label(
    con: duckdb.DuckDBPyConnection, rules: RuleSet, overrides: dict[str, str], text_sample: int,
    small: bool = False,
) -> None:
    """Text signals (stages 45-46), then every request's rule, label and domain (stage 50:
    `request_labels`, viewed with its labels as `labelled_requests`; both tables if `small`)."""
    con.execute("CREATE OR REPLACE TEMP TABLE plan_overrides (workload VARCHAR, label VARCHAR)")
    if overrides:
        con.executemany("INSERT INTO plan_overrides VALUES (?, ?)", list(overrides.items()))
    signals.compute(con, rules, text_sample)
    case_sql, params = rules.case_sql()
    _temp_table(con, "plan_rules", (("idx", "INTEGER"), ("name", "VARCHAR"),
                                    ("label", "VARCHAR"), ("domain", "VARCHAR")), [
        (-1, "default", rules.default_label, None),
        *((i, r.name, r.label, r.domain) for i, r in enumerate(rules.rules)),
        (len(rules.rules), WORKLOAD_SAMPLE, None, None)])
    # case_sql holds only CONDITIONS templates and $parameter names (planner/stages/rules.py).
    # A small run makes request_labels a table: the values are bound as the parameters of the
    # statements that test the rules. A view cannot hold prepared parameters: each is then a
    # variable, read where the view is (names: rules.py's, e.g. rule3_min_input; one statement
    # each: a struct of them all, set at once, costs more, as each use of a field copies it).
    if not small:
        for name, value in params.items():
            con.execute(f"SET VARIABLE plan_{name} = ?", [value])
        case_sql = _PARAMETER.sub(lambda m: f"getvariable('plan_{m.group(1)}')", case_sql)
    # Nothing sampled (no text, or text off): workload_text tests no rule (its CASE is NULL for
    # every request), and binding the rules' CASE there is most of its cost.
    sampled = con.execute("SELECT EXISTS (FROM text_signals)").fetchone()[0]  # type: ignore[index]
    script = db.sql("50_labels").replace("{rule_case}", case_sql).replace(
        "{sampled_rule_case}", case_sql if sampled else "NULL::INTEGER")
    for view in ("request_labels", "labelled_requests"):
        script = _materialized(script, view, small)
    # DuckDB turns each rule's list test into a join of its own (its in_clause rewrite, made for
    # long IN lists); evaluated in place, the rules cost less (0.30 -> 0.26 s at 1M requests).
    con.execute("SET disabled_optimizers = 'in_clause'")
    try:
        run_script(con, script, params if small else {})
    finally:
        con.execute("RESET disabled_optimizers")


def route(
    con: duckdb.DuckDBPyConnection, frontier: str, distilled: str, settings: Settings,
    near_repeats: Callable[[duckdb.DuckDBPyConnection, Decimal], None] = nearrepeats.compute,
) -> None:
    """Find near repeats (stage 58, which the cache may count), route every labelled request
    and sum them into the `usage` table (stage 55), then sum what each workload's labels rest
    on (stage 57): the last stages that read every request."""
    near_repeats(con, settings.value("cache_ttl_hours") * 3600)  # stage 58
    similarity = settings.value("cache_similarity")
    run_script(con, db.sql("55_usage"), {
        "routes": list(ROUTES), "frontier": frontier, "distilled": distilled,
        "max_tool_calls": settings.value("max_tool_calls"),
        "cache_ttl_seconds": str(settings.value("cache_ttl_hours") * 3600),
        "cache_similarity": None if similarity is None else str(similarity),
        "min_score_bin": routing_bin(settings),
        "router_tokens": settings.value("router_tokens")})
    run_script(con, db.sql("57_evidence"), {})


# Rejects and failed requests grouped by field and kind ("negative", "HTTP 400", ...), in the
# order the report lists them (rejects, then failures; most frequent first, then by position).
_GROUPED_REASONS = """
    WITH j AS (
        SELECT false AS failed, file_id, line_no, j.field, j.reason FROM rejects j
        UNION ALL
        SELECT true AS failed, file_id, line_no, NULL AS field, j.failure AS reason
        FROM failures j
    ),
    g AS (
        SELECT j.failed, j.field, regexp_replace(j.reason, ':.*$', '') AS kind,
               count(*) AS n, arg_min(j.file_id, (r.ord, j.line_no)) AS file_id,
               min(r.ord) AS first_ord, arg_min(j.line_no, (r.ord, j.line_no)) AS line_no,
               arg_min(j.reason, (r.ord, j.line_no)) AS example
        FROM j
        JOIN run_files r USING (file_id)
        GROUP BY 1, 2, 3
    )
    SELECT failed, field, n, file_id, line_no, example,
           row_number() OVER (ORDER BY failed, n DESC, first_ord, line_no) AS pos
    FROM g
"""


def _count_lines(con: duckdb.DuckDBPyConnection, windowed: bool) -> None:
    """The tables `reject_reasons` (_GROUPED_REASONS) and `window_outside` (per file, its
    requests outside --since/--until), which planner/stages/snapshot.py keeps: grouping 7M
    rejects took 4.3 s of a re-run's CPU at 10M requests (docs/benchmark-18.md)."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE reject_reasons AS {_GROUPED_REASONS}")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE window_outside AS SELECT file_id, count(*) AS n "
        "FROM requests JOIN run_files USING (file_id) "
        f"WHERE {'NOT plan_in_window(ts)' if windowed else 'false'} GROUP BY file_id")


def _reasons(con: duckdb.DuckDBPyConnection, paths: dict[int, str]
             ) -> tuple[tuple[RejectReason, ...], tuple[RejectReason, ...]]:
    """Rejects, and failed requests, grouped (table `reject_reasons`), each named by its first
    line's path as this run names the file."""
    rows = con.execute("SELECT failed, field, n, file_id, line_no, example FROM reject_reasons "
                       "ORDER BY pos").fetchall()
    grouped: tuple[list[RejectReason], list[RejectReason]] = ([], [])
    for failed, f, n, file_id, line, ex in rows:
        grouped[failed].append(
            RejectReason(field=f, reason=ex, count=n, first=f"{paths[file_id]}:{line}"))
    return tuple(grouped[0]), tuple(grouped[1])


def _temp_table(con: duckdb.DuckDBPyConnection, name: str,
                columns: tuple[tuple[str, str], ...], rows: Sequence[tuple[object, ...]]) -> None:
    """Temporary table `name` (an identifier of this module's) holding `rows`, bound as
    parameters, in one statement (not one INSERT a row: each statement costs DuckDB its
    planning)."""
    if not rows:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} ("
                    + ", ".join(f"{c} {t}" for c, t in columns) + ")")
        return
    row = "(" + ", ".join(f"CAST(? AS {t})" for _, t in columns) + ")"
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM (VALUES "
                + ", ".join([row] * len(rows)) + ") v(" + ", ".join(c for c, _ in columns) + ")",
                [v for r in rows for v in r])


def _iso(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%dT%H:%M:%SZ")



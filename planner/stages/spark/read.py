"""Engine adapter, Spark, stage 1: read log files into the `lines` table on Spark.

Each file's records come as JSON text with its file id and line number, in file order
(`file_records`), and stage 15's columns of its source from them (planner/stages/spark/
records.py: spark.read and from_json where DuckDB has read_csv, read_parquet and
json_transform). From there the source's own stages (sql/10_*) and stage 20's checks run as
written, transpiled, over all files of a source at once: each statement is rewritten to carry
`file_id`, which DuckDB, reading one file at a time, binds as $file_id. The text signals of the
sampled texts are computed here, on the driver.

Sources whose stages have not been carried over to Spark yet are refused by name (SPARK_SOURCES)."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlglot import exp

from planner import db
from planner.errors import InputError
from planner.progress import Progress
from planner.stages import recoded
from planner.stages.ingest import (
    PARSER_VERSION,
    IngestedFile,
    IngestOptions,
    _reader_and_source,
    _shaping_options,
    _time_bounds,
)
from planner.stages.readers import reader_for
from planner.stages.shaping import first_line
from planner.stages.spark import batch, lake, split
from planner.stages.spark.records import LogFile, file_records, stage_sql
from planner.stages.spark.tables import SparkTables, frame

# The sources (and readers) whose stages run on Spark; any other is refused with its name.
SPARK_SOURCES = ("canonical", "openai-chat", "http-capture", "openai-batch", "vertex-batch",
                 "litellm", "mooncake-trace", "azure-trace", "anthropic-batch", "langfuse",
                 "bedrock-invocation", "openai-responses", "anthropic-messages",
                 "openai-chat-completion", "gemini", "bedrock-response", "cohere-chat",
                 "otel", "cloudwatch-events", "langfuse-trace", "openai-batch-input",
                 "gemini-batch", "gemini-batch-job", "batch-job", "gemini-sdk",
                 "bedrock-batch")
SPARK_READERS = ("lines", "parquet", "json", "json_array", "csv")
# The views of the reading stages: each statement over them carries file_id.
_CARRIED = {"file_records", "stage", "records", "calls", "h", "j", "m", "b", "f", "c",
            "trace_records", "norm", "n", "v", "p", "checked", "r", "batch_input", "body_texts",
            "a"}


def ingest(tables: SparkTables, local: Any, files: Sequence[Path], options: IngestOptions,
           progress: Progress | None = None, lake_paths: Sequence[str] = ()) -> list[IngestedFile]:
    """Read `files` and `lake_paths` (URIs and table:NAME, planner/stages/spark/lake.py) into the
    Spark temp view `lines` (and its views requests, rejects, failures); their counts, as
    DuckDB's ingest returns them. `local` (the DuckDB connection) detects each file's source
    from its first records, and gives the tables' layout."""
    with tempfile.TemporaryDirectory(prefix="plan-") as folder:
        uris = [u for raw in lake_paths for u in lake.listed(tables.spark, raw, options.recursive)]
        plan = [_plan(local, i, path, options) for i, path in enumerate(files, start=1)] + [
            _plan_lake(tables.spark, local, i, uri, options, Path(folder) / str(i))
            for i, uri in enumerate(uris, start=len(files) + 1)]
        if not plan:
            raise InputError("no log files to read")
        return _ingest(tables, local, plan, options, progress)


def _ingest(tables: SparkTables, local: Any, plan: list[LogFile], options: IngestOptions,
            progress: Progress | None) -> list[IngestedFile]:
    spark = tables.spark
    if progress:
        progress(f"reading {len(plan)} file(s) on Spark ({spark.sparkContext.master})")
    checked_statement, _insert, texts = db.sql("20_checked").split("\n;\n")
    batch.prepare(tables, local)
    skipped: dict[int, int] = {}  # a split source's items that are not LLM calls, per file
    checked = [_read_source(tables, group, options, checked_statement, skipped)
               for group in _by_source(plan)]
    _union(tables, "checked_lines", checked)
    # `lines` keeps its text on Spark: a view of the run, never stored (unlike DuckDB's table)
    layout = local.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_name = 'lines' ORDER BY ordinal_position").fetchall()
    have = set(spark.table("checked_lines").columns)
    tables.table("lines", tables.spark.sql("SELECT " + ", ".join(
        f"`{c}`" if c in have else f"CAST(NULL AS {_spark_type(t)}) AS `{c}`" for c, t in layout)
        + " FROM checked_lines"))
    _text_features(tables, local, plan, options, texts)
    for name, statement in local.execute(
            "SELECT view_name, sql FROM duckdb_views() WHERE NOT internal AND view_name IN "
            "('requests', 'rejects', 'failures')").fetchall():
        tables.execute(statement.replace("CREATE VIEW", "CREATE OR REPLACE TEMP VIEW", 1)
                       .rstrip(";"))
        del name
    bodies = batch.bodies(tables)
    # (usage_excess: a Langfuse usage total above the parts, sql/23_unaccounted.sql on DuckDB)
    counts = {r[0]: r[1:] for r in tables.execute(
        "SELECT file_id, count(*), count(*) - count(problem) - count(failure), count(problem), "
        "count(failure), count(usage_excess), coalesce(sum(usage_excess), 0) FROM lines "
        "GROUP BY file_id").fetchall()}
    out = []
    for f in plan:
        read, accepted, rejected, failed, excess, tokens = counts.get(
            f.file_id, (0, 0, 0, 0, 0, 0))
        out.append(IngestedFile(f.file_id, str(f.path) if f.is_local else f.uri, f.source.name,
                                read, accepted, rejected, failed, reused=False,
                                skipped=skipped.get(f.file_id, 0),
                                bodies=bodies.get(f.file_id, 0), trace=f.source.trace,
                                options=f.shaping, unaccounted_requests=excess,
                                unaccounted_tokens=tokens))
    return out


def _union(tables: SparkTables, name: str, frames: Sequence[Any]) -> None:
    """Table `name`: the rows of `frames` (checkpointed tables of the same columns). Spark 4.1
    cannot plan a union of checkpointed tables with constraint propagation on (it looks up a
    column of the original plan, "key not found: line_no#..."); it is off while this one is
    computed (constraints only add filters: the rows are the same)."""
    union = frames[0]
    for more in frames[1:]:
        union = union.unionByName(more)
    key = "spark.sql.constraintPropagation.enabled"
    before = tables.spark.conf.get(key, "true")
    tables.spark.conf.set(key, "false")
    try:
        tables.table(name, union)
    finally:
        tables.spark.conf.set(key, before)


def _by_source(plan: Sequence[LogFile]) -> list[list[LogFile]]:
    """The files in groups of one source, in the order each source first comes."""
    groups: dict[object, list[LogFile]] = {}
    for f in plan:
        # a trace's model, workload and time zero are its file's own (variables), and a
        # numbered source's stages read the file's records together (Mooncake's reused
        # blocks): one file at a time, as DuckDB reads every file
        alone = f.source.trace or f.source.numbered
        groups.setdefault(f.file_id if alone else f.source.name, []).append(f)
    return list(groups.values())


def _read_source(tables: SparkTables, group: Sequence[LogFile], options: IngestOptions,
                 checked_statement: str, skipped: dict[int, int]) -> Any:
    """Stages 14-20 over the files of one source: their `checked_lines` (a DataFrame); a split
    source's items skipped go to `skipped` (per file)."""
    frames = [file_records(tables.spark, f) for f in group]
    records = frames[0]
    for more in frames[1:]:
        records = records.unionByName(more)
    source = group[0].source
    firsts = {f.file_id: first_line(f.reader) for f in group}
    if source.split in split.PARSING:  # its records parsed with the lines: stage 15 there
        stage, skipped_here = split.parsed(tables, records, source, firsts)
        skipped.update(skipped_here)
    else:
        if source.split:
            records, skipped_here = split.records(tables, records, source, firsts)
            skipped.update(skipped_here)
        records.createOrReplaceTempView("file_records")
        stage = tables.spark.sql(stage_sql(source))
    for name, value in _variables(group[0], options).items():
        tables.variables[name] = value
    stage.createOrReplaceTempView("stage")
    tables.rewrite = _carry_file_id
    try:
        for stage in source.stages:
            if stage == "mapped" and options.column_map:  # --map: the records from its fields
                tables.variables.update(options.column_map.variables())
                tables.execute(options.column_map.records_sql())
            else:
                for statement in db.sql(stage).split("\n;\n"):  # (13_batch_input has two)
                    tables.execute(statement)
        tables.execute(checked_statement)  # checked_lines: every line, text included
    finally:
        tables.rewrite = None
    batch.after(tables, source, _carry_file_id)  # (a batch input file's bodies)
    return tables.spark.table("checked_lines")


def _text_features(tables: SparkTables, local: Any, plan: Sequence[LogFile],
                   options: IngestOptions, texts: str) -> None:
    """`file_texts` (stage 20's last statement, which samples per file and workload) and the
    signals of those texts, `text_features` (stage 24), computed on the driver with
    options.text.features on a DuckDB connection of its own; their text stays in Spark's views
    and that connection's memory."""
    tables.execute(texts)  # (per file and workload, as written: file_id is a column)
    batch.with_body_texts(tables)
    features = db.connect(":memory:")
    try:
        if options.text.features is not None and tables.execute(
                "SELECT count(*) FROM file_texts").fetchall()[0][0]:
            features.register("plan_file_texts", tables.spark.table("file_texts").toArrow())
            features.execute("CREATE TEMP TABLE file_texts AS SELECT text_hash::UBIGINT AS "
                             "text_hash, text, prompt FROM plan_file_texts")
            # (under the first file's id: stage 45 reads one row of features per text)
            options.text.features(features, plan[0].file_id)
        stored = features.sql("SELECT * REPLACE (text_hash::BIGINT AS text_hash, "
                              "prompt_vec::FLOAT[] AS prompt_vec) FROM text_features"
                              ).to_arrow_table()
    finally:
        features.close()
    tables.table("text_features", frame(tables.spark, stored))


def _spark_type(duckdb_type: str) -> str:
    return {"UBIGINT": "BIGINT", "HUGEINT": "DECIMAL(38, 0)", "VARCHAR": "STRING",
            "TIMESTAMP": "TIMESTAMP"}.get(duckdb_type, duckdb_type)


def _plan(local: Any, file_id: int, path: Path, options: IngestOptions) -> LogFile:
    if path.name.startswith(("_", ".")):  # Hadoop's readers skip such a file without a word
        raise InputError(f"{path}: --engine spark skips a file whose name starts with "
                         f"'{path.name[0]}' (Hadoop takes it for a marker or a hidden file)",
                         hint="rename it, or use --engine duckdb; docs/scale.md "
                         "'Sources on Spark'")
    if reader_for(path) not in SPARK_READERS:
        _refuse(path, reader_for(path))
    if recoded.file_encoding(path) != "utf-8-sig":
        _refuse(path, recoded.file_encoding(path).upper() + " text")
    reader, source = _reader_and_source(local, path, options)
    if source.name not in SPARK_SOURCES and not options.column_map:
        _refuse(path, f"source {source.name}")
    return LogFile(file_id, path, reader, source, _shaping_options(source, path, options),
                 str(path.resolve()), path)


def _plan_lake(spark: Any, local: Any, file_id: int, uri: str, options: IngestOptions,
               folder: Path) -> LogFile:
    """A lake file or table: its reader from its name, its source from a local copy of its
    first records."""
    folder.mkdir()
    kind = lake.reader(spark, uri)
    copy = lake.sample(spark, uri, kind, folder)
    _, source = _reader_and_source(local, copy, options)
    if source.name not in SPARK_SOURCES and not options.column_map:
        _refuse(Path(uri), f"source {source.name}")
    name = Path(uri.removeprefix(lake.TABLE))
    return LogFile(file_id, name, kind, source, _shaping_options(source, name, options), uri,
                   copy)


def _refuse(path: Path, what: str) -> None:
    raise InputError(f"{path}: --engine spark does not read {what} yet",
                     hint="it reads " + ", ".join(SPARK_SOURCES) + " records; use --engine "
                     "duckdb for the rest (docs/scale.md 'Sources on Spark')")


def _variables(f: LogFile, options: IngestOptions) -> dict[str, object]:
    low, high, text = _time_bounds(f.shaping)
    start = f.shaping.get("trace_start")
    return {"plan_ts_min": low, "plan_ts_max": high, "plan_ts_bounds": text,
            "plan_model": f.shaping.get("model"), "plan_workload": f.shaping.get("workload"),
            "plan_trace_start": datetime.fromisoformat(start).timestamp() if start else 0.0,
            "plan_given_time": f.shaping.get("given_time"),  # (--trace-start, gemini-batch's)
            "plan_parser_version": PARSER_VERSION, "plan_keep_text": options.text.keep,
            "plan_text_sample": options.text.per_workload,
            "plan_text_max_chars": options.text.max_chars}


def _carry_file_id(node: exp.Expression) -> exp.Expression:
    """Carry file_id through the reading stages: add it to a projection over one of their views
    that names its columns, and read it where DuckDB binds $file_id. (And a JSON text cast to a
    list, `TRY_CAST(hash_ids AS BIGINT[])`, is parsed: Spark's cast does not read JSON.)"""
    if (isinstance(node, exp.Cast) and node.to.is_type(exp.DataType.Type.ARRAY)
            and node.to.expressions):
        return exp.Anonymous(this="from_json", expressions=[node.this, exp.Literal.string(
            node.to.sql(dialect="spark"))])
    if isinstance(node, exp.Placeholder) and node.name == "file_id":
        return exp.column("file_id")
    if isinstance(node, exp.Select) and not any(isinstance(e, exp.Star)
                                                for e in node.expressions):
        source = node.args.get("from_") or node.args.get("from")
        table = source.this if source is not None else None
        if isinstance(table, exp.Table) and table.name in _CARRIED and not any(
                e.alias_or_name == "file_id" or (isinstance(e, exp.Placeholder)
                                                 and e.name == "file_id")
                for e in node.expressions):
            node.set("expressions", [*node.expressions, exp.column("file_id")])
    return node

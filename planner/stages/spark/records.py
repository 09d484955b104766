"""Engine adapter, Spark, stages 14 and 15: each log file's records as JSON text, numbered
(`file_id, line_no, line`, what DuckDB's read_csv / read_parquet / read_json readers give in
sql/14_read_*.sql), and stage 15's columns of a source parsed from them with from_json (DuckDB's
json_transform, sql/15_stage.sql). planner/stages/spark/read.py runs the source's own stages over
them.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from planner.stages import csv_layout
from planner.stages.sources import Source
from planner.stages.spark import lake
from planner.stages.spark.functions import ddl


@dataclasses.dataclass(frozen=True)
class LogFile:
    file_id: int
    path: Path  # (a lake file's URI as a Path: its name, for a trace's workload)
    reader: str
    source: Source
    shaping: dict[str, str]
    uri: str  # where Spark reads it: the resolved local path, a lake URI or table:NAME
    local: Path  # a local file with its first records (the file itself when it is local)

    @property
    def is_local(self) -> bool:
        return self.local == self.path



def file_records(spark: Any, f: LogFile) -> Any:
    """One file's records: file_id, line_no (from 1, in file order) and the record as text.
    Within a file, rows of one split come in order (monotonically_increasing_id rises within a
    partition) and splits are ordered by their start in the file."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    uri = f.uri
    if f.reader in ("parquet", "table"):
        df = (spark.read.parquet(uri) if f.reader == "parquet"
              else spark.table(uri.removeprefix(lake.TABLE)))
        # A column of Parquet's JSON logical type (DuckDB writes one) is JSON text: as JSON,
        # not as a string of it, in the record (DuckDB's to_json does the same).
        json_text = _json_columns(f.path) if f.reader == "parquet" and f.is_local else set()
        line = F.to_json(F.struct(*[
            (F.try_parse_json(F.col(f"`{c}`")) if c in json_text else F.col(f"`{c}`")).alias(c)
            for c in df.columns]))
    elif f.reader in ("json", "json_array"):
        return _document(spark, f, uri)
    elif f.reader == "csv":
        # the header's delimiter and names and one more column (planner/stages/csv_layout.py, as
        # DuckDB reads it); every value as text, an empty one NULL; a row as the JSON object
        # of its non-NULL values, or marked as DuckDB's reader marks it (stage 15 says why)
        delimiter, columns = csv_layout.layout(f.local)
        names = list(json.loads(columns))
        df = (spark.read.option("sep", delimiter).option("quote", '"').option("escape", '"')
              .option("multiLine", "true")  # (a quoted field may span lines, as in DuckDB)
              .option("header", "true").option("enforceSchema", "true")
              .schema(", ".join(f"`{n}` STRING" for n in names)).csv(uri))
        line = F.when(F.col(f"`{csv_layout.EXTRA}`").isNull(), F.to_json(F.struct(*[
            F.col(f"`{n}`") for n in names if n != csv_layout.EXTRA]))).otherwise(
            F.lit(csv_layout.EXTRA + "more fields than the header"))
    else:
        df = spark.read.text(uri)
        line = F.col("value")
    block = F.lit(0) if f.reader == "table" else F.col("_metadata.file_block_start")
    df = df.select(block.alias("block"),
                   F.monotonically_increasing_id().alias("mid"), line.alias("line"))
    number = F.row_number().over(Window.orderBy("block", "mid"))
    first = 2 if f.reader == "csv" else 1  # (a CSV file's first record follows its header)
    return df.select(F.lit(f.file_id).alias("file_id"),
                     (number + first - 1).cast("bigint").alias("line_no"),
                     # a UTF-8 byte-order mark starts the first line (DuckDB skips it)
                     F.when(number == 1, F.regexp_replace("line", "^\ufeff", ""))
                     .otherwise(F.col("line")).alias("line"))


def _document(spark: Any, f: LogFile, uri: str) -> Any:
    """A JSON document's records: the document itself (a .json file of one object), or each
    element of its top-level array, numbered from 1 (as DuckDB's read_json_objects numbers
    them)."""
    from pyspark.sql import functions as F

    text = F.regexp_replace(F.col("value"), "^\ufeff", "")  # (a byte-order mark)
    df = spark.read.text(uri, wholetext=True)
    if f.reader == "json":
        return df.select(F.lit(f.file_id).alias("file_id"), F.lit(1).cast("bigint")
                         .alias("line_no"), F.trim(text).alias("line"))
    items = df.select(F.posexplode(F.from_json(text, "ARRAY<STRING>")))
    return items.select(F.lit(f.file_id).alias("file_id"),
                        (F.col("pos") + 1).cast("bigint").alias("line_no"),
                        F.col("col").alias("line"))


# DuckDB's json_type names of what a line that is valid JSON but not an object holds ({t}: the
# Spark type name schema_of_variant gives).
_JSON_TYPE = """CASE
    WHEN startswith({t}, 'ARRAY') THEN 'array' WHEN {t} = 'STRING' THEN 'varchar'
    WHEN {t} = 'BIGINT' THEN CASE WHEN startswith(ltrim(line), '-') THEN 'bigint' ELSE 'ubigint'
    END WHEN startswith({t}, 'DECIMAL') OR {t} IN ('DOUBLE', 'FLOAT') THEN 'double'
    WHEN {t} = 'BOOLEAN' THEN 'boolean' WHEN {t} = 'VOID' THEN 'null' ELSE lower({t}) END"""


def stage_sql(source: Source) -> str:
    """Stage 15 in Spark SQL (the schema is plan's, from sources.py: no log text in it)."""
    # a top-level JSON key as a VARIANT, then its JSON text: a string stays a quoted JSON
    # string, as in DuckDB's JSON column (from_json's STRING would hand over its content)
    schema = ", ".join(f"`{k}` {'VARIANT' if v == 'JSON' else ddl(v)}" for k, v in source.columns)
    keys = ", ".join(f"to_json(j.`{k}`) AS `{k}`" if v == "JSON" else f"j.`{k}` AS `{k}`"
                     for k, v in source.columns)
    kind = _JSON_TYPE.format(t="schema_of_variant(try_parse_json(line))")
    return f"""
    WITH parsed AS (
        SELECT file_id, line_no, line,
               from_json(line, {json.dumps(schema + ', _plan_corrupt STRING')},
                         map('columnNameOfCorruptRecord', '_plan_corrupt')) AS j
        FROM file_records
    ),
    checked AS (
        SELECT *, CASE
            WHEN j._plan_corrupt IS NULL AND startswith(line, '{{') THEN NULL
            WHEN line IS NULL OR trim(line) = '' THEN 'blank line'
            WHEN startswith(line, '\uffff') THEN substr(line, 2)  -- a line the reader marked
            WHEN try_parse_json(line) IS NULL THEN 'not valid JSON'
            WHEN NOT startswith(schema_of_variant(try_parse_json(line)), 'OBJECT')
                THEN 'not a JSON object (a JSON ' || {kind} || ')'
        END AS line_problem
        FROM parsed
    )
    SELECT file_id, line_no, line_problem,
           CASE WHEN line_problem IS NOT NULL AND NOT startswith(line, '\uffff')
                THEN left(line, 120) END AS excerpt,
           line AS record, {keys}
    FROM checked"""


def _json_columns(path: Path) -> set[str]:
    """The top-level columns of a Parquet file annotated as JSON (from its footer)."""
    import pyarrow.parquet as pq

    schema = pq.ParquetFile(path).schema
    return {schema.column(i).path for i in range(len(schema))
            if str(schema.column(i).logical_type) == "JSON" and "." not in schema.column(i).path}

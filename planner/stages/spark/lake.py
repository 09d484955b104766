"""Engine adapter, Spark: LOGS in a data lake (`s3a://`, `abfss://`, `gs://`, `hdfs://`,
`file://`, `dbfs:/` URIs, listed through the session's Hadoop FileSystem) or in Spark's catalog
(`table:NAME`, a table or view), where the plan process cannot read them as local files.

A folder is listed as planner/stages/discover.py lists a local one (log suffixes and a CloudWatch
Logs export task's `000000.gz` files; hidden entries and Spark's `_SUCCESS`-style markers
skipped; recursive unless --no-recursive); a file's reader
comes from its name, and its source from a sample of its first records, read through Spark and
voted on by the same detection as a local file's (planner/stages/sources.py detect, over a local
copy of the sample: the sampled records only, never the file).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from planner.errors import InputError
from planner.stages.discover import EXPORTED, LOG_SUFFIXES
from planner.stages.readers import SAMPLE_RECORDS

TABLE = "table:"


def listed(spark: Any, uri: str, recursive: bool) -> list[str]:
    """The log files `uri` names: itself, the files of a folder, or a glob's matches."""
    if uri.startswith(TABLE):
        name = uri[len(TABLE):]
        if not spark.catalog.tableExists(name):
            raise InputError(f"{uri}: no such table or view in Spark's catalog")
        return [uri]
    jvm = spark.sparkContext._jvm
    conf = spark.sparkContext._jsc.hadoopConfiguration()
    path = jvm.org.apache.hadoop.fs.Path(uri)
    try:
        fs = path.getFileSystem(conf)
        statuses = (list(fs.globStatus(path) or []) if re.search(r"[*?\[{]", uri)
                    else [fs.getFileStatus(path)] if fs.exists(path) else [])
    except Exception as exc:  # a scheme without its connector, no credentials, ...
        raise InputError(f"{uri}: cannot list: {str(exc).splitlines()[0]}",
                         hint="the session's Hadoop configuration reaches it (docs/scale.md)"
                         ) from exc
    if not statuses:
        raise InputError(f"{uri}: no such file")
    out: list[str] = []
    for status in statuses:
        if status.isFile():
            out.append(status.getPath().toString())
            continue
        top = status.getPath().toString().rstrip("/")
        files = fs.listFiles(status.getPath(), recursive)
        found = []
        while files.hasNext():
            name = files.next().getPath().toString()
            inner = name[len(top):].strip("/").split("/")
            if not any(p.startswith((".", "_")) for p in inner) and (
                    name.lower().endswith(LOG_SUFFIXES) or EXPORTED.match(inner[-1])):
                found.append(name)
        if not found:
            raise InputError(f"{uri}: no log files in this folder",
                             hint=f"plan reads files ending in {', '.join(LOG_SUFFIXES)}")
        out += sorted(found)
    return list(dict.fromkeys(out))


def reader(spark: Any, uri: str) -> str:
    """How a lake file's records are split: from its name, as planner/stages/readers.py does (a
    .json file is JSON lines when its first line is a whole JSON value, else one document)."""
    if uri.startswith(TABLE):
        return "table"
    name = uri.lower().removesuffix(".gz")
    for suffix, kind in ((".parquet", "parquet"), (".csv", "csv")):
        if name.endswith(suffix):
            return kind
    if not name.endswith(".json"):
        return "lines"
    first = next((r.value for r in spark.read.text(uri).limit(5).collect()
                  if r.value.strip()), "")
    try:
        json.loads(first)
        return "lines"
    except ValueError:
        return "json_array" if first.lstrip("\ufeff ").startswith("[") else "json"


def sample(spark: Any, uri: str, kind: str, folder: Path) -> Path:
    """A local JSON lines file of the first records of `uri` (for detection, and a CSV file's
    header for its layout): at most SAMPLE_RECORDS records."""
    if kind in ("table", "parquet"):
        df = spark.table(uri[len(TABLE):]) if kind == "table" else spark.read.parquet(uri)
        rows = [r[0] for r in df.limit(SAMPLE_RECORDS).selectExpr("to_json(struct(*))")
                .collect()]
    elif kind == "csv":
        rows = [r.value for r in spark.read.text(uri).limit(SAMPLE_RECORDS + 1).collect()]
    elif kind in ("json", "json_array"):
        rows = _document_sample(spark.read.text(uri, wholetext=True).first().value)
    else:
        rows = [r.value for r in spark.read.text(uri).limit(SAMPLE_RECORDS).collect()]
    local = folder / ("sample.csv" if kind == "csv" else "sample.jsonl")
    local.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return local


def _document_sample(text: str) -> list[str]:
    """The first records of a JSON document (itself, or its array's first elements); none when
    it is not JSON (its reading says so)."""
    try:
        doc = json.loads(text.lstrip("\ufeff"))
    except ValueError:
        return []
    items = doc[:SAMPLE_RECORDS] if isinstance(doc, list) else [doc]
    return [json.dumps(i) for i in items]

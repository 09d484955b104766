"""`make bench`: plan analyze with --engine spark (local mode, 2 cores) against the DuckDB engine
on the same multi-file, multi-folder log set (half JSON lines in two folders, half Parquet in
two more), at two sizes. Each run is a process of its own; it records the wall-clock time and
the peak memory of the plan process (the driver's Python, which never holds the requests) and
of the JVM it started (VmHWM; in local mode the JVM is the driver and the executors at once).

No target: this is to know Spark's overhead on one machine, and that the driver's memory stays
flat as the log grows. Results go to tests/benchmarks/out/bench_spark.txt.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from tests.benchmarks.bench_analyze import OUT, generate

SIZES = (500_000, 1_000_000)
FILES = 8  # per size: 4 JSON lines files and 4 Parquet files, two folders of each

_CHILD = """
import json, resource, sys, time
from planner.pipeline import AnalyzeOptions, analyze
engine, master, paths = sys.argv[1], sys.argv[2] or None, sys.argv[3:]
start = time.perf_counter()
report = analyze(paths, AnalyzeOptions(db=":memory:", engine=engine, spark_master=master))
seconds = time.perf_counter() - start
jvm_mb = 0.0
if engine == "spark":  # the JVM's peak resident memory (VmHWM), read before it stops
    from pyspark.sql import SparkSession
    spark = SparkSession.getActiveSession()
    status = open(f"/proc/{spark.sparkContext._gateway.proc.pid}/status").read()
    jvm_mb = int(status.split("VmHWM:")[1].split()[0]) / 1024
    spark.stop()
print(json.dumps({"seconds": seconds, "requests": report.ingest.accepted,
                  "python_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "jvm_mb": jvm_mb,
                  "cost": str(next(s for s in report.scenarios if s.name == "routed")
                              .monthly_cost_usd)}))
"""


def log_set(rows: int) -> Path:
    """`rows` requests in FILES files: a/ and b/ of JSON lines, c/ and d/ of Parquet."""
    root = OUT / f"spark_logs_{rows}"
    done = OUT / f"spark_logs_{rows}.done"  # (outside the folder plan reads)
    if done.exists():
        return root
    per = rows // FILES
    whole = OUT / f"spark_whole_{rows}.jsonl"
    generate(whole, rows)
    con = duckdb.connect()
    for i in range(FILES):
        folder = root / "abcd"[i // 2]
        folder.mkdir(parents=True, exist_ok=True)
        part = (f"SELECT * FROM read_json('{whole}') LIMIT {per} OFFSET {i * per}")
        if i < FILES // 2:
            con.execute(f"COPY ({part}) TO '{folder / f'part{i}.jsonl'}' (FORMAT json)")
        else:
            con.execute(f"COPY ({part}) TO '{folder / f'part{i}.parquet'}' (FORMAT parquet)")
    whole.unlink()
    done.touch()
    return root


def run(engine: str, root: Path) -> dict[str, object]:
    master = "local[2]" if engine == "spark" else ""
    out = subprocess.run([sys.executable, "-c", _CHILD, engine, master, str(root)],
                         capture_output=True, text=True, check=True,
                         env={**os.environ, "TZ": "UTC"})
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    OUT.mkdir(exist_ok=True)
    lines = []
    for rows in SIZES:
        root = log_set(rows)
        for engine in ("duckdb", "spark"):
            started = time.strftime("%H:%M:%S")
            r = run(engine, root)
            line = (f"{rows:>9,} requests, {FILES} files in 4 folders, {engine:6}: "
                    f"{r['seconds']:7.1f} s, plan process peak {r['python_mb']:6.0f} MB, "
                    f"JVM peak {r['jvm_mb']:6.0f} MB, routed ${r['cost']}/month "
                    f"(started {started})")
            print(line, flush=True)
            lines.append(line)
    (OUT / "bench_spark.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

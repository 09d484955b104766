"""`make bench`: plan analyze with --engine spark (local mode, 2 cores) against the DuckDB engine
on the same multi-file, multi-folder log set (half JSON lines in two folders, half Parquet in
two more), at two sizes. Each run is a process of its own; it records the wall-clock time and
the peak memory of the plan process (the driver's Python, which never holds the requests) and
of the JVM it started (VmHWM; in local mode the JVM is the driver and the executors at once).

No target: this is to know Spark's overhead on one machine, and that the driver's memory stays
flat as the log grows. Results go to tests/benchmarks/out/bench_spark.txt.

The plan process's peak is its VmHWM (/proc/self/status), not getrusage's ru_maxrss: Linux
starts a program's ru_maxrss at the peak of the process that spawned it (the mm it replaced at
exec), so a child of this script, which builds each log set in DuckDB in process, reported the
generation's peak (289 / 506 / 813 MB at 0.5M / 1M / 2M requests) as its own.
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

SIZES = (500_000, 1_000_000, 2_000_000)
FILES = 8  # per size: 4 JSON lines files and 4 Parquet files, two folders of each
SPAN_SECONDS = 1_000_000  # what every size's requests span (11.6 days: 500,000 two seconds apart)

_CHILD = """
import json, os, resource, sys, threading, time
from planner.pipeline import AnalyzeOptions, analyze
engine, master, paths = sys.argv[1], sys.argv[2] or None, sys.argv[3:]

def rss(pid="self"):  # resident MB now (VmRSS) of this process or of the JVM, from /proc
    try:
        status = open(f"/proc/{pid}/status").read()
    except OSError:
        return 0.0
    return int(status.split("VmRSS:")[1].split()[0]) / 1024

stages, peak = [], {"python": 0.0, "jvm": 0.0, "jvm_pid": None}
def jvm_pid():
    if peak["jvm_pid"] is None and engine == "spark" and "pyspark" in sys.modules:
        gateway = sys.modules["pyspark"].SparkContext._gateway  # set once the JVM started
        if gateway is not None:
            peak["jvm_pid"] = gateway.proc.pid
    return peak["jvm_pid"]
def sample():  # the driver's and the JVM's resident memory, apart, every 0.2 s
    while True:
        peak["python"] = max(peak["python"], rss())
        pid = jvm_pid()
        if pid:
            peak["jvm"] = max(peak["jvm"], rss(pid))
        time.sleep(0.2)
threading.Thread(target=sample, daemon=True).start()
def progress(message):  # the driver's resident memory as each step starts
    stages.append((round(time.perf_counter() - start, 1), message[:60], round(rss())))
start = time.perf_counter()
report = analyze(paths, AnalyzeOptions(db=":memory:", engine=engine, spark_master=master),
                 progress)
seconds = time.perf_counter() - start
def hwm(pid="self"):  # peak resident MB (VmHWM) of this process's own memory, or the JVM's
    status = open(f"/proc/{pid}/status").read()
    return int(status.split("VmHWM:")[1].split()[0]) / 1024
jvm_hwm = hwm(jvm_pid()) if engine == "spark" else 0.0  # (read before the JVM stops)
print(json.dumps({"seconds": seconds, "requests": report.ingest.accepted,
                  "python_mb": hwm(), "python_maxrss_mb":
                      resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "python_sampled_mb": peak["python"], "jvm_mb": max(jvm_hwm, peak["jvm"]),
                  "stages": stages,
                  "cost": str(next(s for s in report.scenarios if s.name == "routed")
                              .monthly_cost_usd)}))
"""


def log_set(rows: int) -> Path:
    """`rows` requests in FILES files: a/ and b/ of JSON lines, c/ and d/ of Parquet, over the
    same SPAN_SECONDS at every size (a busier month, not a longer one: the tables the driver
    takes back are per day and per busy minute, so they grow with the span, not the requests)."""
    root = OUT / f"spark_logs_{rows}"
    done = OUT / f"spark_logs_{rows}.done"  # (outside the folder plan reads)
    if done.exists():
        return root
    per = rows // FILES
    whole = OUT / f"spark_whole_{rows}.jsonl"
    generate(whole, rows)
    con = duckdb.connect()
    # request i at SPAN_SECONDS * i / rows seconds (bench_analyze's generate: 2 s apart)
    con.execute(f"""CREATE TABLE log AS SELECT * REPLACE (strftime(TIMESTAMP '2026-10-01'
        + to_seconds(CAST(split_part(request_id, '-', 2) AS BIGINT) * {SPAN_SECONDS} // {rows}),
        '%Y-%m-%dT%H:%M:%SZ') AS timestamp) FROM read_json('{whole}')""")
    whole.unlink()
    for i in range(FILES):
        folder = root / "abcd"[i // 2]
        folder.mkdir(parents=True, exist_ok=True)
        part = f"SELECT * FROM log LIMIT {per} OFFSET {i * per}"
        if i < FILES // 2:
            con.execute(f"COPY ({part}) TO '{folder / f'part{i}.jsonl'}' (FORMAT json)")
        else:
            con.execute(f"COPY ({part}) TO '{folder / f'part{i}.parquet'}' (FORMAT parquet)")
    done.touch()
    return root


def run(engine: str, root: Path) -> dict[str, object]:
    master = "local[2]" if engine == "spark" else ""
    out = subprocess.run([sys.executable, "-c", _CHILD, engine, master, str(root)],
                         capture_output=True, text=True, env={**os.environ, "TZ": "UTC"})
    if out.returncode:  # what went wrong, without Spark's warnings
        errors = [x for x in out.stderr.splitlines() if " WARN " not in x and "\tat " not in x]
        raise SystemExit(f"{engine} at {root.name} failed:\n" + "\n".join(errors[-30:]))
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str]) -> None:
    """Every size with both engines, or (for a look at one) `SIZE ENGINE...` from argv."""
    OUT.mkdir(exist_ok=True)
    sizes = [int(argv[0])] if argv else SIZES
    engines = argv[1:] or ["duckdb", "spark"]
    lines = []
    for rows in sizes:
        root = log_set(rows)
        for engine in engines:
            started = time.strftime("%H:%M:%S")
            r = run(engine, root)
            line = (f"{rows:>9,} requests, {FILES} files in 4 folders, {engine:6}: "
                    f"{r['seconds']:7.1f} s, plan process peak {r['python_mb']:6.0f} MB "
                    f"(ru_maxrss {r['python_maxrss_mb']:.0f} MB), "
                    f"JVM peak {r['jvm_mb']:6.0f} MB, routed ${r['cost']}/month "
                    f"(started {started})")
            print(line, flush=True)
            # the driver's resident memory as each step began (seconds, step, MB)
            print("    " + "; ".join(f"{t}s {m} {mb}" for t, m, mb in r["stages"]), flush=True)
            lines.append(line)
    if not argv:
        (OUT / "bench_spark.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])

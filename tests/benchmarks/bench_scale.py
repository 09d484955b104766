"""`make bench`, issue 18's rows: a small log end to end, peak memory as the log grows, a cold
analyze against a bare load into a database file (time and bytes written). (Issue 17's JSON
sources against the canonical log with the same text: bench_sources.py.)

Every figure is of a process of its own (`plan` or `python -c`), measured by the kernel when it
ends (os.wait4): wall time, CPU time (user + system, every thread), peak resident memory and
bytes written to disk. The two sides of a ratio are run in turns (a, b, a, b, ...) and each
keeps its best, so that this shared machine's drift falls on both. Read ratios, not seconds.

    python -m tests.benchmarks.bench_scale [SIZES]

SIZES: requests per memory row, e.g. 1M,10M,30M (default 1M,10M,100M), or "none". The
cold-analyze row runs at the second size (10M). Each log is written to a temporary folder (or
PLAN_BENCH_DIR) by a process of its own (so that its memory is not counted as a child's peak)
and deleted after: JSON lines up to 10M requests (2.7 GB), gzipped JSON lines above (`gzip -1`,
25 bytes a request: 100M requests are 2.5 GB, not 26.8 GB; plan reads .jsonl.gz as it streams).
"""

from __future__ import annotations

import compileall
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple

from tests.benchmarks.bench_analyze import generate

PLAN = str(Path(sys.executable).parent / "plan")
ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
SMALL = 1_000
REPEATS = 5  # of the small runs
BIG_REPEATS = 1  # of the cold analyze at 10M and its bare load (minutes each on 2 cores)
# Far enough back that 100M requests two seconds apart end before today (six years).
START = "2020-06-01"
MB = 2**20
# The largest log written as plain JSON lines; larger ones are gzipped.
PLAIN_MOST = 10_000_000
# Disk a run needs per request, besides its log (268 bytes a line, 25 gzipped): the database (14
# bytes) and what the stages after ingest spill at the default memory limit, with room to spare.
DISK_PER_REQUEST = 150
LOG_BYTES = {False: 270, True: 30}  # per request: plain, gzipped


class Run(NamedTuple):
    wall: float  # seconds
    cpu: float  # seconds, user + system, all threads
    rss: int  # peak resident bytes
    written: int  # bytes the process wrote to disk (block-layer writes)

    def text(self) -> str:
        return (f"{self.wall:.2f} s (CPU {self.cpu:.2f} s), peak RSS {self.rss / MB:,.0f} MB, "
                f"written {self.written / MB:,.0f} MB")


def run(argv: Sequence[str], env: dict[str, str] | None = None) -> Run:
    """One process, measured by the kernel when it ends."""
    start = time.perf_counter()
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             env={**os.environ, **(env or {})})
    assert child.stderr is not None
    errors = child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode not in (0, None):
        raise RuntimeError(f"{argv[:3]} failed ({child.returncode}): {errors.decode()[-2000:]}")
    # ru_oublock counts 512-byte blocks written (Linux: the task's write_bytes / 512)
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024,
               usage.ru_oublock * 512)


Step = tuple[Sequence[str], Callable[[], None] | None]  # a command, what to do before it


def turns(*steps: Step, repeats: int) -> list[Run]:
    """Each command's best wall time (and, separately, best CPU time and bytes written; the
    highest peak RSS) of `repeats`, the commands taking turns; each step's callable (e.g. to
    delete the database) runs before its command."""
    runs: list[list[Run]] = [[] for _ in steps]
    for _ in range(repeats):
        for (command, before), out in zip(steps, runs, strict=True):
            if before is not None:
                before()
            out.append(run(command))
    return [Run(min(r.wall for r in rs), min(r.cpu for r in rs), max(r.rss for r in rs),
                min(r.written for r in rs)) for rs in runs]


def ratio(ours: Run, base: Run) -> str:
    return f"{ours.wall / base.wall:.2f}x (CPU {ours.cpu / base.cpu:.2f}x)"


def fresh(*paths: Path) -> None:
    for path in paths:
        for p in (path, path.with_name(path.name + ".wal")):
            p.unlink(missing_ok=True)
        shutil.rmtree(path.with_name(path.name + ".tmp"), ignore_errors=True)


def analyze_argv(log: Path, database: str, *extra: str) -> list[str]:
    return [PLAN, "analyze", str(log), "--db", database, "-f", "json", *extra]


def ctas_argv(log: Path, database: Path) -> list[str]:
    """DuckDB's bare load into a database file, with DuckDB's own settings."""
    return [PYTHON, "-c", "import duckdb, sys; duckdb.connect(sys.argv[1]).execute("
            "\"CREATE TABLE t AS SELECT * FROM read_json('\" + sys.argv[2] + \"')\")",
            str(database), str(log)]


def startup(tmp: Path) -> None:
    """Row 3: a 1,000-line log end to end, against a bare `import duckdb` and one query. plan's
    modules are compiled to bytecode first, as an install leaves them (pip compiles what it
    installs; under PYTHONDONTWRITEBYTECODE an editable install would compile them every run)."""
    for package in ("cli", "planner", "pricing"):
        compileall.compile_dir(ROOT / package, quiet=1)
    log = tmp / "small.jsonl"
    generate(log, SMALL, text=False, start="2026-11-01")
    texted = tmp / "small-text.jsonl"
    generate(texted, SMALL, text=True, start="2026-11-01")
    database = tmp / "small.duckdb"
    bare = [PYTHON, "-c", "import duckdb; duckdb.connect().execute('SELECT 1').fetchall()"]
    def new_database() -> None:
        fresh(database)

    base, cold, warm, cold_text = turns(
        (bare, None), (analyze_argv(log, str(database)), new_database),
        (analyze_argv(log, str(database)), None),  # the database the run before made
        (analyze_argv(texted, str(database)), new_database), repeats=REPEATS)
    print(f"1,000-line log, end to end (`plan analyze -f json`, best of {REPEATS}; goal <= 0.5 s)")
    print(f"  python, import duckdb, one query: {base.text()}")
    print(f"  new database (ingest, migrations, macros): {cold.text()}; {ratio(cold, base)}")
    print(f"  database holding the log already: {warm.text()}; {ratio(warm, base)}")
    print(f"  with prompt text (text signals: the embedding model loads): {cold_text.text()}")


def memory(tmp: Path, sizes: Sequence[int]) -> None:
    """Row 2 and row 4: peak RSS of `plan analyze` (default on-disk database, default memory
    limit) as the log grows; at the second size, the cold analyze against a bare load."""
    print("\npeak RSS, `plan analyze` of N canonical requests (default on-disk database; goal "
          "<= 1 GB, flat from 10M to 100M)")
    for number, rows in enumerate(sizes):
        gz = rows > PLAIN_MOST
        log = tmp / f"canonical_{rows}.jsonl{'.gz' if gz else ''}"
        free = shutil.disk_usage(tmp).free
        need = rows * (DISK_PER_REQUEST + LOG_BYTES[gz])
        if free < need:  # a shared disk filled up fails more than this run
            print(f"  {rows:>11,} requests: skipped: {free / 1e9:,.0f} GB free, the log, the "
                  f"database and the spill need about {need / 1e9:,.0f} GB", flush=True)
            continue
        began = time.perf_counter()
        write_log(log, rows, gz)
        made = time.perf_counter() - began
        database = tmp / "big.duckdb"
        try:
            if number == 1:  # the cold analyze row's own runs
                ours, size = cold_analyze(log, rows, database, tmp / "ctas.duckdb")
            else:
                fresh(database)
                ours = run(analyze_argv(log, str(database)))
                size = database.stat().st_size
            print(f"  {rows:>11,} requests ({log.stat().st_size / 1e9:,.1f} GB"
                  f"{' gzipped' if gz else ''}, generated in {made:.0f} s): {ours.text()}, "
                  f"database {size / MB:,.0f} MB", flush=True)
        except RuntimeError as exc:  # a failed size is a result too
            print(f"  {rows:>11,} requests: failed: {str(exc)[:300]}", flush=True)
        log.unlink()
        fresh(database)


def write_log(path: Path, rows: int, gz: bool) -> None:
    """`rows` canonical requests (bench_analyze.generate) written by a process of its own: a
    child's peak RSS (os.wait4) counts its parent's when the parent forks it, so the parent
    stays small; gzipped through a pipe when `gz` (DuckDB's own gzip writer is single-threaded
    and slow: 23 MB a minute)."""
    target = path.with_name(path.name + ".fifo") if gz else path
    code = ("import sys; from pathlib import Path; from tests.benchmarks.bench_analyze import "
            "generate; generate(Path(sys.argv[1]), int(sys.argv[2]), start=sys.argv[3])")
    packer = None
    if gz:
        os.mkfifo(target)
        packer = subprocess.Popen(["sh", "-c", f"gzip -1 < {shlex.quote(str(target))} > "
                                               f"{shlex.quote(str(path))}"])
    try:
        subprocess.run([PYTHON, "-c", code, str(target), str(rows), START], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       cwd=Path(__file__).resolve().parents[2])
    finally:
        if packer is not None:
            try:  # gzip still waiting for a writer (the generator failed first): release it
                os.close(os.open(target, os.O_WRONLY | os.O_NONBLOCK))
            except OSError:
                pass
            code_gz = packer.wait()
            target.unlink()
            if code_gz != 0:
                raise RuntimeError(f"gzip failed writing {path}")


def cold_analyze(log: Path, rows: int, ours_db: Path, base_db: Path) -> tuple[Run, int]:
    """Row 4: cold `plan analyze` into a database file against a bare CTAS into one; the
    analyze run and its database's size."""
    def new_databases() -> None:
        fresh(ours_db, base_db)

    ours, base = turns((analyze_argv(log, str(ours_db)), new_databases),
                       (ctas_argv(log, base_db), None), repeats=BIG_REPEATS)
    plan_size, base_size = ours_db.stat().st_size, base_db.stat().st_size
    print("\n".join([
        f"\ncold analyze of {rows:,} canonical requests into a database file (best of "
        f"{BIG_REPEATS}, in turns; goal <= 2.5x the bare load, written <= 3x the database)",
        f"  bare load (CREATE TABLE AS SELECT * FROM read_json): {base.text()}, database "
        f"{base_size / MB:,.0f} MB",
        f"  plan analyze: {ours.text()}, database {plan_size / MB:,.0f} MB",
        f"  ratio: {ratio(ours, base)}; written / database size: "
        f"{ours.written / plan_size:.1f}x (bare load: {base.written / base_size:.1f}x)\n"]),
        flush=True)
    fresh(base_db)
    return ours, plan_size


def _count(text: str) -> int:
    text = text.strip().upper()
    scale = {"K": 10**3, "M": 10**6}.get(text[-1:], 1)
    return int(float(text.rstrip("KM")) * scale)


def main() -> None:
    given = sys.argv[1] if len(sys.argv) > 1 else "1M,10M,100M"
    sizes = [] if given == "none" else [_count(s) for s in given.split(",")]
    root = Path(os.environ.get("PLAN_BENCH_DIR", tempfile.gettempdir()))
    with tempfile.TemporaryDirectory(prefix="plan-bench-", dir=root) as folder:
        tmp = Path(folder)
        print(json.dumps({"cpus": os.cpu_count(), "sizes": sizes}))
        startup(tmp)
        if sizes:
            memory(tmp, sizes)


if __name__ == "__main__":
    main()

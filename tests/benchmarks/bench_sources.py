"""`make bench`, issue 17's row: the ingest of each JSON source added in issue 17 against the
ingest of the canonical log carrying the same requests and text (README: nested sources ingest
in 1.45-1.58x that), at 1M lines by default.

Each ingest is a process of its own (`python -c`, the planner of this checkout, or of --before
DIR's for a before/after figure), taking turns with the others (canonical, source, before, ...
repeated), each keeping its best: the CPU time (user + system, every thread) and wall time of
the ingest alone, as the child measures them, and the process's peak RSS, as the kernel does
(os.wait4). The machine's load average is printed beside each row: read the CPU ratios.

    python -m tests.benchmarks.bench_sources [ROWS] [SOURCES] [--before DIR] [--repeats N]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import NamedTuple

from tests.benchmarks.bench_analyze import generate, generate_nested
from tests.benchmarks.bench_scale import _count

# openai-chat first: the nested source the README's range was measured on, timed in the same
# turns (its own ratio has moved since: the API-body stage it shares with the HTTP captures)
SOURCES = ("openai-chat", "gemini", "bedrock-invocation", "cohere-chat", "openrouter", "groq",
           "langfuse-trace")
ROWS = 1_000_000
REPEATS = 3
MB = 2**20
HERE = Path(__file__).resolve().parents[2]  # this checkout
# The child: one ingest into an in-memory database, its own CPU and wall time on stdout.
CHILD = """
import json, resource, sys, time
from pathlib import Path
from planner import db
from planner.stages import ingest
con = db.connect(":memory:")
usage, wall = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
[f] = ingest.ingest(con, [Path(sys.argv[1])])
after = resource.getrusage(resource.RUSAGE_SELF)
assert f.lines_read and not f.rejected, f
hwm = int(Path("/proc/self/status").read_text().split("VmHWM:")[1].split()[0]) * 1024
print(json.dumps({"cpu": after.ru_utime + after.ru_stime - usage.ru_utime - usage.ru_stime,
                  "wall": time.perf_counter() - wall, "hwm": hwm}))
"""


class Ingest(NamedTuple):
    cpu: float  # seconds, the ingest alone
    wall: float
    rss: int  # the process's peak resident bytes


def ingest_once(path: Path, checkout: Path | None) -> Ingest:
    env = dict(os.environ)
    if checkout is not None:  # its planner, ahead of this checkout's installed one
        env["PYTHONPATH"] = str(checkout)
    # (in the checkout's folder: `python -c` puts the working directory first on sys.path)
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(path)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, env=env, cwd=checkout or HERE)
    assert child.stdout is not None and child.stderr is not None
    out, errors = child.stdout.read(), child.stderr.read()  # (stderr: a few lines at most)
    _, status, usage = os.wait4(child.pid, 0)  # the kernel's figures for the child
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode or not out:
        raise RuntimeError(f"ingest of {path} failed: {errors.decode()[-2000:]}")
    measured = json.loads(out)
    # (the child's own peak, VmHWM: Linux starts a spawned program's ru_maxrss at its
    # spawner's, and this process generated the logs)
    return Ingest(measured["cpu"], measured["wall"], measured["hwm"])


def best(runs: list[Ingest]) -> Ingest:
    return Ingest(min(r.cpu for r in runs), min(r.wall for r in runs), max(r.rss for r in runs))


def main() -> None:
    args = sys.argv[1:]
    before = Path(args[args.index("--before") + 1]) if "--before" in args else None
    repeats = int(args[args.index("--repeats") + 1]) if "--repeats" in args else REPEATS
    plain = [a for i, a in enumerate(args) if not a.startswith("--")
             and (i == 0 or not args[i - 1].startswith("--"))]
    rows = _count(plain[0]) if plain else ROWS
    kinds = plain[1].split(",") if len(plain) > 1 else list(SOURCES)
    root = Path(os.environ.get("PLAN_BENCH_DIR", tempfile.gettempdir()))
    with tempfile.TemporaryDirectory(prefix="plan-bench-", dir=root) as folder:
        texted = Path(folder) / "canonical-text.jsonl"
        generate(texted, rows, text=True, start="2026-10-01")
        print(f"ingest of {rows:,} lines of each source against the canonical log with the same "
              f"text ({texted.stat().st_size / 1e6:,.0f} MB), best of {repeats} in turns, CPU "
              "time of the ingest (wall time), peak RSS; README range for nested sources: "
              "1.45-1.58x" + (f"; before: the planner of {before}" if before else ""))
        for kind in kinds:
            nested = Path(folder) / f"{kind}.jsonl"
            generate_nested(nested, kind, rows)
            sides: list[tuple[Path, Path | None]] = [(texted, None), (nested, None)]
            if before is not None:
                sides.append((nested, before))
            runs: list[list[Ingest]] = [[] for _ in sides]
            for _ in range(repeats):
                for (path, checkout), out in zip(sides, runs, strict=True):
                    out.append(ingest_once(path, checkout))
            base, ours, *then = [best(r) for r in runs]
            text = (f"  {kind} ({nested.stat().st_size / 1e6:,.0f} MB): CPU {ours.cpu:.2f} s "
                    f"against {base.cpu:.2f} s: {ours.cpu / base.cpu:.2f}x (wall "
                    f"{ours.wall / base.wall:.2f}x); peak RSS {ours.rss / MB:,.0f} / "
                    f"{base.rss / MB:,.0f} MB")
            if then:
                text += (f"; before: {then[0].cpu / base.cpu:.2f}x (wall "
                         f"{then[0].wall / base.wall:.2f}x), {then[0].rss / MB:,.0f} MB")
            print(text + f"; load {os.getloadavg()[0]:.1f}", flush=True)
            nested.unlink()


if __name__ == "__main__":
    main()

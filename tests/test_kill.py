"""Fault injection (issue 19): `plan analyze` killed (SIGKILL) at random points while it ingests
into a database file; the next run on the same database reports exactly what a clean run does.
Three kills in the default run, 20 more under `pytest -m slow`."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.test_ingest import GOOD


def _logs(tmp_path: Path) -> list[str]:
    paths = []
    for n in range(3):
        path = tmp_path / f"part{n}.jsonl"
        path.write_text("\n".join(json.dumps({
            **GOOD, "request_id": f"{n}-{i}", "workload": f"w{i % 5}", "input_tokens": 10 + i % 97,
            "timestamp": f"2026-01-{1 + i % 28:02d}T{i % 24:02d}:00:00Z",
            **({"input_tokens": "NaN"} if i % 101 == 0 else {}),
        }) for i in range(20_000)) + "\n")
        paths.append(str(path))
    return paths


def _plan(*args: str) -> list[str]:
    return [sys.executable, "-c", "from cli.app import main; main()", "analyze", *args,
            "-f", "json"]


def _report(paths: list[str], db: Path) -> dict:
    out = subprocess.run(_plan(*paths, "--db", str(db)), capture_output=True, text=True,
                         check=False, env={**os.environ, "TZ": "UTC"})
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    for f in report["ingest"]["files"]:
        del f["reused"]  # the one thing a re-run may differ in
    return report


def _kill_and_rerun(tmp_path: Path, kills: int, seed: int) -> None:
    paths = _logs(tmp_path)
    clean = _report(paths, tmp_path / "clean.duckdb")
    rng = random.Random(seed)
    db = tmp_path / "killed.duckdb"
    for _ in range(kills):
        proc = subprocess.Popen(_plan(*paths, "--db", str(db)), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, env={**os.environ, "TZ": "UTC"})
        # a random point of the run: opening the database, ingesting one of the files, or later
        time.sleep(rng.uniform(0.3, 1.8))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert _report(paths, db) == clean
        db.unlink(missing_ok=True)  # the next kill starts from nothing again
        Path(f"{db}.wal").unlink(missing_ok=True)


def test_a_killed_ingest_never_leaves_a_wrong_report(tmp_path):
    _kill_and_rerun(tmp_path, 3, 19)


@pytest.mark.slow
def test_twenty_killed_ingests_never_leave_a_wrong_report(tmp_path):
    _kill_and_rerun(tmp_path, 20, 20)

"""A re-run whose saved `usage` is large restores it as a view of the saved table, not a copy
(planner/stages/snapshot.py, LARGE_USAGE): the same report, to the cent, as a cold run, for
each assumption only the projection reads (on-prem modes included: they read its per-minute
rows)."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from planner.stages import snapshot
from tests.conftest import SAMPLE_LOGS
from tests.test_reprojection import _json, primed  # noqa: F401 (a fixture)

CHANGES = [
    ["--escalation", "0.3"],
    ["--onprem-mode", "owned"],
    ["--onprem-mode", "autoscaled", "--utilization", "0.5"],
    ["--growth", "0.1", "--months", "6", "--budget", "50"],
]


@pytest.mark.parametrize("change", CHANGES, ids=" ".join)
def test_a_large_usage_restored_as_a_view_reports_what_a_cold_run_does(
        run, primed, tmp_path, monkeypatch, change):  # noqa: F811
    database = tmp_path / "plan.duckdb"
    shutil.copy(primed / "plan.duckdb", database)
    with duckdb.connect(str(database), read_only=True) as con:
        saved = con.execute("SELECT count(*) FROM snapshot_usage").fetchone()[0]
        key = con.execute("SELECT key FROM plan_snapshot").fetchone()[0]
    assert saved > 0
    monkeypatch.setattr(snapshot, "LARGE_USAGE", saved - 1)  # this snapshot's usage is large
    made: list[str] = []
    restore = snapshot.restore

    def spy(con, digest):
        window = restore(con, digest)
        made.extend(r[0] for r in con.execute(
            "SELECT table_type FROM information_schema.tables WHERE table_name = 'usage'"
            " AND table_schema = 'main' AND table_catalog = 'temp'").fetchall())
        return window

    monkeypatch.setattr(snapshot, "restore", spy)
    warm = _json(run, str(SAMPLE_LOGS), "--db", str(database), *change)
    assert made == ["VIEW"]  # the restored path was taken, with the view
    monkeypatch.undo()
    cold = _json(run, str(SAMPLE_LOGS), "--db", ":memory:", *change)
    assert warm == cold
    with duckdb.connect(str(database), read_only=True) as con:
        assert con.execute("SELECT key FROM plan_snapshot").fetchone()[0] == key

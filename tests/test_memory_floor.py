"""The least --memory-limit plan accepts (planner/memory.py, LEAST): below it, one line naming
the option and exit code 2 before anything is read; at it, a log is analysed."""

from __future__ import annotations

import json

import pytest

from planner import memory
from tests.conftest import SAMPLE_LOGS


@pytest.mark.parametrize("text", ["64MB", "128MB", "150MiB"])
def test_a_limit_under_the_floor_is_refused_naming_the_option(run, text):
    with pytest.raises(ValueError, match="under 160MB"):
        memory.parse_size(text)
    result = run("analyze", str(SAMPLE_LOGS), "--db", ":memory:", "--memory-limit", text)
    assert result.exit_code == 2 and result.stdout == ""
    assert "--memory-limit" in result.stderr and result.stderr.count("\n") == 1


def test_a_log_is_analysed_at_the_floor(run, tmp_path):
    assert memory.parse_size("160MB") == 160 * 10**6 == memory.LEAST
    result = run("analyze", str(SAMPLE_LOGS), "--db", str(tmp_path / "plan.duckdb"),
                 "--memory-limit", "160MB", "-f", "json")
    assert result.exit_code == 0, result.stderr
    # sample_logs/: 4,718 lines read, each accounted for
    ingest = json.loads(result.stdout)["ingest"]
    assert ingest["read"] == 4718
    assert ingest["read"] == (ingest["accepted"] + ingest["rejected"] + ingest["duplicates"]
                              + ingest["failed"] + ingest["outside"])

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.app import app

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
SAMPLE_LOGS = ROOT / "sample_logs"


@pytest.fixture(scope="session", autouse=True)
def _own_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The suite's cache entries (prepared databases, price tables read, example vectors: see
    pricing/cache.py) go to a folder of its own, not the user's ~/.cache/plan, which the many
    temporary price files of the tests would otherwise fill. Child processes inherit it."""
    import os

    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("cache"))


@pytest.fixture
def write_log(tmp_path: Path) -> Callable[..., Path]:
    """Write records (dicts are JSON-encoded, strings written as they are) to a .jsonl file."""

    def write(records: list[dict | str], name: str = "log.jsonl") -> Path:
        path = tmp_path / name
        lines = [r if isinstance(r, str) else json.dumps(r) for r in records]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    return write


class Result:
    def __init__(self, exit_code: int, stdout: str, stderr: str) -> None:
        self.exit_code, self.stdout, self.stderr = exit_code, stdout, stderr


@pytest.fixture
def run() -> Callable[..., Result]:
    """Run the CLI in-process; returns exit code, stdout and stderr separately."""

    def invoke(*args: str) -> Result:
        runner = CliRunner()
        res = runner.invoke(app, list(args), env={"COLUMNS": "100", "NO_COLOR": "1"})
        if res.exception and not isinstance(res.exception, SystemExit):
            raise res.exception
        return Result(res.exit_code, res.stdout, res.stderr)

    return invoke

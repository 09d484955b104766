"""Directories are read recursively (date-partitioned logs), hidden entries and files that are
not logs skipped and counted; --no-recursive reads the top folder only. Real files
(tests/fixtures/real) are copied into a folder tree; their line counts come from the files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from planner.discover import discover
from planner.errors import InputError
from planner.ingest import IngestOptions
from planner.pipeline import AnalyzeOptions, analyze

REAL = Path(__file__).parent / "fixtures" / "real"


def lines(name: str) -> int:
    return len((REAL / name).read_text(encoding="utf-8").splitlines())


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """logs/ with one log at the top, two in date folders, a config, notes, a hidden folder."""
    top = tmp_path / "logs"
    for folder, name in (("", "groq_vcr.derived.jsonl"),
                         ("2026/01", "openai_vcr.derived.jsonl"),
                         ("2026/02", "anthropic_vcr.derived.jsonl"),
                         (".cache", "litellm_batch_output_sample.jsonl")):
        (top / folder).mkdir(parents=True, exist_ok=True)
        shutil.copy(REAL / name, top / folder / name)
    (top / "plan.yaml").write_text("pricing: 2026-11-22\n", encoding="utf-8")
    (top / "2026" / "NOTES.md").write_text("# notes\n", encoding="utf-8")
    return top


def test_subfolders_are_read_and_the_rest_counted(tree: Path):
    report = analyze([str(tree)], AnalyzeOptions(db=":memory:"))
    names = sorted(Path(f.path).name for f in report.ingest.files)
    assert names == ["anthropic_vcr.derived.jsonl", "groq_vcr.derived.jsonl",
                     "openai_vcr.derived.jsonl"]
    i = report.ingest
    assert i.read == sum(map(lines, names))
    assert i.read == i.accepted + i.rejected + i.duplicates + i.failed
    [note] = [w for w in report.warnings if w.startswith("log folders:")]
    assert f"{tree} 1, {tree / '2026' / '01'} 1, {tree / '2026' / '02'} 1" in note
    assert "skipped 2 files that are not logs (.md: 1, .yaml: 1)" in note
    assert "skipped 1 hidden entry" in note


def test_no_recursive_reads_the_top_folder_only(tree: Path):
    report = analyze([str(tree)], AnalyzeOptions(
        db=":memory:", reading=IngestOptions(recursive=False)))
    assert [Path(f.path).name for f in report.ingest.files] == ["groq_vcr.derived.jsonl"]
    assert report.ingest.read == lines("groq_vcr.derived.jsonl")
    [note] = [w for w in report.warnings if w.startswith("log folders:")]
    assert "left 1 subfolder unread (--no-recursive)" in note
    assert "(.yaml: 1)" in note  # NOTES.md is in a folder not read


def test_a_folder_with_logs_only_in_subfolders(tree: Path):
    (tree / "groq_vcr.derived.jsonl").unlink()
    assert len(discover([str(tree)]).files) == 2
    with pytest.raises(InputError, match="no log files in this directory .--no-recursive"):
        discover([str(tree)], recursive=False)


def test_the_cli_flag(run, tree: Path):
    res = run("analyze", str(tree), "--db", ":memory:", "--no-recursive", "-f", "json")
    assert res.exit_code == 0, res.stderr
    assert "left 1 subfolder unread" in res.stderr

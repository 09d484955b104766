"""Directories are read recursively (date-partitioned logs), hidden entries and files that are
not logs skipped and counted; --no-recursive reads the top folder only. Real files
(tests/fixtures/real) are copied into a folder tree; their line counts come from the files."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest

from planner.errors import InputError
from planner.pipeline import AnalyzeOptions, analyze
from planner.stages.discover import discover
from planner.stages.ingest import IngestOptions

REAL = Path(__file__).parent / "fixtures" / "real"
GROQ = REAL / "vendors" / "groq_vcr.derived.jsonl"


def lines(name: str) -> int:
    return len((REAL / name).read_text(encoding="utf-8").splitlines())


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """logs/ with one log at the top, two in date folders, a config, notes, a hidden folder."""
    top = tmp_path / "logs"
    for folder, name in (("", "vendors/groq_vcr.derived.jsonl"),
                         ("2026/01", "openai_vcr.derived.jsonl"),
                         ("2026/02", "anthropic_vcr.derived.jsonl"),
                         (".cache", "litellm_batch_output_sample.jsonl")):
        (top / folder).mkdir(parents=True, exist_ok=True)
        shutil.copy(REAL / name, top / folder / Path(name).name)
    (top / "plan.yaml").write_text("pricing: 2026-11-22\n", encoding="utf-8")
    (top / "2026" / "NOTES.md").write_text("# notes\n", encoding="utf-8")
    return top


def test_subfolders_are_read_and_the_rest_counted(tree: Path):
    report = analyze([str(tree)], AnalyzeOptions(db=":memory:"))
    names = sorted(Path(f.path).name for f in report.ingest.files)
    assert names == ["anthropic_vcr.derived.jsonl", "groq_vcr.derived.jsonl",
                     "openai_vcr.derived.jsonl"]
    i = report.ingest
    assert i.read == (lines("anthropic_vcr.derived.jsonl") + lines("openai_vcr.derived.jsonl")
                      + lines("vendors/groq_vcr.derived.jsonl"))
    assert i.read == i.accepted + i.rejected + i.duplicates + i.failed
    [note] = [w for w in report.warnings if w.startswith("log folders:")]
    assert f"{tree} 1, {tree / '2026' / '01'} 1, {tree / '2026' / '02'} 1" in note
    assert "skipped 2 files that are not logs (.md: 1, .yaml: 1)" in note
    assert "skipped 1 hidden entry" in note


def test_no_recursive_reads_the_top_folder_only(tree: Path):
    report = analyze([str(tree)], AnalyzeOptions(
        db=":memory:", reading=IngestOptions(recursive=False)))
    assert [Path(f.path).name for f in report.ingest.files] == ["groq_vcr.derived.jsonl"]
    assert report.ingest.read == lines("vendors/groq_vcr.derived.jsonl")
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


# --- encodings and line ends, as Windows tools write them -----------------------------------

def groq_records() -> list[dict]:
    return [json.loads(x) for x in
            (GROQ).read_text(encoding="utf-8").splitlines()]


def read_as(path: Path) -> tuple[int, int, str]:
    report = analyze([str(path)], AnalyzeOptions(db=":memory:"))
    i = report.ingest
    assert i.read == i.accepted and i.rejected == 0
    return i.accepted, sum(w.input_tokens for w in report.workloads), i.files[0].source


def test_bom_and_crlf_files_are_read_like_plain_ones(tmp_path: Path):
    records = groq_records()
    plain = read_as(GROQ)
    assert plain[0] == len(records)
    # PowerShell's ConvertTo-Json | Out-File -Encoding utf8: a BOM, an indented array, CRLF.
    array = tmp_path / "export.json"
    array.write_bytes(b"\xef\xbb\xbf" + json.dumps(records, indent=2).replace(
        "\n", "\r\n").encode("utf-8"))
    lines = tmp_path / "export.jsonl"
    lines.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(
        json.dumps(r) for r in records[:1]).encode("utf-8") + b"\r\n")
    crlf = tmp_path / "windows.jsonl"  # CRLF line ends, no BOM
    crlf.write_bytes(GROQ.read_bytes().replace(b"\n", b"\r\n"))
    assert read_as(array) == plain
    assert read_as(crlf) == plain
    one = read_as(lines)
    assert one[0] == 1 and one[2] == "http-capture"  # detected, though its one line has a BOM


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_with_a_mark_are_read_like_utf8(tmp_path: Path, encoding: str):
    # PowerShell's `>` and Out-File write UTF-16 with a byte-order mark and CRLF line ends
    text = GROQ.read_text(encoding="utf-8").replace("\n", "\r\n")
    mark = {"utf-16": "", "utf-16-be": "\ufeff", "utf-32": ""}[encoding]  # -be writes none
    lines = tmp_path / "powershell.jsonl"
    lines.write_bytes((mark + text).encode(encoding))
    array = tmp_path / "export.json"  # ConvertTo-Json > export.json: one indented array
    array.write_bytes((mark + json.dumps(groq_records(), indent=2)).encode(encoding))
    packed = tmp_path / "packed.jsonl.gz"
    packed.write_bytes(gzip.compress((mark + text).encode(encoding)))
    plain = read_as(GROQ)
    assert plain[0] == len(groq_records())
    assert read_as(lines) == plain
    assert read_as(array) == plain
    assert read_as(packed) == plain


def test_a_utf16_file_in_a_folder_is_read_with_the_rest(tmp_path: Path):
    def folder(name: str, encoding: str) -> tuple[int, int, int, int]:
        (tmp_path / name).mkdir()
        shutil.copy(GROQ, tmp_path / name / "groq.jsonl")
        (tmp_path / name / "anthropic.jsonl").write_bytes(
            (REAL / "anthropic_vcr.derived.jsonl").read_text(encoding="utf-8").encode(encoding))
        i = analyze([str(tmp_path / name)], AnalyzeOptions(db=":memory:")).ingest
        return len(i.files), i.read, i.accepted, i.failed

    utf16 = folder("utf16", "utf-16")
    assert utf16 == folder("utf8", "utf-8")
    assert utf16[:2] == (2, len(groq_records()) + lines("anthropic_vcr.derived.jsonl"))


def test_samples_reread_a_utf16_file_by_line(tmp_path: Path):
    from planner.samples import samples
    path = tmp_path / "powershell.jsonl"
    path.write_bytes(GROQ.read_text(encoding="utf-8").replace("\n", "\r\n").encode("utf-16"))
    records = groq_records()
    [workload] = {w.workload for w in analyze([str(path)], AnalyzeOptions(db=":memory:")
                                              ).workloads}
    shown = samples([str(path)], AnalyzeOptions(db=":memory:"), workload, limit=len(records))
    assert len(shown) == len(records)
    for s in shown:  # each line's text, read again from the UTF-16 file by its number
        n = int(s.where.rsplit(":", 1)[1])
        said = [m["content"] for m in records[n - 1]["request_body"]["messages"]]
        assert s.text and all(text in s.text for text in said), (n, s.text)


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-32-le"])
def test_utf16_without_a_mark_is_refused_with_the_reason(tmp_path: Path, encoding: str):
    path = tmp_path / "powershell.jsonl"
    path.write_bytes((GROQ).read_text(encoding="utf-8").encode(encoding))
    with pytest.raises(InputError, match="is UTF-16 or UTF-32 text without a byte-order mark"
                       ) as err:
        analyze([str(path)], AnalyzeOptions(db=":memory:"))
    assert str(path) in str(err.value)


def test_a_cloudwatch_export_task_folder_is_read(tmp_path: Path):
    # `aws logs create-export-task` writes exportedlogs/TASK/STREAM/000000.gz (and a write-test
    # file beside): the numbered .gz files are logs, read as JSON lines
    stream = tmp_path / "exportedlogs" / "4f1c" / "aws" / "bedrock" / "modelinvocations"
    stream.mkdir(parents=True)
    for n in (0, 1):
        with gzip.open(stream / f"00000{n}.gz", "wt", encoding="utf-8") as fh:
            fh.write(f"2025-03-11T00:38:0{n}.000Z " + json.dumps({"x": n}) + "\n")
    (tmp_path / "exportedlogs" / "aws-logs-write-test").write_text("Permission Check Successful")
    found = discover([str(tmp_path)])
    assert [p.name for p in found.files] == ["000000.gz", "000001.gz"]
    assert dict(found.skipped) == {"no extension": 1}

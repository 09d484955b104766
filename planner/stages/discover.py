"""Before stage 1: which files the LOGS arguments name (files, directories, glob patterns).

A directory is read recursively by default (date-partitioned logs live in subfolders): every
file whose name ends in a log suffix is read, hidden entries (a name starting with '.') and other
files (.yaml, .md, scripts) are skipped and counted, and the files read per folder are kept, so
that the report can say what was and was not read. `recursive=False` reads the top folder only.
"""

from __future__ import annotations

import errno
import glob
import os
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from planner.errors import InputError

# (.jsonl.out: what a Bedrock batch inference job writes for each input file; its
# manifest.json.out, a summary, is not a log)
LOG_SUFFIXES = tuple(
    ext + gz for ext in (".jsonl", ".ndjson", ".json", ".csv", ".jsonl.out") for gz in ("", ".gz")
) + (".parquet",)

# The files a CloudWatch Logs export task writes to S3 (exportedlogs/TASK/STREAM/000000.gz): JSON
# lines of `TIME message` (sql/14_split_cloudwatch.sql)
EXPORTED = re.compile(r"^[0-9]{6}\.gz$")


# LOGS in a data lake or Spark's catalog, read by --engine spark only (planner/stages/spark/lake.py)
LAKE = re.compile(r"^([a-z][a-z0-9+.-]*://|dbfs:/|table:)", re.I)


@dataclass(frozen=True)
class Discovered:
    files: tuple[Path, ...]
    per_folder: tuple[tuple[str, int], ...] = ()  # folder of a given directory -> files read
    skipped: tuple[tuple[str, int], ...] = ()  # kind of file skipped (its suffix) -> count
    hidden: int = 0  # hidden files and folders skipped
    not_descended: int = 0  # subfolders left unread (recursive=False)
    lake: tuple[str, ...] = ()  # URIs and table:NAME arguments, as given (LAKE)

    def summary(self) -> str | None:
        """One line on what the directories held beyond the files read; None when nothing."""
        parts = []
        if len(self.per_folder) > 1:
            parts.append("files read per folder: "
                         + ", ".join(f"{d} {n}" for d, n in self.per_folder))
        if self.skipped:
            n = sum(c for _, c in self.skipped)
            what = "files that are not logs" if n != 1 else "file that is not a log"
            parts.append(f"skipped {n} {what} ("
                         + ", ".join(f"{k}: {c}" for k, c in self.skipped) + ")")
        if self.hidden:
            parts.append(f"skipped {self.hidden} hidden entr{'ies' if self.hidden != 1 else 'y'}"
                         " (name starting with '.')")
        if self.not_descended:
            parts.append(f"left {self.not_descended} subfolder"
                         f"{'s' * (self.not_descended != 1)} unread (--no-recursive)")
        return "; ".join(parts) if parts else None


def discover(paths: Sequence[str], recursive: bool = True) -> Discovered:
    """Expand files, directories and glob patterns into a de-duplicated, ordered file list."""
    found: list[Path] = []
    per_folder: Counter[str] = Counter()
    skipped: Counter[str] = Counter()
    hidden = not_descended = 0
    paths = [str(raw) for raw in paths]  # a caller of the library may pass Paths
    lake = [raw for raw in paths if LAKE.match(raw)]
    for raw in paths:
        if raw in lake:
            continue
        p = Path(raw)
        if p.is_dir():
            matches, h, n = _walk(p, recursive, skipped)
            hidden, not_descended = hidden + h, not_descended + n
            if not matches:
                raise InputError(
                    f"{p}: no log files in this directory"
                    + ("" if recursive else " (--no-recursive: its subfolders were not read)"),
                    hint=f"plan reads files ending in {', '.join(LOG_SUFFIXES)}",
                )
            per_folder.update(str(m.parent) for m in matches)
        elif p.is_file() or p.is_symlink():
            matches = [p]
        else:
            matches = sorted(Path(m) for m in glob.glob(raw, recursive=True) if Path(m).is_file())
            if not matches:
                raise InputError(f"{raw}: no such file")
        found.extend(_followed(m) for m in matches)
    unique: dict[Path, Path] = {}
    for f in found:
        unique.setdefault(f.resolve(), f)
    return Discovered(tuple(unique.values()), tuple(sorted(per_folder.items())),
                      tuple(sorted(skipped.items())), hidden, not_descended, tuple(lake))


def _walk(top: Path, recursive: bool, skipped: Counter[str]) -> tuple[list[Path], int, int]:
    """The log files under `top` in path order, the hidden entries skipped, the subfolders not
    read; other files are counted in `skipped` by suffix."""
    files: list[Path] = []
    hidden = not_descended = 0
    for folder, dirs, names in os.walk(top):  # symlinked folders are not followed: no loops
        visible = sorted(d for d in dirs if not d.startswith("."))
        hidden += len(dirs) - len(visible)
        if recursive:
            dirs[:] = visible
        else:
            not_descended += len(visible)
            dirs[:] = []
        for name in sorted(names):
            if name.startswith("."):
                hidden += 1
            elif name.lower().endswith(LOG_SUFFIXES) or EXPORTED.match(name):
                files.append(Path(folder) / name)
            else:
                skipped[Path(name).suffix.lower() or "no extension"] += 1
    return sorted(files), hidden, not_descended


def _followed(path: Path) -> Path:
    """`path`, checked that it leads to a file: a symbolic link to nothing, or a loop of links,
    has its own error (it would otherwise fail later, as a traceback)."""
    try:
        path.resolve(strict=True)
    except FileNotFoundError as exc:
        raise InputError(f"{path}: a symbolic link to a missing file",
                         hint="remove the link, or name the files to read") from exc
    except RuntimeError as exc:  # Python < 3.13's "Symlink loop"
        raise InputError(f"{path}: a loop of symbolic links") from exc
    except OSError as exc:
        raise InputError(f"{path}: " + ("a loop of symbolic links" if exc.errno == errno.ELOOP
                                        else f"cannot read: {exc.strerror or exc}")) from exc
    return path

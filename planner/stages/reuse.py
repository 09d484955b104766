"""Stage 1, before a file is read: what the database already holds of it (planner/stages/ingest.py).

A file read before, unchanged and read the same way, is not read again. A file that grew since
(its first bytes are the ones read, new lines follow them) is read from where the stored read
ended: its new lines only, numbered on from the stored ones, in the same file id, so that
stage 30 still finds duplicates across the old part and the new. Any other change, and every
file this cannot be told of safely, is read again whole and replaces the old lines.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import duckdb

from planner.stages.sources import Source

# A file up to this size is hashed whole for its reuse key; a larger one by its first and last
# FINGERPRINT_BYTES / 2 bytes (an edit that keeps size, mtime, head and tail is not seen).
FINGERPRINT_BYTES = 1024 * 1024


class FileKey(NamedTuple):
    """What makes an earlier read of a file reusable (the `files` row that matches)."""

    path: str  # resolved
    size_bytes: int
    mtime_ns: int
    options_key: str  # a digest of the shaping options and of the file's content fingerprint
    shape_key: str  # the same without the content: how the file is read (migration 011)
    content_fp: str  # the content fingerprint alone, of the file's first size_bytes bytes


@dataclass(frozen=True)
class Earlier:
    """A stored read of a file that grew: its id, how many lines and bytes it holds, and how
    many times the file has been read."""

    file_id: int
    lines: int
    size_bytes: int
    reads: int


def file_key(path: Path, shaping: dict[str, str], text_key: str) -> FileKey:
    stat = path.stat()
    shape = hashlib.sha256(json.dumps(shaping, sort_keys=True).encode()
                           + text_key.encode()).hexdigest()[:16]
    content = fingerprint(path, stat.st_size)
    # options_key: as before migration 011, so that older databases' reads stay reusable
    options = hashlib.sha256(json.dumps(shaping, sort_keys=True).encode() + content
                             + text_key.encode()).hexdigest()[:16]
    return FileKey(str(path.resolve()), stat.st_size, stat.st_mtime_ns, options, shape,
                   content.hex()[:32])


def fingerprint(path: Path, size: int) -> bytes:
    """A digest of a file's first `size` bytes, cheap at any size: a file replaced by another
    of the same size and mtime (a copy with `cp -p`, a restore) is read again, not silently
    reused; and a file that grew still has the fingerprint of its first `size` bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        if size <= FINGERPRINT_BYTES:
            digest.update(fh.read(size))
        else:
            digest.update(fh.read(FINGERPRINT_BYTES // 2))
            fh.seek(size - FINGERPRINT_BYTES // 2)
            digest.update(fh.read(FINGERPRINT_BYTES // 2))
    return digest.digest()


def grows(source: Source, reader: str, path: Path) -> bool:
    """Whether a file of this source can be read on from where an earlier read ended: JSON
    lines, uncompressed, one record a line, no line depending on another (a trace's prefix
    cache, a batch join, a split document)."""
    return (reader == "lines" and not path.name.endswith(".gz") and not source.numbered
            and source.split is None and source.after is None and not source.trace)


def grown(con: duckdb.DuckDBPyConnection, key: FileKey, path: Path,
          parser_version: int) -> Earlier | None:
    """The stored read of this file that it grew from, if there is one: read the same way by
    this parser, ending on a whole line, whose bytes are the first bytes of the file now, and
    whose lines left no text sample (a sample is drawn from the whole file)."""
    row = con.execute(
        "SELECT f.file_id, f.lines_read, f.size_bytes, f.content_fp, coalesce(f.reads, 1) "
        "FROM files f WHERE f.path = ? AND f.shape_key = ? AND f.parser_version = ? "
        "AND f.size_bytes < ? AND f.size_bytes > 0 "
        "AND NOT EXISTS (SELECT 1 FROM text_features t WHERE t.file_id = f.file_id)",
        [key.path, key.shape_key, parser_version, key.size_bytes]).fetchone()
    if row is None:
        return None
    file_id, lines, size, content_fp, reads = row
    with path.open("rb") as fh:
        fh.seek(size - 1)
        whole_line = fh.read(1) == b"\n"
    if not whole_line or fingerprint(path, size).hex()[:32] != content_fp:
        return None
    return Earlier(int(file_id), int(lines), int(size), int(reads))


def copy_tail(path: Path, start: int, end: int, target: Path) -> None:
    """Bytes `start` to `end` of `path` into `target` (the new lines of a grown file)."""
    with path.open("rb") as src, target.open("wb") as out:
        while start < end:
            sent = os.sendfile(out.fileno(), src.fileno(), start, end - start)
            if sent == 0:  # the file shrank meanwhile: what it has is what is read
                break
            start += sent

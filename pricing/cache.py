"""The user's cache folder (~/.cache/plan, or $XDG_CACHE_HOME/plan): what plan keeps between
runs to start faster (a price table's document, pricing/table.py; an empty prepared database,
planner/db.py). An entry is read only when it is a regular file of this user's that no one else
may write, in a folder only its owner may enter: another user cannot hand plan its prices or its
database. PLAN_NO_CACHE set: no cache.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path


def entry(name: str) -> Path | None:
    """The path of cache entry `name`, or None when caching is off."""
    if os.environ.get("PLAN_NO_CACHE"):
        return None
    root = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(root) / "plan" / name


def read(path: Path) -> bytes | None:
    """The bytes of entry `path`, when it is the user's own (see above); else None."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fh.fileno())
        folder = os.stat(path.parent)
        if not (_own(st) and stat.S_ISREG(st.st_mode) and _own(folder)):
            return None
        return fh.read()


def _own(st: os.stat_result) -> bool:
    return st.st_uid == os.getuid() and not st.st_mode & 0o022


def write(path: Path, data: bytes) -> None:
    """Store entry `path` (owner-only, whole or not at all); a cache that cannot be written
    (a read-only home) is not an error."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        scratch = path.with_suffix(f".{os.getpid()}.tmp")
        fd = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        scratch.replace(path)  # whole or not at all, with other plans reading it
    except OSError:
        pass

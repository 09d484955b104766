"""How much memory DuckDB may use, and where it spills beyond that (planner/db.py's connect).

DuckDB's own default is 80% of the machine's RAM, which on a shared machine (or a CI runner
with other jobs) is memory plan does not own. plan's default is a working budget: a quarter of
the memory this process may use (the machine's RAM, or the cgroup limit when a container sets
one), at least 256 MB and at most DEFAULT_MOST. Every stage streams or spills beyond the limit,
so a larger log takes longer, not more memory: with DuckDB's budget at 512 MB the whole
process (Python, pricing, DuckDB's allocations outside its buffer pool) stays under 1 GB of
resident memory (docs/benchmark-18.md measures it from 1M to 30M requests).
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

MB = 2**20
DEFAULT_MOST = 512 * MB
DEFAULT_LEAST = 256 * MB
DEFAULT_SHARE = 4  # a quarter of the memory available
# The least --memory-limit plan accepts. Ingest's reader holds 64 MiB line buffers (records up
# to 32 MB, planner/stages/shaping.py), two at once on this 2-core machine: at 128MB the read of
# 1M canonical requests runs out of memory, at 160MB 1M and 10M requests complete (stages 30-57
# alone complete at 10M within 96MB; docs/benchmark-18.md). A machine with more cores reads
# with more threads and may need more: the error then names --memory-limit.
LEAST = 160 * 10**6  # "160MB", as a user writes it (DuckDB: 1000-based)

# A size as DuckDB's memory_limit takes it: a number and a unit (1000- or 1024-based).
_UNITS = {"kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
          "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}
SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(kb|mb|gb|tb|kib|mib|gib|tib)\s*$", re.IGNORECASE)


def parse_size(text: str) -> int:
    """Bytes of a size such as "512MB", "2GB" or "1.5GiB"; ValueError when it is not one."""
    match = SIZE.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not a size such as 512MB, 2GB or 1.5GiB")
    size = int(float(match.group(1)) * _UNITS[match.group(2).lower()])
    if size < LEAST:
        raise ValueError(f"{text!r} is under {LEAST // 10**6}MB, too little for plan to read a "
                         "log in (its reader holds 64 MiB buffers)")
    return size


def available() -> int:
    """Bytes of memory this process may use: physical RAM, or a smaller cgroup limit."""
    total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    for limit_file in ("/sys/fs/cgroup/memory.max",  # cgroup v2
                       "/sys/fs/cgroup/memory/memory.limit_in_bytes"):  # v1
        try:
            text = Path(limit_file).read_text(encoding="ascii").strip()
        except OSError:
            continue
        if text.isdigit():
            total = min(total, int(text))
    return total


def default_limit() -> int:
    return max(DEFAULT_LEAST, min(DEFAULT_MOST, available() // DEFAULT_SHARE))


Config = dict[str, str | bool | int | float | list[str]]  # what duckdb.connect's config takes


def config(target: str, memory_limit: str | None) -> Config:
    """DuckDB's connection settings for database `target` (a path or ":memory:")."""
    limit = parse_size(memory_limit) if memory_limit else default_limit()
    settings: Config = {"memory_limit": f"{limit // MB}MiB"}
    if target == ":memory:":
        # DuckDB's default spill folder for an in-memory database is ./.tmp: the user's
        # working directory. A file database spills beside itself (<db>.tmp), DuckDB's default.
        settings["temp_directory"] = str(
            Path(tempfile.gettempdir()) / f"plan-{os.getpid()}.tmp")
    return settings

"""Open the DuckDB database with a bounded memory budget, apply numbered schema migrations
(once per database: a database at the newest migration is not scanned again) and the SQL macros
(kept in a database file, re-created only when sql/00_macros.sql changes), load SQL stage files.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from functools import cache
from pathlib import Path

import duckdb

from planner import memory
from planner.errors import DatabaseError
from pricing import cache as user_cache

# the SQL of each stage, one file per stage: the per-request stages (00-58) and the local
# projection (60 on), each beside the modules that run it
SQL_DIRS = (Path(__file__).parent / "stages" / "sql", Path(__file__).parent / "projection" / "sql")
MIGRATIONS_DIR = Path(__file__).parent / "migrations"
DEFAULT_DB = Path(".plan") / "plan.duckdb"


def connect(db: str | Path | None = None,
            memory_limit: str | None = None) -> duckdb.DuckDBPyConnection:
    """Open `db` (default .plan/plan.duckdb; ":memory:" for none) and migrate it. DuckDB keeps
    to `memory_limit` (e.g. "2GB"; None: planner/memory.py's share of this machine) and spills
    to a temporary directory beyond it."""
    target = str(db) if db is not None else str(DEFAULT_DB)
    if target != ":memory:":
        # The database holds what plan read of the logs (hashes and counts, the text only with
        # --keep-text): readable by its owner only, like the folder plan makes for it.
        folder = Path(target).parent
        if not folder.exists():
            folder.mkdir(mode=0o700, parents=True)
        old_mask = os.umask(0o077)
    copied = _from_template(Path(target)) if target != ":memory:" else None
    try:
        try:
            con = duckdb.connect(target, config=memory.config(target, memory_limit))
        except duckdb.Error:
            if copied is None:
                raise
            for path in (Path(target), copied):  # a damaged cache entry: start afresh
                path.unlink(missing_ok=True)
            con = duckdb.connect(target, config=memory.config(target, memory_limit))
    except duckdb.Error as exc:
        if damaged(exc, target):
            raise damage_error(exc, target) from exc
        if not isinstance(exc, duckdb.IOException):
            raise
        raise DatabaseError(
            f"cannot open database {target}: {str(exc).splitlines()[0]}",
            hint="another plan may be using it; pass --db PATH or --db :memory:",
        ) from exc
    finally:
        if target != ":memory:":
            os.umask(old_mask)
    if target != ":memory:":
        owner_only(Path(target))
    # Every timestamp plan stores or prints is UTC, whatever the machine's zone.
    con.execute("SET TimeZone = 'UTC'")
    # Stage 22 numbers a streamed file's lines by the order DuckDB inserted them in.
    con.execute("SET preserve_insertion_order = true")
    # DuckDB tracks a query's progress (planner/progress.py asks it) but never draws its own
    # bar: it would print it on stdout, which carries the report.
    con.execute("SET enable_progress_bar = true; SET enable_progress_bar_print = false")
    try:
        _migrate(con, target)
    except duckdb.Error as exc:
        con.close()
        if damaged(exc, target):
            raise damage_error(exc, target) from exc
        raise
    # The SQL macros every stage uses (the offline token counter is registered by ingest, the
    # one stage that calls it: registering a Python function loads numpy).
    _macros(con, target)
    return con


def _macros(con: duckdb.DuckDBPyConnection, target: str) -> None:
    """sql/00_macros.sql: temporary in memory; in a database file stored once, with a digest
    of the file's text (the macro plan_macros_digest) that says when to store them again."""
    text = sql("00_macros")
    if target == ":memory:":
        con.execute(text)
        return
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    try:
        if con.execute("SELECT plan_macros_digest()").fetchone() == (digest,):
            return
    except duckdb.CatalogException:
        pass  # a database from before macros were stored, or a new one
    con.execute("BEGIN")
    con.execute(text.replace("CREATE OR REPLACE TEMP MACRO", "CREATE OR REPLACE MACRO"))
    con.execute(f"CREATE OR REPLACE MACRO plan_macros_digest() AS '{digest}'")
    con.execute("COMMIT")


def _from_template(target: Path) -> Path | None:
    """Start new database file `target` as a copy of an empty database already migrated and
    holding the macros (what a new database costs most), kept in the user's cache
    (pricing/cache.py) per version of the migrations, the macros and DuckDB; the cache entry
    copied, or None."""
    if target.exists():
        return None
    entry = user_cache.entry(f"database-{_schema_digest()}.duckdb")
    data = user_cache.read(entry) if entry else None
    if entry and data is None:
        data = _prepared_empty()
        user_cache.write(entry, data)
    if entry is None or data is None:
        return None
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError:  # made meanwhile by another plan, or not ours to make: DuckDB will say
        return None
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    return entry


def _schema_digest() -> str:
    parts = [duckdb.__version__.encode(), sql("00_macros").encode()]
    parts += [f.name.encode() + _read(f).encode() for _, f in _migrations()]
    return hashlib.sha256(b"\0".join(parts)).hexdigest()[:32]


def _prepared_empty() -> bytes:
    with tempfile.TemporaryDirectory(prefix="plan-") as folder:
        path = str(Path(folder) / "empty.duckdb")
        con = duckdb.connect(path)
        try:
            _migrate(con, path)
            _macros(con, path)
        finally:
            con.close()
        return Path(path).read_bytes()


# What DuckDB says when a database file is damaged (truncated, overwritten, not DuckDB's), on
# opening it or on reading a damaged block later.
_DAMAGE = ("Corrupt database file", "not a valid DuckDB database file",
           "Could not read enough bytes from file")


def damaged(exc: BaseException, target: str | Path | None) -> bool:
    """Whether `exc` (or the DuckDB error behind it) says database file `target` is damaged."""
    error = exc if isinstance(exc, duckdb.Error) else exc.__cause__
    if not isinstance(error, duckdb.Error) or str(target) == ":memory:":
        return False
    text = str(error)
    name = str(Path(target if target is not None else DEFAULT_DB).resolve())
    return any(d in text for d in _DAMAGE) and (f'"{name}"' in text or "Corrupt" in text)


def damage_error(exc: BaseException, target: str | Path | None) -> DatabaseError:
    error = exc if isinstance(exc, duckdb.Error) else exc.__cause__
    return DatabaseError(
        f"database {target or DEFAULT_DB} is damaged: {str(error).splitlines()[0]}",
        hint="delete it (plan reads the logs again) or pass another --db")


def owner_only(path: Path) -> None:
    """Make a database file plan created (or an older one) readable by its owner only."""
    with contextlib.suppress(OSError):  # not ours to change (a file another user shares)
        if path.stat().st_mode & 0o077:
            path.chmod(0o600)


def sql(name: str) -> str:
    """The text of one SQL stage file, e.g. sql('40_workload_stats')."""
    folder = SQL_DIRS[1] if int(name.split("_", 1)[0]) >= 60 else SQL_DIRS[0]
    return _read(folder / f"{name}.sql")


@cache
def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


@cache
def _migrations() -> tuple[tuple[int, Path], ...]:
    return tuple(sorted((int(f.name.split("_", 1)[0]), f) for f in MIGRATIONS_DIR.glob("*.sql")))


def _migrate(con: duckdb.DuckDBPyConnection, target: str) -> None:
    """Apply the migrations a database lacks, all in one transaction (one commit to disk)."""
    files = _migrations()
    try:  # the common case, one query: a database already at the newest migration
        done = {row[0] for row in con.execute("SELECT id FROM plan_migrations").fetchall()}
    except duckdb.CatalogException:
        done = set()
    known = {number for number, _ in files}
    if done - known:
        raise DatabaseError(
            f"database {target} was written by a newer plan (migration {max(done)})",
            hint="upgrade plan, or delete the database file to start over",
        )
    if known <= done:
        return
    con.execute("BEGIN")
    con.execute(
        "CREATE TABLE IF NOT EXISTS plan_migrations (id INTEGER PRIMARY KEY, name VARCHAR)"
    )
    for number, f in files:
        if number not in done:
            con.execute(f.read_text(encoding="utf-8"))
            con.execute("INSERT INTO plan_migrations VALUES (?, ?)", [number, f.stem])
    con.execute("COMMIT")

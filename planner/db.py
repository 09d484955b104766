"""Open the DuckDB database with a bounded memory budget, apply numbered schema migrations
(once per database: a database at the newest migration is not scanned again) and the SQL macros
(kept in a database file, re-created only when sql/00_macros.sql changes), load SQL stage files.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Sequence
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
# Logs of at most this many bytes in all (a gzipped or Parquet file counted COMPRESSED times its
# size) are analysed with one DuckDB thread: a run of a few thousand requests is ~70-230
# statements of a few milliseconds each, and another thread costs CPU to wake and hand work to
# in every one of them while it shortens none.
SMALL_INPUT = 2 * memory.MB
COMPRESSED = 8


def connect(db: str | Path | None = None, memory_limit: str | None = None,
            one_thread: bool = False) -> duckdb.DuckDBPyConnection:
    """Open `db` (default .plan/plan.duckdb; ":memory:" for none) and migrate it. DuckDB keeps
    to `memory_limit` (e.g. "2GB"; None: planner/memory.py's share of this machine) and spills
    to a temporary directory beyond it; `one_thread` (small_input()): DuckDB works in one
    thread, not one a core."""
    target = str(db) if db is not None else str(DEFAULT_DB)
    config = memory.config(target, memory_limit)
    if one_thread:
        config["threads"] = 1
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
            con = duckdb.connect(target, config=config)
        except duckdb.Error:
            if copied is None:
                raise
            for path in (Path(target), copied):  # a damaged cache entry: start afresh
                path.unlink(missing_ok=True)
            con = duckdb.connect(target, config=config)
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
    con.execute(
        # Every timestamp plan stores or prints is UTC, whatever the machine's zone.
        "SET TimeZone = 'UTC';"
        # Stage 22 numbers a streamed file's lines by the order DuckDB inserted them in.
        "SET preserve_insertion_order = true;"
        # DuckDB tracks a query's progress (planner/progress.py asks it) but never draws its
        # own bar: it would print it on stdout, which carries the report.
        "SET enable_progress_bar = true; SET enable_progress_bar_print = false")
    try:
        state = _state(con)
        _migrate(con, target, state[0])
    except duckdb.Error as exc:
        con.close()
        if damaged(exc, target):
            raise damage_error(exc, target) from exc
        raise
    # The SQL macros every stage uses (the offline token counter is registered by ingest, the
    # one stage that calls it: registering a Python function loads numpy).
    _macros(con, target, state[1])
    return con


def _state(con: duckdb.DuckDBPyConnection) -> tuple[set[int], str | None]:
    """The migrations a database holds and the digest of the macros it keeps (None: none), in
    one query for a database plan has used before."""
    try:
        ids, digest = con.execute("SELECT (SELECT list(id) FROM plan_migrations), "
                                  "plan_macros_digest()").fetchone() or (None, None)
        return set(ids or ()), digest
    except duckdb.CatalogException:  # a new database, or one from before macros were stored
        pass
    try:
        return {r[0] for r in con.execute("SELECT id FROM plan_migrations").fetchall()}, None
    except duckdb.CatalogException:
        return set(), None


def small_input(files: Sequence[Path], elsewhere: Sequence[str] = ()) -> bool:
    """Whether local log files `files` are small enough for one DuckDB thread (SMALL_INPUT);
    never with logs `elsewhere` (a data lake: their size is not known here)."""
    if elsewhere:
        return False
    total = 0
    for f in files:
        try:
            size = f.stat().st_size
        except OSError:
            return False  # ingest says why
        total += size * (COMPRESSED if f.suffix in (".gz", ".parquet") else 1)
    return total <= SMALL_INPUT


def _macros(con: duckdb.DuckDBPyConnection, target: str, stored: str | None) -> None:
    """sql/00_macros.sql: temporary in memory; in a database file stored once, with a digest
    of the file's text (the macro plan_macros_digest; `stored`: its value, None: none) that
    says when to store them again."""
    text = sql("00_macros")
    if target == ":memory:":
        con.execute(text)
        return
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    if stored == digest:
        return
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
    # Written whole under a scratch name beside it, then linked to its own (which fails when
    # another plan made it meanwhile): a run killed while copying leaves no half database.
    scratch = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.link(scratch, target)
    except OSError:  # made meanwhile, not ours to make, no hard links here: DuckDB makes it
        return None
    finally:
        with contextlib.suppress(OSError):
            scratch.unlink()
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
            _migrate(con, path, set())
            _macros(con, path, None)
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


def _migrate(con: duckdb.DuckDBPyConnection, target: str, done: set[int]) -> None:
    """Apply the migrations a database lacks (`done`: those it holds), all in one transaction
    (one commit to disk). A new database gets them as one script, one `execute`: the migration
    files are the schema's source either way (tests/test_startup.py checks that both ways make
    the same tables, columns, views and constraints)."""
    files = _migrations()
    known = {number for number, _ in files}
    if done - known:
        raise DatabaseError(
            f"database {target} was written by a newer plan (migration {max(done)})",
            hint="upgrade plan, or delete the database file to start over",
        )
    if known <= done:
        return
    con.execute("BEGIN")
    if not done:
        con.execute(schema_script())
    else:
        con.execute(_MIGRATIONS_TABLE)
        for number, f in files:
            if number not in done:
                con.execute(_read(f))
                con.execute("INSERT INTO plan_migrations VALUES (?, ?)", [number, f.stem])
    con.execute("COMMIT")


_MIGRATIONS_TABLE = (
    "CREATE TABLE IF NOT EXISTS plan_migrations (id INTEGER PRIMARY KEY, name VARCHAR)")


def schema_script() -> str:
    """Every migration in order and their record in plan_migrations, as one SQL script: what a
    new database is made with. (A file's text ends on a line of its own: its last line may be a
    comment.)"""
    rows = ", ".join(f"({number}, '{f.stem.replace(chr(39), chr(39) * 2)}')"
                     for number, f in _migrations())
    return "\n;\n".join([_MIGRATIONS_TABLE, *(_read(f) for _, f in _migrations()),
                          f"INSERT INTO plan_migrations VALUES {rows}"])

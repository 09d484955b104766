"""Issue 18, start fast and bounded memory: what a database is prepared with once, what each
connection is given, and what a command does not load."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from planner import db, memory
from pricing import table as price_table


def _setting(con, name: str) -> str:
    return con.execute("SELECT current_setting(?)", [name]).fetchone()[0]


def test_memory_limit_comes_from_the_option_or_the_machine():
    con = db.connect(":memory:", "300MB")
    assert _setting(con, "memory_limit") == "286.0 MiB"  # 300 MB = 286 MiB, DuckDB's units
    con.close()
    con = db.connect(":memory:")
    assert _setting(con, "memory_limit") == f"{memory.default_limit() // memory.MB}.0 MiB"
    assert memory.DEFAULT_LEAST <= memory.default_limit() <= memory.DEFAULT_MOST
    # an in-memory database spills to the system's temporary folder, not ./.tmp
    assert _setting(con, "temp_directory").startswith(str(Path(memory.tempfile.gettempdir())))
    # DuckDB's own progress bar would be printed on stdout, which carries the report
    assert _setting(con, "enable_progress_bar_print") is False
    con.close()


@pytest.mark.parametrize("text", ["12", "2 parsecs", "1MB", "-1GB"])
def test_a_memory_limit_that_is_not_a_usable_size_is_refused(text, run):
    with pytest.raises(ValueError):
        memory.parse_size(text)
    result = run("analyze", "sample_logs", "--db", ":memory:", "--memory-limit", text)
    assert result.exit_code == 2 and "--memory-limit" in result.stderr


def test_migrations_run_once_per_database(tmp_path, monkeypatch):
    folder = tmp_path / "migrations"
    folder.mkdir()
    # not IF NOT EXISTS: applying it a second time would fail
    (folder / "001_first.sql").write_text("CREATE TABLE first_table (x INTEGER)")
    monkeypatch.setattr(db, "MIGRATIONS_DIR", folder)
    db._migrations.cache_clear()
    target = tmp_path / "plan.duckdb"
    try:
        db.connect(target).close()
        db.connect(target).close()  # at the newest migration: nothing is applied again
        (folder / "002_second.sql").write_text("CREATE TABLE second_table (y INTEGER)")
        db._migrations.cache_clear()
        con = db.connect(target)  # a new migration is applied, the first is not
        assert con.execute("SELECT id FROM plan_migrations ORDER BY id").fetchall() == [(1,),
                                                                                         (2,)]
        con.close()
    finally:
        db._migrations.cache_clear()


def test_macros_are_stored_in_a_database_file_until_they_change(tmp_path, monkeypatch):
    target = tmp_path / "plan.duckdb"
    db.connect(target).close()
    con = db.connect(target)
    stored = con.execute("SELECT function_name FROM duckdb_functions() WHERE function_name = "
                         "'plan_ts' AND schema_name = 'main' AND database_name = 'plan'").fetchall()
    assert stored == [("plan_ts",)]
    assert con.execute("SELECT plan_ts('2026-01-02T03:04:05Z')::VARCHAR").fetchone() == (
        "2026-01-02 03:04:05",)
    con.close()
    # a changed macros file is stored again on the next connection
    original = db.sql

    def changed(name: str) -> str:
        text = original(name)
        if name == "00_macros":
            text += "\n;\nCREATE OR REPLACE TEMP MACRO plan_added(x) AS x + 1;\n"
        return text

    monkeypatch.setattr(db, "sql", changed)
    con = db.connect(target)
    assert con.execute("SELECT plan_added(41)").fetchone() == (42,)
    con.close()


def test_a_price_table_is_parsed_once_then_read_from_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    price_table._parsed.cache_clear()
    first = price_table.load_table()
    cached = list((tmp_path / "plan").glob("pricing-*.json"))
    assert len(cached) == 1
    # plain data only, readable and writable by its owner only, in an owner-only folder
    assert json.loads(cached[0].read_text(encoding="utf-8"))["version"] == first.version
    assert cached[0].stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "plan").stat().st_mode & 0o777 == 0o700
    price_table._parsed.cache_clear()
    monkeypatch.setattr(price_table.tomllib, "loads", _never)
    assert price_table.load_table() == first  # from the cache: the TOML is not parsed
    price_table._parsed.cache_clear()


def test_a_cache_entry_others_may_write_is_not_read(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    price_table._parsed.cache_clear()
    first = price_table.load_table()
    (cached,) = (tmp_path / "plan").glob("pricing-*.json")
    # another user's prices in the entry: read, they would change every cost
    doc = json.loads(cached.read_text(encoding="utf-8"))
    doc["models"] = {}
    cached.write_text(json.dumps(doc), encoding="utf-8")
    cached.chmod(0o666)
    price_table._parsed.cache_clear()
    assert price_table.load_table() == first  # parsed from the TOML instead
    cached.write_text("not json", encoding="utf-8")
    cached.chmod(0o600)
    price_table._parsed.cache_clear()
    assert price_table.load_table() == first  # a damaged entry: parsed again
    price_table._parsed.cache_clear()


def _never(*args: object) -> object:
    raise AssertionError("parsed again")


def _plant(entry: Path) -> None:
    """Add a table to the cached empty database, to see whether a new database is a copy."""
    con = duckdb.connect(str(entry))
    con.execute("CREATE TABLE planted (x INTEGER)")
    con.close()


def _tables(target: Path) -> set[str]:
    con = db.connect(target)
    names = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    con.close()
    return names


def test_a_new_database_is_a_copy_of_a_prepared_one_when_that_is_the_users_own(
        tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    first = _tables(tmp_path / "first.duckdb")  # migrated, and the prepared copy kept
    assert {"lines", "files", "token_counts", "plan_migrations"} <= first
    (entry,) = (tmp_path / "cache" / "plan").glob("database-*.duckdb")
    assert entry.stat().st_mode & 0o777 == 0o600
    _plant(entry)
    assert _tables(tmp_path / "second.duckdb") == first | {"planted"}  # a copy
    entry.chmod(0o666)  # others may write it: not read
    assert _tables(tmp_path / "third.duckdb") == first
    entry.chmod(0o600)
    entry.write_bytes(entry.read_bytes()[:5000])  # damaged: the database is made afresh
    assert _tables(tmp_path / "fourth.duckdb") == first


# What `plan analyze -f json` of a log with token counts and no text has no use for: the token
# counter, Arrow and numpy, the embeddings, the other commands' modules, the spreadsheet
# writers, Rich (the terminal report and its progress bars) and pydantic (typer 0.29's option
# coercion; typer is pinned below it).
NOT_FOR_A_SMALL_LOG = ("pyarrow", "numpy", "wordllama", "tiktoken", "concurrent.futures",
                       "cli.render_html", "cli.classify_cmd", "cli.gate_cmd", "cli.pricing_cmd",
                       "cli.export_cmd", "cli.data_cmd", "planner.outputs.spreadsheet",
                       "planner.evaluation", "pricing.catalog", "tomli_w", "rich",
                       "cli.render_table", "cli.progress", "pydantic", "click")


def test_plan_analyze_of_a_small_log_loads_no_module_it_does_not_need(write_log, tmp_path):
    log = write_log([{"timestamp": f"2026-11-01T00:00:{i:02d}Z", "request_id": f"r{i}",
                      "workload": "w", "model": "gpt-4o-mini", "input_tokens": 10,
                      "output_tokens": 5} for i in range(20)])
    code = ("import atexit, os, sys; names = os.environ['PLAN_TEST_MODULES'].split(); "
            "atexit.register(lambda: print('loaded:', *(n for n in names if n in sys.modules), "
            "file=sys.stderr)); from cli.app import main; main()")
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"),
           "PLAN_TEST_MODULES": " ".join(NOT_FOR_A_SMALL_LOG)}
    for _ in range(2):  # the second run reads the price table's document from the cache
        done = subprocess.run([sys.executable, "-c", code, "analyze", str(log), "--db",
                               str(tmp_path / "plan.duckdb"), "-f", "json"],
                              capture_output=True, text=True, env=env)
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["ingest"]["accepted"] == 20
    assert done.stderr.splitlines()[-1] == "loaded:"  # none of them


def test_the_examples_are_embedded_once_then_read_from_the_cache(tmp_path, monkeypatch):
    from planner.stages import embedding, signals

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    examples = Path(signals.__file__).parent / "examples.jsonl"
    signals._load_examples.cache_clear()
    first = signals._load_examples(str(examples), 0, 1500)
    (cached,) = (tmp_path / "plan").glob("examples-*.f32")
    assert cached.stat().st_mode & 0o777 == 0o600
    signals._load_examples.cache_clear()
    monkeypatch.setattr(embedding, "embed", _never)
    again = signals._load_examples(str(examples), 0, 1500)
    assert (again.vectors == first.vectors).all() and again.vectors.shape == (len(first.texts), 256)
    signals._load_examples.cache_clear()


def test_a_small_run_s_tables_give_the_report_its_views_give(monkeypatch):
    """A run of at most SMALL_RUN requests keeps scope and the labels as tables, its rules'
    values bound as parameters; a larger one keeps views over variables: the same report (the
    sample logs hold text, so the sampled texts' rules are tested too)."""
    from planner import pipeline
    from planner.stages import analysis

    options = pipeline.AnalyzeOptions(db=":memory:")
    assert analysis.SMALL_RUN >= 1000
    tables = pipeline.analyze(["sample_logs"], options)
    monkeypatch.setattr(analysis, "SMALL_RUN", 0)
    views = pipeline.analyze(["sample_logs"], options)
    assert tables.ingest.accepted > 0 and any(w.evidence for w in tables.workloads)
    assert tables == views


def _schema(path: Path) -> dict[str, list[tuple]]:
    """Everything a database's schema holds, listed by DuckDB's catalog functions."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {name: con.execute(query).fetchall() for name, query in {
            "columns": "SELECT table_name, column_index, column_name, data_type, is_nullable, "
                       "column_default FROM duckdb_columns() WHERE NOT internal "
                       "ORDER BY table_name, column_index",
            "tables": "SELECT table_name, temporary FROM duckdb_tables() ORDER BY 1",
            "constraints": "SELECT table_name, constraint_type, constraint_text "
                           "FROM duckdb_constraints() ORDER BY ALL",
            "views": "SELECT view_name, sql FROM duckdb_views() WHERE NOT internal ORDER BY 1",
            "indexes": "SELECT index_name, table_name, sql FROM duckdb_indexes() ORDER BY ALL",
            "sequences": "SELECT sequence_name FROM duckdb_sequences() ORDER BY 1",
            "macros": "SELECT function_name, macro_definition FROM duckdb_functions() "
                      "WHERE NOT internal AND schema_name = 'main' ORDER BY ALL",
            "migrations": "SELECT id, name FROM plan_migrations ORDER BY id"}.items()}
    finally:
        con.close()


def test_a_new_database_made_in_one_script_equals_one_migrated_step_by_step(tmp_path,
                                                                            monkeypatch):
    """A new database gets every migration as one script (db.schema_script); a database from
    an older plan gets the ones it lacks, one by one. Both hold the same schema, table by table
    and column by column, and record the same migrations: one row per file of
    planner/migrations."""
    monkeypatch.setenv("PLAN_NO_CACHE", "1")  # not a copy of the prepared database
    files = sorted(db.MIGRATIONS_DIR.glob("*.sql"))
    db.connect(tmp_path / "fast.duckdb").close()
    folder = tmp_path / "migrations"
    folder.mkdir()
    monkeypatch.setattr(db, "MIGRATIONS_DIR", folder)
    try:
        for f in files:  # one release after another, each adding one migration
            (folder / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
            db._migrations.cache_clear()
            db.connect(tmp_path / "steps.duckdb").close()
    finally:
        db._migrations.cache_clear()
    fast, steps = _schema(tmp_path / "fast.duckdb"), _schema(tmp_path / "steps.duckdb")
    assert fast["migrations"] == [(int(f.name.split("_")[0]), f.stem) for f in files]
    assert {t for t, *_ in fast["columns"]} >= {"files", "lines", "plan_migrations"}
    for part in fast:
        assert fast[part] == steps[part], part


def test_a_new_database_whose_schema_fails_holds_none_of_it(tmp_path, monkeypatch):
    """The one script runs in one transaction: a migration that fails leaves no table of the
    ones before it, and no record of them."""
    monkeypatch.setenv("PLAN_NO_CACHE", "1")
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "001_first.sql").write_text("CREATE TABLE first_table (x INTEGER)")
    (folder / "002_broken.sql").write_text("CREATE TABLE second_table (y NOSUCHTYPE)")
    monkeypatch.setattr(db, "MIGRATIONS_DIR", folder)
    db._migrations.cache_clear()
    target = tmp_path / "plan.duckdb"
    try:
        with pytest.raises(duckdb.Error):
            db.connect(target)
    finally:
        db._migrations.cache_clear()
    con = duckdb.connect(str(target))
    assert con.execute("SELECT table_name FROM duckdb_tables()").fetchall() == []
    con.close()


def test_a_small_input_is_analysed_with_one_duckdb_thread(tmp_path):
    small = tmp_path / "small.jsonl"
    small.write_bytes(b"x" * db.SMALL_INPUT)
    large = tmp_path / "large.jsonl"
    large.write_bytes(b"x" * (db.SMALL_INPUT + 1))
    packed = tmp_path / "packed.jsonl.gz"  # counted at COMPRESSED times its size
    packed.write_bytes(b"x" * (db.SMALL_INPUT // db.COMPRESSED + 1))
    assert db.small_input([small])
    assert not db.small_input([large]) and not db.small_input([packed])
    assert not db.small_input([small], ["s3://bucket/logs/"])  # a lake's size is not known
    assert not db.small_input([tmp_path / "gone.jsonl"])
    one = db.connect(":memory:", one_thread=True)
    assert _setting(one, "threads") == 1
    one.close()
    default = db.connect(":memory:")
    assert _setting(default, "threads") == _setting(duckdb.connect(), "threads")
    default.close()

"""`plan pricing ...`: list, show, diff, validate, import and release price table versions."""

from __future__ import annotations

import io
import json
import sys
import tomllib
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import tomli_w
import typer
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from cli.errors import ExitCode, reported
from cli.hygiene import printable
from planner.outputs.formats import CsvWriter, OutputFormat, csv_cell, json_text
from pricing import PricingError, catalog, importers, load_table
from pricing import audit as pricing_audit
from pricing.table import MANIFEST, VERSIONS_DIR, file_digest, locate

app = typer.Typer(help="Inspect, check, import and release pricing table versions.",
                  no_args_is_help=True, rich_markup_mode=None)

FormatOpt = Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")]
VersionArg = Annotated[str | None, typer.Argument(
    help="Version (e.g. 2026-11-22) or a .toml file; default the newest.")]
# Columns of `show` that fit a terminal, with short headings; json and csv carry every column
# (the source of each price among them).
_SHOW_COLUMNS = ("model", "from", "service_tier", "input", "cached_input", "cache_write",
                 "output", "long_context_above")
_HEADINGS = {"service_tier": "tier", "input": "in", "cached_input": "read",
             "cache_write": "write", "output": "out", "long_context_above": "lc over",
             "pct_change": "%", "genai_prices": "genai-prices", "explained": "known",
             "on_demand_hourly": "on-demand $/h", "reserved_hourly": "reserved $/h",
             "purchase_usd": "purchase $", "power_watts": "watts"}
_GPU_COLUMNS = ("sku", "name", "on_demand_hourly", "reserved_hourly", "purchase_usd",
                "power_watts")


@app.command("list")
def list_versions(output_format: FormatOpt = OutputFormat.table) -> None:
    """Released versions: dates, model counts and whether each file matches its SHA-256 (exit 3
    when one does not)."""
    with reported():
        rows = catalog.versions()
    _emit(rows, output_format, "pricing versions",
          ("version", "released", "schema", "models", "gpus", "selfhosted", "status"))
    modified = [r["version"] for r in rows if r["status"] == "MODIFIED"]
    if modified:
        _fail(f"released pricing version modified (SHA-256 differs from {MANIFEST.name}): "
              + ", ".join(modified))


@app.command()
def show(
    version: VersionArg = None,
    model: Annotated[str | None, typer.Option(
        help="One model (any id or alias the logs use).")] = None,
    gpus: Annotated[bool, typer.Option("--gpus", help="Show the GPU SKUs instead.")] = False,
    output_format: FormatOpt = OutputFormat.table,
) -> None:
    """Prices per model, price period and service tier (USD per 1M tokens), or the GPUs."""
    with reported():
        table = load_table(version)
        rows = catalog.gpus(table) if gpus else catalog.show(table, model)
    title = f"pricing {table.version}" + (" GPUs" if gpus else (
        ": USD per 1M tokens in, cache read, cache write, out; over `lc over` input tokens the "
        "long-context rates apply")) + " (-f csv or json: every column, with sources)"
    _emit(rows, output_format, title, _GPU_COLUMNS if gpus else _SHOW_COLUMNS)


@app.command()
def audit(
    version: VersionArg = None,
    litellm: Annotated[Path | None, typer.Option(
        "--litellm", help="A copy of LiteLLM's model_prices_and_context_window.json.")] = None,
    output_format: FormatOpt = OutputFormat.table,
) -> None:
    """Compare a version's prices, per model and bucket, with genai-prices (installed) and
    LiteLLM's price map (--litellm): every difference over 1%, with both references' values and
    the version file's explanation. Exit 1 when one is unexplained."""
    with reported():
        table, rows, counts = pricing_audit.audit(version, litellm)
    if output_format is OutputFormat.table:  # the explanations are in json and csv
        rows = [{**r, "explained": "yes" if r["explained"] else "NO"} for r in rows]
    _emit(rows, output_format, f"pricing {table.version} audit: USD per 1M tokens; differences "
          "over 1% (-f csv or json: the explanations)", (
              "model", "bucket", "plan", "genai_prices", "litellm", "explained"))
    print(f"plan: audit of {table.version}: {counts['models']} models, "
          f"{counts['compared_genai_prices']} found in genai-prices"
          + (f", {counts['compared_litellm']} in {litellm.name}" if litellm else "")
          + f"; {counts['disagreements']} prices differ by more than 1%, "
          f"{counts['unexplained']} unexplained", file=sys.stderr)
    if counts["unexplained"]:
        raise typer.Exit(ExitCode.CHECK_FAILED)


@app.command()
def resolve(
    ids: Annotated[list[str], typer.Argument(help="Model ids as logs carry them.")],
    pricing: Annotated[str | None, typer.Option(
        "--pricing", help="Version or .toml file; default the newest.")] = None,
    output_format: FormatOpt = OutputFormat.table,
) -> None:
    """How each id is priced: the entry, each rewrite on the way (ARN, provider and region
    prefixes, dotted versions ...), and whether it is only a fallback to another model."""
    with reported():
        table = load_table(pricing)
        rows = catalog.resolutions(table, ids)
    if output_format is OutputFormat.csv:  # one cell per step would not fit a column
        rows = [{**r, "steps": "; ".join(r["steps"])} for r in rows]
    if output_format is not OutputFormat.table:
        _emit(rows, output_format, "", None)
        return
    for row in rows:  # the chain, one step a line: ids are long
        print(row["id"])
        for step in row["steps"]:
            print(f"  {step}")
        print(f"  = {row['priced_as'] or '(no price)'}: {row['how']}")


@app.command()
def diff(
    old: Annotated[str, typer.Argument(help="Older version or .toml file.")],
    new: Annotated[str, typer.Argument(help="Newer version or .toml file.")],
    output_format: FormatOpt = OutputFormat.table,
) -> None:
    """Models added and removed, and every current price that changed, with % change."""
    with reported():
        rows = catalog.diff(load_table(old), load_table(new))
    _emit(rows, output_format, f"pricing {old} -> {new}", None)


@app.command()
def validate(path: Annotated[Path, typer.Argument(help="Pricing TOML file.")]) -> None:
    """Check a table: schema, positive prices, output >= input for known families, long-context
    and service-tier rates on the right side of standard, every number sourced. Exit 3 on any
    problem, one line each."""
    if not path.exists():
        _fail(f"{path}: no such file")
    problems = catalog.validate(path)
    for problem in problems:
        print(f"plan: error: {problem}", file=sys.stderr)
    if problems:
        raise typer.Exit(ExitCode.PRICING_OR_RULES)
    print(f"plan: {path}: valid")


import_app = typer.Typer(help="Write a new pricing version from a public price source.",
                         no_args_is_help=True, rich_markup_mode=None)
app.add_typer(import_app, name="import")

OutVersion = Annotated[str | None, typer.Option(
    "--version", help="Name of the new version (default: today's date).")]
OutPath = Annotated[Path | None, typer.Option(
    "--output", "-o", help="Where to write it (default pricing-<version>.toml here).")]
BaseOpt = Annotated[str | None, typer.Option(
    "--base", help="Version whose curated entries are kept (default: the newest).")]


@import_app.command("genai-prices")
def import_genai(
    provider: Annotated[list[str] | None, typer.Option(
        "--provider", help="genai-prices provider ids (repeatable; default "
        + ", ".join(importers.GENAI_PROVIDERS) + ").")] = None,
    version: OutVersion = None, output: OutPath = None, base: BaseOpt = None,
) -> None:
    """From the installed genai-prices package's bundled data (no network)."""
    with reported():
        base_table, base_doc = _base(base)
        name = version or date.today().isoformat()
        result = importers.from_genai_prices(
            base_table, base_doc, name, _today(), tuple(provider or importers.GENAI_PROVIDERS))
        _write(result, output or Path(f"pricing-{name}.toml"))


@import_app.command("litellm")
def import_litellm(
    file: Annotated[Path, typer.Argument(help="model_prices_and_context_window.json")],
    version: OutVersion = None, output: OutPath = None, base: BaseOpt = None,
) -> None:
    """From a copy of LiteLLM's model_prices_and_context_window.json."""
    with reported():
        base_table, base_doc = _base(base)
        name = version or date.today().isoformat()
        result = importers.from_litellm(file, base_table, base_doc, name, _today())
        _write(result, output or Path(f"pricing-{name}.toml"))


@app.command()
def release(path: Annotated[Path, typer.Argument(help="A validated pricing TOML file.")]) -> None:
    """Copy a table into pricing/versions/ and record its SHA-256: from then on it is immutable."""
    problems = catalog.validate(path) if path.exists() else []
    if not path.exists() or problems:
        _fail(str(problems[0]) if problems else f"{path}: no such file")
    with reported():
        version = load_table(str(path)).version
        target = VERSIONS_DIR / f"{version}.toml"
        if target.exists():
            raise PricingError(f"{target}: version {version} is already released",
                               hint="released versions are immutable: name a new version")
        target.write_bytes(path.read_bytes())
        manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
        manifest[target.name] = file_digest(target)
        MANIFEST.write_text(json.dumps(dict(sorted(manifest.items())), indent=2) + "\n",
                            encoding="utf-8")
    print(f"plan: released {version} as {target} ({manifest[target.name]})")


def _base(version: str | None) -> tuple[Any, dict[str, Any]]:
    path, _ = locate(version)
    return load_table(version), tomllib.loads(path.read_text(encoding="utf-8"))


def _today() -> date:
    return datetime.now(UTC).date()


def _write(result: importers.ImportResult, output: Path) -> None:
    doc = result.doc
    header = (f"# plan pricing table, version {doc['version']}: imported from "
              f"{doc['imported_from']}, onto the curated entries of version "
              f"{doc['base_version']}.\n# USD per 1M tokens. Check it with `plan pricing "
              "validate`; once released (`plan pricing release`) it is immutable.\n\n")
    output.write_text(header + tomli_w.dumps(doc), encoding="utf-8")
    print(f"plan: wrote {output}: {result.imported} models imported "
          f"({result.kept_curated} onto curated entries), {len(doc['models'])} in the table",
          file=sys.stderr)
    for reason, n in sorted(result.skipped.items()):
        print(f"plan: skipped {n} models: {reason}", file=sys.stderr)
    problems = catalog.validate(output)
    for problem in problems:
        print(f"plan: error: {problem}", file=sys.stderr)
    if problems:
        raise typer.Exit(ExitCode.PRICING_OR_RULES)


def _fail(message: str) -> None:
    print(f"plan: error: {message}", file=sys.stderr)
    raise typer.Exit(ExitCode.PRICING_OR_RULES)


def _emit(rows: list[dict[str, Any]], fmt: OutputFormat, title: str,
          columns: tuple[str, ...] | None) -> None:
    if fmt is OutputFormat.json:
        sys.stdout.write(json_text(rows, _json_value))
        return
    keys = list(rows[0]) if rows else list(columns or ())
    if fmt is OutputFormat.csv:
        out = io.StringIO()
        writer = CsvWriter(out)
        writer.writerow(keys)
        for row in rows:
            writer.writerow([csv_cell(_text(row[k])) for k in keys])
        sys.stdout.write(out.getvalue())
        return
    shown = [k for k in keys if columns is None or k in columns]
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    for key in shown:
        numeric = bool(rows) and isinstance(rows[0][key], int | float | Decimal)
        # Numbers and dates are never broken; text folds.
        table.add_column(_HEADINGS.get(key, key), justify="right" if numeric else "left",
                         no_wrap=numeric or key in ("from", "released", "version"),
                         overflow="fold")
    for row in rows:
        table.add_row(*(Text(printable(_text(row[k]))) for k in shown))
    Console(highlight=False).print(table)
    if not rows:
        print("(none)")


def _json_value(value: Any) -> Any:
    # Prices have at most 6 decimal places, which a float prints exactly as written.
    return float(value) if isinstance(value, Decimal) else str(value)


def _text(value: Any) -> str:
    return "" if value is None else str(value)

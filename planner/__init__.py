"""plan's engine: logs -> DuckDB -> labels -> scenario costs -> Report. Never imports the CLI."""

__version__ = "0.1.0"

"""Log formats plan reads, and detection of which one a file holds.

A Source names the top-level JSON keys DuckDB reads (all as VARCHAR or JSON, so that a bad
value is caught by plan's validation instead of being coerced by the reader: read_json turns
12.5 into 12 and true into 1 for integer columns) and the SQL stage that maps them onto plan's
canonical columns.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from pathlib import Path

from planner.errors import InputError

SAMPLE_LINES = 50


@dataclass(frozen=True)
class Source:
    name: str
    columns: tuple[tuple[str, str], ...]
    normalize_sql: str  # the SQL stage that turns `stage` into the canonical `norm` view

    def read_json_columns(self) -> str:
        """The columns={...} argument of read_json, built only from this constant spec."""
        return "{" + ", ".join(f"'{k}': '{t}'" for k, t in self.columns) + "}"

    def struct_spec(self) -> str:
        """The same spec as a json_transform structure, for the line-by-line path."""
        return json.dumps(dict(self.columns))


CANONICAL = Source(
    name="canonical",
    columns=tuple(
        (key, "VARCHAR")
        for key in (
            "timestamp", "request_id", "workload", "model", "input_tokens", "output_tokens",
            "cached_input_tokens", "cache_write_tokens", "reasoning_tokens", "task_type", "team",
            "has_images", "tool_calls", "system_prompt", "prompt", "response",
        )
    )
    + (("metadata", "JSON"),),
    normalize_sql="10_norm_canonical",
)

OPENAI_CHAT = Source(
    name="openai-chat",
    columns=(
        ("timestamp", "VARCHAR"),
        ("request_id", "VARCHAR"),
        ("request", "JSON"),
        ("response", "JSON"),
        ("metadata", "JSON"),
    ),
    normalize_sql="11_norm_openai_chat",
)

def open_text(path: Path):  # type: ignore[no-untyped-def]
    if path.name.endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8", errors="replace")
    return path.open("r", encoding="utf-8", errors="replace")


def detect(path: Path) -> Source:
    """Decide a file's format from its first parseable JSON objects."""
    nested = False
    try:
        with open_text(path) as fh:
            for _, line in zip(range(SAMPLE_LINES), fh, strict=False):
                try:
                    obj = json.loads(line)
                except ValueError:
                    continue
                if isinstance(obj, dict):
                    nested |= any(isinstance(obj.get(k), dict) for k in ("request", "response"))
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except EOFError as exc:
        raise InputError(f"{path}: truncated gzip file") from exc
    # A canonical record's `response` is text; the OpenAI log shape nests objects there.
    if nested:
        return OPENAI_CHAT
    # Canonical is also the fallback: a file with no recognisable record is then rejected line
    # by line with reasons, which says more than a refusal to read it.
    return CANONICAL

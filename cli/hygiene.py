"""Text from the logs, made safe for where it is shown (issue 19).

A workload, model, team or file name is whatever the log says: an ESC sequence in it would
clear a terminal or set its title, a newline would forge a `::error` workflow command on
stderr, and a Markdown link or @mention would reach a pull-request comment live. The JSON and
HTML renderings carry the values as they are (JSON-encoded, HTML-escaped); every other rendering
passes them through one of these functions first.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any, TypeVar

T = TypeVar("T")

# C0 and C1 controls, DEL, the Unicode line and paragraph separators and the bidirectional
# overrides and isolates (which reorder what a terminal shows).
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escaped(char: str) -> str:
    code = ord(char)
    return _NAMED.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def printable(text: str) -> str:
    """`text` on one line with no control character: each one written as an escape (\\n,
    \\x1b, \\u202e), as Python would."""
    return _UNSAFE.sub(lambda m: _escaped(m.group()), text)


def cleaned(value: T) -> T:
    """A copy of `value` (a Report, a Diff, a check result: frozen dataclasses of tuples,
    dicts, strings and numbers) with every string made printable."""
    return _clean(value)  # type: ignore[no-any-return]


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return printable(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.replace(value, **{
            f.name: _clean(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init})
    if isinstance(value, tuple | list):
        return type(value)(_clean(v) for v in value)
    if isinstance(value, dict):
        return {_clean(k): _clean(v) for k, v in value.items()}
    return value


_MARKDOWN = re.compile(r"[\\`*_\[\]|]")
# What GitHub would turn into a live link or a notification: bare URLs and @mentions.
_LIVE = re.compile(r"(?<=@)|(?<=:)(?=//)|(?<=www)(?=\.)", re.IGNORECASE)


def markdown(text: str) -> str:
    """Log text in a Markdown comment (a table cell or a list item): printable, with Markdown's
    punctuation escaped, no HTML, and links and @mentions broken by a zero-width space."""
    text = _MARKDOWN.sub(lambda m: "\\" + m.group(), printable(text))
    text = text.replace("<", "&lt;").replace(">", "&gt;")
    return _LIVE.sub("\u200b", text)


def workflow(text: str) -> str:
    """A GitHub workflow command's message: printable (so on one line), with % escaped as
    GitHub's toolkit does."""
    return printable(text).replace("%", "%25")

"""Stage 1, fallback: a copy of a JSON lines file that DuckDB's line reader can take whole.

DuckDB's CSV machinery (sql/14_read_lines.sql) gives up on a whole file for one line ending in a
lone carriage return or holding a byte that is not UTF-8. Only then, planner/ingest.py reads this
copy instead: CRLF line ends become LF (CR is JSON whitespace: such a line is judged as it is),
and each line with a lone CR or an undecodable byte becomes U+FFFF and the reason, which stage 15
makes that line's reject. Every line keeps its number. The work is per block of the file; Python
touches only the bad lines.
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path

from planner.errors import InputError

BLOCK = 8 * 1024 * 1024
MARK = "\uffff"
# a byte that is not UTF-8, as errors="surrogateescape" decodes it
_UNDECODABLE = re.compile("[\udc80-\udcff]")
_LONE_CR = re.compile("\r")  # once CRLF is LF


def marked_copy(path: Path, copy: Path, max_line: int) -> Path:
    """Write `copy` from `path` (gzipped or not) and return it."""
    src = gzip.open(path, "rb") if path.name.endswith(".gz") else path.open("rb")
    with src, copy.open("wb") as out:
        rest = b""
        while block := src.read(BLOCK):
            data = rest + block
            cut = data.rfind(b"\n") + 1
            if cut == 0 and len(data) > max_line:
                raise InputError(f"{path}: a line is longer than {max_line // 2**20} MB",
                                 hint="plan reads records of up to that size")
            out.write(_marked(data[:cut]))
            rest = data[cut:]
        out.write(_marked(rest))
    return copy


def _marked(block: bytes) -> bytes:
    text = block.decode("utf-8", errors="surrogateescape").replace("\r\n", "\n")
    text = _mark_lines(text, _UNDECODABLE, "not valid UTF-8")
    text = _mark_lines(text, _LONE_CR, "a carriage return inside the line")
    return text.encode("utf-8", errors="surrogateescape")


def _mark_lines(text: str, bad: re.Pattern[str], reason: str) -> str:
    """`text` with each line holding a match of `bad` replaced by MARK + reason."""
    parts, done = [], 0
    for match in bad.finditer(text):
        if match.start() < done:
            continue  # a line already marked
        start = text.rfind("\n", 0, match.start()) + 1
        end = text.find("\n", match.start())
        parts += [text[done:start], MARK + reason]
        done = len(text) if end < 0 else end
    return "".join(parts) + text[done:] if parts else text

"""Stage 1, fallback: a copy of a JSON lines file that DuckDB's line reader can take whole.

DuckDB's CSV machinery (sql/14_read_lines.sql) gives up on a whole file for one line holding a
lone carriage return or a byte that is not UTF-8, or longer than plan's limit. Only then,
planner/stages/ingest.py reads this copy instead: CRLF line ends become LF (CR is JSON whitespace:
such a line is judged as it is), and each of those lines becomes U+FFFF and the reason, which stage
15 makes that line's reject. Every line keeps its number. The work is per block of the file; Python
touches only the bad lines.
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path

BLOCK = 8 * 1024 * 1024
MARK = "\uffff"
# a byte that is not UTF-8, as errors="surrogateescape" decodes it
_UNDECODABLE = re.compile("[\udc80-\udcff]")
_LONE_CR = re.compile("\r")  # once CRLF is LF


def marked_copy(path: Path, copy: Path, max_line: int) -> Path:
    """Write `copy` from `path` (gzipped or not) and return it. A line over `max_line` bytes is
    marked too, and never held whole in memory."""
    too_long = (MARK + f"longer than {max_line // 2**20} MB").encode()
    src = gzip.open(path, "rb") if path.name.endswith(".gz") else path.open("rb")
    with src, copy.open("wb") as out:
        rest, skipping = b"", False
        while block := src.read(BLOCK):
            if skipping:  # the rest of a line too long to keep
                end = block.find(b"\n")
                if end < 0:
                    continue
                block, skipping = block[end:], False
            data = rest + block
            cut = data.rfind(b"\n") + 1
            if cut == 0 and len(data) > max_line:
                out.write(too_long)
                rest, skipping = b"", True
                continue
            out.write(_marked(data[:cut], max_line, too_long))
            rest = data[cut:]
        out.write(_marked(rest, max_line, too_long))
    return copy


def _marked(block: bytes, max_line: int, too_long: bytes) -> bytes:
    if len(block) > max_line - 2:  # it may hold a line over the limit (rarely: blocks are less)
        block = b"\n".join(too_long if len(line) > max_line - 2 else line
                           for line in block.split(b"\n"))
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

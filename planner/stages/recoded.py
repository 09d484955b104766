"""Stage 1, fallback: a copy of a JSON lines file that DuckDB's line reader can take whole.

DuckDB's CSV machinery (sql/14_read_lines.sql) gives up on a whole file for one line holding a
lone carriage return or a byte that is not UTF-8, or longer than plan's limit. Only then,
planner/stages/ingest.py reads this copy instead: CRLF line ends become LF (CR is JSON whitespace:
such a line is judged as it is), and each of those lines becomes U+FFFF and the reason, which stage
15 makes that line's reject. Every line keeps its number. The work is per block of the file; Python
touches only the bad lines.

A UTF-16 or UTF-32 file with a byte-order mark (PowerShell's `>` and `Out-File` write UTF-16) is
read from a UTF-8 copy of it, decoded block by block (utf8_copy); its lines keep their numbers.
"""

from __future__ import annotations

import codecs
import gzip
import re
from pathlib import Path

BLOCK = 8 * 1024 * 1024
MARK = "\uffff"
# a byte that is not UTF-8, as errors="surrogateescape" decodes it
_UNDECODABLE = re.compile("[\udc80-\udcff]")
_LONE_CR = re.compile("\r")  # once CRLF is LF
# byte-order marks, the longest first (UTF-32 LE's begins with UTF-16 LE's)
_BOMS = ((b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"),
         (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))


def encoding_of(head: bytes) -> str:
    """How text beginning with `head` is decoded: UTF-16 or UTF-32 by its byte-order mark,
    else UTF-8 (a byte-order mark skipped)."""
    return next((e for bom, e in _BOMS if head.startswith(bom)), "utf-8-sig")


def open_binary(path: Path):  # type: ignore[no-untyped-def]
    return gzip.open(path, "rb") if path.name.endswith(".gz") else path.open("rb")


def file_encoding(path: Path) -> str:
    """encoding_of the file's first bytes (a .gz file's decompressed); UTF-8 when unreadable
    (the reader reports the problem)."""
    try:
        with open_binary(path) as fh:
            return encoding_of(fh.read(4))
    except (OSError, EOFError):
        return "utf-8-sig"


def open_text(path: Path, newline: str | None = None):  # type: ignore[no-untyped-def]
    """The file as text in its encoding, undecodable bytes replaced (for sampling it)."""
    encoding = file_encoding(path)
    if path.name.endswith(".gz"):
        return gzip.open(path, "rt", encoding=encoding, errors="replace", newline=newline)
    return path.open("r", encoding=encoding, errors="replace", newline=newline)


def utf8_copy(path: Path, folder: Path) -> Path:
    """`path` itself when it is UTF-8, else a UTF-8 copy of it in `folder` (uncompressed, named
    as the file is without .gz), decoded block by block; a byte that does not decode becomes
    U+FFFD, which the line's JSON keeps or its reject names."""
    encoding = file_encoding(path)
    if encoding == "utf-8-sig":
        return path
    copy = folder / ("utf8-" + path.name.removesuffix(".gz"))
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    with open_binary(path) as src, copy.open("w", encoding="utf-8", newline="") as out:
        while block := src.read(BLOCK):
            out.write(decoder.decode(block))
        out.write(decoder.decode(b"", final=True))
    return copy


def marked_copy(path: Path, copy: Path, max_line: int) -> Path:
    """Write `copy` from `path` (gzipped or not) and return it. A line over `max_line` bytes is
    marked too, and never held whole in memory."""
    too_long = (MARK + f"longer than {max_line // 2**20} MB").encode()
    with open_binary(path) as src, copy.open("wb") as out:
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

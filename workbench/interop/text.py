"""Reading file bytes as text, with an error that points at the offending byte.

Files from spreadsheets are often saved as Windows-1252 or Latin-1 rather than UTF-8; the message
then names the line and column of the first byte that is not UTF-8 so the person can find it.
"""

from __future__ import annotations

import codecs
import os
from pathlib import Path

from workbench.core.errors import FileFormatError


def read_text(path: Path) -> str:
    """The UTF-8 text of a file (a leading byte-order mark is dropped).

    Raises:
        FileFormatError: the file cannot be read, or is not UTF-8 (with line and column).
    """
    try:
        data = path.read_bytes()
    except OSError as error:
        reason = error.strerror or str(error)
        raise FileFormatError(f"cannot read the file: {reason}", path=str(path)) from None
    return decode_utf8(data, path=str(path))


def decode_utf8(data: bytes, *, path: str) -> str:
    """Decode `data` as UTF-8 with or without a BOM; name line and column of a bad byte."""
    bom = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        return data[bom:].decode("utf-8")
    except UnicodeDecodeError as error:
        offset = bom + error.start
        line_start = data.rfind(b"\n", 0, offset) + 1
        line = data.count(b"\n", 0, offset) + 1
        prefix = data[max(line_start, bom) : offset].decode("utf-8", errors="replace")
        bad = data[offset : bom + error.end].hex(" ").upper()
        raise FileFormatError(
            f"not valid UTF-8 (byte {bad} at byte offset {offset}); the file may be in"
            " Windows-1252 or Latin-1: save it again as UTF-8",
            path=path,
            line=line,
            column=len(prefix) + 1,
        ) from None


def write_text(path: Path, text: str) -> None:
    """Write UTF-8 text with the line ends given, replacing the file in one step.

    The text goes to a temporary file beside the target first, so a crash or a full disk never
    leaves a half-written file where a good one was.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        with temporary.open("w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(temporary, path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        reason = error.strerror or str(error)
        raise FileFormatError(f"cannot write the file: {reason}", path=str(path)) from None

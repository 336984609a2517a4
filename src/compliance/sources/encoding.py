"""Delimited text in any encoding: BOM detection, an explicit ``encoding:`` from the mapping,
and on a decode failure a clear error naming the file, the line, the byte offset and the likely
encoding (detected with charset-normalizer).

Windows-1252 exports from Excel on Danish Windows are the common case: their ``Hændelse``
header is the byte ``0xe6`` where UTF-8 has ``0xc3 0xa6``. Without a BOM and without an
``encoding:`` the text is read as UTF-8, strictly — a wrong guess is never silently turned into
``H\\udce6ndelse`` or mojibake.

Text is decoded a line at a time (ASCII-compatible encodings) so memory stays flat and an error
can name its line; UTF-16/UTF-32 (recognised by their BOM) are decoded by a stream reader.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator

from compliance.errors import ComplianceError
from compliance.sources.rows import Row, check_header

__all__ = [
    "DELIMITERS",
    "DecodeError",
    "delimited_rows",
    "detect_bom",
    "guess_encoding",
    "sniff_delimiter",
    "text_lines",
]

DELIMITERS = (";", ",", "\t", "|")
SAMPLE_BYTES = 1 << 20
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


class DecodeError(ComplianceError):
    """A text file that is not in the encoding it is read with; the message says where and
    what encoding it probably is."""

    def __init__(
        self, path: str, encoding: str, line: int, offset: int, bad: bytes, likely: str | None
    ) -> None:
        self.path, self.encoding, self.line, self.offset = path, encoding, line, offset
        self.likely = likely
        hint = (
            f"it looks like {likely}: add `encoding: {likely}` to the column mapping"
            if likely and codecs.lookup(likely).name != codecs.lookup(encoding).name
            else "re-export it as UTF-8 or name its encoding with `encoding:` in the column mapping"
        )
        super().__init__(
            f"{path}:{line}: not valid {encoding} at byte offset {offset} "
            f"(bytes {bad.hex(' ')}); {hint}"
        )


def detect_bom(head: bytes) -> tuple[str | None, int]:
    """The encoding a byte-order mark announces, and the BOM's length ((None, 0) without one)."""
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name, len(bom)
    return None, 0


def guess_encoding(sample: bytes) -> str | None:
    """The most likely encoding of ``sample`` (charset-normalizer), as a Python codec name."""
    from charset_normalizer import from_bytes

    best = from_bytes(sample).best()
    return None if best is None else str(best.encoding)


def _is_ascii_compatible(encoding: str) -> bool:
    return codecs.lookup(encoding).name not in {
        "utf-16",
        "utf-16-le",
        "utf-16-be",
        "utf-32",
        "utf-32-le",
        "utf-32-be",
    }


def _open(path: str) -> io.BufferedReader:
    try:
        return open(path, "rb")
    except OSError as exc:
        raise ComplianceError(f"{path}: cannot open: {exc.strerror}") from None


def _failure(
    path: str, fh: io.BufferedReader, enc: str, n: int, at: int, bad: bytes
) -> DecodeError:
    fh.seek(max(0, at - SAMPLE_BYTES // 2))
    return DecodeError(path, enc, n, at, bad, guess_encoding(fh.read(SAMPLE_BYTES)))


def text_lines(path: str, encoding: str | None = None) -> Iterator[str]:
    """The decoded lines of ``path`` with their line endings (for ``csv.reader``).

    The encoding is the BOM's if there is one, else ``encoding``, else UTF-8. Raises
    :class:`DecodeError` at the first byte that does not decode.
    """
    with _open(path) as fh:
        bom_enc, bom_len = detect_bom(fh.read(4))
        enc = bom_enc or encoding or "utf-8"
        codecs.lookup(enc)  # LookupError for an unknown name, reported by the caller
        fh.seek(bom_len)
        if not _is_ascii_compatible(enc):
            yield from io.TextIOWrapper(fh, encoding=enc, newline="")
            return
        offset = bom_len
        for n, raw in enumerate(fh, 1):
            try:
                yield raw.decode(enc)
            except UnicodeDecodeError as exc:
                bad = raw[exc.start : exc.end]
                raise _failure(path, fh, enc, n, offset + exc.start, bad) from None
            offset += len(raw)


def sniff_delimiter(header: str) -> str:
    """The delimiter of a header line: the most frequent of ``; , TAB |`` (``,`` if none)."""
    counts = {d: header.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def delimited_rows(
    path: str, *, encoding: str | None = None, delimiter: str | None = None, quotechar: str = '"'
) -> Iterator[Row]:
    """Rows of a delimited text file with a header line, keyed by the (stripped) header names.

    Each row's location is the line it starts on (a quoted cell may span lines). Short rows are
    padded with empty cells; cells beyond the header are dropped. Decoding is strict (above).
    """
    try:
        lines = text_lines(path, encoding)
        first = next(lines, None)
    except LookupError:
        raise ComplianceError(f"{path}: unknown encoding {encoding!r} in the mapping") from None
    if first is None:
        return
    delim = delimiter or sniff_delimiter(first)
    reader = csv.reader(_chain(first, lines), delimiter=delim, quotechar=quotechar)
    header = [h.strip() for h in next(reader)]
    check_header(header, path, f"line {reader.line_num}")
    start = reader.line_num + 1
    for cells in reader:
        if cells and any(c.strip() for c in cells):
            cells += [""] * (len(header) - len(cells))
            yield Row(dict(zip(header, cells, strict=False)), path, f"line {start}", start)
        start = reader.line_num + 1


def _chain(first: str, rest: Iterator[str]) -> Iterator[str]:
    yield first
    yield from rest

"""JSON (``.json``): one case object, or an array of them — streamed, one case at a time.

An array is read in chunks and decoded element by element (``json.JSONDecoder.raw_decode``
on a rolling buffer), so a large array needs memory for one case, not for the file. The
position of a case in the array stands in for its line."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import orjson

from compliance.sources.item import Item, case_item, error_item, open_binary
from compliance.sources.options import ReadOptions

__all__ = ["read"]

CHUNK_BYTES = 1 << 20
_WHITESPACE = " \t\r\n"


def read(path: str, options: ReadOptions) -> Iterator[Item]:
    with open_binary(path) as fh:
        head = fh.read(CHUNK_BYTES).removeprefix(b"\xef\xbb\xbf")
        if not head.lstrip().startswith(b"["):
            data = head + fh.read()  # one case object: read whole
            try:
                obj = orjson.loads(data)
            except orjson.JSONDecodeError as exc:
                yield error_item(f"invalid JSON: {exc}", 1, path)
                return
            yield case_item(obj, 1, path, data)
            return
        yield from _array(path, head, fh)


def _array(path: str, head: bytes, fh: io.BufferedReader) -> Iterator[Item]:
    decoder = json.JSONDecoder()
    chunks = _text_chunks(head, fh)
    buf = next(chunks).lstrip(_WHITESPACE)[1:]  # past "["
    position = 0
    while True:
        buf = buf.lstrip(_WHITESPACE + ",")
        while not buf:
            more = next(chunks, None)
            if more is None:
                yield error_item("invalid JSON: the array is not closed", position + 1, path)
                return
            buf = more.lstrip(_WHITESPACE + ",")
        if buf.startswith("]"):
            return
        try:
            obj, end = decoder.raw_decode(buf)
        except json.JSONDecodeError as exc:
            more = next(chunks, None)
            if more is not None:
                buf += more  # the element runs past the buffer: read on
                continue
            yield error_item(f"invalid JSON in element {position + 1}: {exc}", position + 1, path)
            return
        if end == len(buf):  # a scalar may go on in the next chunk
            more = next(chunks, None)
            if more is not None:
                buf += more
                continue
        position += 1
        yield case_item(obj, position, path, buf[:end])
        buf = buf[end:]


def _text_chunks(head: bytes, fh: io.BufferedReader) -> Iterator[str]:
    import codecs

    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    yield decoder.decode(head)
    while chunk := fh.read(CHUNK_BYTES):
        yield decoder.decode(chunk)
    tail = decoder.decode(b"", final=True)
    if tail:
        yield tail

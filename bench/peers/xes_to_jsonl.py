"""Stream an XES event log (IEEE 1849) into this engine's timelines, one case at a time.

Benchmark tooling for the peers comparison (issue 18), standard library only, so it runs in
the project venv and in CI. The product's own XES reader is separate; this one exists so the
benchmark does not wait for it and so its cost can be timed on its own.

Mapping, per ``<trace>``: ``concept:name`` → ``case_id``; per ``<event>``: ``concept:name``
→ ``type`` in snake_case ("Insert Fine Notification" → ``insert_fine_notification``),
``time:timestamp`` → ``at`` unchanged (ISO 8601 with offset), the other direct attributes →
``attrs`` (typed: int, float, boolean, string/date/id as text; ``org:resource`` → ``resource``;
``lifecycle:transition`` dropped — every event of the road-fines log is ``complete``). Event
ids are ``e01``, ``e02``, ... in file order, zero-padded so that (instant, id) keeps the file
order of events at the same instant. Memory stays bounded: each trace is cleared once
yielded. A ``.zip`` holding one ``.xes`` member is read directly.

Usage: python bench/peers/xes_to_jsonl.py LOG.xes[.zip] OUT.jsonl
"""

from __future__ import annotations

import json
import re
import sys
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any
from xml.etree.ElementTree import Element, ParseError, iterparse

_SKIPPED = frozenset({"concept:name", "time:timestamp", "lifecycle:transition"})
_RENAMED = {"org:resource": "resource"}
_NON_WORD = re.compile(r"[^0-9a-z]+")


class XesError(ValueError):
    """The file is not an XES log this converter understands; the message names the trace."""


def event_type(activity: str) -> str:
    """ "Insert Fine Notification" → "insert_fine_notification"."""
    return _NON_WORD.sub("_", activity.strip().lower()).strip("_")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _value(el: Element) -> Any:
    kind, text = _local(el.tag), el.get("value", "")
    if kind == "int":
        return int(text)
    if kind == "float":
        return float(text)
    if kind == "boolean":
        return text.lower() == "true"
    return text


def _event(el: Element, n: int, width: int, case_id: str) -> dict[str, Any]:
    attrs: dict[str, Any] = {}
    activity = at = None
    for child in el:
        key = child.get("key")
        if key == "concept:name":
            activity = child.get("value")
        elif key == "time:timestamp":
            at = child.get("value")
        elif key is not None and key not in _SKIPPED:
            attrs[_RENAMED.get(key, key)] = _value(child)
    if not activity or not at:
        raise XesError(f"trace {case_id}: event {n} lacks concept:name or time:timestamp")
    ev: dict[str, Any] = {"id": f"e{n:0{width}d}", "type": event_type(activity), "at": at}
    if attrs:
        ev["attrs"] = attrs
    return ev


def _case(trace: Element, number: int) -> dict[str, Any]:
    events = [c for c in trace if _local(c.tag) == "event"]
    case_id = (
        next((c.get("value") for c in trace if c.get("key") == "concept:name"), None)
        or f"trace-{number}"
    )
    width = max(2, len(str(len(events))))
    return {
        "case_id": case_id,
        "events": [_event(e, i, width, case_id) for i, e in enumerate(events, 1)],
    }


@contextmanager
def open_log(path: Path) -> Iterator[IO[bytes]]:
    """The XES bytes of ``path``: the file itself, or the one ``.xes`` member of a zip."""
    if path.suffix != ".zip":
        with open(path, "rb") as fh:
            yield fh
        return
    with zipfile.ZipFile(path) as zf:
        members = [n for n in zf.namelist() if n.endswith(".xes") and not n.startswith("__MACOSX")]
        if len(members) != 1:
            raise XesError(f"{path}: expected one .xes member, found {members}")
        with zf.open(members[0]) as fh:
            yield fh


def read_cases(source: IO[bytes]) -> Iterator[dict[str, Any]]:
    """Timelines, in file order, from an XES byte stream (iterparse; cleared as it goes)."""
    depth = 0
    number = 0
    root: Element | None = None
    for kind, el in iterparse(source, events=("start", "end")):
        if kind == "start":
            if depth == 0:
                root = el
            depth += 1
            continue
        depth -= 1
        if depth == 1:  # a direct child of <log> is complete: a trace, or log metadata
            if _local(el.tag) == "trace":
                number += 1
                yield _case(el, number)
            if root is not None:
                root.clear()


def convert(src: Path, dst: Path) -> tuple[int, int]:
    """Write ``src`` as JSON Lines to ``dst`` (atomically); return (cases, events)."""
    cases = events = 0
    tmp = dst.with_suffix(".partial")
    with open_log(src) as fh, open(tmp, "w", encoding="utf-8") as out:
        for case in read_cases(fh):
            out.write(json.dumps(case, separators=(",", ":"), ensure_ascii=False) + "\n")
            cases += 1
            events += len(case["events"])
    tmp.replace(dst)
    return cases, events


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    t = time.perf_counter()
    try:
        cases, events = convert(Path(argv[0]), Path(argv[1]))
    except (OSError, XesError, ParseError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{cases:,} cases, {events:,} events in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

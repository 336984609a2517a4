"""How much a columnar *reading* of timelines could save (issue 18; ADR 0018, "What is left").

The columnar batch path validates every case with ``model.normalize`` (``Engine.prepare``)
before its tables are built. This probe times, on one JSON Lines corpus and in one process
with interleaved rounds, what reading and validating cost today against what polars would
spend reading the same file into an events table:

- ``orjson``: ``orjson.loads`` of every line (what the audit parses with);
- ``orjson+prepare``: the same, then ``Engine.prepare`` of every case (validation: ids,
  types, refs, attributes; instants placed in the calendar's zone; events sorted);
- ``polars-read``: ``polars.read_ndjson`` with an explicit schema (case id, subject, events
  with id, type, at, refs — *not* the attributes, whose names vary per event type);
- ``polars-table``: that read, then one row per event with its instant (offset or local
  midnight, Europe/Copenhagen), local day, and the rows sorted by (case, instant, id).

The polars side is a ceiling, not an implementation: it checks nothing (no located errors,
no refs, no attributes, no duplicate ids) and is not compared with ``normalize``. CPU time
counts polars' worker threads.

    python bench/columnar_ingest.py [--cases 20000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import time
from collections.abc import Callable
from typing import Any

from _measure import demo_corpus, min_median, rotations


def _orjson(raw: bytes) -> int:
    import orjson

    n = 0
    for line in raw.splitlines():  # each case dropped at once, as the audit does
        orjson.loads(line)
        n += 1
    return n


def _prepare(raw: bytes) -> int:
    import orjson

    from compliance import Engine, load_rules

    engine = _prepare.__dict__.setdefault("engine", Engine(load_rules("dk")))
    valid = 0
    for line in raw.splitlines():
        try:
            engine.prepare(orjson.loads(line))
            valid += 1
        except ValueError:  # TimelineError: a broken case of the corpus
            pass
    return valid


def _schema() -> dict[str, Any]:
    import polars as pl

    event = pl.Struct(
        {"id": pl.String, "type": pl.String, "at": pl.String, "refs": pl.List(pl.String)}
    )
    subject = pl.Struct({"birth_date": pl.String, "municipality": pl.String})
    return {"case_id": pl.String, "subject": subject, "events": pl.List(event)}


def _polars_read(raw: bytes) -> int:
    import polars as pl

    return pl.read_ndjson(io.BytesIO(raw), schema=_schema()).height


def _polars_table(raw: bytes) -> int:
    import polars as pl

    zone = "Europe/Copenhagen"
    cases = pl.read_ndjson(io.BytesIO(raw), schema=_schema())
    events = (
        cases.select("case_id", "events").with_row_index("case").explode("events").unnest("events")
    )
    at = pl.col("at")
    midnight = (
        at.str.to_date("%Y-%m-%d", strict=False)
        .cast(pl.Datetime("us"))
        .dt.replace_time_zone(zone, ambiguous="earliest", non_existent="null")
        .dt.convert_time_zone("UTC")
    )
    instant = (
        pl.when(at.str.len_chars() > 10)
        .then(at.str.to_datetime("%Y-%m-%dT%H:%M:%S%.f%:z", strict=False))
        .otherwise(midnight)
    )
    table = (
        events.with_columns(instant.alias("instant"), (at.str.len_chars() > 10).alias("precise"))
        .with_columns(pl.col("instant").dt.convert_time_zone(zone).dt.date().alias("day"))
        .sort("case", "instant", "id")
    )
    return table.height


MODES: dict[str, Callable[[bytes], int]] = {
    "orjson": _orjson,
    "orjson+prepare": _prepare,
    "polars-read": _polars_read,
    "polars-table": _polars_table,
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--cases", type=int, default=20000)
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    raw = demo_corpus(a.cases).read_bytes()
    for fn in MODES.values():  # imports, the rule pack and polars' thread pool: not timed
        fn(raw[: raw.index(b"\n") + 1])
    load = os.getloadavg()[0]
    times: dict[str, list[tuple[float, float]]] = {m: [] for m in MODES}
    for order in rotations(list(MODES), a.rounds):
        for mode in order:
            wall, cpu = time.perf_counter(), time.process_time()
            MODES[mode](raw)
            times[mode].append((time.perf_counter() - wall, time.process_time() - cpu))
    result = {
        "cases": a.cases,
        "rounds": a.rounds,
        "load": [load, os.getloadavg()[0]],
        "cpu": {m: min_median([c for _, c in t]) for m, t in times.items()},
        "wall": {m: min_median([w for w, _ in t]) for m, t in times.items()},
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()

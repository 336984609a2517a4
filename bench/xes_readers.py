"""XES readers on the full road-fines log: xml.etree iterparse vs lxml iterparse vs rustxes.

Each reader runs in a fresh subprocess; reported: wall and CPU seconds, traces and events
read, events per CPU second and peak RSS. rustxes reads only .xes/.xes.gz and builds one
Polars DataFrame of the whole log, so every reader is also run on the unzipped .xes (made once
in bench/data/, untimed). The figures are in docs/adr/0010-xes-reader.md.

Usage: python bench/xes_readers.py [--log PATH.xes.zip] [--only etree-zip,etree,lxml,rustxes]
Needs lxml and rustxes for those two (pip install -e '.[bench]').
"""

from __future__ import annotations

import argparse
import json
import time
import zipfile
from pathlib import Path
from typing import Any

from _measure import process_cpu_seconds, process_usage, run_child

ROOT = Path(__file__).resolve().parent.parent
LOG = (
    ROOT.parent / "shared" / "data" / "road-fines" / "Road_Traffic_Fine_Management_Process.xes.zip"
)
DATA = ROOT / "bench" / "data"


def unzipped(log: Path) -> Path:
    out = DATA / log.name.removesuffix(".zip")
    if not out.exists():
        DATA.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(log) as zf:
            member = next(n for n in zf.namelist() if n.endswith(".xes") and "/._" not in n)
            tmp = out.with_suffix(".partial")
            with zf.open(member) as src, open(tmp, "wb") as dst:
                while chunk := src.read(1 << 20):
                    dst.write(chunk)
            tmp.replace(out)
    return out


def run_etree(path: str) -> tuple[int, int]:
    from compliance.sources.xes import read_xes

    traces = events = 0
    for case in read_xes(path):
        traces += 1
        events += case.events
    return traces, events


def run_lxml(path: str) -> tuple[int, int]:
    from lxml import etree

    from compliance.sources.xes import _trace_case, open_xes

    traces = events = 0
    with open_xes(path) as fh:
        for _, elem in etree.iterparse(fh, events=("end",), tag="{*}trace"):
            traces += 1
            events += _trace_case(elem, traces, path).events
            elem.clear()
            while elem.getprevious() is not None:
                del elem.getparent()[0]
    return traces, events


def run_rustxes(path: str) -> tuple[int, int]:
    import rustxes

    df, _ = rustxes.import_xes(path)
    traces = df["case:concept:name"].n_unique()
    return int(traces), int(df.height)


READERS = {"etree-zip": run_etree, "etree": run_etree, "lxml": run_lxml, "rustxes": run_rustxes}


def child(kind: str, path: str) -> dict[str, Any]:
    t = time.perf_counter()
    traces, events = READERS[kind](path)
    rate = round(events / process_cpu_seconds())
    return {"reader": kind, "traces": traces, "events": events, "events_per_cpu_s": rate} | (
        process_usage(t)
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--log", default=str(LOG))
    ap.add_argument("--only", default="etree-zip,etree,lxml,rustxes")
    ap.add_argument("--child", nargs=2)
    a = ap.parse_args()
    if a.child:
        print(json.dumps(child(*a.child)))
        return
    log = Path(a.log)
    if not log.exists():
        print(f"skipped: {log} not present")
        return
    plain = unzipped(log) if log.suffix == ".zip" else log
    print("| reader | input | traces | events | wall s | CPU s | events per CPU s | peak RSS MB |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for kind in a.only.split(","):
        path = log if kind == "etree-zip" else plain
        r, error = run_child(__file__, ["--child", kind, str(path)])
        if r is None:
            print(f"| {kind} | failed: {error} |")
            continue
        print(
            f"| {kind} | {path.name} | {r['traces']:,} | {r['events']:,} | {r['s']} "
            f"| {r['cpu_s']} | {r['events_per_cpu_s']:,} | {r['peak_rss_mb']} |",
            flush=True,
        )


if __name__ == "__main__":
    main()

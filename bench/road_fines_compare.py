"""Compare the engine with an independent reading of the law, case by case, on the road-fines
log (docs/rules/it-road-fines-story.md, "Engine against the independent analysis").

The independent side is written here from the law alone, with the standard library only: its
own XES streaming reader, its own Italian calendar (Easter by the anonymous Gregorian
algorithm, the national holidays of L. 260/1949 as amended) and its own period arithmetic
(art. 155 c.p.c., the summer suspension of L. 742/1969). It shares no code with the engine.
The engine side is ``compliance audit --rules it/road-fines -f jsonl`` (or ``--findings FILE``,
the JSONL of an earlier run). Output: Markdown, every difference with its case ids.

    python bench/road_fines_compare.py [--data DIR] [--findings FILE] [--as-of 2013-06-18]
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import json
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOG = "Road_Traffic_Fine_Management_Process.xes.zip"
D = dt.date
DAY = dt.timedelta(days=1)
LAW_120_2010 = D(2010, 8, 13)  # art. 201: 150 -> 90 days, by the assessment date
DLGS_150_2011 = D(2011, 10, 6)  # art. 204-bis: 60 -> 30 days, by the filing date
SATURDAY_RULE = D(2006, 3, 1)  # c.p.c. art. 155(5) (L. 263/2005): Saturday closes procedural terms
NOTIFY = "it.road-fines.notify"


@dataclass(frozen=True)
class Event:
    name: str
    day: D
    attrs: dict[str, object]


# ------------------------------------------------------------------ calendar (own, stdlib)


def easter(year: int) -> D:
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    g = (b - (b + 8) // 25 + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    return D(year, (h + l_ - 7 * m + 114) // 31, (h + l_ - 7 * m + 114) % 31 + 1)


def holiday(day: D, saturday_closed: bool) -> bool:
    """Sunday, a national holiday (2 June from 2001, 17 March 2011 once), or a closed Saturday."""
    fixed = {(1, 1), (1, 6), (4, 25), (5, 1), (8, 15), (11, 1), (12, 8), (12, 25), (12, 26)}
    if day.weekday() == 6 or (day.month, day.day) in fixed:
        return True
    if day == easter(day.year) + DAY or (day.year >= 2001 and (day.month, day.day) == (6, 2)):
        return True
    return day == D(2011, 3, 17) or (saturday_closed and day.weekday() == 5)


def suspended(day: D) -> bool:
    """L. 742/1969 art. 1: 1 Aug - 15 Sep; 1 - 31 Aug from 2015 (D.L. 132/2014 art. 16)."""
    last = D(day.year, 9, 15) if day.year <= 2014 else D(day.year, 8, 31)
    return D(day.year, 8, 1) <= day <= last


def due(start: D, days: int, saturday_closed: bool = False, suspension: bool = False) -> D:
    """Start day not counted; with ``suspension`` suspended days are not counted either; a last
    day that is closed moves to the next open day (art. 155 c.p.c.)."""
    day, left = start, days
    while left:
        day += DAY
        left -= not (suspension and suspended(day))
    while holiday(day, saturday_closed):
        day += DAY
    return day


# ------------------------------------------------------------------ log (own reader)


def traces(path: Path) -> Iterator[tuple[str, list[Event]]]:
    with zipfile.ZipFile(path) as zf:
        name = next(n for n in zf.namelist() if n.endswith(".xes") and "MACOSX" not in n)
        with zf.open(name) as fh:
            case_id, events = "", []
            for _, el in ET.iterparse(fh, events=("end",)):
                tag = el.tag.rsplit("}", 1)[-1]
                if tag == "event":
                    attrs: dict[str, object] = {str(a.get("key")): a.get("value") for a in el}
                    when = str(attrs.pop("time:timestamp"))
                    events.append(
                        Event(str(attrs.pop("concept:name")), D.fromisoformat(when[:10]), attrs)
                    )
                    el.clear()
                elif tag == "trace":
                    case_id = next(
                        (
                            str(a.get("value"))
                            for a in el
                            if a.tag.endswith("string") and a.get("key") == "concept:name"
                        ),
                        "",
                    )
                    yield case_id, events
                    case_id, events = "", []
                    el.clear()


def first(events: list[Event], name: str) -> Event | None:
    return next((e for e in events if e.name == name), None)


def amount(e: Event | None, key: str) -> float:
    return float(str(e.attrs.get(key, 0) or 0)) if e else 0.0


# ------------------------------------------------------------------ the independent reading


def notify_reading(events: list[Event]) -> tuple[str, str]:
    """Art. 201(1): Send Fine within 150 days (assessed before 13 Aug 2010) / 90 days of Create
    Fine. Returns (plain status, the law's status): the plain status looks at the dispatch
    only; the law's status also sees a fine paid in full before the dispatch - settled in the
    term (nothing left to notify: cancelled) or only after the term had run out (missed)."""
    create, send = events[0], first(events, "Send Fine")
    last = due(create.day, 150 if create.day < LAW_120_2010 else 90)
    plain = "not sent" if send is None else ("late" if send.day > last else "met")
    paid, owed = 0.0, amount(create, "amount")
    for i, e in enumerate(events):
        if send is not None and e is send:
            break
        if e.name == "Payment" and i:
            paid += amount(e, "paymentAmount")
            if paid >= owed - 0.005:
                return plain, "cancelled" if e.day <= last else "missed"
    return plain, plain


def judge_reading(events: list[Event], act: Event, as_of: D) -> tuple[str, str]:
    """Arts. 204-bis / 205: (status, reason); status "none" when no basis can be judged.
    204-bis: 60 days (30 for filings from 6 Oct 2011) from the notification of the report - or
    from the contestation when it was never sent - closed by an earlier Prefect appeal; an
    opposition after dispatch but before the receipt was recorded is early, so in time. 205: 30
    days from the notification of the Prefect's order. Saturday closed from 1 Mar 2006; the
    summer suspension of L. 742/1969."""
    if act.day < SATURDAY_RULE:
        if act.day < D(2003, 8, 13):
            return "none", "filed before 13 Aug 2003 (art. 204-bis not yet in force)"
        return "none", "filed 13 Aug 2003 - 28 Feb 2006 (Saturday still an open day)"
    before = [e for e in events if e is not act and e.day <= act.day]
    names = {e.name for e in before}
    days = 60 if act.day < DLGS_150_2011 else 30
    bases: list[tuple[str, D]] = []
    if "Insert Date Appeal to Prefecture" not in names:
        notified = [e for e in before if e.name == "Insert Fine Notification"]
        if notified:
            bases.append(("verbale", due(notified[-1].day, days, True, True)))
        elif "Send Fine" in names:
            bases.append(("verbale, before the receipt was recorded", act.day))
        else:
            bases.append(("contestazione", due(events[0].day, days, True, True)))
    ordered = [e for e in before if e.name == "Notify Result Appeal to Offender"]
    if ordered:
        bases.append(("ordinanza", due(ordered[-1].day, 30, True, True)))
    if bases:
        ok = [name for name, last in bases if act.day <= last]
        return ("met", f"in time via {ok[0]}") if ok else ("late", "after every basis")
    return "none", "a Prefect appeal came first (art. 204-bis closed) and no order was notified"


def prefect_reading(events: list[Event], act: Event, as_of: D) -> tuple[str, str]:
    """Art. 203(1): 60 days from the notification of the report, or from the contestation when
    it was never sent; early (after dispatch, before the receipt was recorded) is in time.
    Administrative: Saturday open, no summer suspension."""
    before = [e for e in events if e is not act and e.day <= act.day]
    notified = [e for e in before if e.name == "Insert Fine Notification"]
    if notified:
        last, via = due(notified[-1].day, 60), "notificazione"
    elif any(e.name == "Send Fine" for e in before):
        return "met", "in time: lodged after dispatch, before the receipt was recorded"
    else:
        last, via = due(events[0].day, 60), "contestazione"
    return ("met", f"in time via {via}") if act.day <= last else ("late", f"late via {via}")


# ------------------------------------------------------------------ the engine's findings


def engine_findings(
    log: Path, as_of: str, findings: Path | None
) -> dict[tuple[str, str], list[str]]:
    """(case, rule) -> the statuses of the engine's findings, in order."""
    out: dict[tuple[str, str], list[str]] = collections.defaultdict(list)
    with tempfile.TemporaryDirectory() as tmp:
        if findings is None:
            findings = Path(tmp) / "findings.jsonl"
            cli = Path(sys.executable).with_name("compliance")
            args = [str(cli), "audit", str(log), "--rules", "it/road-fines", "--as-of", as_of]
            subprocess.run(
                [*args, "-f", "jsonl", "-o", str(findings)], check=True, capture_output=True
            )
        with findings.open() as fh:
            for line in fh:
                f = json.loads(line)
                if f["rule"] == NOTIFY or f["rule"] in READINGS:
                    out[(f["case_id"], f["rule"])].append(f["status"])
    return out


# ------------------------------------------------------------------ the comparison


def decide_reading(events: list[Event], act: Event, as_of: D) -> tuple[str, str]:
    """Art. 204(1), (1-bis): the Prefect's order within 180 days of the appeal (lodged from
    13 Aug 2003); its receipt by the police stands in for its adoption; an appeal upheld
    (dismissal other than NIL on Send Appeal to Prefecture) needs no order."""
    if act.day < D(2003, 8, 13):
        return "none", "lodged before 13 Aug 2003 (earlier texts not encoded)"
    last = due(act.day, 180)
    after = events[events.index(act) + 1 :]
    order = next((e for e in after if e.name == "Receive Result Appeal from Prefecture"), None)
    upheld = next(
        (
            e
            for e in after
            if e.name == "Send Appeal to Prefecture" and e.attrs.get("dismissal") != "NIL"
        ),
        None,
    )
    if upheld is not None and (order is None or after.index(upheld) < after.index(order)):
        return ("cancelled", "upheld") if upheld.day <= last else ("missed", "upheld late")
    if order is not None:
        return ("met", "order received") if order.day <= last else ("late", "order late")
    if as_of <= last:
        return "due", "term running"
    collected = any(e.name == "Send for Credit Collection" for e in after)
    return "overdue", "no order: deemed upheld" + ("; sent for collection" if collected else "")


#: rule -> (the activity that raises it, the independent reading of one such act)
READINGS = {
    "it.road-fines.judge-appeal": ("Appeal to Judge", judge_reading),
    "it.road-fines.prefect-appeal": ("Insert Date Appeal to Prefecture", prefect_reading),
    "it.road-fines.prefect-decide": ("Insert Date Appeal to Prefecture", decide_reading),
}


def compare(log: Path, engine: dict[tuple[str, str], list[str]], as_of: D, limit: int) -> None:
    plain: collections.Counter[str] = collections.Counter()
    notify_diff: dict[str, list[str]] = collections.defaultdict(list)
    acts: dict[str, dict[str, list[str]]] = {
        rule: collections.defaultdict(list) for rule in READINGS
    }
    for case, events in traces(log):
        was, law = notify_reading(events)
        plain[was] += 1
        got = engine.get((case, NOTIFY), ["none"])[0]
        if was != got:
            notify_diff[f"plain {was} -> law {law}, engine {got}"].append(case)
        for rule, (name, reading) in READINGS.items():
            statuses = iter(engine.get((case, rule), []))
            for act in (e for e in events if e.name == name):
                status, reason = reading(events, act, as_of)
                got = next(statuses, "none") if status != "none" else "none"
                acts[rule][f"{status} | {got} | {reason}"].append(case)
    print(f"## Art. 201 ({NOTIFY})\n\nplain reading (dispatch only): {dict(plain)}\n")
    print("| plain reading -> the law's reading, engine | cases | case ids |\n|---|---:|---|")
    for key, cases in sorted(notify_diff.items()):
        print(f"| {key} | {len(cases)} | {', '.join(cases[:limit])} |")
    for rule, groups in acts.items():
        print(f"\n## {rule}: every {READINGS[rule][0]}\n")
        print("| independent | engine | reason | acts | example case ids |\n|---|---|---|---:|---|")
        for key, cases in sorted(groups.items(), key=lambda kv: -len(kv[1])):
            print(f"| {key} | {len(cases)} | {', '.join(cases[:limit])} |")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, default=ROOT.parent / "shared/data/road-fines")
    p.add_argument("--findings", type=Path, help="JSONL findings of an earlier audit of the log")
    p.add_argument("--as-of", default="2013-06-18", help="the log's last day")
    p.add_argument("--examples", type=int, default=3, help="case ids shown per group")
    a = p.parse_args()
    log = a.data / LOG
    if not log.is_file():
        print(f"road-fines comparison: no log at {log}; skipped")
        return
    as_of = D.fromisoformat(a.as_of)
    compare(log, engine_findings(log, a.as_of, a.findings), as_of, a.examples)


if __name__ == "__main__":
    main()

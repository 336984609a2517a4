"""Bounded load test of ``compliance serve``: requests/s and p50/p99 latency of /v1/evaluate.

Loopback only. For each concurrency level (default 1, 8, 32 clients) it sends a fixed number
of requests (``--requests``), or stops earlier when ``--duration`` seconds have passed, so it
always ends by itself. Each client holds one keep-alive HTTP/1.1 connection and sends the next
request when the previous answer is read (closed loop). Bodies are demo timelines (seeded, so
every run sends the same cases).

The client is a minimal asyncio HTTP/1.1 writer/reader rather than httpx: on a 2-core machine
a heavyweight client would measure itself, not the server.

Usage:
    python bench/service_load.py                   # starts `compliance serve` on a free port
    python bench/service_load.py --url http://127.0.0.1:8000 --requests 3000 --duration 20
    python bench/service_load.py --concurrency 1,8,32 --json out.json

The server it starts itself is stopped at the end (also on Ctrl-C).
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parent.parent
AS_OF = "2025-06-30T23:59:59+02:00"


def bodies(n: int = 200, seed: int = 4242) -> list[bytes]:
    """``n`` request bodies for /v1/evaluate from the demo generator (deterministic)."""
    from compliance.demo import generate

    return [orjson.dumps({"timeline": case, "as_of": AS_OF}) for case in generate(n, seed=seed)]


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(socket.gethostbyname(host)).is_loopback
    except (OSError, ValueError):
        return False


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    await reader.readexactly(length)
    return status


async def _client(
    host: str, port: int, reqs: list[bytes], state: dict[str, Any], latencies: list[float]
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while state["left"] > 0 and time.perf_counter() < state["deadline"]:
            state["left"] -= 1
            i = state["next"]
            state["next"] = i + 1
            t0 = time.perf_counter()
            writer.write(reqs[i % len(reqs)])
            status = await _read_response(reader)
            latencies.append(time.perf_counter() - t0)
            if status != 200:
                state["errors"] += 1
    finally:
        writer.close()


def _requests(host: str, port: int, token: str | None) -> list[bytes]:
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    out = []
    for body in bodies():
        head = (
            f"POST /v1/evaluate HTTP/1.1\r\nHost: {host}:{port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n{auth}\r\n"
        )
        out.append(head.encode() + body)
    return out


async def level(
    host: str, port: int, clients: int, count: int, duration: float, reqs: list[bytes]
) -> dict[str, Any]:
    """One concurrency level: ``count`` requests or ``duration`` seconds, whichever ends first."""
    state: dict[str, Any] = {
        "left": count,
        "next": 0,
        "errors": 0,
        "deadline": time.perf_counter() + duration,
    }
    latencies: list[float] = []
    t0 = time.perf_counter()
    await asyncio.gather(*(_client(host, port, reqs, state, latencies) for _ in range(clients)))
    wall = time.perf_counter() - t0
    q = statistics.quantiles(latencies, n=100, method="inclusive")
    return {
        "clients": clients,
        "requests": len(latencies),
        "errors": state["errors"],
        "seconds": round(wall, 2),
        "rps": round(len(latencies) / wall, 1),
        "p50_ms": round(q[49] * 1000, 2),
        "p99_ms": round(q[98] * 1000, 2),
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def started_server(rules: list[str]) -> Iterator[tuple[str, int]]:
    """Start ``compliance serve`` on a free loopback port; stop it (by its pid) on exit."""
    port = _free_port()
    exe = Path(sys.executable).with_name("compliance")
    args = [str(exe), "serve", "--host", "127.0.0.1", "--port", str(port)]
    for r in rules:
        args += ["--rules", r]
    env = {k: v for k, v in os.environ.items() if k != "COMPLIANCE_API_TOKEN"}
    url = f"http://127.0.0.1:{port}"
    # the server's log goes to a file: a pipe nobody reads would fill up and stall it
    with tempfile.TemporaryDirectory(prefix="compliance-serve-") as tmp:
        log = Path(tmp) / "server.log"
        with open(log, "wb") as fh:
            proc = subprocess.Popen(args, env=env, stdout=fh, stderr=subprocess.STDOUT)
        try:
            _wait_ready(url, proc, log)
            yield url, proc.pid
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _wait_ready(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    import urllib.request

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}: {log.read_text()}")
        try:
            with urllib.request.urlopen(url + "/readyz", timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("server did not become ready within 60 s")


def cpu_seconds(pid: int | None) -> float | None:
    """User + system CPU time of a process (Linux /proc), or None where unknown."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(
    url: str, levels: list[int], count: int, duration: float, pid: int | None = None
) -> list[dict[str, Any]]:
    """Each level in turn; with the server's ``pid``, also its CPU time per request — the
    figure that stays meaningful on a machine shared with other work."""
    parts = urllib.parse.urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    if not _loopback(host):
        raise SystemExit(f"refusing to load-test {host}: loopback addresses only")
    reqs = _requests(host, port, os.environ.get("COMPLIANCE_API_TOKEN"))
    asyncio.run(level(host, port, 1, 50, 10, reqs))  # warm-up, not reported
    results = []
    for clients in levels:
        before = cpu_seconds(pid)
        r = asyncio.run(level(host, port, clients, count, duration, reqs))
        after = cpu_seconds(pid)
        if before is not None and after is not None:
            r["server_cpu_ms_per_request"] = round((after - before) / r["requests"] * 1000, 3)
        results.append(r)
    return results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--url", help="a running server (loopback only); default: start one")
    ap.add_argument("--rules", action="append", help="packs for the started server (default dk)")
    ap.add_argument("--concurrency", default="1,8,32", help="client counts, comma-separated")
    ap.add_argument("--requests", type=int, default=2000, help="requests per level")
    ap.add_argument("--duration", type=float, default=20.0, help="max seconds per level")
    ap.add_argument("--json", help="also write the results here")
    a = ap.parse_args()
    levels = [int(c) for c in a.concurrency.split(",")]
    load = os.getloadavg()[0]
    if a.url:
        results = run(a.url, levels, a.requests, a.duration)
    else:
        with started_server(a.rules or ["dk"]) as (url, pid):
            results = run(url, levels, a.requests, a.duration, pid)
    print(f"load average at start: {load:.1f} on {os.cpu_count()} CPUs")
    print("| clients | requests | errors | req/s | p50 ms | p99 ms | server CPU ms/request |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(
            f"| {r['clients']} | {r['requests']} | {r['errors']} | {r['rps']} "
            f"| {r['p50_ms']} | {r['p99_ms']} | {r.get('server_cpu_ms_per_request', '')} |"
        )
    if a.json:
        Path(a.json).write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()

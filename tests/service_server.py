"""Start the real ``compliance serve`` on a free loopback port for tests, and stop it after."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
EXE = str(Path(sys.executable).with_name("compliance"))


@dataclass
class Server:
    url: str
    proc: subprocess.Popen[bytes]
    log: Path
    token: str | None

    def client(self, token: str | None = None) -> httpx.Client:
        auth = token or self.token
        headers = {"Authorization": f"Bearer {auth}"} if auth else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running_server(
    args: list[str], log: Path, env: dict[str, str] | None = None, token: str | None = None
) -> Iterator[Server]:
    port = free_port()
    environ = {k: v for k, v in os.environ.items() if not k.startswith("COMPLIANCE_")}
    environ.update(env or {})
    with open(log, "wb") as fh:
        proc = subprocess.Popen(
            [EXE, "serve", "--host", "127.0.0.1", "--port", str(port), *args],
            cwd=ROOT,
            env=environ,
            stdout=fh,
            stderr=subprocess.STDOUT,
        )
    server = Server(f"http://127.0.0.1:{port}", proc, log, token)
    try:
        _wait_ready(server)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait_ready(server: Server) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise RuntimeError(f"server exited {server.proc.returncode}: {server.log_text()}")
        try:
            if httpx.get(server.url + "/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError("server not ready within 90 s: " + server.log_text())

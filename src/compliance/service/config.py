"""Settings of ``compliance serve``: where it listens, which packs, limits, secrets.

Secrets never travel on the command line (where ``ps`` shows them to every local user): the
bearer token comes from ``COMPLIANCE_API_TOKEN`` or from a file named by ``--token-file`` (or
``COMPLIANCE_API_TOKEN_FILE``), the pseudonym key from ``COMPLIANCE_PSEUDONYM_KEY`` as for
``compliance audit --pseudonymize``.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from compliance.errors import ComplianceError

__all__ = ["TOKEN_ENV", "TOKEN_FILE_ENV", "Limits", "ServiceConfig", "is_loopback", "read_token"]

TOKEN_ENV = "COMPLIANCE_API_TOKEN"
TOKEN_FILE_ENV = "COMPLIANCE_API_TOKEN_FILE"
PSEUDONYM_ENV = "COMPLIANCE_PSEUDONYM_KEY"
MIN_TOKEN_LENGTH = 16


@dataclass(frozen=True)
class Limits:
    """Per-request limits. A body over ``max_body_bytes`` is refused with 413 before it is
    parsed; more cases or events than allowed give 422 (per case inside a batch)."""

    max_body_bytes: int = 8 * 1024 * 1024
    max_cases: int = 1000
    max_events: int = 10_000

    def __post_init__(self) -> None:
        for name in ("max_body_bytes", "max_cases", "max_events"):
            if getattr(self, name) < 1:
                raise ComplianceError(f"--{name.replace('_', '-')} must be at least 1")


@dataclass(frozen=True)
class ServiceConfig:
    packs: tuple[str, ...] = ("dk",)
    host: str = "127.0.0.1"
    port: int = 8000
    token: str | None = None
    pseudonym_key: bytes | None = None
    cors_origins: tuple[str, ...] = ()
    limits: Limits = field(default_factory=Limits)
    default_tz: str | None = None
    admin_reload: bool = True

    def check(self, insecure_no_auth: bool = False) -> None:
        """Refuse unsafe combinations: case data about children never crosses a network
        without a token unless the operator says so explicitly."""
        if not self.packs:
            raise ComplianceError("no rule packs given (--rules dk)")
        if not is_loopback(self.host) and self.token is None and not insecure_no_auth:
            raise ComplianceError(
                f"refusing to listen on {self.host} without a bearer token: set {TOKEN_ENV} "
                f"or --token-file (or pass --insecure-no-auth behind an authenticating proxy)"
            )
        if "*" in self.cors_origins:
            raise ComplianceError("--cors-origin '*' is not allowed; name each origin")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def read_token(token_file: str | None, environ: Mapping[str, str] = os.environ) -> str | None:
    """The bearer token from ``--token-file``, ``COMPLIANCE_API_TOKEN_FILE`` or
    ``COMPLIANCE_API_TOKEN`` (in that order); None when none is set."""
    path = token_file or environ.get(TOKEN_FILE_ENV)
    if path:
        p = Path(path)
        try:
            mode = p.stat().st_mode
            text = p.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ComplianceError(f"token file {path}: {exc.strerror}") from None
        if mode & (stat.S_IRWXG | stat.S_IRWXO):  # normal for container secrets; say so
            logging.getLogger("compliance.service").warning(
                "token file %s is readable by other users; chmod 600 it on a shared host", path
            )
        token: str | None = text
    else:
        token = environ.get(TOKEN_ENV) or None
    if token is not None and len(token) < MIN_TOKEN_LENGTH:
        raise ComplianceError(f"the bearer token must be at least {MIN_TOKEN_LENGTH} characters")
    return token


def read_pseudonym_key(environ: Mapping[str, str] = os.environ) -> bytes:
    key = environ.get(PSEUDONYM_ENV)
    if not key:
        raise ComplianceError(
            f"--pseudonymize needs a key in the environment variable {PSEUDONYM_ENV}"
        )
    return key.encode()

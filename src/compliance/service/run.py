"""``compliance serve``: check the settings, load the packs, run uvicorn until stopped.

SIGHUP reloads the rule packs atomically (so does ``POST /admin/reload``); SIGTERM and
Ctrl-C stop accepting connections and let requests in flight finish (up to 10 s).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from compliance.errors import ComplianceError
from compliance.service.config import Limits, ServiceConfig, read_pseudonym_key, read_token

__all__ = ["serve_command"]

log = logging.getLogger("compliance.service")


LOG_LEVELS = ("debug", "info", "warning", "error")


def _configure_logging(level: str) -> None:
    if level.lower() not in LOG_LEVELS:
        raise ComplianceError(f"--log-level {level!r}: one of {', '.join(LOG_LEVELS)}")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())


def _distribution() -> str:
    """The name this package is installed under (the import name may differ)."""
    from importlib.metadata import packages_distributions

    return (packages_distributions().get("compliance") or ["compliance"])[0]


def _check_zone(name: str | None) -> None:
    if name is None:
        return
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ComplianceError(
            f"--tz {name!r} is not a known time zone (e.g. Europe/Copenhagen)"
        ) from None


def serve_command(
    *,
    host: str,
    port: int,
    packs: Sequence[str],
    token_file: str | None = None,
    pseudonymize: bool = False,
    cors_origins: Sequence[str] = (),
    limits: Limits | None = None,
    default_tz: str | None = None,
    insecure_no_auth: bool = False,
    admin_reload: bool = True,
    log_level: str = "info",
) -> None:
    """Run the service in the foreground. Raises ComplianceError for a user's mistake (bad
    settings, a bad pack) before anything listens."""
    try:
        import uvicorn

        from compliance.service.app import create_app
    except ImportError as exc:
        raise ComplianceError(
            f"the HTTP service needs the 'service' extra: pip install '{_distribution()}[service]' "
            f"({exc.name} is missing)"
        ) from None

    _configure_logging(log_level)
    _check_zone(default_tz)
    config = ServiceConfig(
        packs=tuple(packs) or ("dk",),
        host=host,
        port=port,
        token=read_token(token_file),
        pseudonym_key=read_pseudonym_key() if pseudonymize else None,
        cors_origins=tuple(cors_origins),
        limits=limits or Limits(),
        default_tz=default_tz,
        admin_reload=admin_reload,
    )
    config.check(insecure_no_auth)
    app = create_app(config, handle_sighup=True)
    state = app.state.store.state
    log.info(
        "rule packs %s, version %s; auth %s; pseudonymise %s",
        ", ".join(f"{p.id}={p.version}" for p in state.packs),
        state.version,
        "bearer token" if config.token else "off",
        "on" if config.pseudonym_key else "off",
    )
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host=host,
            port=port,
            log_config=None,
            access_log=False,  # ours logs method, path, status and time only
            server_header=False,
            proxy_headers=False,
            timeout_graceful_shutdown=10,
            lifespan="on",
        )
    )
    server.run()

"""``compliance serve``: the engine as an HTTP service with an OpenAPI 3.1 document, for case
systems not written in Python (docs/guide/hosts.md, docs/adr/0008-service.md).

``compliance.service.app.create_app(ServiceConfig(...))`` builds the ASGI application;
``serve_command`` runs it under uvicorn. This package imports no web framework itself, so the
library works without the ``service`` extra installed.
"""

from compliance.service.config import Limits, ServiceConfig
from compliance.service.run import serve_command

__all__ = ["Limits", "ServiceConfig", "serve_command"]

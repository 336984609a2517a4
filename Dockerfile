# compliance serve in a container: python slim, a non-root user, no build tools at run time.
#
#   docker build -t compliance .
#   docker run --rm -p 8000:8000 -e COMPLIANCE_API_TOKEN=... compliance            # dk pack
#   docker run ... compliance --rules dk --rules municipal/slagelse                  # other packs
#   docker run ... -v /srv/rules:/rules:ro compliance --rules /rules/our-pack        # own packs
#
# It listens on 0.0.0.0 inside the container, so a bearer token is required: set
# COMPLIANCE_API_TOKEN, or mount a secret and set COMPLIANCE_API_TOKEN_FILE to its path.
# SIGHUP (docker kill -s HUP) reloads the packs; SIGTERM drains requests and stops.

FROM python:3.11-slim AS build
WORKDIR /src
# LICENSE* matches nothing in checkouts without a LICENSE file; the other sources keep COPY valid
COPY pyproject.toml README.md LICENSE* ./
COPY src ./src
COPY rules ./rules
RUN pip wheel --no-cache-dir --wheel-dir /wheels '.[service]'

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin compliance
COPY --from=build /wheels /wheels
# the wheels of the project and of everything its service extra needs, already resolved
RUN pip install --no-cache-dir --no-index --find-links=/wheels /wheels/*.whl \
    && rm -rf /wheels
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s \
    CMD ["python", "-c", "import urllib.request as u; u.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]
ENTRYPOINT ["compliance", "serve", "--host", "0.0.0.0", "--port", "8000"]
CMD ["--rules", "dk"]

# syntax=docker/dockerfile:1.7
# Hotpass image: the code location served over gRPC (default command), and the Dagster webserver
# and daemon from the same image (compose and Helm override the command). Built from uv.lock
# only; bytecode compiled at build time; runs as a non-root user. See docs/how-to/deploy.md.
ARG PYTHON_VERSION=3.12
ARG UV_VERSION=0.13

FROM ghcr.io/astral-sh/uv:${UV_VERSION} AS uv

# --- build: resolve nothing, install exactly what uv.lock pins ---------------------------------
FROM python:${PYTHON_VERSION}-slim-bookworm AS build
COPY --from=uv /uv /usr/local/bin/uv
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/opt/hotpass/venv
WORKDIR /src
# Dependencies first (a layer that changes only with the lock), then the project itself.
COPY pyproject.toml uv.lock README.md ./
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-default-groups --no-install-project
COPY hotpass_assets ./hotpass_assets
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-default-groups --no-editable

# --- runtime: the virtual environment and the instance config, nothing else -------------------
FROM python:${PYTHON_VERSION}-slim-bookworm AS runtime
RUN groupadd --system --gid 10001 hotpass \
    && useradd --system --uid 10001 --gid hotpass --home-dir /opt/hotpass --shell /usr/sbin/nologin hotpass \
    && mkdir -p /opt/dagster/home /data/hotpass \
    && chown -R hotpass:hotpass /opt/dagster/home /data/hotpass
COPY --from=build /opt/hotpass/venv /opt/hotpass/venv
COPY --chown=hotpass:hotpass infra/dagster/dagster.yaml /opt/dagster/home/dagster.yaml
COPY infra/compose/workspace.yaml /opt/hotpass/workspace.yaml
ENV PATH=/opt/hotpass/venv/bin:$PATH \
    DAGSTER_HOME=/opt/dagster/home \
    HOTPASS_HOME=/data/hotpass \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    GX_ANALYTICS_ENABLED=false
WORKDIR /opt/hotpass
USER hotpass
EXPOSE 4000
HEALTHCHECK --interval=30s --timeout=10s --start-period=120s --retries=3 \
    CMD ["dagster", "api", "grpc-health-check", "-p", "4000"]
CMD ["dagster", "api", "grpc", "-h", "0.0.0.0", "-p", "4000", "-m", "hotpass_assets.definitions", "-a", "defs"]

"""OpenTelemetry set-up from the standard ``OTEL_*`` variables, with the OpenTelemetry SDK.

Configuration is only what the SDK and the OTLP exporters read themselves:
``OTEL_SERVICE_NAME`` and ``OTEL_RESOURCE_ATTRIBUTES`` (the resource), ``OTEL_TRACES_SAMPLER``
and ``OTEL_TRACES_SAMPLER_ARG`` (the sampler), ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or the
``..._TRACES_ENDPOINT`` / ``..._METRICS_ENDPOINT`` pair), ``OTEL_EXPORTER_OTLP_PROTOCOL``,
headers and timeouts, and ``OTEL_SDK_DISABLED``. Without an endpoint there is no exporter:
nothing leaves the process. Only ``http/protobuf`` is installed (the gRPC exporter would add
grpcio); another protocol is refused with a message instead of silently switching.

Trace ids: the trace of a Dagster run has the run's id as its trace id (a run id is a UUID,
128 bits like a trace id). Log lines and asset metadata can therefore name the trace before
any span is exported, and an operator can go from a run in the UI to its trace and back.

This module is pure (no Dagster imports).
"""

import contextvars
import os
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Self

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import MetricReader
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SpanExporter
from opentelemetry.sdk.trace.id_generator import RandomIdGenerator

DEFAULT_SERVICE_NAME = "hotpass"
SUPPORTED_PROTOCOLS = ("http/protobuf",)
INSTRUMENTATION = "hotpass"


class TelemetryConfigError(ValueError):
    """The OTEL_* configuration asks for something Hotpass cannot do."""


def trace_id_for_run(run_id: str) -> int:
    """The trace id of a Dagster run: its UUID as a 128-bit integer."""
    try:
        return uuid.UUID(run_id).int
    except ValueError:
        return uuid.uuid5(uuid.NAMESPACE_URL, f"dagster-run:{run_id}").int


def trace_id_hex(run_id: str) -> str:
    return f"{trace_id_for_run(run_id):032x}"


@dataclass(frozen=True)
class TelemetryConfig:
    traces_endpoint: str | None
    metrics_endpoint: str | None
    protocol: str
    disabled: bool

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "TelemetryConfig":
        env = os.environ if env is None else env
        base = env.get("OTEL_EXPORTER_OTLP_ENDPOINT") or None
        protocol = (
            env.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
            or env.get("OTEL_EXPORTER_OTLP_PROTOCOL")
            or "http/protobuf"
        ).strip()
        return cls(
            traces_endpoint=env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or base,
            metrics_endpoint=env.get("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT") or base,
            protocol=protocol,
            disabled=env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true",
        )

    @property
    def exporting(self) -> bool:
        return not self.disabled and bool(self.traces_endpoint or self.metrics_endpoint)

    def validate(self) -> None:
        if self.exporting and self.protocol not in SUPPORTED_PROTOCOLS:
            raise TelemetryConfigError(
                f"OTEL_EXPORTER_OTLP_PROTOCOL={self.protocol!r} is not supported: Hotpass ships "
                f"the OTLP exporter for {', '.join(SUPPORTED_PROTOCOLS)} only; point it at the "
                "collector's HTTP port (usually 4318)"
            )


_NEXT_TRACE_ID: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "hotpass_next_trace_id", default=None
)


class RunTraceIdGenerator(RandomIdGenerator):
    """Random span ids; the trace id set by :func:`use_trace_id` for a run's root span."""

    def generate_trace_id(self) -> int:
        fixed = _NEXT_TRACE_ID.get()
        return fixed if fixed is not None else super().generate_trace_id()


class use_trace_id:
    """Within the block, new root spans get ``trace_id``."""

    def __init__(self, trace_id: int):
        self.trace_id = trace_id
        self._token: contextvars.Token[int | None] | None = None

    def __enter__(self) -> Self:
        self._token = _NEXT_TRACE_ID.set(self.trace_id)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._token is not None:  # always set: a with-block calls __enter__ first
            _NEXT_TRACE_ID.reset(self._token)


def _resource() -> Resource:
    resource = Resource.create()  # reads OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES
    name = resource.attributes.get(SERVICE_NAME, "")
    if isinstance(name, str) and name.startswith("unknown_service"):
        resource = resource.merge(Resource({SERVICE_NAME: DEFAULT_SERVICE_NAME}))
    return resource


def build_providers(
    config: TelemetryConfig | None = None,
    *,
    span_exporter: SpanExporter | None = None,
    metric_reader: MetricReader | None = None,
) -> tuple[TracerProvider, MeterProvider]:
    """A tracer and a meter provider; exporters from the config, or the ones given (tests).

    The sampler is the SDK's own choice from ``OTEL_TRACES_SAMPLER`` (default: parent-based,
    always on).
    """
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

    config = config or TelemetryConfig.from_env()
    config.validate()
    resource = _resource()
    tracer_provider = TracerProvider(resource=resource, id_generator=RunTraceIdGenerator())
    readers: list[MetricReader] = []
    if span_exporter is not None:
        tracer_provider.add_span_processor(SimpleSpanProcessor(span_exporter))
    if metric_reader is not None:
        readers.append(metric_reader)
    if config.exporting and span_exporter is None and metric_reader is None:
        if config.traces_endpoint:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            tracer_provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        if config.metrics_endpoint:
            from opentelemetry.exporter.otlp.proto.http.metric_exporter import (
                OTLPMetricExporter,
            )
            from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader

            readers.append(PeriodicExportingMetricReader(OTLPMetricExporter()))
    return tracer_provider, MeterProvider(resource=resource, metric_readers=readers)

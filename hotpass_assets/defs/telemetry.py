"""OpenTelemetry traces and metrics of finished runs, from Dagster's event log, by a sensor.

One trace per run (trace id = the run id, see :mod:`hotpass_assets.lib.telemetry`): a root span
for the run, a child span per step (an asset, or the refined multi-asset), and a child span of
the step per check evaluation (an instant: checks run inside the step and record only when
they finished). Span times are the event log's own timestamps. Attributes: asset, partition,
run id, rows in/out, outcome; counts and names of Hotpass objects only, never row values.

Metrics, recorded once per run from its materialisation metadata and check evaluations:

===================================  =========  ==============================================
instrument                           kind       attributes
===================================  =========  ==============================================
``hotpass.capture.rows_captured``    counter    ``source`` (workbook kind), ``table``
``hotpass.capture.rows_rejected``    counter    ``source``, ``reason`` (reason code)
``hotpass.refined.entities``         gauge      ``snapshot``
``hotpass.refined.merge_rate``       gauge      ``snapshot``
``hotpass.refined.review_queue``     gauge      ``snapshot``
``hotpass.refined.quality_score``    gauge      ``snapshot`` (mean data-quality score)
``hotpass.checks``                   counter    ``asset``, ``severity``, ``outcome``
``hotpass.stage.duration``           histogram  ``stage`` (step key), ``outcome``; seconds
===================================  =========  ==============================================

``dagster-otel`` was judged and not used (docs/lineage-and-telemetry.md): it traces steps
only (no run or check spans), has no metrics and needs a decorator on every asset.
"""

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import dagster as dg

from hotpass_assets.defs.run_events import RunTimeline, cursor_value, finished_runs, load_run
from hotpass_assets.defs.sensors import sensor_interval
from hotpass_assets.lib import telemetry

if TYPE_CHECKING:
    from opentelemetry.metrics import MeterProvider
    from opentelemetry.trace import TracerProvider
    from opentelemetry.util.types import AttributeValue

TRACE_ID_KEY = "otel/trace_id"
RUNS_PER_TICK = 20
_NS = 1_000_000_000


def trace_metadata(context: dg.AssetExecutionContext) -> dict[str, str]:
    """The run's trace id for the asset's metadata; logs it once in the step's log lines."""
    trace = telemetry.trace_id_hex(context.run_id)
    context.log.info(f"trace_id={trace} (OpenTelemetry trace of run {context.run_id})")
    return {TRACE_ID_KEY: trace}


def _value(meta: Mapping[str, Any], key: str) -> Any:
    value = meta.get(key)
    return getattr(value, "value", getattr(value, "data", value))


def _number(meta: Mapping[str, Any], key: str) -> float | None:
    value = _value(meta, key)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _sheet_rows(meta: Mapping[str, Any]) -> int | None:
    table = meta.get("sheets")
    records = getattr(table, "records", None)
    if not records:
        return None
    return sum(int(r.data.get("rows_read") or r.data.get("rows") or 0) for r in records)


def rows_in_out(meta: Mapping[str, Any]) -> tuple[int | None, int | None]:
    rows_out = _number(meta, "dagster/row_count")
    if rows_out is None:
        rows_out = _number(meta, "total_rows")
    captured = [_number(meta, k) for k in ("organisations", "contacts")]
    counted = [v for v in captured if v is not None]
    if len(counted) == len(captured) and "rejects" in meta:
        rows_out = sum(counted)
    rows_in = _number(meta, "input_records")
    if rows_in is None:
        rows_in = _sheet_rows(meta)
    return (
        int(rows_in) if rows_in is not None else None,
        int(rows_out) if rows_out is not None else None,
    )


class RunRecorder:
    """Records the spans and metrics of finished runs on the given providers."""

    def __init__(self, tracer_provider: "TracerProvider", meter_provider: "MeterProvider") -> None:
        self.tracer = tracer_provider.get_tracer(telemetry.INSTRUMENTATION)
        meter = meter_provider.get_meter(telemetry.INSTRUMENTATION)
        self.captured = meter.create_counter("hotpass.capture.rows_captured", unit="{row}")
        self.rejected = meter.create_counter("hotpass.capture.rows_rejected", unit="{value}")
        self.gauges = {
            "entities": meter.create_gauge("hotpass.refined.entities", unit="{entity}"),
            "merge_rate": meter.create_gauge("hotpass.refined.merge_rate", unit="1"),
            "review_queue": meter.create_gauge("hotpass.refined.review_queue", unit="{pair}"),
            "mean_quality": meter.create_gauge("hotpass.refined.quality_score", unit="1"),
        }
        self.checks = meter.create_counter("hotpass.checks", unit="{evaluation}")
        self.durations = meter.create_histogram("hotpass.stage.duration", unit="s")

    def record(self, timeline: RunTimeline) -> None:
        self._trace(timeline)
        self._metrics(timeline)

    # --- traces --------------------------------------------------------------------------------
    def _trace(self, t: RunTimeline) -> None:
        from opentelemetry import trace
        from opentelemetry.trace import Status, StatusCode

        base = {"dagster.run_id": t.run_id, "dagster.job": t.job_label}
        if t.partition:
            base["hotpass.partition"] = t.partition
        with telemetry.use_trace_id(telemetry.trace_id_for_run(t.run_id)):
            root = self.tracer.start_span(
                f"run {t.job_label}",
                start_time=int(t.started_at * _NS),
                attributes={**base, "hotpass.outcome": t.outcome},
            )
        root_ctx = trace.set_span_in_context(root)
        for step in sorted(t.steps.values(), key=lambda s: s.started_at):
            assets = sorted(
                (a for a in t.assets.values() if a.step_key == step.key),
                key=lambda a: a.materialized_at or a.failed_at or 0.0,
            )
            attrs: dict[str, AttributeValue] = {
                **base,
                "dagster.step": step.key,
                "hotpass.outcome": step.outcome,
            }
            if assets:
                attrs["hotpass.asset"] = [a.key for a in assets]
                rows = [rows_in_out(a.metadata) for a in assets if a.metadata]
                ins = [r[0] for r in rows if r[0] is not None]
                outs = [r[1] for r in rows if r[1] is not None]
                if ins:
                    attrs["hotpass.rows_in"] = max(ins)
                if outs:
                    attrs["hotpass.rows_out"] = outs[0]
            span = self.tracer.start_span(
                f"step {step.key}",
                context=root_ctx,
                start_time=int(step.started_at * _NS),
                attributes=attrs,
            )
            step_ctx = trace.set_span_in_context(span)
            for check in (c for c in t.checks if c.step_key == step.key):
                at = int(check.at * _NS)
                check_span = self.tracer.start_span(
                    f"check {check.asset}.{check.name}",
                    context=step_ctx,
                    start_time=at,
                    attributes={
                        **base,
                        "hotpass.asset": check.asset,
                        "hotpass.check": check.name,
                        "hotpass.severity": check.severity,
                        "hotpass.outcome": "passed" if check.passed else "failed",
                    },
                )
                if not check.passed:
                    check_span.set_status(Status(StatusCode.ERROR))
                check_span.end(end_time=at)
            if step.outcome == "failure":
                span.set_status(Status(StatusCode.ERROR))
            span.end(end_time=int((step.ended_at or t.ended_at) * _NS))
        if t.outcome != "success":
            root.set_status(Status(StatusCode.ERROR))
        root.end(end_time=int(t.ended_at * _NS))

    # --- metrics -------------------------------------------------------------------------------
    def _metrics(self, t: RunTimeline) -> None:
        for activity in t.assets.values():
            meta = activity.metadata
            if activity.key == "contact_capture" and meta:
                source = str(_value(meta, "workbook_kind") or "unknown")
                for table in ("organisations", "contacts"):
                    count = _number(meta, table)
                    if count is not None:
                        self.captured.add(int(count), {"source": source, "table": table})
                reasons = _value(meta, "rejects_by_reason") or {}
                if isinstance(reasons, str):
                    reasons = json.loads(reasons)
                for reason, count in sorted(reasons.items()):
                    self.rejected.add(int(count), {"source": source, "reason": str(reason)})
            if activity.key == "refined_organisations" and meta:
                attrs = {"snapshot": activity.partition or t.partition or ""}
                stats = _value(meta, "partition_stats") or {}
                values = {
                    "entities": _number(meta, "entities"),
                    "merge_rate": _number(meta, "merge_rate"),
                    "review_queue": _number(meta, "review_queue"),
                    "mean_quality": stats.get("mean_quality") if isinstance(stats, dict) else None,
                }
                for name, value in values.items():
                    if value is not None:
                        self.gauges[name].set(float(value), attrs)
        latest = {(c.asset, c.name): c for c in t.checks}
        for check in latest.values():
            self.checks.add(
                1,
                {
                    "asset": check.asset,
                    "severity": check.severity,
                    "outcome": "passed" if check.passed else "failed",
                },
            )
        for step in t.steps.values():
            if step.ended_at is not None:
                self.durations.record(
                    step.ended_at - step.started_at, {"stage": step.key, "outcome": step.outcome}
                )


_PROVIDERS: dict[str, Any] = {}


def _recorder() -> tuple[RunRecorder, Any, Any]:
    """Process-wide providers, built on first use from the OTEL_* environment."""
    if "recorder" not in _PROVIDERS:
        tracer_provider, meter_provider = telemetry.build_providers()
        _PROVIDERS.update(
            recorder=RunRecorder(tracer_provider, meter_provider),
            tracer_provider=tracer_provider,
            meter_provider=meter_provider,
        )
    return _PROVIDERS["recorder"], _PROVIDERS["tracer_provider"], _PROVIDERS["meter_provider"]


def record_runs(
    instance: dg.DagsterInstance, recorder: RunRecorder, after: int, limit: int = RUNS_PER_TICK
) -> tuple[int, int]:
    """Record the runs that ended after the cursor; (new cursor, runs recorded)."""
    cursor, done = after, 0
    for storage_id, run_id in finished_runs(instance, after, limit):
        timeline = load_run(instance, run_id)
        if timeline is not None:
            recorder.record(timeline)
            done += 1
        cursor = storage_id
    return cursor, done


@dg.sensor(
    name="otel_run_telemetry",
    minimum_interval_seconds=sensor_interval(60),
    # Running by default only where an OTLP endpoint is configured (read when the code loads).
    default_status=dg.DefaultSensorStatus.RUNNING
    if telemetry.TelemetryConfig.from_env().exporting
    else dg.DefaultSensorStatus.STOPPED,
    description="Exports an OpenTelemetry trace (run, step and check spans) and the pipeline "
    "metrics of every finished run to the OTLP endpoint in OTEL_EXPORTER_OTLP_ENDPOINT. "
    "Without one it records nothing.",
)
def otel_run_telemetry(context: dg.SensorEvaluationContext) -> dg.SkipReason:
    config = telemetry.TelemetryConfig.from_env()
    if not config.exporting:
        return dg.SkipReason("no OTLP endpoint configured (OTEL_EXPORTER_OTLP_ENDPOINT): idle")
    recorder, tracer_provider, meter_provider = _recorder()
    cursor, runs = record_runs(context.instance, recorder, cursor_value(context.cursor))
    tracer_provider.force_flush()
    meter_provider.force_flush()
    context.update_cursor(str(cursor))
    return dg.SkipReason(f"recorded traces and metrics of {runs} finished run(s)")


SENSORS = [otel_run_telemetry]

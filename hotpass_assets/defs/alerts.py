"""Alert sensors: a failed run, and a failed check in a run that succeeded.

Every failure is alerted exactly once:

* ``hotpass_run_failure_alerts`` (a run failure sensor) sends one alert per failed run of this
  code location: job, run id, partition (or range), failing step, the error type, every check that
  failed in the run (the blocking ERROR checks first, each with its explanation) and a link to the
  run in the UI.
* ``hotpass_check_failure_alerts`` (a run status sensor on success) sends one alert per failed
  check evaluation in a run that succeeded: WARN drift, or a non-blocking check.

Both are run status sensors: Dagster keeps their cursor (the last run status event handled), so a
restart neither repeats nor loses alerts. Alerts go to the JSON-lines file
(``HOTPASS_ALERTS_PATH``, default ``$HOTPASS_HOME/alerts/alerts.jsonl``) and, when
``HOTPASS_ALERT_WEBHOOK_URL`` is set, to that webhook. Links point at ``HOTPASS_UI_URL``.
"""

from collections.abc import Sequence

import dagster as dg

from hotpass_assets.defs.resources import HotpassConfig
from hotpass_assets.defs.sensors import sensor_interval
from hotpass_assets.lib.alerts import (
    Alert,
    CheckFailure,
    build_sinks,
    check_failure_alert,
    clip,
    deliver,
    run_failure_alert,
)

PARTITION_TAG = "dagster/partition"
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"
BACKFILL_TAG = "dagster/backfill"
WILL_RETRY_TAG = "dagster/will_retry"
SENSOR_TAG = "dagster/sensor_name"
SCHEDULE_TAG = "dagster/schedule_name"


def run_partition(run: dg.DagsterRun) -> str | None:
    """The run's partition, or ``first...last`` for a range run."""
    tags = run.tags
    if tags.get(PARTITION_TAG):
        return tags[PARTITION_TAG]
    start, end = tags.get(RANGE_START_TAG), tags.get(RANGE_END_TAG)
    if start and end:
        return start if start == end else f"{start}...{end}"
    return None


def run_trigger(run: dg.DagsterRun) -> str | None:
    """What launched the run: a sensor, a schedule or a backfill (None: launched by hand)."""
    tags = run.tags
    if tags.get(BACKFILL_TAG):
        return f"backfill {tags[BACKFILL_TAG]}"
    if tags.get(SENSOR_TAG):
        return f"sensor {tags[SENSOR_TAG]}"
    if tags.get(SCHEDULE_TAG):
        return f"schedule {tags[SCHEDULE_TAG]}"
    return None


def run_assets(run: dg.DagsterRun) -> list[str]:
    return sorted(k.to_user_string() for k in (run.asset_selection or ()))


def failed_checks(
    instance: dg.DagsterInstance, run_id: str, default_partition: str | None = None
) -> list[CheckFailure]:
    """Every failed check evaluation of a run (the latest evaluation per check and partition).

    A check evaluated inside a partitioned asset records no partition of its own unless its spec
    is partitioned; ``default_partition`` (the run's partition) fills the gap.
    """
    records = instance.get_records_for_run(
        run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
    ).records
    latest: dict[tuple[str, str, str | None], CheckFailure | None] = {}
    for record in records:
        event = record.event_log_entry.dagster_event
        evaluation = event.event_specific_data if event else None
        if not isinstance(evaluation, dg.AssetCheckEvaluation):
            continue
        partition = evaluation.partition or default_partition
        key = (evaluation.asset_key.to_user_string(), evaluation.check_name, partition)
        if evaluation.passed:
            latest[key] = None
            continue
        explanation = evaluation.metadata.get("explanation")
        latest[key] = CheckFailure(
            asset=key[0],
            check=key[1],
            severity=evaluation.severity.value,
            partition=partition,
            explanation=clip(
                explanation.value if explanation is not None else evaluation.description or ""
            ),
        )
    return [f for f in latest.values() if f is not None]


def _step_failure(events: Sequence[dg.DagsterEvent]) -> tuple[str | None, str | None, str]:
    """(failing steps, error type, Hotpass-written description) from a run's step failures.

    Only a ``dg.Failure`` description (text this code location writes, naming files, sheets and
    checks) is kept; any other error contributes its type only, because a library's message can
    quote a cell value.
    """
    if not events:
        return None, None, ""
    steps = ", ".join(dict.fromkeys(e.step_key for e in events if e.step_key)) or None
    first = events[0].step_failure_data
    error_type, description = None, ""
    if first is not None:
        if first.error is not None:
            error_type = first.error.cls_name
            cause = first.error.cause
            while error_type == "DagsterExecutionStepExecutionError" and cause is not None:
                error_type, cause = cause.cls_name, cause.cause
        if first.user_failure_data is not None and first.user_failure_data.description:
            error_type = error_type or "Failure"
            description = first.user_failure_data.description
    return steps, error_type, description


def build_run_failure_alert(
    instance: dg.DagsterInstance,
    run: dg.DagsterRun,
    failure_event: dg.DagsterEvent | None,
    step_failures: Sequence[dg.DagsterEvent],
    ui_url: str,
) -> Alert:
    steps, error_type, description = _step_failure(step_failures)
    if error_type is None and failure_event is not None:
        data = failure_event.event_specific_data
        reason = getattr(data, "failure_reason", None)
        error = getattr(data, "error", None)
        error_type = (reason.value if reason is not None else None) or (
            error.cls_name if error is not None else None
        )
    partition = run_partition(run)
    return run_failure_alert(
        run_id=run.run_id,
        job=run.job_name,
        ui_url=ui_url,
        partition=partition,
        step=steps,
        error_type=error_type,
        error=description,
        checks=failed_checks(instance, run.run_id, partition),
        assets=run_assets(run),
        trigger=run_trigger(run),
        backfill_id=run.tags.get(BACKFILL_TAG),
        will_retry=run.tags.get(WILL_RETRY_TAG, "").lower() == "true",
    )


def _send(context: dg.RunStatusSensorContext, hotpass: HotpassConfig, alerts: list[Alert]) -> None:
    try:
        settings = hotpass.settings()
        sinks = build_sinks(
            settings.alerts_path,
            settings.alert_webhook_url,
            timeout_s=settings.alert_webhook_timeout_s,
        )
    except Exception as exc:  # an unwritable HOTPASS_HOME must not break the sensor tick
        context.log.warning(f"alerts not delivered, settings unavailable: {type(exc).__name__}")
        return
    for alert in alerts:
        delivered = deliver(alert, sinks)
        line = f"alert {alert.alert_id}: " + ", ".join(
            f"{name} {'ok' if ok else 'FAILED'}" for name, ok in delivered.items()
        )
        (context.log.info if all(delivered.values()) else context.log.warning)(line)


@dg.run_failure_sensor(
    name="hotpass_run_failure_alerts",
    minimum_interval_seconds=sensor_interval(30),
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="One alert per failed run: job, run id, partition, failing step, the checks that "
    "blocked it with their explanation, and a link to the run. Written to "
    "$HOTPASS_HOME/alerts/alerts.jsonl and posted to HOTPASS_ALERT_WEBHOOK_URL when set.",
)
def run_failure_alerts(context: dg.RunFailureSensorContext, hotpass: HotpassConfig) -> None:
    alert = build_run_failure_alert(
        context.instance,
        context.dagster_run,
        context.failure_event,
        context.get_step_failure_events(),
        hotpass.settings().ui_url,
    )
    _send(context, hotpass, [alert])
    # Returning nothing lets the sensor handle every failed run of the tick.


@dg.run_status_sensor(
    name="hotpass_check_failure_alerts",
    run_status=dg.DagsterRunStatus.SUCCESS,
    minimum_interval_seconds=sensor_interval(30),
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="One alert per failed check (WARN drift, or a non-blocking check) in a run that "
    "succeeded: asset, partition, check, reason and a link to the run. Checks that failed a run "
    "are in that run's failure alert.",
)
def check_failure_alerts(context: dg.RunStatusSensorContext, hotpass: HotpassConfig) -> None:
    run = context.dagster_run
    failures = failed_checks(context.instance, run.run_id, run_partition(run))
    if not failures:
        return
    ui_url = hotpass.settings().ui_url
    alerts = [
        check_failure_alert(
            f,
            run_id=run.run_id,
            ui_url=ui_url,
            job=run.job_name,
            trigger=run_trigger(run),
            backfill_id=run.tags.get(BACKFILL_TAG),
        )
        for f in failures
    ]
    _send(context, hotpass, alerts)


SENSORS = [run_failure_alerts, check_failure_alerts]

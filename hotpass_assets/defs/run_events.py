"""A finished run, read back from Dagster's event log: the one input of lineage and telemetry.

Lineage events and spans are built from what the event log recorded (timestamps, materialisation
metadata, check evaluations), after the run has finished, by a sensor. Nothing runs inside the
run itself, so neither can slow a run down or fail it, and a run whose worker died still gets
its lineage and its trace from what was stored. Both sensors keep a cursor (the storage id of
the last run-ending event they handled) and process runs oldest first.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import dagster as dg

ET = dg.DagsterEventType
RunEndType = Literal[ET.RUN_SUCCESS, ET.RUN_FAILURE, ET.RUN_CANCELED]
RUN_END_TYPES: set[RunEndType] = {ET.RUN_SUCCESS, ET.RUN_FAILURE, ET.RUN_CANCELED}
OUTCOME = {ET.RUN_SUCCESS: "success", ET.RUN_FAILURE: "failure", ET.RUN_CANCELED: "canceled"}


@dataclass
class AssetActivity:
    """One asset's part of a run: planned, materialised (metadata) or failed."""

    key: str
    planned_at: float | None = None
    materialized_at: float | None = None
    failed_at: float | None = None
    partition: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    step_key: str | None = None


@dataclass
class CheckActivity:
    asset: str
    name: str
    passed: bool
    severity: str  # ERROR | WARN
    at: float
    step_key: str | None
    evaluation: Any  # dg.AssetCheckEvaluation


@dataclass
class StepActivity:
    key: str
    started_at: float
    ended_at: float | None = None
    outcome: str = "unknown"


@dataclass
class RunTimeline:
    run_id: str
    job: str
    partition: str | None
    tags: Mapping[str, str]
    started_at: float
    ended_at: float
    outcome: str  # success | failure | canceled
    steps: dict[str, StepActivity] = field(default_factory=dict)
    assets: dict[str, AssetActivity] = field(default_factory=dict)
    checks: list[CheckActivity] = field(default_factory=list)

    @property
    def job_label(self) -> str:
        """The job's name; Dagster's implicit asset job is labelled ``asset_materialization``."""
        return "asset_materialization" if self.job.startswith("__") else self.job


def finished_runs(
    instance: dg.DagsterInstance, after_storage_id: int, limit: int
) -> list[tuple[int, str]]:
    """(storage id, run id) of run-ending events after the cursor, oldest first."""
    records: list[dg.EventLogRecord] = []
    for etype in RUN_END_TYPES:
        records += instance.fetch_run_status_changes(
            dg.RunStatusChangeRecordsFilter(event_type=etype, after_storage_id=after_storage_id),
            limit=limit,
            ascending=True,
        ).records
    records.sort(key=lambda r: r.storage_id)
    return [(r.storage_id, r.event_log_entry.run_id) for r in records[:limit]]


def _asset(timeline: RunTimeline, key: dg.AssetKey) -> AssetActivity:
    name = key.to_user_string()
    return timeline.assets.setdefault(name, AssetActivity(key=name))


def _on_asset_event(
    timeline: RunTimeline, etype: dg.DagsterEventType, data: Any, ts: float, step: str | None
) -> None:
    # ``data``: the event's ``event_specific_data``, whose class depends on ``etype``.
    if etype == ET.ASSET_MATERIALIZATION_PLANNED:
        activity = _asset(timeline, data.asset_key)
        activity.planned_at = activity.planned_at or ts
    elif etype == ET.ASSET_MATERIALIZATION:
        mat = data.materialization
        activity = _asset(timeline, mat.asset_key)
        activity.materialized_at, activity.partition = ts, mat.partition
        activity.metadata, activity.step_key = mat.metadata, step
    elif etype == ET.ASSET_FAILED_TO_MATERIALIZE:
        activity = _asset(timeline, data.asset_key)
        activity.failed_at, activity.step_key = ts, step
        activity.partition = activity.partition or data.partition
    elif etype == ET.ASSET_CHECK_EVALUATION:
        timeline.checks.append(
            CheckActivity(
                asset=data.asset_key.to_user_string(),
                name=data.check_name,
                passed=bool(data.passed),
                severity=data.severity.value,
                at=ts,
                step_key=step,
                evaluation=data,
            )
        )


def load_run(instance: dg.DagsterInstance, run_id: str) -> RunTimeline | None:
    """The run's timeline, or None when the run is gone (deleted) or has not ended."""
    run = instance.get_run_by_id(run_id)
    if run is None:
        return None
    records = instance.get_records_for_run(run_id).records
    if not records:
        return None
    first = records[0].event_log_entry.timestamp
    timeline = RunTimeline(
        run_id=run_id,
        job=run.job_name,
        partition=run.tags.get("dagster/partition"),
        tags=dict(run.tags),
        started_at=first,
        ended_at=records[-1].event_log_entry.timestamp,
        outcome="unknown",
    )
    for record in records:
        entry = record.event_log_entry
        event = entry.dagster_event
        if event is None:
            continue
        etype, ts, step = event.event_type, entry.timestamp, event.step_key
        if etype == ET.RUN_START:
            timeline.started_at = ts
        elif etype in RUN_END_TYPES:
            timeline.ended_at, timeline.outcome = ts, OUTCOME[etype]
        elif etype == ET.STEP_START and step:
            timeline.steps[step] = StepActivity(step, ts)
        elif etype in (ET.STEP_SUCCESS, ET.STEP_FAILURE) and step in timeline.steps:
            timeline.steps[step].ended_at = ts
            timeline.steps[step].outcome = "success" if etype == ET.STEP_SUCCESS else "failure"
        else:
            _on_asset_event(timeline, etype, event.event_specific_data, ts, step)
    if timeline.outcome == "unknown":
        return None
    for activity in timeline.assets.values():
        if activity.planned_at is None:
            activity.planned_at = timeline.started_at
    return timeline


def cursor_value(cursor: str | None) -> int:
    try:
        return int(cursor) if cursor else 0
    except ValueError:
        return 0

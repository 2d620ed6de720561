"""Jobs a user finds in the UI, and the weekly retraining schedule."""

import dagster as dg

from hotpass_assets.defs.partitions import DROPS, SNAPSHOTS

ingest_drop_job = dg.define_asset_job(
    "ingest_drop",
    selection=dg.AssetSelection.groups("raw", "capture"),
    partitions_def=DROPS,
    description="Archive one workbook drop and capture its organisations and contacts.",
    tags={"hotpass/job": "ingest"},
)

refine_snapshot_job = dg.define_asset_job(
    "refine_snapshot",
    selection=dg.AssetSelection.groups("refined"),
    partitions_def=SNAPSHOTS,
    description="Refine and resolve a snapshot day without scoring.",
    tags={"hotpass/job": "refine"},
)

rebuild_snapshots_job = dg.define_asset_job(
    "rebuild_snapshots",
    selection=dg.AssetSelection.groups("refined", "scoring"),
    partitions_def=SNAPSHOTS,
    description="Refine, resolve and score a snapshot day (launch a range as a backfill).",
    tags={"hotpass/job": "snapshot"},
)

retrain_job = dg.define_asset_job(
    "retrain_and_promote",
    selection=dg.AssetSelection.groups("scoring"),
    partitions_def=SNAPSHOTS,
    description="Retrain the lead-score model on a snapshot, gate its promotion, re-score and "
    "rebuild the call list.",
    tags={"hotpass/job": "retrain"},
)


@dg.schedule(
    job=retrain_job,
    cron_schedule="0 3 * * 1",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Weekly retraining on the latest snapshot (Mondays 03:00 UTC).",
)
def weekly_retrain_schedule(context: dg.ScheduleEvaluationContext):
    key = SNAPSHOTS.get_last_partition_key(current_time=context.scheduled_execution_time)
    if key is None:
        return dg.SkipReason("no snapshot partition yet")
    return dg.RunRequest(partition_key=key, run_key=f"weekly-retrain-{key}")

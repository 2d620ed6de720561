"""Jobs a user finds in the UI (Jobs page), and the weekly retraining schedule.

Each job names the UI flow it serves; the how-to guides in ``docs/how-to/`` walk through them.
"""

from datetime import UTC, datetime

import dagster as dg

from hotpass_assets.defs.common import OWNERS
from hotpass_assets.defs.partitions import DROPS, SNAPSHOTS


def _guide(name: str) -> dict[str, dg.MetadataValue]:
    return {"how_to": dg.MetadataValue.path(f"docs/how-to/{name}.md")}


ingest_drop_job = dg.define_asset_job(
    "ingest_drop",
    selection=dg.AssetSelection.groups("raw", "capture"),
    partitions_def=DROPS,
    description="Ingest a workbook drop: archive the file (raw_workbook) and capture its "
    "organisations, contacts and rejects (contact_capture), each checked by its contracts. The "
    "drop sensor launches it for every new file; launch it yourself on a drop partition to "
    "re-ingest that drop, for example after fixing a profile.",
    tags={"hotpass/job": "ingest"},
    metadata=_guide("drop-a-workbook"),
    owners=OWNERS,
)

refine_snapshot_job = dg.define_asset_job(
    "refine_snapshot",
    selection=dg.AssetSelection.groups("refined"),
    partitions_def=SNAPSHOTS,
    description="Rebuild the refined snapshot (refined_organisations and its four companion "
    "tables) for a day or a range of days, without scoring. A range runs as one run, oldest day "
    "first, so entity ids carry over from one day to the next.",
    tags={"hotpass/job": "refine"},
    metadata=_guide("backfill-a-range"),
    owners=OWNERS,
)

rebuild_snapshots_job = dg.define_asset_job(
    "rebuild_snapshots",
    selection=dg.AssetSelection.groups("refined", "scoring"),
    partitions_def=SNAPSHOTS,
    description="Rebuild snapshot days end to end: refine and resolve, then train, score and "
    "write the call list. Materialize all… and choose the days: a range runs one run per day, "
    "oldest first and one at a time, so each day keeps the previous day's entity ids (a day "
    "whose predecessors in the backfill are not rebuilt yet fails instead).",
    tags={"hotpass/job": "snapshot"},
    metadata=_guide("backfill-a-range"),
    owners=OWNERS,
)

retrain_job = dg.define_asset_job(
    "retrain_and_promote",
    selection=dg.AssetSelection.groups("scoring"),
    partitions_def=SNAPSHOTS,
    description="Retrain and promote the lead-score model on a snapshot day: train, evaluate "
    "against the champion on the same held-out rows, promote to `champion` only when the "
    "promotion_gate check passes, then re-score and rebuild that day's call list. Runs weekly "
    "(Mondays 03:00 UTC) on the latest snapshot.",
    tags={"hotpass/job": "retrain"},
    metadata=_guide("promote-a-model"),
    owners=OWNERS,
)


@dg.schedule(
    job=retrain_job,
    cron_schedule="0 3 * * 1",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Weekly retraining (Mondays 03:00 UTC) on the latest snapshot day that has a "
    "refined snapshot: today's when automation built it, else the most recent earlier one.",
)
def weekly_retrain_schedule(
    context: dg.ScheduleEvaluationContext,
) -> dg.RunRequest | dg.SkipReason:
    when = context.scheduled_execution_time or datetime.now(tz=UTC)
    latest = when.astimezone(UTC).date().isoformat()  # today's snapshot exists (end_offset=1)
    first = SNAPSHOTS.get_first_partition_key()
    if first is None or latest < first:
        return dg.SkipReason("no snapshot partition yet")
    built = context.instance.get_materialized_partitions(dg.AssetKey("refined_organisations"))
    eligible = sorted(k for k in built if k <= latest)
    if not eligible:
        return dg.SkipReason(
            "no refined snapshot yet: drop a workbook or backfill refined_organisations first"
        )
    key = eligible[-1]
    return dg.RunRequest(partition_key=key, run_key=f"weekly-retrain-{latest}")

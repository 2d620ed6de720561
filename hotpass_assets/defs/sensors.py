"""Sensors: workbook drops in, declarative automation for the snapshot layer.

``HOTPASS_SENSOR_INTERVAL_SECONDS`` overrides the minimum interval of every Hotpass sensor (drops,
automation, alerts); the end-to-end test sets it low. The daemon still evaluates a sensor at most
every few seconds. ``HOTPASS_AUTOMATION=off`` starts the automation sensor stopped.
"""

import json

import dagster as dg

from hotpass_assets.defs.jobs import ingest_drop_job
from hotpass_assets.defs.partitions import DROPS, SNAPSHOTS
from hotpass_assets.defs.resources import HotpassConfig
from hotpass_assets.lib.drops import DropRegister
from hotpass_assets.lib.landing import scan_landing
from hotpass_assets.settings import get_settings


def sensor_interval(default: int) -> int:
    """Minimum seconds between evaluations: ``HOTPASS_SENSOR_INTERVAL_SECONDS`` or ``default``."""
    return get_settings().sensor_interval_seconds or default


@dg.sensor(
    name="workbook_drop_sensor",
    job=ingest_drop_job,
    minimum_interval_seconds=sensor_interval(10),
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Watches the landing folder; each new workbook content becomes a drop partition "
    "and its raw → capture run is requested in the same tick.",
)
def workbook_drop_sensor(
    context: dg.SensorEvaluationContext, hotpass: HotpassConfig
) -> dg.SensorResult | dg.SkipReason:
    settings = hotpass.settings()
    register = DropRegister(settings.drops_dir)
    cursor = json.loads(context.cursor) if context.cursor else {}
    scan = scan_landing(
        settings.landing_dir,
        register,
        waiting=cursor.get("waiting", {}),
        recursive=settings.landing_recursive,
        batch_size=settings.sensor_batch_size,
        follow_symlinks=settings.landing_follow_symlinks,
    )
    if scan.skip_reason:
        return dg.SkipReason(scan.skip_reason)
    for refusal in scan.refused:
        context.log.warning(f"landing folder: refused {refusal}")
    for manifest in scan.new_drops:
        register.write(manifest)
    keys = [m.partition_key for m in scan.new_drops]
    new_cursor = json.dumps({"waiting": scan.waiting}, sort_keys=True)
    if not keys:
        context.update_cursor(new_cursor)
        parts = [f"{scan.already_known} known"]
        if scan.waiting:
            parts.append(f"{len(scan.waiting)} still being written")
        if scan.unreadable:
            parts.append(f"{len(scan.unreadable)} unreadable: {', '.join(scan.unreadable)}")
        if scan.refused:
            parts.append(f"{len(scan.refused)} refused: {'; '.join(map(str, scan.refused))}")
        return dg.SkipReason("no new workbook drops (" + ", ".join(parts) + ")")
    context.log.info(
        f"{len(keys)} new drop(s); {scan.deferred} deferred to the next tick by the batch limit"
    )
    first_day = SNAPSHOTS.start.date().isoformat()
    earlier = sorted(m.drop_date for m in scan.new_drops if m.drop_date < first_day)
    if earlier:
        context.log.info(
            f"{len(earlier)} new drop(s) dated from {earlier[0]}, before the first snapshot day "
            f"{first_day}: today's snapshot includes them; reload the code location "
            "(Deployment → Reload) to backfill the days from their date"
        )
    return dg.SensorResult(
        run_requests=[
            dg.RunRequest(partition_key=k, run_key=k, tags={"hotpass/trigger": "drop_sensor"})
            for k in keys
        ],
        dynamic_partitions_requests=[DROPS.build_add_request(keys)],
        cursor=new_cursor,
    )


def automation_default_status() -> dg.DefaultSensorStatus:
    """``HOTPASS_AUTOMATION=off`` starts the automation sensor stopped (a maintenance window, a
    read-only replica, a test); it can still be started from the UI's Automation page."""
    if get_settings().automation:
        return dg.DefaultSensorStatus.RUNNING
    return dg.DefaultSensorStatus.STOPPED


automation_sensor = dg.AutomationConditionSensorDefinition(
    "hotpass_automation",
    target=dg.AssetSelection.all(),
    default_status=automation_default_status(),
    minimum_interval_seconds=sensor_interval(30),
    description="Evaluates the assets' automation conditions: keeps the latest snapshot, scores "
    "and call list current after new captures.",
)

"""The Hotpass code location: every asset, check, sensor, schedule, job and resource, assembled
once, with global policy applied in one place."""

import warnings

import dagster as dg

from hotpass_assets.defs import (
    alerts,
    drops,
    freshness,
    jobs,
    lineage,
    recovery,
    refined,
    scoring,
    sensors,
    telemetry,
)
from hotpass_assets.defs.common import OWNERS
from hotpass_assets.defs.resources import build_resources
from hotpass_assets.settings import get_settings

#: Tags and owners every asset carries; applied once here instead of in each module.
GLOBAL_TAGS = {"product": "hotpass", "privacy": "popia-personal-data"}


# rebuild_snapshots mixes the refined assets' single-run policy with scoring's run per day;
# Dagster then backfills the job one run per day and warns at every load. That is intended:
# the run queue and ``refined.earlier_days_not_rebuilt`` keep those runs in day order.
warnings.filterwarnings(
    "ignore",
    message="Asset job rebuild_snapshots materializes assets with varying BackfillPolicies",
    category=UserWarning,
)


def _apply_global_policy(spec: dg.AssetSpec) -> dg.AssetSpec:
    spec = spec.replace_attributes(
        owners=list(spec.owners) or OWNERS,
        tags={**GLOBAL_TAGS, **spec.tags},
    )
    return freshness.with_freshness(spec, get_settings())


def build_definitions(home: str | None = None) -> dg.Definitions:
    """All definitions; ``home`` points every resource at another data directory (tests)."""
    return dg.Definitions(
        assets=[
            drops.raw_workbook,
            drops.contact_capture,
            refined.refined_snapshot,
            *scoring.ASSETS,
        ],
        jobs=[
            jobs.ingest_drop_job,
            jobs.refine_snapshot_job,
            jobs.rebuild_snapshots_job,
            jobs.retrain_job,
        ],
        schedules=[jobs.weekly_retrain_schedule],
        sensors=[
            sensors.workbook_drop_sensor,
            sensors.automation_sensor,
            *alerts.SENSORS,
            *scoring.SENSORS,
            *lineage.SENSORS,
            *telemetry.SENSORS,
            *freshness.SENSORS,
            *recovery.SENSORS,
        ],
        resources=build_resources(home),
        executor=dg.in_process_executor,
    ).map_asset_specs(func=_apply_global_policy)


defs = build_definitions()

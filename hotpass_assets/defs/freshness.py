"""Freshness: a ``FreshnessPolicy`` on every asset, and an alert when the call list goes stale.

Windows come from settings (``HOTPASS_FRESHNESS_*_HOURS``): the drop-partitioned assets
(``raw_workbook``, ``contact_capture``) follow how often workbooks are expected to be dropped
(weekly by default: WARN after 7 days, FAIL after 14); everything built per snapshot day follows
the daily snapshot (WARN after 2 days, FAIL after 8). Dagster shows the state on each asset.

``hotpass_freshness_alerts`` also sends an alert through the alert sinks (JSON lines, webhook)
when the call list, the dataset the sales team works from, passes its WARN or FAIL window: once
per state and last update, so a stale call list is alerted once, not every tick.
"""

import json
import time
from datetime import timedelta

import dagster as dg

from hotpass_assets.defs.resources import HotpassConfig
from hotpass_assets.defs.sensors import sensor_interval
from hotpass_assets.lib.alerts import (
    build_sinks,
    deliver,
    freshness_alert,
)
from hotpass_assets.settings import Settings

DROP_GROUPS = frozenset({"raw", "capture"})
ALERTED_ASSETS = ("call_list",)


def windows(settings: Settings, group: str | None) -> tuple[float, float]:
    """(warn hours, fail hours) for an asset group."""
    if group in DROP_GROUPS:
        return settings.freshness_drop_warn_hours, settings.freshness_drop_fail_hours
    return settings.freshness_snapshot_warn_hours, settings.freshness_snapshot_fail_hours


def policy_for(settings: Settings, group: str | None) -> dg.FreshnessPolicy:
    warn, fail = windows(settings, group)
    return dg.FreshnessPolicy.time_window(
        fail_window=timedelta(hours=fail), warn_window=timedelta(hours=warn)
    )


def with_freshness(spec: dg.AssetSpec, settings: Settings) -> dg.AssetSpec:
    return spec.replace_attributes(freshness_policy=policy_for(settings, spec.group_name))


def staleness(age_hours: float, warn: float, fail: float) -> str | None:
    if age_hours > fail:
        return "ERROR"
    if age_hours > warn:
        return "WARN"
    return None


def _last_update(instance: dg.DagsterInstance, asset: str) -> tuple[float | None, str]:
    records = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=dg.AssetKey(asset)), limit=1
    ).records
    if not records:
        return None, "never"
    return records[0].timestamp, records[0].run_id


@dg.sensor(
    name="hotpass_freshness_alerts",
    # Freshness is measured in hours: never more often than once a minute, whatever
    # HOTPASS_SENSOR_INTERVAL_SECONDS asks of the other sensors.
    minimum_interval_seconds=max(60, sensor_interval(300)),
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Alerts (JSON lines and webhook, like run failures) when the call list has not "
    "been updated within its freshness policy: WARN after HOTPASS_FRESHNESS_SNAPSHOT_WARN_HOURS, "
    "ERROR after HOTPASS_FRESHNESS_SNAPSHOT_FAIL_HOURS. Once per state and last update.",
)
def freshness_alerts(context: dg.SensorEvaluationContext, hotpass: HotpassConfig) -> dg.SkipReason:
    settings = hotpass.settings()
    sent = json.loads(context.cursor) if context.cursor else {}
    alerts, now = [], time.time()
    for asset in ALERTED_ASSETS:
        updated_at, run_id = _last_update(context.instance, asset)
        if updated_at is None:
            continue  # never built: nothing to be stale yet (a first drop is on its way)
        warn, fail = windows(settings, "scoring")
        age = (now - updated_at) / 3600
        severity = staleness(age, warn, fail)
        state = f"{severity}:{run_id}" if severity else None
        if severity and sent.get(asset) != state:
            limit = fail if severity == "ERROR" else warn
            alerts.append(
                freshness_alert(
                    asset=asset,
                    severity=severity,
                    age_hours=age,
                    limit_hours=limit,
                    run_id=run_id,
                    ui_url=settings.ui_url,
                )
            )
        sent[asset] = state
    sinks = build_sinks(
        settings.alerts_path, settings.alert_webhook_url, timeout_s=settings.alert_webhook_timeout_s
    )
    for alert in alerts:
        delivered = deliver(alert, sinks)
        context.log.info(f"alert {alert.alert_id}: {delivered}")
    context.update_cursor(json.dumps(sent, sort_keys=True))
    return dg.SkipReason(f"{len(alerts)} freshness alert(s) sent")


SENSORS = [freshness_alerts]

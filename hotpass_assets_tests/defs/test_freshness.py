"""Freshness policies on every asset, from settings; a stale call list alerts through the sinks."""

import dagster as dg
import pytest

from hotpass_assets.definitions import build_definitions
from hotpass_assets.defs.freshness import freshness_alerts, staleness
from hotpass_assets.lib.alerts import read_alerts
from hotpass_assets_tests.defs.helpers import settings_for


def test_every_asset_has_a_freshness_policy_from_settings(monkeypatch):
    monkeypatch.setenv("HOTPASS_FRESHNESS_DROP_WARN_HOURS", "24")
    monkeypatch.setenv("HOTPASS_FRESHNESS_SNAPSHOT_FAIL_HOURS", "72")
    specs = {s.key.to_user_string(): s for s in build_definitions().resolve_all_asset_specs()}
    assert all(s.freshness_policy is not None for s in specs.values())
    capture = specs["contact_capture"].freshness_policy
    assert capture.warn_window.to_timedelta().total_seconds() == 24 * 3600
    call_list = specs["call_list"].freshness_policy
    assert call_list.fail_window.to_timedelta().total_seconds() == 72 * 3600
    assert call_list.warn_window.to_timedelta().total_seconds() == 48 * 3600


@pytest.mark.parametrize(
    ("age", "expected"), [(1.0, None), (49.0, "WARN"), (200.0, "ERROR"), (48.0, None)]
)
def test_staleness(age, expected):
    assert staleness(age, 48.0, 192.0) == expected


def test_a_stale_call_list_alerts_once_per_state(home, monkeypatch):
    defs = build_definitions(str(home))
    alerts_path = settings_for(home).alerts_path
    with dg.instance_for_test() as instance:

        def tick(cursor):
            context = dg.build_sensor_context(
                instance=instance,
                cursor=cursor,
                resources={"hotpass": defs.resources["hotpass"]},
                repository_def=defs.get_repository_def(),
            )
            freshness_alerts(context)
            return context.cursor

        cursor = tick(None)  # never built: nothing to be stale
        assert read_alerts(alerts_path) == []
        instance.report_runless_asset_event(dg.AssetMaterialization("call_list"))
        cursor = tick(cursor)
        assert read_alerts(alerts_path) == [], "fresh"
        monkeypatch.setenv("HOTPASS_FRESHNESS_SNAPSHOT_WARN_HOURS", "0")
        cursor = tick(cursor)
        cursor = tick(cursor)
        (warn,) = read_alerts(alerts_path)
        assert warn["kind"] == "freshness" and warn["severity"] == "WARN"
        assert warn["assets"] == ["call_list"]
        assert warn["link"].endswith("/assets/call_list")
        monkeypatch.setenv("HOTPASS_FRESHNESS_SNAPSHOT_FAIL_HOURS", "0")
        tick(cursor)
        assert [a["severity"] for a in read_alerts(alerts_path)] == ["WARN", "ERROR"]
        assert "stale" in read_alerts(alerts_path)[-1]["text"]

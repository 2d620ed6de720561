"""Alert sensors: a failed drop alerts once with its blocking checks; WARN failures in a
successful run alert per check; alerts carry ids, counts and rules, never row values."""

import json

import dagster as dg
import pandas as pd
import pytest

from hotpass_assets.defs.alerts import (
    check_failure_alerts,
    run_failure_alerts,
    run_partition,
    run_trigger,
)
from hotpass_assets.defs.resources import HotpassConfig
from hotpass_assets.lib.alerts import read_alerts
from hotpass_assets.lib.demo import write_broken_workbook
from hotpass_assets_tests.defs.helpers import ingest, register, settings_for
from hotpass_assets_tests.lib.test_alerts import _webhook


@pytest.fixture
def instance():
    with dg.instance_for_test() as inst:
        yield inst


def _alerts(home):
    return read_alerts(settings_for(home).alerts_path)


def _tick(sensor, instance, home, cursor=None):
    ctx = dg.build_sensor_context(
        instance=instance, cursor=cursor, resources={"hotpass": HotpassConfig(home=str(home))}
    )
    return sensor.evaluate_tick(ctx)


@pytest.mark.slow
def test_blocked_drop_alerts_once_with_checks_link_and_webhook(
    home, instance, tmp_path, monkeypatch
):
    monkeypatch.setenv("HOTPASS_UI_URL", "http://dagster.test:3333/")
    broken = tmp_path / "sacaa_flight_schools_broken.xlsx"
    write_broken_workbook(broken, "missing_column")
    (key,) = register(instance, home, broken)
    with _webhook() as (url, received):
        monkeypatch.setenv("HOTPASS_ALERT_WEBHOOK_URL", url)
        first = _tick(run_failure_alerts, instance, home)  # starts the cursor at "now"
        assert _alerts(home) == []
        result = ingest(instance, home, key)
        assert not result.success
        second = _tick(run_failure_alerts, instance, home, first.cursor)
        third = _tick(run_failure_alerts, instance, home, second.cursor)
    assert third.dagster_run_reactions == [], "nothing new: the cursor moved past the failure"
    (alert,) = _alerts(home)
    assert alert["kind"] == "run_failure" and alert["run_id"] == result.run_id
    assert alert["partition"] == key
    assert alert["step"] in ("raw_workbook", "contact_capture")
    assert alert["error_type"] == "Failure"
    assert alert["link"] == f"http://dagster.test:3333/runs/{result.run_id}"
    blocking = [c for c in alert["checks"] if c["severity"] == "ERROR"]
    assert blocking, alert["checks"]
    assert all(c["asset"] == alert["step"] and c["partition"] == key for c in blocking)
    assert any("Cleaned" in c["explanation"] for c in blocking), "the explanation names the sheet"
    assert all(c["check"] in alert["text"] for c in blocking)
    (posted,) = received
    assert posted["body"]["alert_id"] == alert["alert_id"]

    # Privacy: no cell value of the workbook (names, e-mails, phones) reaches an alert.
    values = set()
    for sheet, frame in pd.read_excel(broken, sheet_name=None, header=None, dtype=str).items():
        cells = {str(v).strip() for v in frame.iloc[1:].to_numpy().ravel() if isinstance(v, str)}
        headers = {str(v).strip() for v in frame.iloc[0].dropna()}
        values |= {v for v in cells - headers - {sheet} if len(v) > 5}
    assert len(values) > 20, "the workbook holds values to compare with"
    text = settings_for(home).alerts_path.read_text() + json.dumps(posted["body"])
    assert not sorted(v for v in values if v in text)


@dg.asset
def _failing_asset():
    raise dg.Failure(description="first line written by Hotpass\nsecond line")


@dg.asset
def _crashing_asset():
    raise ValueError("a message that could quote a cell value: Jane Example")


def test_run_failure_alert_through_build_run_status_sensor_context(home, instance):
    for asset in (_failing_asset, _crashing_asset):
        result = dg.materialize([asset], instance=instance, raise_on_error=False)
        context = dg.build_run_status_sensor_context(
            sensor_name="hotpass_run_failure_alerts",
            dagster_event=result.get_run_failure_event(),
            dagster_instance=instance,
            dagster_run=result.dagster_run,
            resources={"hotpass": HotpassConfig(home=str(home))},
        ).for_run_failure()
        run_failure_alerts(context)
    failing, crashing = _alerts(home)
    assert (
        failing["step"] == "_failing_asset" and failing["error"] == "first line written by Hotpass"
    )
    assert failing["link"] == f"http://127.0.0.1:3000/runs/{failing['run_id']}"
    assert crashing["error_type"] == "ValueError" and crashing["error"] == ""
    assert "Jane Example" not in settings_for(home).alerts_path.read_text()


_PARTS = dg.StaticPartitionsDefinition(["2026-01-05_demo_0123456789"])


@dg.asset(
    partitions_def=_PARTS,
    check_specs=[
        dg.AssetCheckSpec("reject_rate_drift", asset="_drifting"),
        dg.AssetCheckSpec("row_count", asset="_drifting"),
    ],
)
def _drifting():
    yield dg.MaterializeResult(
        check_results=[
            dg.AssetCheckResult(
                check_name="reject_rate_drift",
                passed=False,
                severity=dg.AssetCheckSeverity.WARN,
                metadata={"explanation": "reject rate 0.31 vs 0.05 last time", "rows_checked": 60},
            ),
            dg.AssetCheckResult(check_name="row_count", passed=True),
        ]
    )


def test_warn_check_in_successful_run_alerts_per_check(home, instance):
    result = dg.materialize(
        [_drifting], instance=instance, partition_key="2026-01-05_demo_0123456789"
    )
    context = dg.build_run_status_sensor_context(
        sensor_name="hotpass_check_failure_alerts",
        dagster_event=result.get_run_success_event(),
        dagster_instance=instance,
        dagster_run=result.dagster_run,
        resources={"hotpass": HotpassConfig(home=str(home))},
    )
    check_failure_alerts(context)
    (alert,) = _alerts(home)
    assert alert["kind"] == "check_failure" and alert["severity"] == "WARN"
    (check,) = alert["checks"]
    assert check == {
        "asset": "_drifting",
        "check": "reject_rate_drift",
        "severity": "WARN",
        "partition": "2026-01-05_demo_0123456789",
        "explanation": "reject rate 0.31 vs 0.05 last time",
    }
    assert alert["link"].endswith(f"/runs/{result.run_id}")


def test_check_sensor_is_quiet_for_passing_runs_and_alerts_once(home, instance):
    @dg.asset(check_specs=[dg.AssetCheckSpec("fine", asset="_fine")])
    def _fine():
        return dg.MaterializeResult(check_results=[dg.AssetCheckResult(passed=True)])

    first = _tick(check_failure_alerts, instance, home)
    dg.materialize([_fine], instance=instance)
    dg.materialize([_drifting], instance=instance, partition_key="2026-01-05_demo_0123456789")
    second = _tick(check_failure_alerts, instance, home, first.cursor)
    _tick(check_failure_alerts, instance, home, second.cursor)
    assert [a["checks"][0]["check"] for a in _alerts(home)] == ["reject_rate_drift"]


def test_partition_and_trigger_from_run_tags():
    def run(**tags):
        return dg.DagsterRun(job_name="ingest_drop", run_id="r", tags=tags)

    assert run_partition(run(**{"dagster/partition": "k"})) == "k"
    assert (
        run_partition(
            run(
                **{
                    "dagster/asset_partition_range_start": "2026-01-01",
                    "dagster/asset_partition_range_end": "2026-01-03",
                }
            )
        )
        == "2026-01-01...2026-01-03"
    )
    assert run_partition(run()) is None
    assert run_trigger(run(**{"dagster/backfill": "abc", "dagster/sensor_name": "s"})) == (
        "backfill abc"
    )
    assert run_trigger(run(**{"dagster/sensor_name": "workbook_drop_sensor"})) == (
        "sensor workbook_drop_sensor"
    )
    assert run_trigger(run(**{"dagster/schedule_name": "weekly"})) == "schedule weekly"
    assert run_trigger(run()) is None

"""Operating Hotpass as a user does, against the real webserver and daemon (see conftest's
``scenario``): drops become partitions with passing checks, snapshot days start at the first
drop (after a code-location reload for back-dated drops), both backfills complete with every
run successful, a range rebuilt from the rebuild_snapshots job page runs day by day in order,
and the broken drop fails its own run and is alerted exactly once, in the alerts
file and on the webhook, with a link to the run. With automation turned on (the toggle on the UI's
Automation page), a third drop brings the latest snapshot, model, scores and call list up to date.
"""

import time
from datetime import UTC, datetime
from itertools import pairwise

import pytest

from hotpass_assets.lib.alerts import read_alerts
from hotpass_assets.lib.warehouse import read_table
from hotpass_assets.settings import Settings
from hotpass_assets_tests.e2e.harness import wait_for
from hotpass_assets_tests.e2e.ui_api import (
    REFINED_ASSETS,
    SCORING_ASSETS,
    TERMINAL_RUN,
    asset,
    declared_checks,
    finished_backfill,
    latest_materialization,
    launch_backfill,
    run_check_evaluations,
    runs,
    tags_of,
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(300)]


def _log(dev) -> str:
    return f"\n--- dagster dev log (tail) ---\n{dev.log_tail()}"


def _wait(dev, probe, *, timeout: float, what: str):
    try:
        return wait_for(probe, timeout=timeout, what=what)
    except TimeoutError as exc:
        pytest.fail(f"{exc}{_log(dev)}")


def test_each_drop_is_a_partition_with_a_successful_run_and_passing_checks(dagster_ui, scenario):
    gql = dagster_ui.graphql
    statuses = {k: r["status"] for k, r in scenario.drop_runs.items()}
    assert statuses == dict.fromkeys(scenario.keys, "SUCCESS"), _log(dagster_ui)
    for key in ("raw_workbook", "contact_capture"):
        node = asset(gql, key)
        assert set(scenario.keys) <= set(node["partitionKeys"]), key
        assert not set(scenario.keys) & set(node["assetPartitionStatuses"]["failedPartitions"])
    for partition, run in scenario.drop_runs.items():
        # raw_workbook is not backfilled: its latest materialisation is the sensor run's.
        raw = latest_materialization(gql, "raw_workbook", partition)
        assert raw is not None and raw["runId"] == run["id"], (partition, raw)
        assert latest_materialization(gql, "contact_capture", partition) is not None, partition
    declared = {
        (a, c) for a in ("raw_workbook", "contact_capture") for c in declared_checks(gql, a)
    }
    for key, run in scenario.drop_runs.items():
        assert run["jobName"] == "ingest_drop"
        evaluations = run_check_evaluations(gql, run["id"])
        assert {(e["asset"], e["check"]) for e in evaluations} == declared, key
        assert [e for e in evaluations if not e["success"]] == [], key


def test_snapshot_partitions_start_at_the_first_drop(scenario):
    """No snapshot day before the user's first drop: before any drop only today exists; after
    the back-dated drops and a reload, the days run from the first drop's date to today."""
    first = min(k.split("_", 1)[0] for k in scenario.keys)
    assert scenario.snapshot_keys_at_start == [scenario.today]
    assert scenario.snapshot_keys[0] == first == scenario.days[0]
    assert scenario.snapshot_keys[-1] == scenario.today
    assert len(scenario.snapshot_keys) == len(scenario.days) + 1


def test_backfills_complete_with_every_run_successful(dagster_ui, scenario, backfills_done):
    gql = dagster_ui.graphql
    capture, refined = backfills_done["capture"], backfills_done["refined"]

    # Multi-run policy: one run per drop.
    assert capture["status"] == "COMPLETED_SUCCESS", (capture, _log(dagster_ui))
    assert sorted(capture["partitionNames"]) == sorted(scenario.keys)
    assert [r["status"] for r in capture["runs"]] == ["SUCCESS"] * len(scenario.keys), capture
    assert {tags_of(r)["dagster/backfill"] for r in capture["runs"]} == {capture["id"]}

    # Single-run policy: the whole range in one run.
    assert refined["status"] == "COMPLETED_SUCCESS", (refined, _log(dagster_ui))
    (range_run,) = refined["runs"]
    assert range_run["status"] == "SUCCESS", refined
    tags = tags_of(range_run)
    assert (
        tags["dagster/asset_partition_range_start"],
        tags["dagster/asset_partition_range_end"],
    ) == (
        scenario.days[0],
        scenario.days[-1],
    )
    ranges = asset(gql, "refined_organisations")["assetPartitionStatuses"]["ranges"]
    assert any(
        r["status"] == "MATERIALIZED"
        and r["startKey"] <= scenario.days[0]
        and r["endKey"] >= scenario.days[-1]
        for r in ranges
    ), ranges
    evaluations = run_check_evaluations(gql, range_run["id"])
    assert evaluations, "the snapshot's checks ran"
    assert [e for e in evaluations if e["severity"] == "ERROR" and not e["success"]] == []


def test_a_range_rebuilt_from_the_job_page_runs_day_by_day(dagster_ui, scenario, backfills_done):
    """Jobs → rebuild_snapshots → Materialize all… over the backfilled days: one run per day
    (the job's policy), started oldest first and one at a time, each refining and scoring its
    day; the rebuilt days keep the entity ids the range run gave them."""
    gql = dagster_ui.graphql
    settings = Settings.from_env({"HOTPASS_HOME": str(dagster_ui.home)})
    # The oldest backfilled day holds only the SACAA drop: no customers, so nothing to train on.
    days = scenario.days[1:]

    def ids(day: str) -> dict[str, str]:
        table = read_table(settings.refined_path("entity_record_map", day))
        return dict(zip(table["record_id"], table["entity_id"], strict=True))

    before = {day: ids(day) for day in days}
    backfill_id = launch_backfill(
        gql,
        REFINED_ASSETS + SCORING_ASSETS,
        days,
        "e2e: rebuild two days end to end from the job page",
        job="rebuild_snapshots",
    )
    done = _wait(
        dagster_ui,
        lambda: finished_backfill(gql, backfill_id),
        timeout=240,
        what="the rebuild_snapshots backfill",
    )
    summary = [(tags_of(r).get("dagster/partition"), r["status"], r["id"]) for r in done["runs"]]
    assert done["status"] == "COMPLETED_SUCCESS", (summary, _log(dagster_ui))
    assert not done["isAssetBackfill"]
    day_runs = sorted(done["runs"], key=lambda r: r["startTime"])
    assert [tags_of(r)["dagster/partition"] for r in day_runs] == days
    assert all(tags_of(r)["hotpass/job"] == "snapshot" for r in day_runs)
    for earlier, later in pairwise(day_runs):
        assert earlier["endTime"] <= later["startTime"], "day runs overlapped"
    for day, run in zip(days, day_runs, strict=True):
        for key in ("refined_organisations", "call_list"):
            assert latest_materialization(gql, key, day)["runId"] == run["id"], (key, day)
    assert {day: ids(day) for day in days} == before


def test_broken_drop_fails_its_run_and_alerts_once(dagster_ui, scenario, webhook, timings):
    def alerts_for_broken():
        found = [
            a for a in read_alerts(dagster_ui.alerts_path) if a["partition"] == scenario.broken_key
        ]
        return found or None

    alerts = _wait(dagster_ui, alerts_for_broken, timeout=90, what="the broken drop's alert")
    timings["alert_seen_s"] = round(time.monotonic() - dagster_ui.started_at, 1)
    (alert,) = alerts
    assert alert["kind"] == "run_failure" and alert["job"] == "ingest_drop", alert
    assert alert["trigger"] == "sensor workbook_drop_sensor"
    assert alert["link"] == f"{dagster_ui.url}/runs/{alert['run_id']}"
    blocking = [c for c in alert["checks"] if c["severity"] == "ERROR"]
    assert blocking, alert
    assert all(c["partition"] == scenario.broken_key and c["explanation"] for c in blocking)
    assert alert["step"] in {c["asset"] for c in blocking}
    assert scenario.broken_key in asset(dagster_ui.graphql, "raw_workbook")["partitionKeys"]
    _wait(
        dagster_ui,
        lambda: any(b.get("alert_id") == alert["alert_id"] for b in webhook.bodies),
        timeout=10,
        what="the webhook delivery",
    )
    assert [b["alert_id"] for b in webhook.bodies].count(alert["alert_id"]) == 1


def test_automation_keeps_the_latest_snapshot_current(dagster_ui, scenario, timings):
    """With automation on, the third drop's capture brings today's snapshot, model, scores and
    call list up to date without anyone asking."""
    gql = dagster_ui.graphql
    # The latest snapshot is today's; should the test cross midnight (UTC), it is the new day's.
    latest = {scenario.today}

    def scored_after_drop():
        latest.add(datetime.now(tz=UTC).date().isoformat())
        automation = runs(gql, {"dagster/sensor_name": "hotpass_automation"})
        if not automation or not all(r["status"] in TERMINAL_RUN for r in automation):
            return None
        for day in sorted(latest, reverse=True):
            refined = latest_materialization(gql, "refined_organisations", day)
            calls = latest_materialization(gql, "call_list", day)
            if (
                refined is not None
                and scenario.third_key in refined["json"].get("drops_used", [])
                and calls is not None
                and calls["runId"] in {r["id"] for r in automation}
            ):
                return automation
        return None

    automation_runs = _wait(
        dagster_ui, scored_after_drop, timeout=180, what="automation to score the third drop"
    )
    timings["automation_done_s"] = round(time.monotonic() - dagster_ui.started_at, 1)
    assert [r["status"] for r in automation_runs] == ["SUCCESS"] * len(automation_runs), (
        automation_runs,
        _log(dagster_ui),
    )
    assert {tags_of(r)["dagster/partition"] for r in automation_runs} <= latest, (
        "automation only touches the latest snapshot"
    )
    for run in automation_runs:
        evaluations = run_check_evaluations(gql, run["id"])
        assert [e for e in evaluations if e["severity"] == "ERROR" and not e["success"]] == []

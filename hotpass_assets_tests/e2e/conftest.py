"""One `dagster dev` per test session, shared by the end-to-end and the screenshot tests.

``dagster_ui`` starts the webserver, daemon and code server on 127.0.0.1 and a free port, with a
temporary ``HOTPASS_HOME`` and ``DAGSTER_HOME`` (holding a copy of the repository's dagster.yaml),
sensor intervals of 2 s, automation stopped until the scenario turns it on, and a local webhook
receiving the alerts; its finalizer stops the whole process group, and fails the session if any
process is left.

``scenario`` then does what a user does: drops two demo workbooks into the landing folder and
waits for the drop sensor's runs; reloads the code location so the snapshot days reach back to the
back-dated drops; launches a backfill re-capturing every drop and one rebuilding
three past snapshot days; turns automation on (the toggle on the Automation page); drops a third
workbook and a broken one. The tests check the outcomes while the daemon works through them; the
screenshot test runs last. Automation works on today's snapshot only and the snapshot backfill on
earlier days, so the two never write the same partition.

Artifacts (screenshots, their DOM, the dagster dev log, timings) go to ``HOTPASS_TEST_ARTIFACTS``
when set, else to a pytest temporary directory.
"""

import json
import os
import shutil
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hotpass_assets.lib.demo import write_broken_workbook
from hotpass_assets.lib.drops import manifest_for
from hotpass_assets_tests.e2e.harness import DagsterDev, WebhookRecorder, wait_for
from hotpass_assets_tests.e2e.ui_api import (
    REFINED_ASSETS,
    TERMINAL_RUN,
    asset,
    finished_backfill,
    finished_ticks,
    launch_backfill,
    reload_location,
    sensor_runs,
    start_sensor,
    tags_of,
)

ARTIFACTS_ENV = "HOTPASS_TEST_ARTIFACTS"
DAY_S = 86_400
#: Demo workbooks dropped first, and how many days ago each was last modified. Back-dating makes
#: each drop's date (the file's modification day) fall inside the snapshot range the test
#: backfills: the three days before today. Today, the latest snapshot, is automation's.
DROPS = [("sacaa_flight_schools_demo.xlsx", 3), ("contact_database_demo.xlsx", 2)]
BACKFILL_DAYS_AGO = (3, 2, 1)
#: Dropped with automation on: its capture must bring today's snapshot and scores up to date.
THIRD_DROP = "reachout_database_demo.xlsx"


@pytest.fixture(scope="session")
def artifacts(tmp_path_factory) -> Path:
    base = os.environ.get(ARTIFACTS_ENV)
    path = Path(base).resolve() if base else tmp_path_factory.mktemp("e2e-artifacts")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def timings(artifacts):
    """Seconds since the session's server start, per milestone; written to timings.json."""
    data: dict[str, float] = {}
    yield data
    (artifacts / "timings.json").write_text(json.dumps(data, indent=2) + "\n")


@pytest.fixture(scope="session")
def webhook():
    with WebhookRecorder() as recorder:
        yield recorder


@pytest.fixture(scope="session")
def dagster_ui(tmp_path_factory, artifacts, webhook, timings):
    dev = DagsterDev(
        tmp_path_factory.mktemp("dagster-dev"),
        extra_env={"HOTPASS_ALERT_WEBHOOK_URL": webhook.url, "HOTPASS_AUTOMATION": "off"},
    )
    dev.started_at = time.monotonic()
    try:
        dev.start()
        try:
            dev.wait_ready()
        except (TimeoutError, RuntimeError) as exc:
            fail_with_log(dev, str(exc))
        timings["server_ready_s"] = round(time.monotonic() - dev.started_at, 1)
        yield dev
    finally:
        stop_started = time.monotonic()
        left = dev.stop()
        timings["stop_s"] = round(time.monotonic() - stop_started, 1)
        if dev.log_path.exists():
            shutil.copyfile(dev.log_path, artifacts / "dagster-dev.log")
        assert not left, f"processes left behind after stopping dagster dev: {left}"


def land(source: Path, landing: Path, *, mtime: float) -> Path:
    """Copy a workbook into the landing folder the way a careful uploader does: write a hidden
    temporary file, set its modification time, rename it into place."""
    target = landing / source.name
    partial = landing / f".{source.name}.part"
    shutil.copyfile(source, partial)
    os.utime(partial, (mtime, mtime))
    os.replace(partial, target)
    return target


@dataclass
class Scenario:
    keys: list[str]  # the two demo drops' partition keys, in drop order
    drop_runs: dict[str, dict]  # partition key -> the drop sensor's run
    now: float  # the clock the drop dates were computed from
    days: list[str]  # the snapshot days backfilled, oldest first
    today: str  # the latest snapshot, kept current by automation
    capture_backfill: str  # backfill ids
    refined_backfill: str
    third_key: str  # the drop landed with automation on
    broken_key: str  # the broken workbook's partition key
    snapshot_keys_at_start: list[str]  # snapshot partitions before any drop
    snapshot_keys: list[str]  # snapshot partitions after the reload


def _mark(dev: DagsterDev, timings: dict, name: str) -> None:
    timings[name] = round(time.monotonic() - dev.started_at, 1)


@pytest.fixture(scope="session")
def scenario(dagster_ui, demo_dir, tmp_path_factory, timings) -> Scenario:
    gql = dagster_ui.graphql
    now = time.time()

    # 1. Two workbooks land; the sensor makes a partition and a run for each.
    keys = []
    for name, days_ago in DROPS:
        landed = land(demo_dir / name, dagster_ui.landing, mtime=now - days_ago * DAY_S)
        keys.append(manifest_for(landed).partition_key)

    def finished() -> dict[str, dict] | None:
        by_key = {
            tags_of(r).get("dagster/partition"): r for r in sensor_runs(gql, "workbook_drop_sensor")
        }
        if all(k in by_key and by_key[k]["status"] in TERMINAL_RUN for k in keys):
            return {k: by_key[k] for k in keys}
        return None

    try:
        drop_runs = wait_for(finished, timeout=120, what="the drop sensor's runs to finish")
    except TimeoutError as exc:
        fail_with_log(dagster_ui, str(exc))
    _mark(dagster_ui, timings, "drop_runs_done_s")

    # 2. Snapshot days start at the first drop's date. The code location loaded before any drop
    #    (only today existed); the back-dated drops' days appear once it reloads, as after the
    #    drop sensor's hint "reload the code location" (Deployment → Reload in the UI).
    today = datetime.fromtimestamp(now, tz=UTC).date()
    days = [(today - timedelta(days=n)).isoformat() for n in BACKFILL_DAYS_AGO]
    snapshot_keys_at_start = asset(gql, "refined_organisations")["partitionKeys"]
    reload_location(gql)
    snapshot_keys = wait_for(
        lambda: (
            (k := asset(gql, "refined_organisations")["partitionKeys"]) and k[0] == days[0] and k
        ),
        timeout=60,
        what="the snapshot partitions to start at the first drop",
    )
    _mark(dagster_ui, timings, "reloaded_s")

    # 3. Backfills, as "Materialize" -> "Launch backfill" in the UI: every drop's capture, and
    #    three snapshot days of the refined multi-asset (all five of its assets).
    drops = asset(gql, "contact_capture")["partitionKeys"]
    refined_id = launch_backfill(gql, REFINED_ASSETS, days, "e2e: rebuild three snapshot days")
    capture_id = launch_backfill(gql, ["contact_capture"], drops, "e2e: re-capture every drop")
    _mark(dagster_ui, timings, "backfills_launched_s")

    # 4. Automation on (the toggle on the Automation page). Its first evaluation only takes
    #    stock; what changes after it is what it reacts to.
    started = time.time()
    assert start_sensor(gql, "hotpass_automation") == "RUNNING"
    try:
        wait_for(
            lambda: finished_ticks(gql, "hotpass_automation", started),
            timeout=60,
            what="the automation sensor's first evaluation",
        )
    except TimeoutError as exc:
        fail_with_log(dagster_ui, str(exc))

    # 5. Meanwhile a third workbook lands today, and one missing its organisation column.
    third = land(demo_dir / THIRD_DROP, dagster_ui.landing, mtime=time.time() - 60)
    broken = tmp_path_factory.mktemp("broken") / "sacaa_flight_schools_broken.xlsx"
    write_broken_workbook(broken, "missing_column")
    landed = land(broken, dagster_ui.landing, mtime=now - DAY_S)
    _mark(dagster_ui, timings, "scenario_ready_s")
    return Scenario(
        keys=keys,
        drop_runs=drop_runs,
        now=now,
        days=days,
        today=today.isoformat(),
        capture_backfill=capture_id,
        refined_backfill=refined_id,
        third_key=manifest_for(third).partition_key,
        broken_key=manifest_for(landed).partition_key,
        snapshot_keys_at_start=snapshot_keys_at_start,
        snapshot_keys=snapshot_keys,
    )


def fail_with_log(dev: DagsterDev, message: str) -> None:
    pytest.fail(f"{message}\n--- dagster dev log (tail) ---\n{dev.log_tail()}")


@pytest.fixture(scope="session")
def backfills_done(dagster_ui, scenario, timings) -> dict[str, dict]:
    """Both backfills once they reached a final status: {"capture": ..., "refined": ...}."""
    gql = dagster_ui.graphql
    try:
        capture = wait_for(
            lambda: finished_backfill(gql, scenario.capture_backfill),
            timeout=150,
            what="the capture backfill",
        )
        refined = wait_for(
            lambda: finished_backfill(gql, scenario.refined_backfill),
            timeout=60,
            what="the snapshot backfill",
        )
    except TimeoutError as exc:
        fail_with_log(dagster_ui, str(exc))
    _mark(dagster_ui, timings, "backfills_done_s")
    return {"capture": capture, "refined": refined}

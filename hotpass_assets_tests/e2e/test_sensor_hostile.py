"""Hostile files in the landing folder of a running `dagster dev`.

A 2 KB workbook with a value at XFD10000 (which makes the reader size a 16,384 × 10,000 grid)
lands beside a symbolic link to a system file; a good workbook lands after them. The hostile
drop's run fails on its own blocking check, the link is never registered, and the good drop is
ingested.
"""

import os
import time

import pytest

from hotpass_assets.lib.drops import manifest_for
from hotpass_assets_tests.e2e.conftest import fail_with_log, land
from hotpass_assets_tests.e2e.harness import wait_for
from hotpass_assets_tests.e2e.ui_api import (
    TERMINAL_RUN,
    asset,
    run_check_evaluations,
    sensor_runs,
    tags_of,
)
from hotpass_assets_tests.hostile.generate import good_workbook, value_at_xfd10000

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_a_hostile_drop_fails_its_own_run_and_the_next_good_drop_is_ingested(dagster_ui, tmp_path):
    gql = dagster_ui.graphql
    landing = dagster_ui.landing
    source = tmp_path / "source"
    source.mkdir()
    (hostile,) = value_at_xfd10000(source)
    os.symlink("/etc/passwd", landing / "passwd.xlsx")
    landed = land(hostile, landing, mtime=time.time() - 60)
    hostile_key = manifest_for(landed).partition_key

    def run_of(key: str):
        for run in sensor_runs(gql, "workbook_drop_sensor"):
            if tags_of(run).get("dagster/partition") == key and run["status"] in TERMINAL_RUN:
                return run
        return None

    try:
        # The good drop lands once the hostile one has its run, so it is the *next* drop.
        wait_for(
            lambda: any(
                tags_of(r).get("dagster/partition") == hostile_key
                for r in sensor_runs(gql, "workbook_drop_sensor")
            ),
            timeout=120,
            what="the hostile drop's run",
        )
        good = good_workbook(source, "hostile_e2e_good_sacaa.xlsx", seed=31)
        good_key = manifest_for(land(good, landing, mtime=time.time() - 60)).partition_key
        hostile_run = wait_for(lambda: run_of(hostile_key), timeout=180, what="hostile run")
        good_run = wait_for(lambda: run_of(good_key), timeout=180, what="the good drop's run")
    except TimeoutError as exc:
        fail_with_log(dagster_ui, str(exc))
    assert hostile_run["status"] == "FAILURE", hostile_run
    failed = [
        c
        for c in run_check_evaluations(gql, hostile_run["id"])
        if not c["success"] and c["severity"] == "ERROR"
    ]
    assert {"raw_workbook", "workbook_readable"} <= {
        part for c in failed for part in (c["asset"], c["check"])
    }, failed
    assert good_run["status"] == "SUCCESS", good_run
    keys = asset(gql, "raw_workbook")["partitionKeys"]
    assert good_key in keys and hostile_key in keys
    assert not any("passwd" in k for k in keys), "a refused link is never registered"
    log = dagster_ui.log_path.read_text(errors="replace") if dagster_ui.log_path.exists() else ""
    assert "root:x:" not in log

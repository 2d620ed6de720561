"""Runs whose process died are failed (CLI runs by their process tags, locally launched runs by
their worker pid), by the CLI at start and by the ``dead_run_sweeper`` sensor."""

import os
import socket
import subprocess
import uuid

import dagster as dg
import pytest
from dagster._core.events import EngineEventData
from dagster._core.storage.dagster_run import DagsterRunStatus

from hotpass_assets.definitions import build_definitions
from hotpass_assets.defs.recovery import dead_run_sweeper
from hotpass_assets.interrupts import (
    HOST_TAG,
    PID_START_TAG,
    PID_TAG,
    fail_dead_runs,
    process_alive,
    process_tags,
)


@pytest.fixture
def instance():
    with dg.instance_for_test() as inst:
        yield inst


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def _run(instance, status=DagsterRunStatus.STARTED, **tags) -> dg.DagsterRun:
    run = dg.DagsterRun(
        job_name="rebuild_snapshots",
        run_id=str(uuid.uuid4()),
        status=status,
        tags={"hotpass/job": "snapshot", **tags},
    )
    instance.add_run(run)
    return run


def _status(instance, run) -> DagsterRunStatus:
    return instance.get_run_by_id(run.run_id).status


def test_process_alive_tells_dead_reused_and_live_pids_apart():
    me = process_tags()
    assert process_alive(os.getpid(), me.get(PID_START_TAG))
    assert not process_alive(_dead_pid())
    assert not process_alive(os.getpid(), "1")  # same pid, another process start: reused


def test_cli_runs_of_dead_processes_are_failed_and_free_the_snapshot_slot(instance):
    host = socket.gethostname()
    dead = _run(instance, **{HOST_TAG: host, PID_TAG: str(_dead_pid())})
    canceling = _run(
        instance, DagsterRunStatus.CANCELING, **{HOST_TAG: host, PID_TAG: str(_dead_pid())}
    )
    reused = _run(instance, **{HOST_TAG: host, PID_TAG: str(os.getpid()), PID_START_TAG: "1"})
    alive = _run(instance, **process_tags())
    elsewhere = _run(instance, **{HOST_TAG: "another-host", PID_TAG: str(_dead_pid())})
    ended = fail_dead_runs(instance)
    assert set(ended) == {dead.run_id, canceling.run_id, reused.run_id}
    assert _status(instance, dead) == DagsterRunStatus.FAILURE
    assert _status(instance, canceling) == DagsterRunStatus.CANCELED
    assert _status(instance, reused) == DagsterRunStatus.FAILURE
    assert _status(instance, alive) == DagsterRunStatus.STARTED
    assert _status(instance, elsewhere) == DagsterRunStatus.STARTED
    messages = [e.message for e in instance.all_logs(dead.run_id)]
    assert any("ended without finishing it" in (m or "") for m in messages)
    assert fail_dead_runs(instance) == [], "a second sweep finds nothing more"


def test_locally_launched_runs_are_judged_by_their_worker_pid(instance):
    dead = _run(instance)
    instance.report_engine_event(
        "Started process for run", dead, EngineEventData.in_process(_dead_pid())
    )
    alive = _run(instance)
    instance.report_engine_event(
        "Started process for run", alive, EngineEventData.in_process(os.getpid())
    )
    unknown = _run(instance)  # no pid anywhere: left to run monitoring
    assert fail_dead_runs(instance) == [dead.run_id]
    assert _status(instance, alive) == DagsterRunStatus.STARTED
    assert _status(instance, unknown) == DagsterRunStatus.STARTED


def test_sweeper_sensor_fails_dead_runs(instance):
    dead = _run(instance, **{HOST_TAG: socket.gethostname(), PID_TAG: str(_dead_pid())})
    result = dead_run_sweeper(dg.build_sensor_context(instance=instance))
    assert "1 dead run(s) marked failed" in str(result.skip_message)
    assert _status(instance, dead) == DagsterRunStatus.FAILURE
    assert "no dead runs" in str(
        dead_run_sweeper(dg.build_sensor_context(instance=instance)).skip_message
    )


def test_sweeper_is_part_of_the_code_location(home):
    sensor = build_definitions(str(home)).resolve_sensor_def("dead_run_sweeper")
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING


@pytest.mark.parametrize(
    ("exc", "cause"),
    [
        (OSError(28, "No space left on device", "/w/x.parquet"), "disk full"),
        (OSError(30, "Read-only file system", "/w"), "read-only storage"),
        (PermissionError(13, "Permission denied", "/w"), "permission denied"),
        (RuntimeError("IO Error: Could not write file: No space left on device"), "disk full"),
    ],
)
def test_storage_errors_fail_fast_and_name_the_cause(exc, cause):
    from hotpass_assets.defs.common import storage_errors_fail_fast

    with pytest.raises(dg.Failure) as caught, storage_errors_fail_fast("drop k (f.xlsx)"):
        raise exc
    assert not caught.value.allow_retries
    assert caught.value.description.startswith(f"drop k (f.xlsx): {cause}")


def test_other_errors_pass_through_storage_errors_fail_fast():
    from hotpass_assets.defs.common import storage_errors_fail_fast

    with pytest.raises(ValueError), storage_errors_fail_fast("x"):
        raise ValueError("not storage")
    with pytest.raises(FileNotFoundError), storage_errors_fail_fast("x"):
        raise FileNotFoundError(2, "No such file or directory", "/x")


def test_a_dead_run_frees_the_pool_slot_it_held(tmp_path):
    overrides = {
        "event_log_storage": {
            "module": "dagster._core.storage.event_log",
            "class": "ConsolidatedSqliteEventLogStorage",
            "config": {"base_dir": str(tmp_path / "events")},
        }
    }
    with dg.instance_for_test(overrides=overrides) as instance:
        storage = instance.event_log_storage
        assert storage.supports_global_concurrency_limits
        storage.set_concurrency_slots("duckdb_writer", 1)
        dead = _run(instance, **{HOST_TAG: socket.gethostname(), PID_TAG: str(_dead_pid())})
        assert storage.claim_concurrency_slot("duckdb_writer", dead.run_id, "refined_snapshot")
        waiting = storage.claim_concurrency_slot("duckdb_writer", "next-run", "refined_snapshot")
        assert not waiting.is_claimed, "the dead run holds the only slot"
        assert fail_dead_runs(instance) == [dead.run_id]
        after = storage.claim_concurrency_slot("duckdb_writer", "next-run", "refined_snapshot")
        assert after.is_claimed

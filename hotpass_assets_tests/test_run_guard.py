"""The CLI's run guard: jobs side by side on worker threads, lanes in order, errors and signals."""

import itertools
import os
import signal
import threading
import time
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from hotpass_assets.interrupts import RunGuard
from hotpass_assets.lib.warehouse import read_table
from hotpass_assets.runner import run_pipeline
from hotpass_assets.settings import Settings, usable_cores


@pytest.fixture
def guard():
    with dg.instance_for_test() as instance:
        yield RunGuard(instance)


def test_results_come_in_job_order_and_lanes_keep_their_order(guard):
    log: list[tuple[str, int]] = []
    lock = threading.Lock()
    # the two lanes' first jobs meet at the barrier: it only opens when they run at once
    meet = threading.Barrier(2, timeout=10)

    def job(i: int):
        def run() -> int:
            with lock:
                log.append(("start", i))
            if i in (0, 1):
                meet.wait()
            time.sleep(0.01)
            with lock:
                log.append(("end", i))
            return i * 10

        return run

    lanes = {0: "a", 1: "b", 2: "a", 3: "b", 4: "a"}
    started: list[int] = []
    out = guard.run_all(
        [job(i) for i in range(5)], workers=2, lane=lanes.__getitem__, on_start=started.append
    )
    assert out == [0, 10, 20, 30, 40]
    assert sorted(started) == [0, 1, 2, 3, 4]
    for lane in "ab":
        mine = [i for i in range(5) if lanes[i] == lane]
        events = [e for e in log if e[1] in mine]
        # one after another, in order: start i, end i, start j, end j ...
        assert events == [(kind, i) for i in mine for kind in ("start", "end")]


def test_one_worker_runs_everything_in_order(guard):
    seen: list[int] = []
    out = guard.run_all([lambda i=i: seen.append(i) or i for i in range(4)], workers=1)
    assert out == [0, 1, 2, 3] and seen == [0, 1, 2, 3]
    assert guard.run(lambda: "one") == "one"


def test_an_error_is_raised_after_the_workers_end_and_stops_further_lanes(guard):
    ran: list[int] = []

    def fail() -> int:
        raise ValueError("bad drop")

    jobs = [fail, *[lambda i=i: ran.append(i) or i for i in range(1, 6)]]
    with pytest.raises(ValueError, match="bad drop"):
        guard.run_all(jobs, workers=1)
    assert ran == []


@pytest.mark.skipif(
    threading.current_thread() is not threading.main_thread(), reason="signals: main thread"
)
def test_a_signal_interrupts_every_running_job(guard):
    interrupted: list[str] = []

    def forever(name: str):
        def run() -> None:
            try:
                while True:
                    time.sleep(0.02)
            except BaseException as exc:
                interrupted.append(f"{name}:{type(exc).__name__}")
                raise

        return run

    timer = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    t0 = time.monotonic()
    out = guard.run_all([forever("a"), forever("b"), forever("c")], workers=2)
    assert out is None and guard.interrupted and guard.signal_name == "SIGINT"
    assert time.monotonic() - t0 < 10
    # the two running jobs were interrupted; the third never started
    assert sorted(interrupted) == ["a:RunInterrupted", "b:RunInterrupted"]
    assert guard.run(lambda: 1) is None  # nothing runs after a signal


# --- the setting, and drops ingested side by side by ``run_pipeline`` ------------------------------


@pytest.mark.parametrize(("value", "expected"), [("3", 3), ("1", 1), (" 2 ", 2)])
def test_ingest_workers_setting(tmp_path, value, expected):
    env = {"HOTPASS_HOME": str(tmp_path), "HOTPASS_INGEST_WORKERS": value}
    assert Settings.from_env(env).ingest_workers == expected


def test_ingest_workers_default_to_the_usable_cores_at_most_four(tmp_path):
    for value in ("", "auto"):
        env = {"HOTPASS_HOME": str(tmp_path), "HOTPASS_INGEST_WORKERS": value}
        assert Settings.from_env(env).ingest_workers == min(usable_cores(), 4)


@pytest.mark.parametrize("value", ["0", "-1", "two"])
def test_bad_ingest_workers_are_named(tmp_path, value):
    env = {"HOTPASS_HOME": str(tmp_path), "HOTPASS_INGEST_WORKERS": value}
    with pytest.raises(ValueError, match="HOTPASS_INGEST_WORKERS"):
        Settings.from_env(env)


def _refine(home: Path, files: list[Path], workers: int, monkeypatch) -> tuple[list, str]:
    monkeypatch.setenv("HOTPASS_HOME", str(home))
    monkeypatch.setenv("DAGSTER_HOME", str(home / "dagster"))
    monkeypatch.setenv("HOTPASS_INGEST_WORKERS", str(workers))
    settings = Settings.from_env()
    report = run_pipeline(files, settings=settings, include_scoring=False)
    assert not report.failed and not report.blocked, report
    instance = dg.DagsterInstance.get()
    spans = [instance.get_run_stats(r) for r in report.run_ids[:-1]]
    organisations = read_table(settings.refined_path("organisations", report.snapshot_date))
    digest = pd.util.hash_pandas_object(
        organisations.sort_values("entity_id").astype(str), index=False
    ).sum()
    return spans, f"{len(organisations)}:{digest}"


@pytest.mark.slow
def test_drops_are_ingested_side_by_side_with_the_same_snapshot(tmp_path, demo_dir, monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.delenv("HOTPASS_PROFILE", raising=False)
    files = sorted(demo_dir.glob("*.xlsx"))
    stdout_before = os.fstat(1)
    spans, parallel = _refine(tmp_path / "two", files, 2, monkeypatch)
    after = os.fstat(1)
    # the command's own output still goes where it went (no step capture left it redirected)
    assert (after.st_dev, after.st_ino) == (stdout_before.st_dev, stdout_before.st_ino)
    assert len(spans) == len(files)
    # two drops ran at the same time: one started before another ended
    first_end = min(s.end_time for s in spans)
    assert sorted(s.start_time for s in spans)[1] < first_end
    one_spans, sequential = _refine(tmp_path / "one", files, 1, monkeypatch)
    ordered = sorted(one_spans, key=lambda s: s.start_time)
    assert all(a.end_time <= b.start_time for a, b in itertools.pairwise(ordered))
    assert parallel == sequential

"""Faults: a killed, interrupted or starved ``hotpass refine`` leaves every store readable, holds
no queue slot, publishes no half drop, and the next run succeeds.

Each test runs the real CLI in a subprocess. Kill points and pauses are placed with the test-only
``sitecustomize`` in ``inject/`` (``HOTPASS_FAULT``; see its docstring). Disk full and read-only
storage are real where the test runs as root (a small tmpfs holds the warehouse; filled up, or
remounted read-only: as root, ``chmod`` does not stop writes); elsewhere those two tests skip, and
the same failures are also simulated in-process (``enospc``/``erofs`` faults) on every machine.
"""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pyarrow.parquet as pq
import pytest
from dagster._core.storage.dagster_run import DagsterRunStatus, RunsFilter

from hotpass_assets.interrupts import UNFINISHED
from hotpass_assets.settings import Settings

pytestmark = pytest.mark.slow
INJECT = Path(__file__).parent / "inject"
SNAPSHOT_TAG = {"hotpass/job": "snapshot"}
CAPTURE = ("organisations", "contacts", "rejects")


# --- helpers -------------------------------------------------------------------------------------


def _env(
    home: Path,
    fault: str | None,
    marker: Path | None,
    warehouse: Path | None,
    workers: int = 1,
) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("HOTPASS_", "MLFLOW_TRACKING", "DAGSTER_HOME"))
    }
    # One drop at a time unless a test says otherwise: a fault then hits one known run.
    env.update(
        HOTPASS_HOME=str(home),
        DAGSTER_HOME=str(home / "dagster"),
        HOTPASS_INGEST_WORKERS=str(workers),
    )
    if warehouse is not None:
        env["HOTPASS_WAREHOUSE_DIR"] = str(warehouse)
    if fault:
        env.update(PYTHONPATH=str(INJECT), HOTPASS_FAULT=fault)
        if marker is not None:
            env["HOTPASS_FAULT_MARKER"] = str(marker)
    return env


def _command(input_dir: Path, out: Path, score: bool) -> list[str]:
    cmd = [sys.executable, "-m", "hotpass_assets.cli", "refine", "--input-dir", str(input_dir)]
    return [*cmd, "--output", str(out), *([] if score else ["--no-score"])]


def refine(
    home: Path,
    input_dir: Path,
    *,
    score: bool = False,
    fault: str | None = None,
    warehouse: Path | None = None,
) -> subprocess.CompletedProcess:
    return subprocess.run(
        _command(input_dir, home.parent / "refined.parquet", score),
        env=_env(home, fault, home.parent / "fault-marker", warehouse),
        capture_output=True,
        text=True,
        timeout=600,
    )


def settings_of(home: Path, warehouse: Path | None = None) -> Settings:
    env = {"HOTPASS_HOME": str(home)}
    if warehouse is not None:
        env["HOTPASS_WAREHOUSE_DIR"] = str(warehouse)
    return Settings.from_env(env)


def runs(home: Path, **filters) -> list[dg.DagsterRun]:
    with _instance(home) as instance:
        return list(instance.get_runs(filters=RunsFilter(**filters) if filters else None))


def _instance(home: Path) -> dg.DagsterInstance:
    assert os.environ["DAGSTER_HOME"] == str(home / "dagster")  # set by the `home` fixture
    return dg.DagsterInstance.get()


def events_of(home: Path, run_id: str) -> list[str]:
    with _instance(home) as instance:
        return [
            e.dagster_event.event_type_value for e in instance.all_logs(run_id) if e.dagster_event
        ]


def assert_stores_readable(home: Path, warehouse: Path | None = None) -> None:
    """Every Parquet table, the DuckDB catalog and its views, the Dagster instance and the MLflow
    store open and read."""
    import duckdb

    settings = settings_of(home, warehouse)
    tables = list(settings.warehouse_dir.rglob("data.parquet"))
    for path in tables:
        pq.read_table(path)
    if settings.duckdb_path.exists():
        con = duckdb.connect(str(settings.duckdb_path), read_only=True)
        try:
            views = [
                v
                for (v,) in con.execute(
                    "select view_name from duckdb_views() where not internal"
                ).fetchall()
            ]
            for view in views:
                con.execute(f"select count(*) from {view}").fetchall()
        finally:
            con.close()
    runs(home)
    db = home / "mlflow" / "mlflow.db"
    if db.exists():
        from mlflow.tracking import MlflowClient

        client = MlflowClient(f"sqlite:///{db}")
        client.search_experiments()
        for model in client.search_registered_models():
            client.search_model_versions(f"name='{model.name}'")


def assert_no_orphans(home: Path) -> None:
    assert runs(home, statuses=UNFINISHED) == [], "an unfinished run is left"
    assert runs(home, statuses=[DagsterRunStatus.STARTED], tags=SNAPSHOT_TAG) == []


def assert_next_run_succeeds(
    home: Path, input_dir: Path, *, score=False, warehouse=None, recovered=0
):
    done = refine(home, input_dir, score=score, warehouse=warehouse)
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    if recovered:
        assert f"recovered: {recovered} earlier run(s)" in done.stdout
    assert_stores_readable(home, warehouse)
    assert_no_orphans(home)
    settings = settings_of(home, warehouse)
    keys = [m.partition_key for m in _manifests(settings)]
    assert keys and all(settings.capture_published(k, CAPTURE) for k in keys)
    return done


def _manifests(settings: Settings):
    from hotpass_assets.lib.drops import DropRegister

    return DropRegister(settings.drops_dir).all()


@pytest.fixture
def two_drops(demo_dir, tmp_path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("reachout_database_demo.xlsx", "sacaa_flight_schools_demo.xlsx"):
        shutil.copy(demo_dir / name, folder)
    return folder


# --- kill at several points ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "point",
    [
        "capture",  # reading a workbook
        "write:capture/organisations",  # between a drop's tables
        "write:refined/organisations",  # writing the snapshot
        "duckdb",  # DuckDB view refresh, file open
    ],
)
def test_kill_leaves_stores_readable_and_the_next_run_succeeds(home, two_drops, point):
    killed = refine(home, two_drops, fault=f"kill@{point}")
    assert killed.returncode == -signal.SIGKILL, killed.stdout + killed.stderr[-2000:]
    assert_stores_readable(home)
    orphans = runs(home, statuses=UNFINISHED)
    assert len(orphans) == 1, "the killed run is left STARTED (what recovery must fix)"
    if point == "write:capture/organisations":
        settings = settings_of(home)
        key = orphans[0].tags["dagster/partition"]
        assert settings.capture_path("organisations", key).exists()
        assert not settings.capture_published(key, CAPTURE)
    assert_next_run_succeeds(home, two_drops, recovered=1)
    (orphan,) = [r for r in runs(home) if r.run_id == orphans[0].run_id]
    assert orphan.status == DagsterRunStatus.FAILURE


def test_kill_during_mlflow_registration(home, demo_dir):
    killed = refine(home, demo_dir, score=True, fault="kill@mlflow-register")
    assert killed.returncode == -signal.SIGKILL, killed.stdout + killed.stderr[-2000:]
    assert (home.parent / "fault-marker").read_text().split() == ["mlflow-register"]
    assert_stores_readable(home)
    (orphan,) = runs(home, statuses=UNFINISHED)
    assert orphan.tags.get("hotpass/job") == "snapshot", "the orphan holds the snapshot slot"
    assert_next_run_succeeds(home, demo_dir, score=True, recovered=1)


# --- signals -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sig", "pause_at", "workers"),
    [(signal.SIGINT, "capture", 1), (signal.SIGTERM, "duckdb", 1), (signal.SIGINT, "capture", 2)],
)
def test_signal_cancels_the_run_promptly_without_retry_or_snapshot(
    home, two_drops, sig, pause_at, workers
):
    marker = home.parent / "fault-marker"
    proc = subprocess.Popen(
        _command(two_drops, home.parent / "refined.parquet", False),
        env=_env(home, f"pause@{pause_at}", marker, None, workers),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 300
        while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert marker.exists(), "the command never reached the pause point"
        sent = time.monotonic()
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=60)
        took = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 128 + sig, out + err[-2000:]
    assert took < 15, f"stopping took {took:.1f} s"
    assert f"stopped by {signal.Signals(sig).name}" in out
    all_runs = runs(home)
    canceled = [r for r in all_runs if r.status == DagsterRunStatus.CANCELED]
    for run in all_runs:
        kinds = events_of(home, run.run_id)
        assert "STEP_UP_FOR_RETRY" not in kinds and "STEP_RESTARTED" not in kinds
    if workers > 1:  # both drops were being ingested: both stopped, no snapshot
        assert [r.job_name for r in all_runs] == ["ingest_drop"] * len(all_runs)
        assert 1 <= len(all_runs) <= workers and len(canceled) == len(all_runs)
    elif pause_at == "capture":  # stopped in the first drop: nothing after it ran
        assert len(canceled) == 1
        assert [r.job_name for r in all_runs] == ["ingest_drop"]
    else:  # stopped in the snapshot: the drops were done before
        assert len(canceled) == 1
        assert canceled[0].job_name == "refine_snapshot"
    assert_stores_readable(home)
    assert_no_orphans(home)
    assert_next_run_succeeds(home, two_drops)


# --- disk full and read-only storage -------------------------------------------------------------


def _new_drop(two_drops: Path, demo_dir: Path) -> None:
    shutil.copy(demo_dir / "contact_database_demo.xlsx", two_drops)


@pytest.mark.parametrize(
    ("action", "label"),
    [("enospc", "disk full: no space left"), ("erofs", "read-only storage")],
)
def test_simulated_storage_failure_is_named_and_publishes_nothing(
    home, two_drops, demo_dir, action, label
):
    assert refine(home, two_drops).returncode == 0
    _new_drop(two_drops, demo_dir)
    failed = refine(home, two_drops, fault=f"{action}@write:capture/contacts")
    assert failed.returncode == 1, failed.stdout + failed.stderr[-2000:]
    line = next(x for x in failed.stdout.splitlines() if "contact_database_demo.xlsx" in x)
    assert "FAILED" in line and label in line, failed.stdout
    assert "max_retries" not in failed.stdout + failed.stderr
    assert len(failed.stderr.splitlines()) <= 2, failed.stderr
    settings = settings_of(home)
    new = next(m for m in _manifests(settings) if m.file_name == "contact_database_demo.xlsx")
    assert not settings.capture_published(new.partition_key, CAPTURE)
    assert_stores_readable(home)
    assert_no_orphans(home)
    assert_next_run_succeeds(home, two_drops)


@pytest.fixture
def small_tmpfs(tmp_path):
    """A 32 MB tmpfs (root only), unmounted afterwards."""
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("needs root to mount a tmpfs")
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=32m", "tmpfs", str(mnt)]).returncode:
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield mnt
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(mnt)], check=False)
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def _fill(mount: Path) -> Path:
    filler = mount / "filler"
    chunk = b"\0" * (1 << 20)
    with filler.open("wb", buffering=0) as fh:  # unbuffered: nothing left to flush on close
        for size in (1 << 20, 1 << 12, 1):
            try:
                while True:
                    fh.write(chunk[:size])
            except OSError:
                continue
    assert shutil.disk_usage(mount).free < 4096
    return filler


def test_disk_full_warehouse(home, two_drops, demo_dir, small_tmpfs):
    warehouse = small_tmpfs / "warehouse"
    assert refine(home, two_drops, warehouse=warehouse).returncode == 0
    _new_drop(two_drops, demo_dir)
    filler = _fill(small_tmpfs)
    failed = refine(home, two_drops, warehouse=warehouse)
    assert failed.returncode == 1, failed.stdout + failed.stderr[-2000:]
    line = next(x for x in failed.stdout.splitlines() if "contact_database_demo.xlsx" in x)
    assert "disk full" in line, failed.stdout
    assert "max_retries" not in failed.stdout and "disk I/O error" not in failed.stdout
    assert len(failed.stderr.splitlines()) <= 2, failed.stderr
    assert_stores_readable(home, warehouse)
    assert_no_orphans(home)
    filler.unlink()
    assert_next_run_succeeds(home, two_drops, warehouse=warehouse)


def test_read_only_warehouse(home, two_drops, demo_dir, small_tmpfs):
    warehouse = small_tmpfs / "warehouse"
    assert refine(home, two_drops, warehouse=warehouse).returncode == 0
    _new_drop(two_drops, demo_dir)
    subprocess.run(["mount", "-o", "remount,ro", str(small_tmpfs)], check=True)
    failed = refine(home, two_drops, warehouse=warehouse)
    assert failed.returncode == 1, failed.stdout + failed.stderr[-2000:]
    line = next(x for x in failed.stdout.splitlines() if "contact_database_demo.xlsx" in x)
    assert "read-only storage" in line, failed.stdout
    assert "max_retries" not in failed.stdout and "disk I/O error" not in failed.stdout
    assert_stores_readable(home, warehouse)
    assert_no_orphans(home)
    subprocess.run(["mount", "-o", "remount,rw", str(small_tmpfs)], check=True)
    assert_next_run_succeeds(home, two_drops, warehouse=warehouse)

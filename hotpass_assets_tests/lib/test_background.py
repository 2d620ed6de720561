"""Work in a forked child (``lib/background.py``) and a snapshot written while it is checked
(``StagedSnapshot``): the same files as writing after the checks, nothing left when discarded."""

import hashlib
import os
import signal
import time
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from hotpass_assets.lib import snapshot_io
from hotpass_assets.lib.background import BackgroundError, Forked, describe_exit
from hotpass_assets.lib.demo import write_demo_workbooks
from hotpass_assets.lib.refine import Snapshot, build_snapshot
from hotpass_assets.settings import Settings
from hotpass_assets_tests.lib.workbooks import capture_drops

DAY = date(2026, 2, 1)


# --- Forked -----------------------------------------------------------------------------------


def test_the_value_comes_back_from_another_process():
    frame = pd.DataFrame({"a": range(5)})
    job = Forked(lambda: (os.getpid(), int(frame["a"].sum())), label="sum")
    assert job.forked
    pid, total = job.result()
    assert pid != os.getpid() and total == 10


def test_an_exception_of_the_child_is_raised_here():
    def fail() -> None:
        raise OSError(28, "No space left on device", "data.parquet")

    with pytest.raises(OSError, match="No space left") as err:
        Forked(fail, label="write").result()
    assert err.value.errno == 28


def test_a_killed_child_is_named():
    def die() -> None:
        os.kill(os.getpid(), signal.SIGKILL)

    with pytest.raises(BackgroundError, match=r"snapshot x: .*stopped by SIGKILL"):
        Forked(die, label="snapshot x").result()


def test_a_timeout_ends_the_child():
    job = Forked(lambda: time.sleep(60), label="slow")
    t0 = time.monotonic()
    with pytest.raises(BackgroundError, match=r"slow: no result after 0\.5 s"):
        job.result(timeout=0.5)
    assert time.monotonic() - t0 < 10
    assert job._proc is not None and not job._proc.is_alive()


def test_cancel_stops_a_running_child():
    job = Forked(lambda: time.sleep(60), label="slow")
    job.cancel()
    assert job._proc is not None and not job._proc.is_alive()
    job.cancel()  # twice is harmless


def test_inline_runs_here_when_asked():
    job = Forked(os.getpid, label="here", inline=True)
    assert not job.forked and job.result() == os.getpid()


@pytest.mark.parametrize(
    ("code", "text"),
    [(None, "did not finish"), (-9, "was stopped by SIGKILL"), (3, "exited with code 3")],
)
def test_exit_descriptions(code, text):
    assert describe_exit(code) == text


# --- StagedSnapshot ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory) -> Snapshot:
    folder = tmp_path_factory.mktemp("demo")
    write_demo_workbooks(folder, seed=3)
    captured = capture_drops(sorted(folder.glob("*.xlsx")), DAY)
    orgs = [c.organisations for c in captured]
    people = [c.contacts for c in captured]
    records = pd.concat(orgs, ignore_index=True).sort_values("record_id", kind="stable")
    return build_snapshot(
        records.reset_index(drop=True), pd.concat(people, ignore_index=True), snapshot_date=DAY
    )


def _settings(home: Path, processes: str) -> Settings:
    env = {"HOTPASS_HOME": str(home), "HOTPASS_SNAPSHOT_PROCESSES": processes}
    settings = Settings.from_env(env)
    settings.ensure_dirs()
    return settings


def _files(settings: Settings) -> dict[str, str]:
    root = Path(settings.warehouse_dir) / "refined"
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_a_staged_snapshot_commits_the_files_publishing_writes(tmp_path, snapshot):
    direct = _settings(tmp_path / "direct", "1")
    assert snapshot_io.stage_snapshot(direct, DAY, snapshot) is None, "one process: no staging"
    written = snapshot_io.publish_snapshot(direct, DAY, snapshot)
    staged_settings = _settings(tmp_path / "staged", "2")
    staged = snapshot_io.stage_snapshot(staged_settings, DAY, snapshot)
    assert staged is not None
    assert not any(
        p.name == "data.parquet" for p in Path(staged_settings.warehouse_dir).rglob("*")
    ), "nothing is published before the commit"
    digests = staged.commit()
    staged.discard()  # after a commit: nothing to remove, the published files stay
    assert digests == written
    assert staged.write_s is not None and staged.write_s > 0
    assert _files(staged_settings) == _files(direct)
    assert set(digests) == set(snapshot_io.SNAPSHOT_TABLES)


def test_a_discarded_snapshot_leaves_nothing(tmp_path, snapshot):
    settings = _settings(tmp_path, "2")
    staged = snapshot_io.stage_snapshot(settings, DAY, snapshot)
    assert staged is not None
    staged._job.result()  # the hidden files are complete
    hidden = [p for p in Path(settings.warehouse_dir).rglob("*") if p.is_file()]
    assert hidden and all(p.name.startswith(".") and p.name.endswith(".staged") for p in hidden)
    staged.discard()
    assert not [p for p in Path(settings.warehouse_dir).rglob("*") if p.is_file()]


def test_files_a_killed_run_left_are_removed_by_the_next(tmp_path, snapshot):
    settings = _settings(tmp_path, "2")
    target = settings.refined_path("organisations", DAY.isoformat())
    target.parent.mkdir(parents=True)
    leftover = target.with_name(f".{target.name}.0123456789ab.staged")
    leftover.write_bytes(b"half a file")
    staged = snapshot_io.stage_snapshot(settings, DAY, snapshot)
    assert staged is not None and not leftover.exists()
    staged.commit()
    assert target.exists()


def test_a_failed_write_is_raised_at_commit_and_leaves_nothing(tmp_path, snapshot, monkeypatch):
    def full_disk(frame, target, columns=None):
        raise OSError(28, "No space left on device", str(target))

    monkeypatch.setattr(snapshot_io, "write_table", full_disk)
    settings = _settings(tmp_path, "2")
    staged = snapshot_io.stage_snapshot(settings, DAY, snapshot)
    assert staged is not None
    with pytest.raises(OSError, match="No space left"):
        staged.commit()
    assert not [p for p in Path(settings.warehouse_dir).rglob("*") if p.is_file()]


@pytest.mark.parametrize(("value", "expected"), [("1", 1), ("3", 3)])
def test_snapshot_processes_setting(tmp_path, value, expected):
    env = {"HOTPASS_HOME": str(tmp_path), "HOTPASS_SNAPSHOT_PROCESSES": value}
    assert Settings.from_env(env).snapshot_processes == expected


@pytest.mark.parametrize("value", ["0", "many"])
def test_bad_snapshot_processes_are_named(tmp_path, value):
    env = {"HOTPASS_HOME": str(tmp_path), "HOTPASS_SNAPSHOT_PROCESSES": value}
    with pytest.raises(ValueError, match="HOTPASS_SNAPSHOT_PROCESSES"):
        Settings.from_env(env)


def test_the_child_dies_with_its_parent(tmp_path):
    """A parent that leaves at once (``os._exit`` on a second signal) takes its child along."""
    import subprocess
    import sys

    pid_file = tmp_path / "child.pid"
    code = (
        "import os, time\n"
        "from hotpass_assets.lib.background import Forked\n"
        f"job = Forked(lambda: (open({str(pid_file)!r}, 'w').write(str(os.getpid())), "
        "time.sleep(60)), label='x')\n"
        "time.sleep(1.0)\n"
        "os._exit(130)\n"
    )
    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 130
    child = int(pid_file.read_text())
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and Path(f"/proc/{child}").exists():
        time.sleep(0.1)
    assert not Path(f"/proc/{child}").exists(), "the child outlived its parent"


def test_a_large_result_streams_back_whole():
    frame = pd.DataFrame({"text": [f"row {i} " * 20 for i in range(200_000)], "n": range(200_000)})
    back = Forked(lambda: frame.assign(n=frame["n"] * 2), label="big").result()
    pd.testing.assert_frame_equal(back, frame.assign(n=frame["n"] * 2))


def test_a_result_with_a_cycle_is_an_error_not_a_hang():
    def cyclic() -> list:
        items: list = [1]
        items.append(items)
        return items

    with pytest.raises(BackgroundError, match=r"cycle: .*without a complete result"):
        Forked(cyclic, label="cycle").result(timeout=30)


def test_a_module_another_thread_is_importing_at_the_fork_imports_in_the_child(tmp_path):
    """Without a reset, the child would wait for good for the import lock of the other thread
    (which does not exist in the child)."""
    import subprocess
    import sys

    (tmp_path / "slow_module.py").write_text("import time\ntime.sleep(3)\nVALUE = 42\n")
    code = (
        "import sys, threading, time\n"
        f"sys.path.insert(0, {str(tmp_path)!r})\n"
        "from hotpass_assets.lib.background import Forked\n"
        "threading.Thread(target=lambda: __import__('slow_module'), daemon=True).start()\n"
        "time.sleep(1.0)  # the thread is inside the module's body now\n"
        "def child():\n"
        "    import slow_module\n"
        "    return slow_module.VALUE\n"
        "print(Forked(child, label='import').result(timeout=30))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "42"


def test_the_child_leaves_inherited_objects_out_of_its_collections():
    import gc

    inherited = [[i] for i in range(1000)]  # containers the collector tracks
    frozen, tracked = Forked(
        lambda: (gc.get_freeze_count(), gc.is_tracked(inherited)), label="gc"
    ).result()
    assert tracked and frozen >= len(inherited), "the child's collections would visit them"
    assert gc.get_freeze_count() == 0 or frozen > gc.get_freeze_count()

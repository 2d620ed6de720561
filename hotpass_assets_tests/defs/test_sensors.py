"""workbook_drop_sensor through build_sensor_context: each landing case in turn."""

import json
import os
import time
from pathlib import Path

import dagster as dg
import pytest

from hotpass_assets.defs.resources import HotpassConfig
from hotpass_assets.defs.sensors import workbook_drop_sensor
from hotpass_assets.lib.drops import DropRegister, parse_partition_key

OLD = time.time() - 3600


@pytest.fixture
def instance():
    with dg.instance_for_test() as inst:
        yield inst


def _landing(home: Path) -> Path:
    path = home / "landing"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _put(folder: Path, name: str, data: bytes, mtime: float = OLD) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    os.utime(path, (mtime, mtime))
    return path


def _tick(instance, home, cursor=None):
    ctx = dg.build_sensor_context(
        instance=instance, cursor=cursor, resources={"hotpass": HotpassConfig(home=str(home))}
    )
    result = workbook_drop_sensor(ctx)
    return result, ctx.cursor if isinstance(result, dg.SkipReason) else (
        result.cursor or ctx.cursor
    )


def _apply(instance, result: dg.SensorResult) -> list[str]:
    keys = []
    for request in result.dynamic_partitions_requests or []:
        instance.add_dynamic_partitions(request.partitions_def_name, list(request.partition_keys))
        keys.extend(request.partition_keys)
    return keys


def test_new_file_is_a_partition_and_a_run_in_the_same_tick(instance, home):
    _put(_landing(home), "Contact Database.xlsx", b"bytes one")
    result, cursor = _tick(instance, home)
    assert isinstance(result, dg.SensorResult)
    keys = _apply(instance, result)
    assert len(keys) == 1 and [r.partition_key for r in result.run_requests] == keys
    assert parse_partition_key(keys[0]).stem_slug == "contact-database"
    assert DropRegister(home / "drops").get(keys[0]).file_name == "Contact Database.xlsx"
    assert len(cursor) < 200, "cursor stays small"


def test_same_file_again_and_renamed_copy_are_not_new(instance, home):
    landing = _landing(home)
    _put(landing, "a.xlsx", b"same")
    result, cursor = _tick(instance, home)
    _apply(instance, result)
    _put(landing, "a (copy).xlsx", b"same")
    again, _ = _tick(instance, home, cursor)
    assert isinstance(again, dg.SkipReason)
    assert "no new workbook drops" in again.skip_message


def test_changed_file_is_a_new_partition(instance, home):
    landing = _landing(home)
    _put(landing, "a.xlsx", b"version 1")
    first, cursor = _tick(instance, home)
    (k1,) = _apply(instance, first)
    _put(landing, "a.xlsx", b"version 2", mtime=OLD + 60)
    second, _ = _tick(instance, home, cursor)
    (k2,) = _apply(instance, second)
    assert k1 != k2 and k1.rsplit("_", 1)[0] == k2.rsplit("_", 1)[0]


def test_temp_and_lock_files_are_ignored(instance, home):
    landing = _landing(home)
    _put(landing, "~$a.xlsx", b"lock")
    _put(landing, "b.xlsx.crdownload", b"partial")
    result, _ = _tick(instance, home)
    assert isinstance(result, dg.SkipReason)


def test_file_still_growing_waits_for_a_stable_tick(instance, home):
    landing = _landing(home)
    path = _put(landing, "big.xlsx", b"first part", mtime=time.time())
    first, cursor = _tick(instance, home)
    assert isinstance(first, dg.SkipReason) and "still being written" in first.skip_message
    assert "big.xlsx" in json.loads(cursor)["waiting"]
    second, _ = _tick(instance, home, cursor)  # unchanged since the last tick: settled
    assert isinstance(second, dg.SensorResult) and len(second.run_requests) == 1
    del path


def test_many_files_are_batched(instance, home, monkeypatch):
    monkeypatch.setenv("HOTPASS_SENSOR_BATCH_SIZE", "4")
    landing = _landing(home)
    for i in range(10):
        _put(landing, f"f{i}.xlsx", f"content {i}".encode())
    seen: set[str] = set()
    cursor = None
    for _ in range(3):
        result, cursor = _tick(instance, home, cursor)
        if isinstance(result, dg.SensorResult):
            assert len(result.run_requests) <= 4
            seen.update(_apply(instance, result))
    assert len(seen) == 10


def test_unreadable_workbook_still_becomes_a_partition(instance, home):
    _put(_landing(home), "corrupt.xlsx", b"PK\x03\x04 not really a zip")
    result, _ = _tick(instance, home)
    assert isinstance(result, dg.SensorResult) and len(result.run_requests) == 1


def test_missing_landing_folder_is_a_clear_skip(instance, home, monkeypatch):
    monkeypatch.setenv("HOTPASS_LANDING_DIR", str(home.parent / "nowhere"))
    result, _ = _tick(instance, home)
    assert isinstance(result, dg.SkipReason) and "does not exist" in result.skip_message


def test_unreadable_landing_folder_is_a_clear_skip(instance, home, monkeypatch):
    if os.geteuid() == 0:
        notdir = home.parent / "landing-file"
        notdir.write_text("x")
        monkeypatch.setenv("HOTPASS_LANDING_DIR", str(notdir))
    else:
        landing = _landing(home)
        landing.chmod(0)
    result, _ = _tick(instance, home)
    assert isinstance(result, dg.SkipReason) and "not a readable directory" in result.skip_message


def test_recursive_subfolders_when_enabled(instance, home, monkeypatch):
    _put(_landing(home) / "sacaa", "x.xlsx", b"nested")
    result, _ = _tick(instance, home)
    assert isinstance(result, dg.SkipReason)
    monkeypatch.setenv("HOTPASS_LANDING_RECURSIVE", "1")
    result, _ = _tick(instance, home)
    assert isinstance(result, dg.SensorResult) and len(result.run_requests) == 1


def test_drop_dated_before_the_first_snapshot_day_says_to_reload(instance, home, capfd):
    from datetime import UTC, datetime

    from hotpass_assets.defs.partitions import SNAPSHOTS

    before = SNAPSHOTS.start.astimezone(UTC).timestamp() - 40 * 86_400
    _put(_landing(home), "Old Contacts.xlsx", b"old bytes", mtime=before)
    result, _ = _tick(instance, home)
    assert isinstance(result, dg.SensorResult)
    day = datetime.fromtimestamp(before, tz=UTC).date().isoformat()
    logged = capfd.readouterr().err.splitlines()
    hints = [line for line in logged if "reload the code location" in line]
    assert len(hints) == 1 and f"dated from {day}" in hints[0], logged
    # A drop dated on or after the first day needs no reload.
    _put(_landing(home), "New Contacts.xlsx", b"new bytes", mtime=time.time())
    _tick(instance, home)
    assert "reload the code location" not in capfd.readouterr().err

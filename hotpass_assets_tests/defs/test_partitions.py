"""Snapshot days start at the first drop: no partition before the user's data."""

import json
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

from hotpass_assets.defs.partitions import snapshot_start
from hotpass_assets.lib.drops import first_drop_date
from hotpass_assets.settings import Settings

TODAY = date(2026, 6, 10)


def _settings(home: Path, **env: str) -> Settings:
    return Settings.from_env({"HOTPASS_HOME": str(home), **env})


def _register(home: Path, *keys: str) -> None:
    drops = home / "drops"
    drops.mkdir(parents=True, exist_ok=True)
    for key in keys:
        (drops / f"{key}.json").write_text(json.dumps({"partition_key": key}))
    (drops / "_landing_index.json").write_text("{}")  # bookkeeping, not a drop


def test_no_drop_means_one_snapshot_day_today(tmp_path):
    assert first_drop_date(tmp_path / "missing") is None
    assert snapshot_start(_settings(tmp_path), TODAY) == TODAY


def test_first_snapshot_day_is_the_earliest_drop(tmp_path):
    _register(tmp_path, "2026-05-02_contacts_aaaa", "2026-03-04_flight-schools_bbbb")
    assert first_drop_date(tmp_path / "drops") == date(2026, 3, 4)
    assert snapshot_start(_settings(tmp_path), TODAY) == date(2026, 3, 4)
    # A drop dated in the future (a clock ahead of ours) does not move the start past today.
    future = tmp_path / "future"
    _register(future, "2026-07-01_contacts_cccc")
    assert snapshot_start(_settings(future), TODAY) == TODAY


def test_configured_start_wins(tmp_path):
    _register(tmp_path, "2026-03-04_flight-schools_bbbb")
    settings = _settings(tmp_path, HOTPASS_SNAPSHOT_START="2025-01-01")
    assert snapshot_start(settings, TODAY) == date(2025, 1, 1)


def test_code_location_loads_snapshot_days_from_the_first_drop(tmp_path):
    """The default, as the code location loads it in its own process."""
    from datetime import UTC, datetime

    today = datetime.now(tz=UTC).date()
    first = today - timedelta(days=4)
    _register(tmp_path, f"{first.isoformat()}_contacts_aaaa")
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTPASS_")}
    env["HOTPASS_HOME"] = str(tmp_path)
    code = (
        "from hotpass_assets.definitions import defs\n"
        "spec = defs.resolve_assets_def('refined_organisations').partitions_def\n"
        "print(' '.join(spec.get_partition_keys()))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr[-2000:]
    keys = out.stdout.split()
    expected = [(first + timedelta(days=n)).isoformat() for n in range(5)]
    # first drop .. today (one more day when the subprocess ran past midnight UTC)
    assert keys in (expected, [*expected, (today + timedelta(days=1)).isoformat()])

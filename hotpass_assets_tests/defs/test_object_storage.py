"""The asset graph on object storage: archive and warehouse at fsspec URLs (``memory://``, one
per test, in this process), selected by settings alone. Drops are archived, captured and refined
with their checks passing, and nothing of the archive or warehouse touches the local disk."""

import uuid
from datetime import UTC, datetime

import dagster as dg
import pytest
from upath import UPath

from hotpass_assets.lib.warehouse import read_table
from hotpass_assets.settings import Settings
from hotpass_assets_tests.defs.helpers import ingest, register, run_job

pytestmark = pytest.mark.slow
TODAY = datetime.now(tz=UTC).date().isoformat()


@pytest.fixture
def bucket(home, monkeypatch):
    root = UPath(f"memory://hotpass-test-{uuid.uuid4().hex[:8]}")
    monkeypatch.setenv("HOTPASS_ARCHIVE_DIR", str(root / "archive"))
    monkeypatch.setenv("HOTPASS_WAREHOUSE_DIR", str(root / "warehouse"))
    # memory:// lives in this process's memory: a forked reading process would write into its
    # own copy. Real object storage (s3://, gs://) is shared, so isolation stays on there.
    monkeypatch.setenv("HOTPASS_READ_ISOLATION", "off")
    yield root
    if root.exists():
        root.fs.rm(root.path, recursive=True)


def test_settings_select_object_storage_by_url(home, bucket):
    settings = Settings.from_env()
    assert isinstance(settings.warehouse_dir, UPath) and isinstance(settings.archive_dir, UPath)
    assert str(settings.capture_path("contacts", "k")).startswith(str(bucket))
    assert settings.duckdb_path == home / "warehouse" / "hotpass.duckdb"  # DuckDB stays local
    local = Settings.from_env({"HOTPASS_HOME": str(home)})
    assert local.warehouse_dir == home / "warehouse" and not isinstance(local.warehouse_dir, UPath)


def test_asset_graph_runs_on_a_memory_location(home, bucket, demo_dir):
    with dg.instance_for_test() as instance:
        keys = register(instance, home, *sorted(demo_dir.glob("*.xlsx")))
        for key in keys:
            result = ingest(instance, home, key)
            assert result.success, key
            assert all(c.passed for c in result.get_asset_check_evaluations()), key
        refined = run_job(instance, home, "refine_snapshot", TODAY)
        assert refined.success
        assert all(
            c.passed or c.severity == dg.AssetCheckSeverity.WARN
            for c in refined.get_asset_check_evaluations()
        )
    archived = sorted((bucket / "archive").rglob("*.xlsx"))
    assert len(archived) == len(keys) == 3
    settings = Settings.from_env()
    for key in keys:
        assert read_table(settings.capture_path("organisations", key)).shape[0] > 0
    orgs = read_table(settings.refined_path("organisations", TODAY))
    assert len(orgs) > 0 and orgs["entity_id"].is_unique
    # Nothing of the archive or the warehouse was written under the local home.
    assert not (home / "archive").exists() or not any((home / "archive").rglob("*.xlsx"))
    assert not list(home.rglob("*.parquet"))
    assert (home / "warehouse" / "hotpass.duckdb").exists()

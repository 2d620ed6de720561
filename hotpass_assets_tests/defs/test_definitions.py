"""All definitions load, validate, and their asset specs match the committed snapshot."""

import json
import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from hotpass_assets.definitions import build_definitions
from hotpass_assets_tests.needs import in_ci

SNAPSHOT = Path(__file__).parent / "asset_specs.snapshot.json"
ROOT = Path(__file__).resolve().parents[2]


def _spec_summary(defs: dg.Definitions) -> dict:
    graph = defs.resolve_asset_graph()
    out = {}
    for spec in sorted(defs.resolve_all_asset_specs(), key=lambda s: s.key.to_user_string()):
        node = graph.get(spec.key)
        out[spec.key.to_user_string()] = {
            "group": spec.group_name,
            "kinds": sorted(spec.kinds),
            "owners": list(spec.owners),
            "partitions": type(spec.partitions_def).__name__ if spec.partitions_def else None,
            "deps": sorted(d.asset_key.to_user_string() for d in spec.deps),
            "checks": sorted(k.name for k in node.check_keys),
            "has_description": bool(spec.description),
            "automation": spec.automation_condition.get_label()
            if spec.automation_condition
            else None,
            "backfill_policy": str(node.backfill_policy.policy_type.value)
            if node.backfill_policy
            else None,
        }
    return out


def test_definitions_load_and_every_asset_is_described():
    defs = build_definitions()
    specs = list(defs.resolve_all_asset_specs())
    assert {s.key.to_user_string() for s in specs} >= {
        "raw_workbook",
        "contact_capture",
        "refined_organisations",
        "contacts",
        "match_review_queue",
        "lead_score_model",
        "lead_scores",
        "call_list",
    }
    for spec in specs:
        assert spec.description, spec.key
        assert spec.owners, spec.key
        assert spec.kinds, spec.key
        assert spec.group_name != "default", spec.key
        assert spec.partitions_def is not None, f"{spec.key} must be partitioned"
        assert spec.tags.get("product") == "hotpass", "global policy applied"
    for job in ("ingest_drop", "refine_snapshot", "rebuild_snapshots", "retrain_and_promote"):
        assert defs.resolve_job_def(job)
    assert defs.resolve_sensor_def("workbook_drop_sensor")


def test_asset_specs_match_snapshot():
    """The snapshot is written only when asked (HOTPASS_UPDATE_SNAPSHOTS=1, never under CI); a
    missing snapshot is a failure, not a fresh one compared with itself."""
    summary = _spec_summary(build_definitions())
    if os.environ.get("HOTPASS_UPDATE_SNAPSHOTS") and not in_ci():
        SNAPSHOT.write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")
    assert SNAPSHOT.exists(), (
        f"{SNAPSHOT.name} is missing; create it with HOTPASS_UPDATE_SNAPSHOTS=1 (not under CI)"
    )
    assert summary == json.loads(SNAPSHOT.read_text()), (
        "asset specs changed; review and rerun with HOTPASS_UPDATE_SNAPSHOTS=1"
    )


def test_dagster_definitions_validate(home):
    """The CLI loads workspace.yaml against the checked-in dagster.yaml instance config."""
    from hotpass_assets.runner import ensure_instance_home
    from hotpass_assets.settings import get_settings

    ensure_instance_home(get_settings())
    assert (Path(os.environ["DAGSTER_HOME"]) / "dagster.yaml").resolve() == ROOT / "dagster.yaml"
    proc = subprocess.run(
        [sys.executable, "-m", "dagster", "definitions", "validate", "-w", "workspace.yaml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]


def test_weekly_retrain_targets_the_latest_refined_day(home):
    """The Monday schedule retrains on the newest refined day up to today, never a future one."""
    from datetime import UTC, datetime

    defs = build_definitions(str(home))
    schedule = defs.resolve_schedule_def("weekly_retrain_schedule")
    repo = defs.get_repository_def()
    monday = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
    with dg.instance_for_test() as instance:
        with dg.build_schedule_context(
            instance=instance, scheduled_execution_time=monday, repository_def=repo
        ) as ctx:
            skipped = schedule.evaluate_tick(ctx)
        assert not skipped.run_requests
        assert "no refined snapshot yet" in (skipped.skip_message or "")
        for day in ("2026-02-26", "2026-02-27", "2026-03-09"):
            instance.report_runless_asset_event(
                dg.AssetMaterialization("refined_organisations", partition=day)
            )
        with dg.build_schedule_context(
            instance=instance, scheduled_execution_time=monday, repository_def=repo
        ) as ctx:
            result = schedule.evaluate_tick(ctx)
    [request] = result.run_requests
    assert request.partition_key == "2026-02-27"
    assert request.run_key == "weekly-retrain-2026-03-02"


def test_automation_waits_for_a_first_capture(home):
    """A fresh instance builds no empty snapshot; the first capture makes today's snapshot due."""
    from hotpass_assets.defs.partitions import DROPS

    defs = build_definitions(str(home))
    refined = dg.AssetKey("refined_organisations")
    with dg.instance_for_test() as instance:
        first = dg.evaluate_automation_conditions(defs=defs, instance=instance)
        assert first.get_num_requested(refined) == 0
        key = "2026-01-05_demo_0123456789"
        instance.add_dynamic_partitions(DROPS.name, [key])
        instance.report_runless_asset_event(
            dg.AssetMaterialization("contact_capture", partition=key)
        )
        second = dg.evaluate_automation_conditions(
            defs=defs, instance=instance, cursor=first.cursor
        )
        assert second.get_num_requested(refined) == 1


def test_missing_snapshot_fails_and_is_never_written_under_ci(tmp_path, monkeypatch):
    import hotpass_assets_tests.defs.test_definitions as this

    committed, missing = this.SNAPSHOT, tmp_path / "asset_specs.snapshot.json"
    monkeypatch.setattr(this, "SNAPSHOT", missing)
    monkeypatch.delenv("HOTPASS_UPDATE_SNAPSHOTS", raising=False)
    with pytest.raises(AssertionError, match="is missing"):
        this.test_asset_specs_match_snapshot()
    monkeypatch.setenv("HOTPASS_UPDATE_SNAPSHOTS", "1")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(AssertionError, match="is missing"):
        this.test_asset_specs_match_snapshot()
    assert not missing.exists()
    monkeypatch.delenv("CI")
    this.test_asset_specs_match_snapshot()  # asked for, outside CI: written, then equal
    assert json.loads(missing.read_text()) == json.loads(committed.read_text())

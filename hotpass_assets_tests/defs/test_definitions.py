"""All definitions load, validate, and their asset specs match the committed snapshot."""

import json
import os
import subprocess
import sys
from pathlib import Path

import dagster as dg

from hotpass_assets.definitions import build_definitions

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
    summary = _spec_summary(build_definitions())
    if os.environ.get("HOTPASS_UPDATE_SNAPSHOTS") or not SNAPSHOT.exists():
        SNAPSHOT.write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")
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

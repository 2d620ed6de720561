"""Assets and checks through materialize() on a temporary instance, over the demo workbooks."""

import shutil
from datetime import UTC, datetime

import dagster as dg
import pytest

from hotpass_assets.lib.demo import write_broken_workbook
from hotpass_assets.lib.warehouse import file_digest, read_table
from hotpass_assets_tests.defs.helpers import (
    check_evals,
    ingest,
    materialization_metadata,
    register,
    run_job,
    settings_for,
)

TODAY = datetime.now(tz=UTC).date().isoformat()
pytestmark = pytest.mark.slow


@pytest.fixture
def instance():
    with dg.instance_for_test() as inst:
        yield inst


def _demo_files(demo_dir):
    return sorted(demo_dir.glob("*.xlsx"))


def test_drop_partitions_capture_with_passing_checks(home, instance, demo_dir):
    keys = register(instance, home, *_demo_files(demo_dir))
    assert len(keys) == 3
    for key in keys:
        result = ingest(instance, home, key)
        assert result.success, key
        raw = materialization_metadata(result, "raw_workbook")
        assert raw["sheet_count"] >= 1 and raw["total_rows"] > 0
        cap = materialization_metadata(result, "contact_capture")
        assert cap["organisations"] > 0
        evals = check_evals(result)
        assert evals, "checks ran"
        errors = [k for k, e in evals.items() if not e.passed and e.severity.value == "ERROR"]
        assert not errors, errors
        assert settings_for(home).capture_path("organisations", key).exists()


def test_refined_snapshot_is_idempotent_and_ids_stable(home, instance, demo_dir):
    for key in register(instance, home, *_demo_files(demo_dir)):
        assert ingest(instance, home, key).success
    first = run_job(instance, home, "refine_snapshot", TODAY)
    assert first.success
    meta = materialization_metadata(first, "refined_organisations")
    assert 0 < meta["entities"] < meta["input_records"], "duplicates across files were merged"
    path = settings_for(home).refined_path("organisations", TODAY)
    digest, ids = file_digest(path), sorted(read_table(path)["entity_id"])
    second = run_job(instance, home, "refine_snapshot", TODAY)
    assert second.success
    assert file_digest(path) == digest, "same inputs give the same bytes"
    assert sorted(read_table(path)["entity_id"]) == ids
    orgs = read_table(path)
    assert orgs["entity_id"].is_unique
    assert orgs["data_quality_score"].between(0, 1).all()


def test_blocking_check_stops_only_its_partition(home, instance, demo_dir, tmp_path):
    broken = tmp_path / "sacaa_flight_schools_broken.xlsx"
    write_broken_workbook(broken, "missing_column")
    good = next(p for p in _demo_files(demo_dir) if "reachout" in p.name)
    good_key, bad_key = register(instance, home, good, broken)
    assert ingest(instance, home, good_key).success
    bad = ingest(instance, home, bad_key)
    assert not bad.success
    failed = [e for e in bad.get_asset_check_evaluations() if not e.passed]
    assert failed and all(
        e.severity.value == "ERROR" for e in failed if e.check_name != "capture_reject_rate"
    )
    explanation = " ".join(
        str(e.metadata.get("explanation").value) for e in failed if e.metadata.get("explanation")
    )
    assert "Cleaned" in explanation, "the message names the sheet"
    assert not settings_for(home).capture_path("organisations", bad_key).exists()
    snap = run_job(instance, home, "refine_snapshot", TODAY)
    assert snap.success, "other partitions still refine"
    meta = materialization_metadata(snap, "refined_organisations")
    assert bad_key in meta["drops_without_published_capture"]
    assert meta["drops_used"] == [good_key]


def test_unreadable_drop_fails_its_raw_check(home, instance, tmp_path):
    path = tmp_path / "corrupt.xlsx"
    write_broken_workbook(path, "unreadable")
    (key,) = register(instance, home, path)
    result = ingest(instance, home, key)
    assert not result.success
    evals = check_evals(result)
    assert not evals["raw_workbook.workbook_readable"].passed


def test_backfill_after_landing_file_is_gone(home, instance, demo_dir, tmp_path):
    src = next(p for p in _demo_files(demo_dir) if "sacaa" in p.name)
    copy = tmp_path / src.name
    shutil.copyfile(src, copy)
    (key,) = register(instance, home, copy)
    assert ingest(instance, home, key).success
    digest = file_digest(settings_for(home).capture_path("organisations", key))
    copy.unlink()
    again = ingest(instance, home, key)
    assert again.success, "archive serves the backfill"
    assert file_digest(settings_for(home).capture_path("organisations", key)) == digest


def test_scoring_trains_registers_promotes_and_writes_call_list(home, instance, demo_dir):
    for key in register(instance, home, *_demo_files(demo_dir)):
        assert ingest(instance, home, key).success
    result = run_job(instance, home, "rebuild_snapshots", TODAY)
    assert result.success
    model = materialization_metadata(result, "lead_score_model")
    assert model["promoted_to_champion"] is True, model["gate_reasons"]
    assert model["mlflow_run_id"]
    settings = settings_for(home)
    scores = read_table(settings.scoring_path("lead_scores", TODAY))
    orgs = read_table(settings.refined_path("organisations", TODAY))
    assert set(scores["entity_id"]) == set(orgs["entity_id"])
    assert settings.scoring_path("call_list", TODAY, "csv").exists()
    assert settings.scoring_path("call_list", TODAY, "xlsx").exists()
    import mlflow

    client = mlflow.tracking.MlflowClient(settings.mlflow_tracking_uri)
    version = client.get_model_version_by_alias(settings.model_name, "champion")
    run = client.get_run(version.run_id)
    assert run.data.tags["dagster.partition"] == TODAY
    assert "model_average_precision" in run.data.metrics


def test_drifting_drop_warns_without_blocking_and_metadata_has_no_personal_values(
    home, instance, demo_dir, tmp_path
):
    from hotpass_assets.lib.normalise import parse_emails, parse_phones
    from hotpass_assets.lib.reading import open_workbook

    good = next(p for p in _demo_files(demo_dir) if "sacaa" in p.name)
    # The next export of the same workbook (same name, new content) where the rejects jumped.
    drift = tmp_path / "next" / good.name
    drift.parent.mkdir()
    write_broken_workbook(drift, "drift")
    first_key = register(instance, home, good)[0]
    assert ingest(instance, home, first_key).success
    (key,) = register(instance, home, drift)
    result = ingest(instance, home, key)
    assert result.success, "drift warns, it does not block"
    evals = check_evals(result)
    warned = {k for k, e in evals.items() if not e.passed}
    assert warned and all(evals[k].severity.value == "WARN" for k in warned)
    assert "contact_capture.capture_reject_rate" in warned
    assert settings_for(home).capture_path("organisations", key).exists()
    # No phone number or e-mail address of the drop appears in any check or asset metadata.
    values: set[str] = set()
    with open_workbook(drift) as book:
        for sheet in book.sheet_names:
            for row in book.text_rows(sheet):
                for cell in row:
                    values.update(parse_phones(cell).valid)
                    values.update(parse_emails(cell).valid)
    assert values
    blob = repr([e.metadata for e in result.get_asset_check_evaluations()]) + repr(
        [m.materialization.metadata for m in result.get_asset_materialization_events()]
    )
    leaked = [v for v in values if v in blob or v.lstrip("+") in blob]
    assert not leaked, f"{len(leaked)} personal values in metadata"

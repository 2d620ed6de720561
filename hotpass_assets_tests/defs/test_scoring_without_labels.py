"""Scoring never breaks refinement: with too few labels the model step warns "not trained" and
the scores and call list still publish, ranked by the champion when there is one, else by the
documented fixed formula."""

import os
import shutil
from datetime import UTC, datetime, timedelta

import dagster as dg
import pytest

from hotpass_assets.lib.scoring.baseline import BASELINE_VERSION
from hotpass_assets.lib.warehouse import read_table
from hotpass_assets_tests.defs.helpers import (
    check_evals,
    ingest,
    materialization_metadata,
    register,
    run_job,
    settings_for,
)

pytestmark = pytest.mark.slow
TODAY = datetime.now(tz=UTC).date()


@pytest.fixture
def instance():
    with dg.instance_for_test() as inst:
        yield inst


def _copy_dated(source, folder, day):
    """A copy of ``source`` whose modification day (its drop date) is ``day``."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / source.name
    shutil.copyfile(source, target)
    stamp = datetime(day.year, day.month, day.day, 12, tzinfo=UTC).timestamp()
    os.utime(target, (stamp, stamp))
    return target


def _not_trained(result) -> dg.AssetCheckEvaluation:
    evaluation = check_evals(result)["lead_score_model.model_trained"]
    assert not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.WARN
    return evaluation


def test_no_order_history_publishes_scores_and_call_list_by_the_formula(home, instance, demo_dir):
    files = [p for p in sorted(demo_dir.glob("*.xlsx")) if "contact_database" not in p.name]
    assert files, "the demo has workbooks without order history"
    for key in register(instance, home, *files):
        assert ingest(instance, home, key).success
    day = TODAY.isoformat()
    result = run_job(instance, home, "rebuild_snapshots", day)
    assert result.success
    evaluation = _not_trained(result)
    assert evaluation.description.startswith("not trained: ")
    model = materialization_metadata(result, "lead_score_model")
    assert model["trained"] is False and "fixed formula" in model["scores_ranked_by"]
    settings = settings_for(home)
    orgs = read_table(settings.refined_path("organisations", day))
    scores = read_table(settings.scoring_path("lead_scores", day))
    assert len(orgs) > 0 and set(scores["entity_id"]) == set(orgs["entity_id"])
    assert set(scores["model_version"]) == {BASELINE_VERSION}
    assert settings.scoring_path("call_list", day, "csv").exists()
    errors = [
        k for k, e in check_evals(result).items() if not e.passed and e.severity.value == "ERROR"
    ]
    assert errors == []
    import mlflow

    client = mlflow.tracking.MlflowClient(settings.mlflow_tracking_uri)
    assert client.search_model_versions() == []


def test_too_few_labels_ranks_by_the_previous_champion(home, instance, demo_dir, tmp_path):
    """Day 1 has only the SACAA register (no orders); day 2 adds the Contact Database with its
    customers. Day 2 trains the champion; rebuilding day 1 then scores by that champion."""
    early, late = TODAY - timedelta(days=2), TODAY - timedelta(days=1)
    files = []
    for path in sorted(demo_dir.glob("*.xlsx")):
        files.append(_copy_dated(path, tmp_path / "in", early if "sacaa" in path.name else late))
    for key in register(instance, home, *files):
        assert ingest(instance, home, key).success
    trained = run_job(instance, home, "rebuild_snapshots", late.isoformat())
    assert trained.success
    champion = materialization_metadata(trained, "lead_score_model")
    assert champion["promoted_to_champion"] is True, champion["gate_reasons"]
    result = run_job(instance, home, "rebuild_snapshots", early.isoformat())
    assert result.success
    _not_trained(result)
    model = materialization_metadata(result, "lead_score_model")
    version = champion["model_version"]
    assert model["scores_ranked_by"] == f"champion version {version}"
    scores = read_table(settings_for(home).scoring_path("lead_scores", early.isoformat()))
    assert len(scores) > 0 and set(scores["model_version"]) == {version}


def test_model_on_an_empty_snapshot_warns_and_publishes_nothing_to_register(home, instance):
    """Retraining a day that has no drops trains nothing, says why, and registers nothing."""
    day = "2026-01-05"
    assert run_job(instance, home, "refine_snapshot", day).success
    assert read_table(settings_for(home).refined_path("organisations", day)).empty
    result = run_job(instance, home, "retrain_and_promote", day)
    assert result.success
    assert "no organisations yet" in _not_trained(result).description
    import mlflow

    client = mlflow.tracking.MlflowClient(settings_for(home).mlflow_tracking_uri)
    experiments = [e.experiment_id for e in client.search_experiments()]
    runs = client.search_runs(experiments) if experiments else []
    assert runs and all(r.data.tags.get("hotpass.trained") == "false" for r in runs)
    assert client.search_model_versions() == []

"""Lead-score training, evaluation, scoring, promotion gate and model card."""

import json
import math

import numpy as np
import pandas as pd
import pytest

from hotpass_assets.lib.scoring import (
    DEFAULT_MINIMUMS,
    SCORE_COLUMNS,
    InsufficientLabelsError,
    evaluate_baseline,
    evaluate_gate,
    evaluate_model,
    render_model_card,
    score,
    synthetic_snapshot,
    train,
)
from hotpass_assets.lib.scoring.features import contact_db_member
from hotpass_assets.lib.scoring.model import stable_split


@pytest.fixture(scope="module")
def snapshot() -> pd.DataFrame:
    return synthetic_snapshot(n=600, seed=7, positive_rate=0.1)


@pytest.fixture(scope="module")
def trained(snapshot, tmp_path_factory):
    return train(snapshot, seed=42, artifacts_dir=tmp_path_factory.mktemp("run1"))


@pytest.fixture(scope="module")
def shuffled(snapshot, tmp_path_factory):
    """A deliberately worse model: the same data with labels permuted."""
    bad = snapshot.copy()
    bad["is_customer"] = np.random.default_rng(0).permutation(bad["is_customer"].to_numpy())
    return train(
        bad, seed=42, artifacts_dir=tmp_path_factory.mktemp("shuffled"), permutation_repeats=2
    )


def test_model_beats_fixed_formula_on_held_out(trained):
    m, b = trained.metrics, trained.baseline_metrics
    assert m["n_evaluated"] == b["n_evaluated"] and m["positive_rate"] == b["positive_rate"]
    assert m["average_precision"] > b["average_precision"] + 0.05
    assert m["roc_auc"] > b["roc_auc"]
    assert m["roc_auc"] >= 0.65
    assert m["average_precision"] >= 2 * m["positive_rate"]


def test_result_exposes_counts_params_and_evaluation_rows(trained, snapshot):
    counts = trained.label_counts
    assert counts["positives"] == int(snapshot["is_customer"].sum())
    assert counts["positives"] + counts["unlabelled"] == counts["training_population"]
    assert counts["train_size"] + counts["test_size"] == counts["training_population"]
    assert counts["test_positives"] == trained.metrics["n_positive_evaluated"]
    assert len(trained.evaluation_ids) == counts["test_size"] == len(set(trained.evaluation_ids))
    # evaluation rows come from the population where labels are observable
    eligible = set(snapshot.loc[contact_db_member(snapshot), "entity_id"])
    assert set(trained.evaluation_ids) <= eligible
    p = trained.params
    assert p["seed"] == 42 and p["pu_method"] == "elkan_noto_e1"
    assert 0 < p["label_frequency_c"] <= 1
    assert all(isinstance(v, str | int | float) for v in p.values())


def test_evaluation_helpers_reproduce_held_out_metrics(trained, snapshot):
    again = evaluate_model(trained.model, snapshot, trained.evaluation_ids, k=20)
    assert again == pytest.approx(trained.metrics, nan_ok=True)
    base = evaluate_baseline(snapshot, trained.evaluation_ids, k=20)
    assert base == pytest.approx(trained.baseline_metrics, nan_ok=True)


def test_two_trainings_give_identical_scores(trained, snapshot, tmp_path):
    # row order does not matter either
    second = train(snapshot.sample(frac=1.0, random_state=3), seed=42, artifacts_dir=tmp_path)
    assert second.evaluation_ids == trained.evaluation_ids
    assert second.metrics == pytest.approx(trained.metrics)
    assert second.params == trained.params
    pd.testing.assert_frame_equal(second.importances, trained.importances)
    pd.testing.assert_frame_equal(score(trained.model, snapshot), score(second.model, snapshot))


def test_split_is_stratified_and_stable_across_snapshots(snapshot):
    y = snapshot["is_customer"].astype(int).to_numpy()
    train_idx, test_idx = stable_split(snapshot["entity_id"], y, test_size=0.3, seed=42)
    assert len(set(train_idx) | set(test_idx)) == len(y) and not set(train_idx) & set(test_idx)
    assert y[test_idx].sum() == round(0.3 * y.sum())
    held_out = set(snapshot["entity_id"].iloc[test_idx])
    # a later snapshot with 10% more organisations keeps most held-out organisations held out
    grown = pd.concat(
        [snapshot, snapshot.head(60).assign(entity_id=lambda d: d["entity_id"] + "x")]
    )
    y2 = grown["is_customer"].astype(int).to_numpy()
    _, test2 = stable_split(grown["entity_id"], y2, test_size=0.3, seed=42)
    later = set(grown["entity_id"].iloc[test2])
    assert len(held_out & later) / len(held_out) > 0.85


def test_scores_shape_and_order(trained, snapshot):
    scored = score(trained.model, snapshot)
    assert tuple(scored.columns) == SCORE_COLUMNS
    assert len(scored) == len(snapshot)  # every organisation, not only the training population
    assert set(scored["entity_id"]) == set(snapshot["entity_id"])
    assert list(scored["rank"]) == list(range(1, len(snapshot) + 1))
    assert scored["lead_score"].between(0, 1).all()
    assert scored["lead_score"].is_monotonic_decreasing
    names = set(trained.model.feature_names)
    for text in scored["top_features"]:
        parts = [p for p in text.split("; ") if p]
        assert len(parts) <= 3 and set(parts) <= names
    assert (scored["top_features"].str.len() > 0).mean() > 0.9
    # input row order does not matter
    shuffled_rows = snapshot.sample(frac=1.0, random_state=1)
    pd.testing.assert_frame_equal(scored, score(trained.model, shuffled_rows))


def test_artifacts_are_written_without_personal_data(trained, snapshot):
    arts = trained.artifacts
    for key in ("calibration_plot", "importances_plot"):
        assert arts[key].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    importances = pd.read_csv(arts["importances_csv"])
    assert list(importances.columns) == [
        "feature",
        "importance_mean",
        "importance_std",
        "coefficient",
    ]
    assert set(importances["feature"]) == set(trained.model.feature_names)
    payload = json.loads(arts["metrics_json"].read_text())
    assert payload["metrics"]["n_evaluated"] == trained.metrics["n_evaluated"]
    text = arts["importances_csv"].read_text() + arts["metrics_json"].read_text()
    _assert_no_personal_values(text, snapshot)


def _assert_no_personal_values(text: str, snapshot: pd.DataFrame) -> None:
    personal = set()
    for col in (
        "organisation_name",
        "primary_contact_name",
        "primary_contact_email",
        "primary_contact_phone",
    ):
        personal |= {str(v) for v in snapshot[col].dropna()}
    for values in snapshot["emails"]:
        personal |= set(values)
    for values in snapshot["phones"]:
        personal |= set(values)
    leaked = [v for v in personal if v in text]
    assert not leaked, f"{len(leaked)} personal values found"


def test_too_few_positives_is_a_clear_error(snapshot):
    few = snapshot.copy()
    positives = few.index[few["is_customer"]]
    few.loc[positives[5:], "is_customer"] = False
    with pytest.raises(InsufficientLabelsError, match=r"found 5 customers and \d+ unlabelled"):
        train(few, seed=1)


def test_too_few_held_out_positives_is_a_clear_error(snapshot):
    few = snapshot.copy()
    positives = few.index[few["is_customer"]]
    few.loc[positives[10:], "is_customer"] = False
    with pytest.raises(InsufficientLabelsError, match="held-out split needs at least 4"):
        train(few, seed=1, min_positives=10, min_test_positives=4, test_size=0.2)


def test_gate_promotes_a_first_model_that_clears_minimums(trained):
    decision = evaluate_gate(trained.metrics, None, DEFAULT_MINIMUMS)
    assert decision.promote, decision.reasons
    assert any("no champion" in r for r in decision.reasons)


def test_worse_model_is_not_promoted_over_champion(trained, shuffled, snapshot):
    # Both models scored on the candidate's evaluation rows with the true labels.
    rows = shuffled.evaluation_ids
    candidate = evaluate_model(shuffled.model, snapshot, rows)
    champion = evaluate_model(trained.model, snapshot, rows)
    decision = evaluate_gate(candidate, champion, DEFAULT_MINIMUMS, tolerance=0.01)
    assert not decision.promote
    assert any(r.startswith("FAIL: average_precision") for r in decision.reasons)
    # its own held-out metrics do not clear the minimums either
    assert not evaluate_gate(shuffled.metrics, None, DEFAULT_MINIMUMS).promote
    # the other way round, the good model is promoted over the bad champion
    reverse = evaluate_gate(champion, candidate, DEFAULT_MINIMUMS, tolerance=0.01)
    assert reverse.promote, reverse.reasons


def test_gate_rules():
    base = {
        "roc_auc": 0.7,
        "average_precision": 0.3,
        "positive_rate": 0.1,
        "n_evaluated": 100.0,
        "n_positive_evaluated": 10.0,
    }
    minimums = {"roc_auc": 0.6, "average_precision_lift": 1.2}
    assert evaluate_gate(base, dict(base), minimums).promote  # equal to champion is fine
    slightly_worse = {**base, "roc_auc": 0.69}
    assert not evaluate_gate(slightly_worse, base, minimums).promote
    assert evaluate_gate(slightly_worse, base, minimums, tolerance=0.02).promote
    # average precision must beat the positive rate by the configured factor
    assert not evaluate_gate({**base, "average_precision": 0.11}, None, minimums).promote
    # missing or NaN metrics fail closed
    assert not evaluate_gate({**base, "roc_auc": math.nan}, None, minimums).promote
    assert not evaluate_gate({**base, "precision_at_k": 0.5}, None, {"recall": 0.1}).promote
    # champion metrics from different rows are not compared
    other_rows = {**base, "n_evaluated": 90.0}
    decision = evaluate_gate(base, other_rows, minimums)
    assert not decision.promote
    assert any("same rows" in r for r in decision.reasons)


def test_model_card(trained, snapshot):
    decision = evaluate_gate(trained.metrics, None, DEFAULT_MINIMUMS)
    card = render_model_card(
        trained, decision, {"model_name": "hotpass-lead-score", "version": "3", "run_id": "abc"}
    )
    for heading in (
        "## Intended use",
        "## Label definition",
        "## Positive-unlabelled method",
        "## Features",
        "## Data",
        "## Evaluation",
        "## Promotion decision",
        "## Limitations",
        "## Privacy",
    ):
        assert heading in card
    assert "Elkan" in card and "SCAR" in card and "unlabelled" in card
    assert "**Promoted.**" in card
    assert f"{trained.metrics['average_precision']:.4f}" in card
    assert f"{trained.baseline_metrics['average_precision']:.4f}" in card
    for name in trained.model.feature_names:
        assert f"`{name}`" in card
    assert "`last_order_date`" in card  # leakage exclusions are listed
    _assert_no_personal_values(card, snapshot)


def test_champion_from_another_snapshot_is_evaluated_on_candidate_rows(trained, snapshot, tmp_path):
    """A champion with a different vocabulary (older snapshot) still scores the candidate's rows."""
    older = synthetic_snapshot(n=400, seed=99, positive_rate=0.12)
    older["category"] = older["category"].replace({"Underwriter": "Underwriters Ltd"})
    champion = train(older, seed=3, artifacts_dir=tmp_path, permutation_repeats=2).model
    assert champion.feature_names != trained.model.feature_names
    metrics = evaluate_model(champion, snapshot, trained.evaluation_ids)
    assert metrics["n_evaluated"] == trained.metrics["n_evaluated"]
    assert all(math.isfinite(v) for v in metrics.values())


def test_model_survives_pickling(trained, snapshot):
    import pickle

    restored = pickle.loads(pickle.dumps(trained.model))
    pd.testing.assert_frame_equal(score(restored, snapshot), score(trained.model, snapshot))


def test_leakage_diagnostic_counts_order_dates_used_as_interactions(snapshot, tmp_path):
    leaky = snapshot.copy()
    has_order = leaky["last_order_date"].notna()
    leaky.loc[has_order, "last_interaction_date"] = leaky.loc[has_order, "last_order_date"]
    result = train(leaky, seed=42, artifacts_dir=tmp_path, permutation_repeats=1)
    assert result.params["interaction_equals_order_date"] == int(has_order.sum()) > 0

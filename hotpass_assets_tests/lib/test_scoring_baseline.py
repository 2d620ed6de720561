"""Scores by the fixed formula, used while no model has been trained."""

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from hotpass_assets.lib.contracts.models import LeadScores
from hotpass_assets.lib.scoring import baseline_score, synthetic_snapshot
from hotpass_assets.lib.scoring.baseline import WEIGHTS, score_baseline


def test_baseline_scores_follow_the_formula_in_the_model_layout():
    snapshot = synthetic_snapshot(n=120, seed=3, positive_rate=0.0)
    scores = score_baseline(snapshot)
    assert list(scores.columns) == ["entity_id", "lead_score", "rank", "top_features"]
    assert sorted(scores["entity_id"]) == sorted(snapshot["entity_id"].astype(str))
    expected = baseline_score(snapshot)
    by_id = scores.set_index("entity_id")["lead_score"]
    assert (by_id.sort_index() - expected.sort_index()).abs().max() < 1e-12
    assert scores["rank"].tolist() == list(range(1, len(scores) + 1))
    assert scores["lead_score"].is_monotonic_decreasing
    LeadScores.validate(scores.assign(model_version="baseline"))
    for names in scores["top_features"]:
        parts = [p for p in names.split("; ") if p]
        assert len(parts) <= 3 and set(parts) <= set(WEIGHTS)


_text = st.one_of(st.none(), st.text(max_size=20), st.sampled_from(["a@b.co", "+27821234567"]))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "primary_contact_name": _text,
                "primary_contact_email": _text,
                "primary_contact_phone": _text,
                "primary_contact_role": _text,
            }
        ),
        max_size=12,
    )
)
def test_baseline_scores_any_messy_snapshot(rows):
    frame = pd.DataFrame(
        rows,
        columns=[
            "primary_contact_name",
            "primary_contact_email",
            "primary_contact_phone",
            "primary_contact_role",
        ],
    )
    frame["entity_id"] = [f"org_{i:03d}" for i in range(len(frame))]
    frame["source_datasets"] = [["Contact Database"]] * len(frame)
    scores = score_baseline(frame)
    assert len(scores) == len(frame)
    assert scores["lead_score"].between(0, 1).all()
    # ties rank by entity id
    ordered = scores.sort_values(["lead_score", "entity_id"], ascending=[False, True])
    assert ordered["entity_id"].tolist() == scores["entity_id"].tolist()

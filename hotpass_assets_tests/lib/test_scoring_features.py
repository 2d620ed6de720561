"""Lead-score features and the fixed-formula baseline."""

import math
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from hotpass_assets.lib.records import REFINED_ORGANISATION_COLUMNS
from hotpass_assets.lib.scoring.baseline import (
    WEIGHTS,
    baseline_components,
    baseline_score,
    logistic_scale,
)
from hotpass_assets.lib.scoring.features import (
    LEAKAGE_COLUMNS,
    build_features,
    describe_feature,
    fit_feature_spec,
)
from hotpass_assets.lib.scoring.synthetic import synthetic_snapshot

AS_OF = date(2025, 10, 31)


@pytest.fixture(scope="module")
def snapshot() -> pd.DataFrame:
    return synthetic_snapshot(n=300, seed=3)


def _org(**overrides) -> dict:
    row = dict.fromkeys(REFINED_ORGANISATION_COLUMNS)
    row.update(
        entity_id="e1",
        snapshot_date=AS_OF,
        organisation_name="Org",
        emails=[],
        phones=[],
        aircraft_types=[],
        source_datasets=["sacaa"],
        source_record_ids=[],
        data_quality_flags=[],
        contact_count=0,
        email_count=0,
        phone_count=0,
        order_count=0,
        is_customer=False,
    )
    row.update(overrides)
    return row


def test_one_finite_row_per_entity(snapshot):
    spec = fit_feature_spec(snapshot)
    X = build_features(snapshot, AS_OF, spec)
    assert list(X.index) == list(snapshot["entity_id"])
    assert X.index.name == "entity_id"
    assert tuple(X.columns) == spec.feature_names
    assert np.isfinite(X.to_numpy()).all()
    assert set(np.unique(X.filter(like="=").to_numpy())) <= {0.0, 1.0}
    # every row falls in exactly one level of each one-hot family (or its missing flag)
    for family in ("category", "org_type", "province"):
        per_row = X.filter(like=f"{family}=").sum(axis=1) + X[f"{family}_missing"]
        assert (per_row == 1).all(), family


def test_every_feature_is_documented(snapshot):
    for name in fit_feature_spec(snapshot).feature_names:
        assert describe_feature(name) != "undocumented feature", name


def test_feature_names_exclude_leakage_columns(snapshot):
    names = build_features(snapshot, AS_OF).columns
    for name in names:
        for leak in (*LEAKAGE_COLUMNS, "order", "customer", "accounting", "contact_db", "status"):
            assert leak not in name, (name, leak)


def test_features_ignore_every_label_source(snapshot):
    """Rewriting every column the label is derived from leaves the features unchanged."""
    spec = fit_feature_spec(snapshot)
    before = build_features(snapshot, AS_OF, spec)
    leaky = snapshot.copy()
    flip = ~leaky["is_customer"]
    leaky["is_customer"] = flip
    leaky["last_order_date"] = [AS_OF - timedelta(days=5) if f else None for f in flip]
    leaky["order_count"] = [7 if f else 0 for f in flip]
    leaky["accounting_name"] = ["Acct" if f else None for f in flip]
    leaky["source_record_ids"] = [["x:order-dates:2"] if f else [] for f in flip]
    leaky["selection_provenance"] = ['{"last_order_date": {"value": "2025-01-01"}}'] * len(leaky)
    leaky["privacy_basis"] = ["contract" if f else "legitimate_interest" for f in flip]
    leaky["notes"] = ["ordered again" if f else None for f in flip]
    leaky["description"] = ["big account" if f else None for f in flip]
    # CRM statuses (everything but the SACAA licence values) are ignored, "Last Order" included
    licence = leaky["status"].isin(["Active", "Invalid"])
    leaky.loc[~licence, "status"] = ["Last Order" if f else "NTC" for f in flip[~licence]]
    # Contact Database membership is the label's precondition, not a feature
    leaky["source_datasets"] = [
        sorted({*d} ^ {"contact_db"}) or ["contact_db"] for d in leaky["source_datasets"]
    ]
    after = build_features(leaky, AS_OF, spec)
    pd.testing.assert_frame_equal(before, after)


def test_accepts_arrow_style_values():
    """Lists as numpy arrays, dates as ISO text or Timestamps, NA scalars: same features."""
    plain = pd.DataFrame(
        [
            _org(
                emails=["a@b.co.za"],
                phones=["+27821234567"],
                aircraft_types=["C172", "R44"],
                source_datasets=["sacaa", "reachout"],
                last_interaction_date=AS_OF - timedelta(days=100),
                category="AMO",
                province="Gauteng",
            )
        ]
    )
    arrow = plain.copy()
    for col in ("emails", "phones", "aircraft_types", "source_datasets"):
        arrow[col] = [np.asarray(v, dtype=object) for v in plain[col]]
    arrow["last_interaction_date"] = [(AS_OF - timedelta(days=100)).isoformat()]
    arrow["snapshot_date"] = [pd.Timestamp(AS_OF)]
    arrow["address"] = [pd.NA]
    spec = fit_feature_spec(plain, min_level_count=1)
    pd.testing.assert_frame_equal(
        build_features(plain, AS_OF, spec), build_features(arrow, AS_OF, spec)
    )


def test_encodings():
    df = pd.DataFrame(
        [
            _org(
                entity_id="a",
                category="AMO",
                province="KwaZulu-Natal",
                last_interaction_date=AS_OF - timedelta(days=365),
                aircraft_types=["C172", "R44", "B206"],
                status="Invalid",
                source_datasets=["contact_db", "reachout"],
            ),
            _org(entity_id="b", category="Spaceport", province=None, status="Last Order"),
        ]
    )
    spec = fit_feature_spec(df.iloc[:1], min_level_count=1, recency_cap_days=730)
    X = build_features(df, AS_OF, spec)
    assert X.loc["a", "category=amo"] == 1.0
    assert X.loc["b", "category=other"] == 1.0  # unseen level
    assert X.loc["a", "province=kwazulu_natal"] == 1.0
    assert X.loc["b", "province_missing"] == 1.0
    assert X.loc["a", "interaction_recency"] == pytest.approx(1 - 365 / 730)
    assert X.loc["b", "interaction_recency"] == 0.0
    assert X.loc["b", "interaction_date_missing"] == 1.0
    assert X.loc["a", "aircraft_type_count"] == pytest.approx(math.log1p(3))
    assert X.loc["a", "licence_invalid"] == 1.0
    assert X.loc["b", "licence_invalid"] == 0.0
    assert X.loc["a", "in_reachout"] == 1.0
    assert X.loc["a", "source_dataset_count"] == 1.0  # Contact Database not counted


def test_duplicate_entity_ids_are_rejected():
    df = pd.DataFrame([_org(), _org()])
    with pytest.raises(ValueError, match="unique"):
        build_features(df, AS_OF)


def test_logistic_scale_matches_earlier_formula():
    assert logistic_scale(0.0) == 0.0
    assert logistic_scale(1.0) == 1.0
    assert logistic_scale(0.5) == pytest.approx(0.5)
    assert logistic_scale(0.6) == pytest.approx(1 / (1 + math.exp(-1.2)))
    assert logistic_scale(-3) == 0.0 and logistic_scale(7) == 1.0


def test_baseline_reading_of_each_term():
    full = _org(
        entity_id="full",
        primary_contact_name="P",
        primary_contact_role="Owner",
        primary_contact_email="p@org.example.org",
        primary_contact_phone="+27821234567",
        source_datasets=["reachout", "sacaa"],
    )
    half = _org(
        entity_id="half",
        primary_contact_name="Q",
        primary_contact_email="not-an-email",
        source_datasets=["contact_db"],
    )
    nobody = _org(entity_id="nobody", source_datasets=["sacaa"])
    df = pd.DataFrame([full, half, nobody])
    parts = baseline_components(df)
    assert parts.loc["full"].to_dict() == pytest.approx(
        {
            "completeness": 1.0,
            "email_confidence": 0.75,
            "phone_confidence": 0.85,
            "source_priority": 1.0,
            "intent": 0.0,
        }
    )
    assert parts.loc["half"].to_dict() == pytest.approx(
        {
            "completeness": 0.5,
            "email_confidence": 0.0,
            "phone_confidence": 0.0,
            "source_priority": 1 / 3,
            "intent": 0.0,
        }
    )
    assert parts.loc["nobody"].sum() == 0.0
    scores = baseline_score(df)
    expected = 0.30 + 0.25 * 0.75 + 0.15 * 0.85 + 0.20
    assert sum(WEIGHTS.values()) == pytest.approx(1.0)
    assert scores["full"] == pytest.approx(logistic_scale(expected))
    assert scores["nobody"] == 0.0
    assert scores["full"] > scores["half"] > scores["nobody"]

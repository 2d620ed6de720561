"""The published matching model: m/u per comparison level as a table and JSON, thresholds and
the config from settings, and a pinned model used as it is."""

from __future__ import annotations

import json

import pytest

from hotpass_assets.lib.matching import resolve_organisations
from hotpass_assets.lib.matching.organisations import load_match_config
from hotpass_assets.lib.matching.synthetic import generate_organisations
from hotpass_assets.lib.refine import MODEL_COLUMNS, model_table
from hotpass_assets.settings import Settings


@pytest.fixture(scope="module")
def records():
    return generate_organisations(2_000, seed=3)


def test_model_table_has_m_and_u_per_level(records):
    res = resolve_organisations(records)
    table = model_table(res.model)
    assert tuple(table.columns) == MODEL_COLUMNS
    assert set(table["comparison"]) == {"name", "domain", "phone", "province", "address"}
    assert table["m"].between(0, 1).all() and table["u"].between(0, 1).all()
    # m sums to one over the levels of each comparison (the missing level is not a level)
    assert (table.groupby("comparison")["m"].sum() - 1).abs().max() < 1e-6


def test_a_pinned_model_is_used_as_it_is(records, tmp_path):
    learnt = resolve_organisations(records)
    path = tmp_path / "match_model.json"
    path.write_text(json.dumps(learnt.model, default=str))
    cfg = load_match_config({}, None, str(path))
    # on other data the pinned weights stay the same; nothing is estimated
    other = generate_organisations(1_000, seed=9)
    pinned = resolve_organisations(other, config=cfg)
    assert pinned.model["prior"] == pytest.approx(learnt.model["prior"])
    assert pinned.model["em_sessions"] == [{"pinned": True}]
    a = model_table(pinned.model).set_index(["comparison", "level"])
    b = model_table(learnt.model).set_index(["comparison", "level"])
    assert (a["match_weight"] - b["match_weight"]).abs().max() < 1e-9
    assert pinned.stats["runtime_em_s"] == 0.0


def test_a_pinned_model_must_fit_the_comparisons(records, tmp_path):
    model = resolve_organisations(records).model
    model["comparisons"] = [c for c in model["comparisons"] if c["name"] != "phone"]
    path = tmp_path / "m.json"
    path.write_text(json.dumps(model, default=str))
    with pytest.raises(ValueError, match="no comparison 'phone'"):
        resolve_organisations(records, config=load_match_config({}, None, str(path)))


def test_thresholds_and_config_come_from_settings(tmp_path):
    cfg_file = tmp_path / "match.yaml"
    cfg_file.write_text("review_threshold: 0.2\nveto_levels: {province: [different]}\n")
    settings = Settings.from_env(
        {
            "HOTPASS_HOME": str(tmp_path),
            "HOTPASS_MATCH_THRESHOLD": "0.6",
            "HOTPASS_REVIEW_SHARE": "0.03",
            "HOTPASS_MATCH_CONFIG": str(cfg_file),
        }
    )
    cfg = settings.match_config()
    assert cfg.match_threshold == 0.6 and cfg.review_share == 0.03
    assert cfg.review_threshold == 0.2  # the file overrides the environment's default
    assert cfg.veto_levels == {"province": ("different",)}
    bad = tmp_path / "bad.yaml"
    bad.write_text("match_treshold: 0.5\n")
    with pytest.raises(ValueError, match="match_treshold"):
        load_match_config({}, str(bad))
    default = Settings.from_env({"HOTPASS_HOME": str(tmp_path)}).match_config()
    assert (default.match_threshold, default.review_threshold) == (0.4, 0.1)
    assert default.pinned_model is None

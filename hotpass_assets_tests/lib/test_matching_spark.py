"""The Spark linkage path (``HOTPASS_LINKAGE_ENGINE=spark``): settings, the decision policy's
SQL, and a Spark local-mode run against the default engine on the same generated records."""

from __future__ import annotations

import dataclasses
import math
import time

import pandas as pd
import pytest

from hotpass_assets.lib.matching import resolve_organisations
from hotpass_assets.lib.matching.model import initial_m
from hotpass_assets.lib.matching.organisations import MatchConfig, default_comparisons
from hotpass_assets.lib.matching.spark import SparkOptions, resolve_with_engine
from hotpass_assets.lib.matching.spark_conflicts import level_weights, pair_evidence
from hotpass_assets.lib.matching.splink_levels import (
    decision_sql,
    gamma_of,
    gamma_sql,
    level_labels,
    token_set_sql,
    with_m_prior,
)
from hotpass_assets.lib.matching.synthetic import generate_organisations, pairwise_scores
from hotpass_assets.settings import Settings
from hotpass_assets_tests.needs import java

#: Largest pairwise-F1 difference between the Spark path and the default engine (see below).
F1_GAP = 0.01


def test_settings_select_the_engine_and_spark():
    s = Settings.from_env(
        {
            "HOTPASS_LINKAGE_ENGINE": "Spark",
            "HOTPASS_SPARK_MASTER": "spark://master:7077",
            "HOTPASS_SPARK_CONF": "spark.executor.memory=8g, spark.sql.shuffle.partitions=64",
        }
    )
    cfg = s.match_config()
    assert (cfg.engine, cfg.spark_master) == ("spark", "spark://master:7077")
    assert SparkOptions.parse_conf(cfg.spark_conf) == {
        "spark.executor.memory": "8g",
        "spark.sql.shuffle.partitions": "64",
    }
    default = Settings.from_env({}).match_config()
    assert (default.engine, default.spark_master) == ("local", "local[*]")


def test_bad_spark_conf_and_unknown_engine_name_the_setting():
    with pytest.raises(ValueError, match=r"HOTPASS_SPARK_CONF: 'executor\.memory=8g'"):
        SparkOptions.parse_conf("spark.ui.enabled=false,executor.memory=8g")
    import pandas as pd

    records = pd.DataFrame({"record_id": ["a"], "organisation_name": ["Karoo Aviation"]})
    with pytest.raises(ValueError, match="HOTPASS_LINKAGE_ENGINE: unknown linkage engine 'dask'"):
        resolve_organisations(records, config=MatchConfig(engine="dask"))
    # the local engine through the same entry point
    res = resolve_with_engine(records, config=MatchConfig())
    assert res.entity_of.index.tolist() == ["a"]


def test_spark_levels_are_the_default_engine_levels():
    ours = {c.name: tuple(c.levels) for c in default_comparisons()}
    assert level_labels() == ours
    # Splink numbers levels from the last ("different", 0) up to the best
    assert gamma_of("name", "different") == 0
    assert gamma_of("name", "same_key") == len(ours["name"]) - 1
    assert gamma_of("province", "different") == 0
    sql = decision_sql(MatchConfig(), "scored")
    # the province veto, lifted by a shared phone, address or e-mail
    assert "gamma_province IN (0)" in sql
    assert f"gamma_phone IN ({gamma_of('phone', 'shared_value')})" in sql
    assert f"gamma_name IN ({gamma_of('name', 'same_key')})" in sql
    assert ">= 0.4" in sql and ">= 0.1" in sql


def _model(m_different: float | None) -> dict:
    """A two-comparison Splink model as ``save_model_to_json`` writes it."""

    def levels(m: list[float | None], u: list[float]) -> list[dict]:
        out: list[dict] = [{"label_for_charts": "missing", "is_null_level": True}]
        for mi, ui in zip(m, u, strict=True):
            lv = {"u_probability": ui}
            if mi is not None:
                lv["m_probability"] = mi
            out.append(lv)
        return out

    return {
        "probability_two_random_records_match": 0.001,
        "comparisons": [
            {
                "output_column_name": "domain",
                "comparison_levels": levels(
                    [0.2, 0.4, 0.4 - (m_different or 0), m_different], [1e-4, 1e-3, 1e-3, 0.998]
                ),
            },
            {"output_column_name": "phone", "comparison_levels": levels([0.5, 0.5], [1e-4, 1])},
        ],
    }


def test_level_weights_and_the_evidence_of_a_pair():
    w = level_weights(_model(1e-9))
    # gamma counts up from "different" (0); the best level is highest, missing weighs nothing
    assert w["domain"][3] == pytest.approx(math.log2(0.2 / 1e-4))
    assert w["domain"][0] < -25 and w["domain"][-1] == 0.0
    assert w["phone"][1] == pytest.approx(math.log2(0.5 / 1e-4))
    gammas = pd.DataFrame(
        {
            **{f"gamma_{c}": [-1, -1] for c in ("name", "province", "address")},
            "gamma_domain": [3, 0],
            "gamma_phone": [1, -1],
            "vetoed": [False, True],
        }
    )
    ev = pair_evidence(gammas, w)
    assert ev[0] == pytest.approx(w["domain"][3] + w["phone"][1]) and ev[1] == -math.inf
    # an untrained level (no m) weighs nothing
    assert level_weights(_model(None))["domain"][0] == 0.0


def test_the_default_engine_prior_on_m_bounds_a_level_splink_left_near_zero():
    model = _model(1e-9)
    out = with_m_prior(model, n_records=1000, strength=10.0)
    # 0.001 x 499,500 pairs = 499.5 expected matches against 10 pseudo-matches at initial_m
    m0 = initial_m(5)[1:]
    levels = out["comparisons"][0]["comparison_levels"][1:]
    assert levels[3]["m_probability"] == pytest.approx((1e-9 * 499.5 + 10 * m0[3]) / 509.5)
    assert level_weights(out)["domain"][0] == pytest.approx(-10.84, abs=0.01)  # was -30
    assert sum(lv["m_probability"] for lv in levels) == pytest.approx(1.0)
    assert model["comparisons"][0]["comparison_levels"][4]["m_probability"] == 1e-9  # a copy
    # an untrained level gets the prior's m
    untrained = with_m_prior(_model(None), n_records=1000, strength=10.0)
    assert untrained["comparisons"][0]["comparison_levels"][4]["m_probability"] == m0[3]
    assert "CASE WHEN phones_l IS NULL" in gamma_sql("phone")


def test_address_token_set_in_spark_sql_agrees_with_rapidfuzz():
    """The address levels (token set >= 0.9, >= 0.75) in Spark SQL against rapidfuzz's
    ``token_set_ratio`` on normalised addresses, as the default engine compares them."""
    java()
    from rapidfuzz import fuzz

    from hotpass_assets.lib.matching.spark import spark_session

    pairs = [
        ("246 stoukra road vereeniging", "246 stoukra road, vereeniging"),
        ("12 main road", "12 main road cape town"),
        ("12 main road", "12 main rd"),
        ("33 mutrou road, cape town", "33 mutrou rd, cape town"),
        ("37 giabresur lane kimberley", "37 giabresur lane, kimberley"),
        ("15 krobun drive, margate", "154 golo drive, centurion"),
        ("a b c", "c d"),
        ("x", "y"),
    ]
    spark = spark_session(SparkOptions("local[2]", {"spark.sql.shuffle.partitions": "2"}))
    frame = spark.createDataFrame(pd.DataFrame(pairs, columns=["address_l", "address_r"]))
    frame.createOrReplaceTempView("address_pairs")
    got = spark.sql(f"SELECT {token_set_sql('address')} AS ts FROM address_pairs").toPandas()
    want = [fuzz.token_set_ratio(a, b) / 100 for a, b in pairs]
    for ts, rf in zip(got["ts"], want, strict=True):
        # indel from Levenshtein: exact unless the best alignment is not a substitution one,
        # and then never above rapidfuzz
        assert ts <= rf + 1e-9
        assert (ts >= 0.9) == (rf >= 0.9) and (ts >= 0.75) == (rf >= 0.75)
    assert got["ts"].iloc[:5].tolist() == pytest.approx(want[:5])


def test_address_levels_agree_with_rapidfuzz_on_generated_addresses():
    """The token-set levels (>= 0.9, >= 0.75) of Spark SQL against rapidfuzz on the addresses
    of generated organisations, normalised as the default engine compares them: every pair of
    records of one organisation (address variants) and neighbouring records (different
    addresses). The indel distance taken from Levenshtein can only lower a similarity, so a
    few pairs near a threshold may fall one level lower; none may rise."""
    java()
    import itertools

    from rapidfuzz import fuzz

    from hotpass_assets.lib.matching.spark import spark_session
    from hotpass_assets.lib.matching.text import normalise_strings

    df = generate_organisations(3000, seed=7)
    df["a"] = normalise_strings(df["address"])
    df = df[df["a"].notna()]
    pairs = []
    for _, group in df.groupby("true_entity"):
        pairs += list(itertools.combinations(group["a"].tolist(), 2))
    texts = df["a"].tolist()
    pairs += list(itertools.pairwise(texts))
    spark = spark_session(SparkOptions("local[2]", {"spark.sql.shuffle.partitions": "2"}))
    frame = spark.createDataFrame(pd.DataFrame(pairs, columns=["address_l", "address_r"]))
    frame.createOrReplaceTempView("generated_address_pairs")
    got = spark.sql(
        f"SELECT {token_set_sql('address')} AS ts FROM generated_address_pairs"
    ).toPandas()["ts"]

    def level(x: float) -> int:
        return 2 if x >= 0.9 else 1 if x >= 0.75 else 0

    want = [level(fuzz.token_set_ratio(a, b) / 100) for a, b in pairs]
    have = [level(x) for x in got]
    lower = sum(h < w for h, w in zip(have, want, strict=True))
    print(f"{len(pairs)} address pairs, {lower} one level lower than rapidfuzz")
    assert len(pairs) > 3000
    assert not any(h > w for h, w in zip(have, want, strict=True))
    assert lower <= 0.002 * len(pairs)


def test_spark_typo_keys_and_refined_common_tokens(monkeypatch):
    """The default engine's typo key (a word one edit apart, the other words the same) and
    its refinement of an over-common name token into a sorted neighbourhood."""
    java()
    from hotpass_assets.lib.matching import spark_features as sf
    from hotpass_assets.lib.matching.spark import spark_session

    spark = spark_session(SparkOptions("local[2]", {"spark.sql.shuffle.partitions": "2"}))
    names = ["Foleszel Orion", "Folesel Orion", "Folesel Karoo"]
    # 20 names sharing "karoo", more than a block of 3 may hold
    names += [f"{c}{d} Karoo" for c in "abcdefghij" for d in "xy"]
    monkeypatch.setattr(sf, "MAX_TOKEN_BLOCK", 3)
    records = pd.DataFrame({"record_id": [str(i) for i in range(len(names))]})
    records["organisation_name"] = names
    f = sf.spark_features(spark, records).toPandas().sort_values("unique_id")
    typo = [set(k) if k is not None else set() for k in f["typo_keys"]]
    assert typo[0] & typo[1] and not typo[0] & typo[2] and not typo[1] & typo[2]
    # the 21 records of "karoo" (one is "Folesel Karoo"), in name-key order
    block = f.sort_values("name_key")
    keys = [{k for k in ks if k.startswith("karoo#")} for ks in block["rare_tokens"]]
    keys = [k for k in keys if k]
    assert len(keys) == 21
    near = [(i, j) for i in range(21) for j in range(i + 1, min(i + sf.TOKEN_WINDOW, 21))]
    assert all(keys[i] & keys[j] for i, j in near)
    assert not keys[0] & keys[20]
    assert max(sum(k in ks for ks in keys) for k in set().union(*keys)) <= 2 * (sf.TOKEN_WINDOW - 1)


def _orgset() -> pd.DataFrame:
    """The independent organisation set (``orgset``: 600 organisations, branches of one brand
    in several provinces) in the record columns of resolution."""
    from hotpass_assets_tests.lib.orgset import generate

    df, truth = generate(600, seed=11)
    return pd.DataFrame(
        {
            "record_id": df["rid"],
            "organisation_name": df["organisation"],
            "website": df["web"],
            "phones": df["tel"],
            "emails": df["mail"],
            "province": df["region"],
            "true_entity": truth.to_numpy(),
        }
    )


@pytest.mark.slow
# three Spark runs took 552 s on two busy cores; more than 1200 s would mean a fault
@pytest.mark.timeout(1200)
def test_spark_local_mode_matches_the_default_engine(monkeypatch):
    """Spark in local mode (2 cores, one session) on two sets, against the default engine on
    the same records: 1,000 generated organisations (``generate_organisations``, seed 5) and
    the independent ``orgset`` (600 organisations, 1,264 records).

    Measured pairwise F1, default engine and Spark: 0.9694 and 0.9736 on the generated set,
    0.9731 and 0.9721 on orgset (before the Spark path had the conflict check, the prior on m,
    token-set addresses and the default engine's typo and refined-token keys: 0.9540 and
    0.8642). Seeds 11 and 23 of the generator, measured apart: 0.9755 and 0.9697, 0.9901 and
    0.9887. The bound is the issue's 0.01 on each set. The test took 349 s on two cores shared
    with other work (the Spark runs 196 s and 150 s).

    Then the generated set's model is pinned for the first 300 records of orgset: nothing is
    estimated, and the model used is the pinned one (measured F1: default engine 0.9515, Spark
    with the pinned model 0.9524). With that third run the test took 552 s on two cores shared
    with other work."""
    java()
    cfg = MatchConfig(
        engine="spark",
        spark_master="local[2]",
        spark_conf="spark.ui.enabled=false,spark.sql.shuffle.partitions=2,"
        "spark.default.parallelism=2,spark.driver.memory=1g",
    )
    models = {}
    for name, df in (("generated", generate_organisations(1000, seed=5)), ("orgset", _orgset())):
        truth = df["true_entity"]
        local = resolve_organisations(df)
        f1_local = pairwise_scores(df["record_id"].map(local.entity_of), truth)["f1"]
        t = time.perf_counter()
        res = resolve_organisations(df, config=cfg)
        seconds = time.perf_counter() - t
        score = pairwise_scores(df["record_id"].map(res.entity_of), truth)
        print(f"{name}: F1 default {f1_local:.4f}, spark {score['f1']:.4f} in {seconds:.1f} s")
        assert res.entity_of.index.tolist() == df["record_id"].astype(str).tolist()
        assert res.stats["engine"] == "spark"
        assert res.stats["entities"] == res.entity_of.nunique() < len(df)
        assert abs(score["f1"] - f1_local) <= F1_GAP, (name, score, f1_local)
        assert set(res.matches["decision"]) <= {"match", "must_link"}
        assert set(res.review["decision"]) <= {"review", "conflict"}
        models[name] = res.model

    # the generated set's model pinned for a part of orgset: its m, u and prior are used as
    # they are, nothing is estimated
    from hotpass_assets.lib.matching import spark as spark_module

    def never(*args, **kwargs):
        raise AssertionError("a pinned model is not trained")

    monkeypatch.setattr(spark_module, "_train", never)
    part = _orgset().iloc[:300].reset_index(drop=True)
    pinned = dataclasses.replace(cfg, pinned_model=models["generated"])
    res = resolve_organisations(part, config=pinned)
    assert res.model["pinned"] is True and models["generated"]["pinned"] is False
    assert _parameters(res.model) == pytest.approx(_parameters(models["generated"]))
    f1 = pairwise_scores(part["record_id"].map(res.entity_of), part["true_entity"])["f1"]
    f1_local = pairwise_scores(
        part["record_id"].map(resolve_organisations(part).entity_of), part["true_entity"]
    )["f1"]
    print(
        f"orgset[:300] with the generated set's model pinned: F1 default {f1_local:.4f}, "
        f"spark {f1:.4f}"
    )
    assert abs(f1 - f1_local) <= F1_GAP


def _parameters(model: dict) -> dict:
    """A Spark model's m and u per level and its prior."""
    splink = model["splink"]
    out = {"prior": splink["probability_two_random_records_match"]}
    for comp in splink["comparisons"]:
        for lv in comp["comparison_levels"]:
            for key in ("m_probability", "u_probability"):
                if key in lv:
                    out[f"{comp['output_column_name']}/{lv['label_for_charts']}/{key}"] = lv[key]
    return out


def _splink_template() -> dict:
    """This version's Splink settings, untrained (what ``run_spark`` starts from)."""
    from hotpass_assets.lib.matching.splink_levels import splink_settings

    return splink_settings().get_settings("spark").as_dict()


def test_a_pinned_spark_model_gives_its_m_u_and_prior_and_nothing_else():
    import copy
    import random

    from hotpass_assets.lib.matching.splink_levels import pinned_splink_model
    from hotpass_assets.lib.refine import model_table

    template = _splink_template()
    source = copy.deepcopy(template)
    rng = random.Random(3)
    want = {}
    for comp in source["comparisons"]:
        for lv in comp["comparison_levels"]:
            lv["sql_condition"] = "1 = 1"  # an older version's SQL is not taken
            if not lv.get("is_null_level"):
                m, u = rng.uniform(0.01, 0.9), rng.uniform(0.001, 0.5)
                lv.update(m_probability=m, u_probability=u)
                want[(comp["output_column_name"], lv["label_for_charts"])] = (m, u)
    source["probability_two_random_records_match"] = 0.0123
    source["blocking_rules_to_generate_predictions"] = []
    pinned = {"engine": "spark", "splink": source, "pinned": False}

    out = pinned_splink_model(template, pinned)
    got = {
        (comp["output_column_name"], lv["label_for_charts"]): (
            lv["m_probability"],
            lv["u_probability"],
        )
        for comp in out["comparisons"]
        for lv in comp["comparison_levels"]
        if not lv.get("is_null_level")
    }
    assert got == want
    assert out["probability_two_random_records_match"] == 0.0123
    assert (
        out["blocking_rules_to_generate_predictions"]
        == (template["blocking_rules_to_generate_predictions"])
    )
    assert [lv["sql_condition"] for c in out["comparisons"] for lv in c["comparison_levels"]] == [
        lv["sql_condition"] for c in template["comparisons"] for lv in c["comparison_levels"]
    ]
    # the template is not changed
    assert not any(
        "m_probability" in lv for c in template["comparisons"] for lv in c["comparison_levels"]
    )

    # the published match_model table of a Spark snapshot: a row per level, weight in bits
    table = model_table({"engine": "spark", "splink": out})
    assert len(table) == len(want)
    row = table.iloc[0]
    m, u = want[(row["comparison"], row["level"])]
    assert row["match_weight"] == pytest.approx(math.log2(m / u))
    assert set(table["prior"]) == {0.0123}

    with pytest.raises(ValueError, match=r"HOTPASS_MATCH_MODEL: .*not learnt by the Spark"):
        pinned_splink_model(template, {"prior": 0.1, "comparisons": []})
    name = template["comparisons"][0]["output_column_name"]
    fewer = copy.deepcopy(source)
    fewer["comparisons"][0]["comparison_levels"].pop(1)
    with pytest.raises(ValueError, match=f"comparison {name!r} lacks level"):
        pinned_splink_model(template, {"engine": "spark", "splink": fewer})
    fewer["comparisons"].pop(0)
    with pytest.raises(ValueError, match=f"has no comparison {name!r}"):
        pinned_splink_model(template, {"engine": "spark", "splink": fewer})

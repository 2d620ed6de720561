"""Entity resolution on an organisation set generated apart from the project's own generator
(``orgset``): suffix, case, typo, abbreviation and word-order variants, websites and phones
written several ways, branches of one brand in other provinces as distinct entities."""

from __future__ import annotations

import pandas as pd

from hotpass_assets.lib.matching import dedupe_frame
from hotpass_assets.lib.matching.dedupe import pairs_completeness
from hotpass_assets.lib.matching.infer import explain_config
from hotpass_assets.lib.matching.synthetic import pairwise_scores
from hotpass_assets_tests.lib.orgset import generate


def test_generator_makes_the_variants_it_promises():
    df, truth = generate(300, seed=2)
    assert truth.nunique() == 300
    assert len(df) > 450  # duplicates
    web = df["web"].dropna()
    assert web.str.startswith("https://www.").any() and web.str.isupper().any()
    tel = df["tel"].dropna()
    assert tel.str.startswith("+27").any() and tel.str.startswith("(0").any()
    assert df["organisation"].str.contains(r"\(Pty\) Ltd|CC$").any()
    # branches: one name and website, several entities in different provinces
    first = df.assign(entity=truth.to_numpy()).groupby("entity")["organisation"].first()
    assert first.duplicated().any()


def test_zero_config_resolution_on_the_independent_set():
    df, truth = generate(600, seed=1)
    cfg = explain_config(df, "rid")
    assert {f["name"]: f["type"] for f in cfg["fields"]} == {
        "organisation": "organisation_name",
        "web": "website",
        "tel": "phone",
        "mail": "email",
        "region": "category",
    }
    out, pairs = dedupe_frame(df, "rid")
    score = pairwise_scores(out["entity_id"], truth)
    assert score["precision"] >= 0.95, score
    assert score["recall"] >= 0.95, score
    assert pairs_completeness(df, "rid", truth) >= 0.98
    # every merged pair carries its per-comparison evidence
    merged = pairs[pairs["decision"] == "match"]
    assert merged["cmp_organisation"].notna().all() and merged["match_weight"].notna().all()


def test_same_site_written_differently_and_suffix_variants_merge():
    df = pd.DataFrame(
        {
            "rid": ["a", "b", "c", "d", "e", "f"],
            "name": [
                "Karoo Flight School CC",
                "Karoo Flight School Pty Ltd",
                "Orion Aero Club",
                "Falcon Air Charter",
                "Eagle Helicopters",
                "Vaal Aviation",
            ],
            "site": [
                "KAROO.CO.ZA",
                "https://www.karoo.co.za/contact",
                "orion.co.za",
                "falcon.co.za",
                "eagle.co.za",
                "vaal.co.za",
            ],
            "phone": ["011 555 1234", "+27 11 555 1234", None, "021 555 9999", None, None],
        }
    )
    out, _ = dedupe_frame(df, "rid")
    ent = dict(zip(out["rid"], out["entity_id"], strict=True))
    assert ent["a"] == ent["b"]
    assert len({ent[k] for k in "cdef"}) == 4

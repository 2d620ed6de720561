"""Unit tests of the matching engine: blocking, comparisons, EM, clustering, ids, API, CLI."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from hotpass_assets.lib.matching import (
    MatchConfig,
    assign_entity_ids,
    dedupe_frame,
    resolve_organisations,
    text,
)
from hotpass_assets.lib.matching.blocking import (
    BlockingRule,
    candidate_pairs,
    merge_sorted,
    pairs_from_blocks,
    sort_rank,
)
from hotpass_assets.lib.matching.clustering import cluster
from hotpass_assets.lib.matching.comparisons import (
    CodeComparison,
    DateComparison,
    SetComparison,
    StringComparison,
)
from hotpass_assets.lib.matching.dedupe import infer_field_type
from hotpass_assets.lib.matching.model import (
    em_session,
    estimate_u,
    initial_m,
    pattern_codes,
    pattern_counts,
    pattern_table,
)
from hotpass_assets.lib.matching.org_comparisons import (
    DomainComparison,
    OrganisationNameComparison,
)
from hotpass_assets.lib.matching.synthetic import generate_organisations, pairwise_scores


def _pairs(codes: np.ndarray, n: int) -> set[tuple[int, int]]:
    return {(int(c // n), int(c % n)) for c in codes}


# --- text ------------------------------------------------------------------------------------


def test_name_features_fold_suffixes_and_noise_words():
    f = text.organisation_name_features(
        [
            "Blue Crane Aviation (Pty) Ltd",
            "BLUE CRANE AVIATION",
            "Crane Blue Flying School CC",
            "BC Aviation",
            None,
            "Aero Club",
        ]
    )
    assert f.loc[0, "key"] == f.loc[1, "key"] == "blue crane aviation"
    assert f.loc[0, "core"] == f.loc[2, "core"] == "blue crane"  # word order and type words ignored
    assert f.loc[0, "acronym"] == f.loc[3, "acronym"] == "bc"
    assert f.loc[4, "key"] is None
    assert f.loc[5, "core"] == "aero club"  # only noise words: the key's own words


def test_list_helpers_split_cells_and_drop_free_mail():
    idx, vals = text.email_entries(
        pd.Series([["Info@Falcon.co.za; ops@falcon.co.za"], "x@gmail.com", None])
    )
    assert idx.tolist() == [0, 0, 1]
    di, dv = text.email_domain_entries(idx, vals)
    assert di.tolist() == [0, 0] and set(dv.to_pylist()) == {"falcon.co.za"}
    pi, pv = text.national_numbers(pd.Series([["+27 82 123 4567", "0821234567.0"], "12"]))
    assert pv.to_pylist() == ["821234567", "821234567"] and pi.tolist() == [0, 0]


# --- blocking --------------------------------------------------------------------------------


def test_pairs_from_blocks_all_pairs_and_skips_big_blocks():
    idx = np.array([0, 1, 2, 3, 4, 5, 6])
    key = np.array([1, 1, 1, 2, 2, 3, 3])
    codes, stats = pairs_from_blocks(idx, key, 7, max_block_size=2)
    assert _pairs(codes, 7) == {(3, 4), (5, 6)}  # the block of three is too big
    assert stats["skipped_records"] == 3
    codes, _ = pairs_from_blocks(idx, key, 7, max_block_size=10)
    assert _pairs(codes, 7) == {(0, 1), (0, 2), (1, 2), (3, 4), (5, 6)}


def test_merge_sorted_is_the_union_with_each_part_located():
    rng = np.random.default_rng(3)
    parts = [np.unique(rng.integers(0, 500, size)) for size in (300, 40, 0, 250)]
    union, where = merge_sorted(parts)
    assert (union == np.unique(np.concatenate(parts))).all()
    assert all((union[w] == p).all() for w, p in zip(where, parts, strict=True))
    assert merge_sorted([])[0].size == 0


def test_sort_rank_orders_text_and_lists_as_python_does():
    def python_rank(values):
        txt = [" ".join(v) if isinstance(v, list) else (v or "") for v in values]
        order = sorted(range(len(txt)), key=lambda i: (txt[i], i))
        rank = np.empty(len(txt), dtype=np.int64)
        rank[order] = np.arange(len(txt))
        return rank

    words = ["b", "a", None, "é", "Z", "a", "ab", "\U0001f600", "", "a b"]
    assert (sort_rank(pd.Series(words, dtype=object)) == python_rank(words)).all()
    lists = [["b"], [], None, ["a", "c"], ["a"], ["é"], ["a", "c"], ["a b"]]
    arrow = pd.Series(lists, dtype=pd.ArrowDtype(pa.list_(pa.string())))
    assert (sort_rank(arrow) == python_rank(lists)).all()
    assert (sort_rank(pd.Series(lists, dtype=object)) == python_rank(lists)).all()
    assert sort_rank(pd.Series([None, None], dtype=object)) is None


def test_blocking_rules_union_and_typo_keys():
    frame = pd.DataFrame(
        {
            "tok": [["kotuja"], ["kotjua"], ["falcon"], ["falcon", "sky"], ["zebra"]],
            "phone": [["1"], [], ["2"], [], ["2"]],
        }
    )
    rules = [
        BlockingRule("typo", "deletions", ("tok",), keep=1),
        BlockingRule("tokens", "tokens", ("tok",)),
        BlockingRule("phone", "set", ("phone",)),
    ]
    cand = candidate_pairs(frame, rules, max_block_size=10)
    pairs = _pairs(cand.codes, 5)
    assert (0, 1) in pairs  # one transposition apart
    assert (2, 3) in pairs  # shared token
    assert (2, 4) in pairs  # shared phone
    assert (0, 4) not in pairs
    assert _pairs(cand.codes[cand.by_rule["phone"]], 5) == {(2, 4)}


# --- comparisons -----------------------------------------------------------------------------


def _levels(comp, frame, pairs):
    comp.prepare(frame)
    left = np.array([a for a, _ in pairs])
    right = np.array([b for _, b in pairs])
    lv, _ = comp.compare(left, right)
    return [("missing", *comp.levels)[x] for x in lv]


def test_organisation_name_levels():
    names = pd.DataFrame(
        {
            "organisation_name": [
                "Falcon Aviation (Pty) Ltd",
                "Falcon Aviation",
                "Falcon Flying School",
                "Falcn Aviation",
                "Durban Falcon Aviation",
                "Blue Crane Aviation",
                "BC Aviation",
                "Zebra Helicopters",
                None,
            ]
        }
    )
    comp = OrganisationNameComparison(name="name", columns=("organisation_name",))
    got = _levels(comp, names, [(0, 1), (0, 2), (0, 3), (0, 4), (5, 6), (0, 7), (0, 8)])
    assert got == [
        "same_key",
        "same_core",
        "core_typo_short",
        "core_subset",
        "acronym",
        "different",
        "missing",
    ]
    got = _levels(
        comp, pd.DataFrame({"organisation_name": ["Kotujavel Aero", "Kotjuavel Air"]}), [(0, 1)]
    )
    assert got == ["core_typo"]


def test_domain_comparison_ignores_free_mail_and_uses_email_domains():
    frame = pd.DataFrame(
        {
            "domain": ["falcon.co.za", None, None, "other.com", None],
            "emails": [[], ["info@falcon.co.za"], ["me@gmail.com"], [], ["me@gmail.com"]],
        }
    )
    comp = DomainComparison(name="domain", columns=("domain", "emails"))
    got = _levels(comp, frame, [(0, 1), (0, 2), (0, 3), (2, 4), (1, 3)])
    assert got == ["shared_domain", "missing", "different", "same_email", "different"]


def test_generic_comparisons():
    frame = pd.DataFrame(
        {
            "dob": ["19560409", "19560409", "19560490", "1956-05-01", "19990101", None],
            "ssn": ["1804974", "1804974", "1804794", "1809999", "7777777", None],
            "phone": ["+27 82 123 4567", "082 123 4567", "011 555 0000", None, "", "x"],
            "street": ["wallaby place", "wallaby pl", "pridham street", "wallaby place", "x", None],
        }
    )
    pairs = [(0, 1), (0, 2), (0, 3), (0, 4), (0, 5)]
    assert _levels(DateComparison(name="dob", columns=("dob",)), frame, pairs) == [
        "exact",
        "one_edit",
        "within_month",
        "different",
        "missing",
    ]
    assert _levels(CodeComparison(name="ssn", columns=("ssn",)), frame, pairs) == [
        "exact",
        "edits<=1",
        "different",
        "different",
        "missing",
    ]
    assert _levels(
        SetComparison(name="phone", columns=("phone",), kind="phone"), frame, pairs[:3]
    ) == ["shared_value", "different", "missing"]
    street = StringComparison(
        name="street", columns=("street",), thresholds=(0.9,), scorer="jaro_winkler"
    )
    assert _levels(street, frame, [(0, 3), (0, 1), (0, 2)]) == [
        "exact",
        "jaro_winkler>=0.9",
        "different",
    ]


# --- model -----------------------------------------------------------------------------------


@pytest.mark.parametrize("n_comparisons", [3, 7])
def test_pattern_table_counts_as_a_sort_does(n_comparisons):
    # 3 comparisons are counted with a table, 7 (16**7 codes) by sorting: both as np.unique
    levels = np.random.default_rng(1).integers(0, 5, (5000, n_comparisons)).astype(np.int8)
    pats, cnt, inv = pattern_table(levels)
    rows, want_inv, want_cnt = np.unique(levels, axis=0, return_inverse=True, return_counts=True)
    assert (pats == rows).all() and (cnt == want_cnt).all() and (inv == want_inv.ravel()).all()
    counted = pattern_counts(pattern_codes(levels), n_comparisons)
    assert (counted[0] == rows).all() and (counted[1] == want_cnt).all()


def test_em_recovers_m_from_unlabelled_mixture():
    rng = np.random.default_rng(0)
    true_m = [np.array([0, 0.85, 0.1, 0.05]), np.array([0, 0.9, 0.1])]
    true_u = [np.array([0, 0.01, 0.04, 0.95]), np.array([0, 0.05, 0.95])]
    n_match, n_non = 3000, 30000
    rows = []
    for count, probs in ((n_match, true_m), (n_non, true_u)):
        cols = [rng.choice(len(p) - 1, count, p=p[1:]) + 1 for p in probs]
        rows.append(np.stack(cols, axis=1))
    levels = np.concatenate(rows).astype(np.int8)
    pats, cnt, inv = pattern_table(levels)
    assert cnt.sum() == len(levels) and (pats[inv] == levels).all()
    u = estimate_u(levels[n_match:], [4, 3], [{}, {}])
    m, lam, _expected, iters = em_session(
        pats, cnt, [initial_m(4), initial_m(3)], u, [True, True], prior_strength=1
    )
    assert iters < 200
    assert abs(lam - n_match / len(levels)) < 0.02
    assert np.allclose(m[0][1:], true_m[0][1:], atol=0.03)
    assert np.allclose(m[1][1:], true_m[1][1:], atol=0.03)


# --- clustering ------------------------------------------------------------------------------


def test_chain_with_conflicting_ends_is_not_merged_whole():
    # A~B (0.99), B~C (0.97); A and C conflict: the weaker link goes
    def evidence(a, b):
        return np.array(
            [-50.0 if {int(x), int(y)} == {0, 2} else 5.0 for x, y in zip(a, b, strict=True)]
        )

    res = cluster(
        3, np.array([0, 1]), np.array([1, 2]), np.array([0.99, 0.97]), score_pairs=evidence
    )
    assert res.labels[0] == res.labels[1] != res.labels[2]
    assert res.refused_edges.tolist() == [1]
    # without the conflict the chain merges
    res = cluster(
        3,
        np.array([0, 1]),
        np.array([1, 2]),
        np.array([0.99, 0.97]),
        score_pairs=lambda a, b: np.full(len(a), 5.0),
    )
    assert len(set(res.labels)) == 1


def test_cannot_link_beats_must_link_and_size_cap():
    res = cluster(
        3,
        np.array([0]),
        np.array([1]),
        np.array([0.99]),
        must_link=(np.array([1]), np.array([2])),
        cannot_link=(np.array([0]), np.array([2])),
        score_pairs=lambda a, b: np.zeros(len(a)),
    )
    assert res.labels[1] == res.labels[2] != res.labels[0]
    res = cluster(
        4,
        np.array([0, 1, 2]),
        np.array([1, 2, 3]),
        np.array([0.9, 0.8, 0.7]),
        score_pairs=lambda a, b: np.zeros(len(a)),
        max_cluster_size=2,
    )
    assert max(np.bincount(res.labels)) <= 2


# --- stable ids ------------------------------------------------------------------------------


def test_ids_deterministic_and_stable():
    clusters = [["r1", "r2"], ["r3"]]
    ids1, log1 = assign_entity_ids(clusters)
    ids2, _ = assign_entity_ids([["r3"], ["r2", "r1"]])
    assert ids1 == ids2 and log1.empty
    assert ids1["r1"] == ids1["r2"] != ids1["r3"] and ids1["r1"].startswith("org_")
    # new record joins an existing cluster: the id stays
    ids3, log3 = assign_entity_ids([["r1", "r2", "r4"], ["r3"]], ids1)
    assert ids3["r4"] == ids1["r1"] and ids3["r3"] == ids1["r3"] and log3.empty


def test_bridging_record_merges_two_entities_one_id_survives():
    prev = {"a1": "org_A", "a2": "org_A", "b1": "org_B"}
    ids, log = assign_entity_ids([["a1", "a2", "b1", "x"]], prev)
    assert set(ids.values()) == {"org_A"}  # most records survive
    assert log[["event", "retired_id", "survivor_id"]].values.tolist() == [
        ["merge", "org_B", "org_A"]
    ]
    # a split keeps the id on the bigger part and logs the other
    ids, log = assign_entity_ids(
        [["a1", "b1"], ["a2"]], {"a1": "org_A", "a2": "org_A", "b1": "org_A"}
    )
    assert ids["a1"] == "org_A" and ids["a2"] != "org_A"
    assert log["event"].tolist() == ["split"]


# --- organisation resolution -----------------------------------------------------------------


@pytest.fixture(scope="module")
def background() -> pd.DataFrame:
    return generate_organisations(3000, seed=11)


def _with(background: pd.DataFrame, rows: list[dict]) -> pd.DataFrame:
    extra = pd.DataFrame(rows)
    for col in background.columns:
        if col not in extra:
            extra[col] = [[] if col in ("emails", "phones") else None for _ in range(len(extra))]
    return pd.concat([background, extra[background.columns]], ignore_index=True)


def test_resolve_finds_duplicates_with_good_accuracy(background):
    res = resolve_organisations(background)
    score = pairwise_scores(background["record_id"].map(res.entity_of), background["true_entity"])
    assert score["precision"] >= 0.97 and score["recall"] >= 0.9
    assert res.stats["input_records"] == len(background)
    assert set(res.matches["decision"]) <= {"match", "must_link"}
    assert {"left_record_id", "right_record_id", "match_probability", "cmp_name"} <= set(
        res.matches
    )
    assert res.entity_of.index.tolist() == background["record_id"].tolist()


def test_branches_in_other_provinces_go_to_review_not_merged(background):
    rows = [
        {
            "record_id": "z1",
            "organisation_name": "Qwertyx Aviation",
            "domain": "qwertyx.co.za",
            "province": "Gauteng",
            "phones": ["+27111111111"],
        },
        {
            "record_id": "z2",
            "organisation_name": "Qwertyx Aviation (Pty) Ltd",
            "domain": "qwertyx.co.za",
            "province": "Western Cape",
            "phones": ["+27222222222"],
        },
    ]
    res = resolve_organisations(_with(background, rows))
    assert res.entity_of["z1"] != res.entity_of["z2"]
    rev = res.review[(res.review.left_record_id == "z1") & (res.review.right_record_id == "z2")]
    assert len(rev) == 1 and rev.iloc[0]["cmp_province"] == "different"


def test_chain_through_shared_phones_does_not_merge_conflicting_ends(background):
    rows = [
        {
            "record_id": "c1",
            "organisation_name": "Plorix Aviation",
            "domain": "plorix.co.za",
            "province": "Limpopo",
            "phones": ["+27333333333"],
        },
        {
            "record_id": "c2",
            "organisation_name": "Plorix Aviation",
            "province": "Limpopo",
            "phones": ["+27333333333", "+27555555555"],
        },
        {
            "record_id": "c3",
            "organisation_name": "Quendo Helicopters",
            "domain": "quendo.co.za",
            "province": "Limpopo",
            "phones": ["+27555555555"],
        },
    ]
    res = resolve_organisations(_with(background, rows))
    e = res.entity_of
    # c1~c2 (name and phone) and c2~c3 (phone) are matches; c1 and c3 differ in name and website
    pairs = res.matches[["left_record_id", "right_record_id"]].apply(tuple, axis=1).tolist()
    assert ("c1", "c2") in pairs
    assert e["c1"] == e["c2"] != e["c3"]
    refused = res.review[(res.review.left_record_id == "c2") & (res.review.right_record_id == "c3")]
    assert refused["decision"].tolist() == ["conflict"]


def test_must_and_cannot_links(background):
    rows = [
        {
            "record_id": "m1",
            "organisation_name": "Vorlanx Flight School",
            "province": "Gauteng",
            "domain": "vorlanx.co.za",
        },
        {
            "record_id": "m2",
            "organisation_name": "Vorlanx Flying School",
            "province": "Gauteng",
            "domain": "vorlanx.co.za",
        },
        {
            "record_id": "m3",
            "organisation_name": "Totally Unrelated Trading",
            "link_record_id": "m1",
        },
        {"record_id": "m4", "organisation_name": "Another Unrelated Name"},
    ]
    data = _with(background, rows)
    res = resolve_organisations(data)
    e = res.entity_of
    assert e["m1"] == e["m2"] == e["m3"]  # match + link_record_id
    res = resolve_organisations(data, cannot_link=[("m1", "m2")], must_link=[("m4", "m2")])
    e = res.entity_of
    assert e["m1"] != e["m2"] and e["m4"] == e["m2"]
    queued = set(zip(res.review["left_record_id"], res.review["right_record_id"], strict=True))
    assert ("m1", "m2") not in queued  # a reviewer's decision is not queued again
    assert res.stats["cannot_links"] == 1
    # a cannot-link wins over a must-link
    res = resolve_organisations(data, cannot_link=[("m1", "m3")])
    assert res.entity_of["m1"] != res.entity_of["m3"]


def test_review_zone_pairs_are_returned_and_not_merged(background):
    cfg = MatchConfig(match_threshold=0.999999999, review_threshold=0.01)
    res = resolve_organisations(background, config=cfg)
    assert len(res.review) > 0
    e = res.entity_of
    rev = res.review[res.review["decision"] == "review"]
    assert (rev["match_probability"] < 0.999999999).all()
    assert (e[rev["left_record_id"]].to_numpy() != e[rev["right_record_id"]].to_numpy()).all()


def test_stable_ids_across_runs(background):
    first = resolve_organisations(background)
    again = resolve_organisations(background, previous_ids=first.entity_of.to_dict())
    assert again.entity_of.equals(first.entity_of)
    assert again.merge_log.empty
    rows = [{"record_id": "n1", "organisation_name": "Brand New Org Zyx", "province": "Free State"}]
    grown = resolve_organisations(_with(background, rows), previous_ids=first.entity_of.to_dict())
    assert grown.entity_of["n1"] not in set(first.entity_of)
    # every old record whose cluster is unchanged keeps its id
    old_groups = first.entity_of.groupby(first.entity_of).groups
    new_of = grown.entity_of[first.entity_of.index]
    new_groups = new_of.groupby(new_of).groups
    unchanged = [
        r
        for r in first.entity_of.index
        if set(old_groups[first.entity_of[r]]) == set(new_groups[new_of[r]])
    ]
    assert len(unchanged) > 0.95 * len(first.entity_of)
    assert (new_of[unchanged] == first.entity_of[unchanged]).all()


def test_bridging_record_merges_entities_end_to_end(background):
    base = [
        {
            "record_id": "b1",
            "organisation_name": "Gravok Aero",
            "province": "Gauteng",
            "phones": ["+27444444444"],
        },
        {
            "record_id": "b2",
            "organisation_name": "Zentrilo Air",
            "province": "Gauteng",
            "domain": "zentrilo.co.za",
        },
    ]
    first = resolve_organisations(_with(background, base))
    assert first.entity_of["b1"] != first.entity_of["b2"]
    bridge = [
        *base,
        {
            "record_id": "b3",
            "organisation_name": "Gravok Aero",
            "province": "Gauteng",
            "phones": ["+27444444444"],
            "domain": "zentrilo.co.za",
            "link_record_id": "b2",
        },
    ]
    second = resolve_organisations(
        _with(background, bridge), previous_ids=first.entity_of.to_dict()
    )
    e = second.entity_of
    assert e["b1"] == e["b2"] == e["b3"]
    merged = second.merge_log[second.merge_log["event"] == "merge"]
    olds = {first.entity_of["b1"], first.entity_of["b2"]}
    assert set(merged["retired_id"]) & olds and e["b1"] in olds
    assert len(set(merged["retired_id"]) & olds) == 1


def test_empty_and_tiny_inputs():
    res = resolve_organisations(pd.DataFrame({"record_id": [], "organisation_name": []}))
    assert res.entity_of.empty and res.stats["entities"] == 0
    res = resolve_organisations(
        pd.DataFrame(
            {"record_id": ["a", "b"], "organisation_name": ["X Aviation", "X Aviation Ltd"]}
        )
    )
    assert len(res.entity_of) == 2


# --- generic dedupe --------------------------------------------------------------------------


def test_infer_field_types_from_contents():
    assert infer_field_type("email", pd.Series(["a@b.com", "c@d.org"])) == "email"
    assert infer_field_type("Cell", pd.Series(["+27 82 123 4567", "082 765 4321"])) == "phone"
    # a name hint without parseable values is not enough
    assert infer_field_type("Cell", pd.Series(["+27 82 1", "0821"])) != "phone"
    assert infer_field_type("contact", pd.Series(["011 555 1234", "(021) 555-9876"])) == "phone"
    assert infer_field_type("date_of_birth", pd.Series(["19560409", "19720101"])) == "date"
    assert infer_field_type("created", pd.Series(["2024-01-02", "2023-11-30"] * 3)) == "date"
    assert infer_field_type("postcode", pd.Series(["2119", "3165"])) == "postcode"
    ids = pd.Series([str(1000000 + i // 2) for i in range(100)])
    assert infer_field_type("soc_sec_id", ids) == "code"
    assert infer_field_type("state", pd.Series(["nsw", "vic", "qld"] * 100)) == "category"
    assert infer_field_type("surname", pd.Series([f"name{i}" for i in range(100)])) == "name"
    assert (
        infer_field_type("address_1", pd.Series([f"{i} main road" for i in range(100)]))
        == "address"
    )
    assert infer_field_type("amount", pd.Series([f"{i}.5" for i in range(100)])) == "numeric"
    sites = pd.Series(["X.CO.ZA", "https://www.y.co.za/contact", "www.z.com"] * 5)
    assert infer_field_type("col7", sites) == "website"


def _people(n: int = 400, seed: int = 3) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    first = np.array(
        ["anna", "ben", "carla", "dirk", "emma", "femi", "gert", "hana", "ivan", "jabu"]
    )
    base = pd.DataFrame(
        {
            "first_name": first[rng.integers(0, len(first), n)],
            "surname": [f"sur{k:04d}x" for k in rng.permutation(n)],
            "email": [f"p{k}@mail{k % 7}.co.za" for k in range(n)],
            "birth_date": pd.to_datetime("1950-01-01")
            + pd.to_timedelta(rng.integers(0, 20000, n), "D"),
        }
    )
    base["birth_date"] = base["birth_date"].dt.strftime("%Y-%m-%d")
    dup_of = rng.choice(n, n // 4, replace=False)
    dups = base.iloc[dup_of].copy()
    dups["surname"] = dups["surname"].str.slice(0, 6) + "y" + dups["surname"].str.slice(7)
    dups.loc[dups.index[::2], "email"] = None
    df = pd.concat([base, dups], ignore_index=True)
    truth = np.r_[np.arange(n), dup_of]
    df.insert(0, "pid", [f"p{i:05d}" for i in range(len(df))])
    return df, truth


def test_dedupe_frame_infers_and_finds_duplicates():
    df, truth = _people()
    out, pairs = dedupe_frame(df, "pid")
    assert out.columns.tolist() == ["pid", "entity_id"] and len(out) == len(df)
    score = pairwise_scores(out["entity_id"], truth)
    assert score["precision"] >= 0.98 and score["recall"] >= 0.95
    assert {"left_id", "right_id", "match_probability", "decision", "cmp_surname"} <= set(pairs)
    again, _ = dedupe_frame(df, "pid")
    assert again["entity_id"].tolist() == out["entity_id"].tolist()


def test_dedupe_frame_with_yaml_shaped_config():
    df, truth = _people()
    config = {
        "fields": [
            {"name": "surname", "type": "name"},
            {"name": "first_name", "type": "name"},
            {"name": "birth_date", "type": "date"},
            "email",
        ],
        "blocking": [["birth_date"], {"columns": ["surname"], "kind": "prefix", "length": 5}],
        "thresholds": {"match": 0.9, "review": 0.3},
    }
    out, pairs = dedupe_frame(df, "pid", config)
    score = pairwise_scores(out["entity_id"], truth)
    assert score["precision"] >= 0.98 and score["recall"] >= 0.9
    assert "cmp_email" in pairs and "cmp_surname" in pairs


def test_dedupe_frame_rejects_bad_input():
    df, _ = _people(20)
    with pytest.raises(KeyError):
        dedupe_frame(df, "missing")
    with pytest.raises(ValueError):
        dedupe_frame(pd.concat([df, df]), "pid")


# --- CLI -------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_cli_round_trip(tmp_path, suffix, capsys):
    from hotpass_assets.lib.matching.cli import main

    df, _ = _people(150)
    src = tmp_path / f"people{suffix}"
    if suffix == ".csv":
        df.to_csv(src, index=False)
    else:
        df.to_parquet(src, index=False)
    out = tmp_path / f"out{suffix}"
    pairs = tmp_path / "pairs.csv"
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(
        "fields:\n  - {name: surname, type: name}\n  - {name: birth_date, type: date}\n"
        "  - email\nblocking:\n  - [birth_date]\n  - [surname]\n"
    )
    code = main(
        [
            "dedupe",
            str(src),
            "--id-column",
            "pid",
            "--output",
            str(out),
            "--pairs",
            str(pairs),
            "--config",
            str(cfg),
        ]
    )
    assert code == 0
    res = pd.read_csv(out, dtype=str) if suffix == ".csv" else pd.read_parquet(out)
    assert res.columns.tolist() == ["pid", "entity_id"] and len(res) == len(df)
    assert res["entity_id"].nunique() < len(df)
    assert len(pd.read_csv(pairs)) > 0
    assert '"records": 187' in capsys.readouterr().out
    assert (
        main(["dedupe", str(tmp_path / "nope.xlsx"), "--id-column", "pid", "--output", str(out)])
        == 2
    )


def test_no_records_resolve_to_empty_tables_with_their_columns():
    """An empty snapshot still publishes its tables: the per-record keys keep their columns."""
    from hotpass_assets.lib.matching import resolve_organisations
    from hotpass_assets.lib.matching.organisations import KEY_COLUMNS

    res = resolve_organisations(pd.DataFrame({"record_id": [], "organisation_name": []}))
    assert len(res.entity_of) == 0
    assert list(res.keys.columns) == ["record_id", *KEY_COLUMNS]


def _rank_review_by_strings(review, entity_of, share, minimum):
    """The review ranking written with pandas sorts on the id strings (the reference)."""
    sizes = entity_of.value_counts()
    le = review["left_record_id"].map(entity_of)
    re_ = review["right_record_id"].map(entity_of)
    lo, hi = pd.Series(np.minimum(le, re_)), pd.Series(np.maximum(le, re_))
    p = review["match_probability"].to_numpy(dtype=float)
    impact = (lo.map(sizes).to_numpy() + hi.map(sizes).to_numpy()) * (1.0 - np.abs(2 * p - 1))
    ranked = review.assign(
        left_entity_id=lo.to_numpy(),
        right_entity_id=hi.to_numpy(),
        impact=np.round(impact, 4),
        _urgent=review["decision"].isin(["conflict", "must_link_refused"]).to_numpy(),
    )
    keys = ["_urgent", "match_probability", "left_record_id", "right_record_id"]
    ranked = ranked.sort_values(
        keys, ascending=[False, False, True, True], kind="stable"
    ).drop_duplicates(["left_entity_id", "right_entity_id"])
    keys[1] = "impact"
    ranked = ranked.sort_values(keys, ascending=[False, False, True, True], kind="stable")
    cap = max(int(share * entity_of.nunique()), minimum)
    backlog = len(review) - min(len(ranked), cap)
    return ranked.head(cap).drop(columns="_urgent").reset_index(drop=True), backlog


@pytest.mark.parametrize("ids_sorted", [True, False])
def test_rank_review_ranks_as_string_sorts_do(ids_sorted):
    from hotpass_assets.lib.matching.organisations import rank_review

    rng = np.random.default_rng(7)
    ids = np.array([f"r{i:03d}" for i in rng.permutation(300)], dtype=object)
    ids = np.sort(ids) if ids_sorted else ids
    entity_of = pd.Series([f"org_{x}" for x in rng.integers(0, 120, 300)], index=ids)
    pick = rng.integers(0, 300, (900, 2))
    pick = pick[pick[:, 0] != pick[:, 1]]
    review = pd.DataFrame(
        {
            "left_record_id": ids[pick[:, 0]],
            "right_record_id": ids[pick[:, 1]],
            "match_probability": rng.choice([0.2, 0.5, 0.7, 0.35], len(pick)),
            "decision": rng.choice(["review", "conflict", "must_link_refused"], len(pick)),
        }
    )
    got, backlog = rank_review(review, entity_of, 0.2, 5)
    want, want_backlog = _rank_review_by_strings(review, entity_of, 0.2, 5)
    pd.testing.assert_frame_equal(got, want)
    assert backlog == want_backlog and len(got) == int(0.2 * entity_of.nunique()) > 5


def test_scoring_in_batches_changes_nothing(monkeypatch):
    from hotpass_assets.lib.matching import engine

    records = generate_organisations(600, seed=5)
    whole = resolve_organisations(records)
    monkeypatch.setattr(engine, "_SCORE_BATCH", 97)
    batched = resolve_organisations(records)
    pd.testing.assert_series_equal(whole.entity_of, batched.entity_of)
    for name in ("matches", "review", "kept_apart"):
        pd.testing.assert_frame_equal(getattr(whole, name), getattr(batched, name))
    assert whole.stats["candidate_pairs"] > 97


def test_more_processes_resolve_exactly_as_one(background, monkeypatch):
    """Blocking beside the comparisons' preparation and the first comparison in a second
    process (thresholds lowered so the small set takes those paths) change nothing."""
    from hotpass_assets.lib.matching import engine
    from hotpass_assets.lib.matching.organisations import MatchConfig

    one = resolve_organisations(background, config=MatchConfig())
    monkeypatch.setattr(engine, "PARALLEL_MIN_RECORDS", 0)
    monkeypatch.setattr(engine, "PARALLEL_MIN_PAIRS", 0)
    forks: list[str] = []
    real_beside = engine._beside

    def beside(fn, what, parallel):
        if parallel:
            forks.append(what)
        return real_beside(fn, what, parallel)

    monkeypatch.setattr(engine, "_beside", beside)
    two = resolve_organisations(background, config=MatchConfig(processes=2))
    assert forks == ["blocking", "comparisons"]
    pd.testing.assert_series_equal(two.entity_of, one.entity_of)
    for name in ("matches", "review", "kept_apart", "merge_log", "keys"):
        pd.testing.assert_frame_equal(getattr(two, name), getattr(one, name), obj=name)
    assert {k: v for k, v in two.stats.items() if not k.startswith("runtime")} == {
        k: v for k, v in one.stats.items() if not k.startswith("runtime")
    }

"""The pair tables of a resolution: fast paths checked against the straightforward ways."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hotpass_assets.lib.matching import text
from hotpass_assets.lib.matching.organisations import (
    MatchConfig,
    _apart_reasons,
    _rows,
    checked_records,
    rank_review,
)


@pytest.mark.parametrize(
    "values",
    [
        ["b", "a", "é", "Z", "a", "ab", "", "zz", "b", "\u00e9t\u00e9", "\U0001f600", "ä"],
        ["b", None, "a", np.nan, "a"],
        [3, 1, 2, 1],
        [],
    ],
)
def test_sorted_factorize_is_pandas_sorted_factorize(values):
    arr = np.array(values, dtype=object)
    codes, uniq = text.sorted_factorize(arr)
    want_codes, want_uniq = pd.factorize(arr, sort=True)
    np.testing.assert_array_equal(codes, want_codes)
    np.testing.assert_array_equal(np.asarray(uniq, dtype=object), np.asarray(want_uniq, object))


def test_sorted_factorize_many_random_strings():
    rng = np.random.default_rng(3)
    letters = np.array(list("abcAB_é1 "), dtype=object)
    arr = np.array(["".join(rng.choice(letters, rng.integers(0, 6))) for _ in range(3000)], object)
    codes, uniq = text.sorted_factorize(arr)
    want_codes, want_uniq = pd.factorize(arr, sort=True)
    np.testing.assert_array_equal(codes, want_codes)
    assert list(uniq) == list(want_uniq)


def _apart_reasons_by_rows(pairs: pd.DataFrame, cfg: MatchConfig) -> list[str]:
    parts = []
    for spec in (cfg.veto_levels, cfg.contradicting_levels):
        for comp, levels in spec.items():
            col = f"cmp_{comp}"
            if col in pairs.columns:
                hit = pairs[col].isin(levels).to_numpy()
                parts.append(np.where(hit, (comp + " " + pairs[col].astype(str)).to_numpy(), ""))
    parts.append(np.where(pairs["decision"].isin(["conflict"]), "cluster conflict", ""))
    return [
        "; ".join(dict.fromkeys(x for x in row if x)) or "score below threshold"
        for row in zip(*parts, strict=True)
    ]


@pytest.mark.parametrize("n", [0, 1, 500])
@pytest.mark.parametrize("categorical", [False, True])
def test_apart_reasons_as_row_by_row(n, categorical):
    rng = np.random.default_rng(n)
    levels = np.array(["exact", "different", "similar", None, "missing"], dtype=object)
    pairs = pd.DataFrame(
        {
            "decision": rng.choice(["conflict", "review", "no_match"], n),
            **{
                f"cmp_{c}": rng.choice(levels, n)
                for c in ("name", "domain", "phone", "province", "address")
            },
        }
    )
    if categorical:
        pairs["cmp_province"] = pairs["cmp_province"].astype("category")
    cfg = MatchConfig(
        veto_levels={"province": ("different",), "name": ("similar",)},
        contradicting_levels={"domain": ("different",), "phone": ("different", "missing")},
    )
    got = _apart_reasons(pairs, cfg)
    assert list(got) == _apart_reasons_by_rows(pairs, cfg)
    if n > 1:
        assert {"score below threshold", "cluster conflict"} <= set(got)


def test_rank_review_with_known_positions_is_the_same():
    rng = np.random.default_rng(11)
    ids = np.array([f"r{i:03d}" for i in range(200)], dtype=object)
    entity_of = pd.Series([f"org_{x}" for x in rng.integers(0, 80, 200)], index=ids)
    pick = rng.integers(0, 200, (500, 2))
    pick = pick[pick[:, 0] != pick[:, 1]]
    review = pd.DataFrame(
        {
            "left_record_id": ids[pick[:, 0]],
            "right_record_id": ids[pick[:, 1]],
            "match_probability": rng.choice([0.2, 0.5, 0.7], len(pick)),
            "decision": rng.choice(["review", "conflict"], len(pick)),
        }
    )
    want = rank_review(review, entity_of, 0.3, 5)
    got = rank_review(review, entity_of, 0.3, 5, at=(pick[:, 0], pick[:, 1]))
    pd.testing.assert_frame_equal(got[0], want[0])
    assert got[1] == want[1]


def test_rows_is_take_and_reset_index():
    frame = pd.DataFrame({"a": np.arange(6), "b": list("abcdef")}, index=[5, 4, 3, 2, 1, 0])
    frame["c"] = frame["a"] * 2.5
    for rows in (np.array([4, 0, 2]), np.array([], dtype=np.int64)):
        want = frame.take(rows).reset_index(drop=True)
        pd.testing.assert_frame_equal(_rows(frame, rows), want)


def test_checked_records_reindexes_without_copying_or_touching_the_input():
    records = pd.DataFrame({"record_id": [3, 1, 2], "organisation_name": ["a", "b", "c"]})
    records.index = [10, 20, 30]
    recs, ids, pos, _ = checked_records(records, [], MatchConfig())
    pd.testing.assert_frame_equal(recs, records.reset_index(drop=True))
    assert list(records.index) == [10, 20, 30]
    assert list(ids) == ["3", "1", "2"] and pos == {"3": 0, "1": 1, "2": 2}
    assert np.shares_memory(recs["organisation_name"].to_numpy(), records["organisation_name"])


@pytest.mark.parametrize("with_rest", [False, True])
def test_deletion_keys_codes_are_np_unique_inverse(monkeypatch, with_rest):
    from hotpass_assets.lib.matching import blocking

    rng = np.random.default_rng(5)
    uniq = np.array(["foleszel", "folesel", "orion", "karoo", "ab", "aviation", "é-air"], object)
    idx = np.sort(rng.integers(0, 300, 900))
    codes = rng.integers(0, len(uniq), 900)
    rest = blocking._mix(rng.integers(0, 40, 900).astype(np.uint64)) if with_rest else None
    got = blocking._deletion_keys(idx, codes, uniq, rest)

    def by_np_unique(values, sort=False):
        assert sort
        inv = np.unique(values, return_inverse=True)[1]
        return inv, None

    monkeypatch.setattr(blocking.pd, "factorize", by_np_unique)
    want = blocking._deletion_keys(idx, codes, uniq, rest)
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])
    assert got[1].max() > 40


def test_mix_is_elementwise_so_repeat_commutes():
    from hotpass_assets.lib.matching.blocking import _mix

    x = np.random.default_rng(2).integers(0, 2**63, 50, dtype=np.int64).astype(np.uint64)
    np.testing.assert_array_equal(_mix(np.repeat(x, 17)), np.repeat(_mix(x), 17))


class _PlainGreedy:
    """Union–find with a cannot-merge set for every node, as written out plainly."""

    def __init__(self, nodes, conflicts, max_size):
        self.parent = {x: x for x in nodes}
        self.size = dict.fromkeys(nodes, 1)
        self.forbid = {x: set() for x in nodes}
        for a, b in conflicts:
            if a in self.parent and b in self.parent and a != b:
                self.forbid[a].add(b)
                self.forbid[b].add(a)
        self.max_size = max_size

    def find(self, x):
        while self.parent[x] != x:
            x = self.parent[x]
        return x

    def add_conflict(self, a, b):
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.forbid[ra].add(rb)
            self.forbid[rb].add(ra)

    def union(self, a, b, force=False):
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        if rb in self.forbid[ra] or (not force and self.size[ra] + self.size[rb] > self.max_size):
            return False
        if self.size[ra] < self.size[rb]:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]
        fb = self.forbid.pop(rb)
        for x in fb:
            self.forbid[x].discard(rb)
            self.forbid[x].add(ra)
        self.forbid[ra] |= fb
        return True


@pytest.mark.parametrize("seed", range(4))
def test_greedy_union_find_as_plain_one(seed):
    from hotpass_assets.lib.matching.clustering import _Greedy

    rng = np.random.default_rng(seed)
    nodes = rng.choice(500, 200, replace=False).tolist()
    conflicts = [tuple(rng.choice(nodes, 2).tolist()) for _ in range(30)] + [(nodes[0], 999)]
    fast, plain = _Greedy(nodes, conflicts, 6), _PlainGreedy(nodes, conflicts, 6)
    for step in range(600):
        a, b = (int(x) for x in rng.choice(nodes, 2))
        if step % 7 == 0:
            fast.add_conflict(a, b)
            plain.add_conflict(a, b)
        else:
            force = step % 11 == 0
            assert fast.union(a, b, force=force) == plain.union(a, b, force=force)
    assert [fast.find(x) for x in nodes] == [plain.find(x) for x in nodes]

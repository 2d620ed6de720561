"""The matching pipeline shared by organisation resolution and generic table deduplication.

prepare comparisons -> blocking -> compare candidate pairs -> u from random pairs -> EM for m
-> prior -> score (with term-frequency adjustments) -> match / review / non-match -> guarded
clustering. Every stage is vectorised (numpy, rapidfuzz ``cpdist``, scipy connected
components); stage timings are returned.

Why not Splink as the engine: Splink 5 on DuckDB was measured on the same generated organisation
data with comparable blocking (``benchmarks/bench_dedupe.py``; ``benchmarks/README.md``): 11.8 s
at 100,000 records (the budget is 8 s) and 188 s with 7.8 GB at 1,000,000 records (budget 60 s,
8 GB), F1 0.92 and 0.91. This engine follows the same Fellegi–Sunter estimation (random-pair u,
per-rule EM sessions for m, term-frequency adjustments) on numpy arrays, runs EM on
comparison-pattern counts so training does not grow with the number of pairs, and adds
set-valued evidence (several phones and domains per record), the branch veto and the cluster
conflict check.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import numpy as np
import pandas as pd

from hotpass_assets.lib.matching.blocking import BlockingRule, CandidatePairs, candidate_pairs
from hotpass_assets.lib.matching.clustering import _components, cluster
from hotpass_assets.lib.matching.comparisons import Comparison
from hotpass_assets.lib.matching.model import (
    FSModel,
    correct_u,
    em_session,
    estimate_prior,
    estimate_u,
    initial_m,
    pattern_codes,
    pattern_counts,
)

if TYPE_CHECKING:
    from hotpass_assets.lib.background import Forked

T = TypeVar("T")


@dataclass
class EngineConfig:
    """Comparisons, blocking rules and thresholds of one matching run.

    Thresholds are match probabilities: a candidate pair at or above ``match_threshold`` is a
    match (merged), one at or above ``review_threshold`` but below the match threshold goes to
    review (never merged), lower is a non-match. Inside a cluster, a pair at or below
    ``conflict_weight`` (evidence in bits, prior excluded: a weight of -10 means the fields say
    "different entities" 1,000 times more strongly than "same") blocks the merge of its two
    records (see ``clustering``).
    """

    comparisons: list[Comparison]
    blocking: list[BlockingRule]
    match_threshold: float = 0.95
    review_threshold: float = 0.5
    conflict_weight: float = -10.0
    max_block_size: int = 200
    max_cluster_size: int = 100
    u_sample_pairs: int = 400_000
    prior_strength: float = 10.0
    em_max_iter: int = 200
    seed: int = 42
    fixed_m: dict[str, Sequence[float]] | None = None  # comparison -> m per level (skip EM)
    #: a published model (``FSModel.as_dict``): used as it is, nothing is estimated
    pinned_model: dict[str, Any] | None = None
    #: rescore once with term frequencies counted per first-pass cluster (see comparisons)
    entity_tf: bool = True
    #: comparison name -> level names that veto an automatic merge: such a pair goes to review
    #: whatever its score, and inside a cluster it counts as a conflict (e.g. two records of one
    #: name and website in different provinces are more likely branches than duplicates)
    veto_levels: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: comparison name -> level names that lift a veto (corroborating evidence, e.g. a shared
    #: phone number makes a province disagreement a data error rather than a branch)
    veto_unless: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: decision policy: a pair at one of these levels (e.g. identical folded names) merges
    #: whatever its score, unless it is vetoed or shows a ``contradicting_levels`` level (e.g.
    #: different website domains or phones); contradicted pairs are scored as usual
    merge_levels: dict[str, tuple[str, ...]] = field(default_factory=dict)
    contradicting_levels: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: processes this run may use: above ``PARALLEL_MIN_RECORDS`` records, blocking runs in a
    #: forked child while the comparisons are prepared, and above ``PARALLEL_MIN_PAIRS``
    #: candidate pairs a child compares the first comparison while this process compares the
    #: others; the results are the same as in one process
    processes: int = 1


class TermFrequencies(Protocol):
    """Term frequencies counted over more records than the frame being matched (incremental
    linkage matches a subset of a snapshot: ``incremental.SnapshotFrequencies``)."""

    #: records the frequencies are counted over (bounds the smallest u, as ``n`` does)
    n_records: int

    def record_counts(self, comp: Comparison) -> None:
        """Replace ``comp.tf_counts``/``tf_total`` (just prepared) with the wider counts."""

    def entity_counts(self, comp: Comparison, groups: np.ndarray) -> None:
        """As ``Comparison.set_entity_counts``, counting the groups outside the frame too."""


@dataclass
class EngineResult:
    labels: np.ndarray  # cluster label per record
    pairs: pd.DataFrame  # scored pairs at or above the review threshold, with decisions
    model: FSModel
    timings: dict[str, float] = field(default_factory=dict)
    stats: dict[str, Any] = field(default_factory=dict)


#: pairs scored at a time (``_Scorer.weights``): bounds the per-comparison weight table
_SCORE_BATCH = 1 << 20


class _Scorer:
    """Levels and weights of arbitrary pairs under a fitted model."""

    def __init__(
        self,
        comparisons: list[Comparison],
        model: FSModel,
        n_records: int,
        veto_levels: dict[str, tuple[str, ...]] | None = None,
        veto_unless: dict[str, tuple[str, ...]] | None = None,
    ):
        self.comparisons = comparisons
        self.model = model
        self.w = model.weights()
        self.min_u = 1.0 / max(n_records, 2)
        self.veto = self._levels_of(veto_levels)
        self.unless = self._levels_of(veto_unless)

    def _levels_of(self, spec: dict[str, tuple[str, ...]] | None) -> list[tuple[int, np.ndarray]]:
        out = []
        for f, comp in enumerate(self.comparisons):
            names = (spec or {}).get(comp.name, ())
            lv = [i + 1 for i, name in enumerate(comp.levels) if name in names]
            if lv:
                out.append((f, np.array(lv, dtype=np.int8)))
        return out

    def any_level(self, lv: np.ndarray, spec: dict[str, tuple[str, ...]]) -> np.ndarray:
        """Whether each pair shows any of the named levels."""
        out = np.zeros(len(lv), dtype=bool)
        for f, levels in self._levels_of(spec):
            out |= np.isin(lv[:, f], levels)
        return out

    def vetoed(self, lv: np.ndarray) -> np.ndarray:
        out = np.zeros(len(lv), dtype=bool)
        for f, levels in self.veto:
            out |= np.isin(lv[:, f], levels)
        if self.unless and out.any():
            lifted = np.zeros(len(lv), dtype=bool)
            for f, levels in self.unless:
                lifted |= np.isin(lv[:, f], levels)
            out &= ~lifted
        return out

    def levels(
        self, left: np.ndarray, right: np.ndarray
    ) -> tuple[np.ndarray, list[np.ndarray | None]]:
        lv = np.zeros((len(left), len(self.comparisons)), dtype=np.int8)
        codes: list[np.ndarray | None] = []
        for f, comp in enumerate(self.comparisons):
            lv[:, f], code = comp.compare(left, right)
            codes.append(code if comp.tf_levels else None)
        return lv, codes

    def parts(self, lv: np.ndarray, codes: list[np.ndarray | None]) -> np.ndarray:
        """Match weight (bits) of each comparison per pair, term frequencies included: the
        waterfall of a pair is the prior plus these columns."""
        out = np.zeros((len(lv), len(self.comparisons)))
        for f, comp in enumerate(self.comparisons):
            out[:, f] = self.w[f][lv[:, f]]
            code = codes[f]
            if code is None:
                continue
            # term frequency: u of the agreeing value instead of the level's average u
            u_raw = self.model.u_raw[f] if self.model.u_raw else self.model.u[f]
            for level in comp.tf_levels:
                sel = np.flatnonzero((lv[:, f] == level) & (code >= 0))
                if len(sel):
                    tf = np.maximum(comp.tf_u(code[sel]), self.min_u)
                    out[sel, f] += np.log2(u_raw[level]) - np.log2(tf)
        return out

    def weights(self, lv: np.ndarray, codes: list[np.ndarray | None]) -> np.ndarray:
        """Match weight (bits) per pair: the prior plus ``parts``, summed per batch of pairs so
        the pairs x comparisons table of parts is never held for all pairs at once."""
        weights = np.empty(len(lv))
        for a in range(0, len(lv), _SCORE_BATCH):
            b = a + _SCORE_BATCH
            part = self.parts(lv[a:b], [c[a:b] if c is not None else None for c in codes])
            weights[a:b] = self.model.prior_weight + part.sum(axis=1)
        return weights

    def evidence(self, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        """Match weight without the prior, for the cluster check; vetoed pairs are -inf."""
        lv, codes = self.levels(left, right)
        w = self.weights(lv, codes) - self.model.prior_weight
        w[self.vetoed(lv)] = -np.inf
        return w


def _prob(weight: np.ndarray) -> np.ndarray:
    prob: np.ndarray = 1.0 / (1.0 + np.exp2(-np.clip(weight, -1000, 1000)))
    return prob


def _random_pairs(n: int, k: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    if n < 2:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    total = n * (n - 1) // 2
    if total <= k:
        i, j = np.triu_indices(n, 1)
        return i.astype(np.int64), j.astype(np.int64)
    rng = np.random.default_rng(seed)
    a = rng.integers(0, n, k)
    b = rng.integers(0, n - 1, k)
    b = np.where(b >= a, b + 1, b)
    return a, b


def _covered(rule: BlockingRule, comparisons: list[Comparison]) -> list[bool]:
    if rule.covers:
        return [c.name in rule.covers for c in comparisons]
    cols = set(rule.columns)
    return [bool(cols & set(c.columns)) for c in comparisons]


def _em_all(
    model: FSModel,
    comparisons: list[Comparison],
    rules: list[BlockingRule],
    rule_pats: dict[str, tuple[np.ndarray, np.ndarray]],
    m0: list[np.ndarray],
    config: EngineConfig,
    round_: int,
) -> None:
    """One EM session per blocking rule; m = expected-match-weighted average of sessions."""
    n_levels = [c.n_levels for c in comparisons]
    sums = [np.zeros(k) for k in n_levels]
    wts = np.zeros(len(comparisons))
    for rule in rules:
        if rule.name not in rule_pats or not rule.train:
            continue
        active = [not c for c in _covered(rule, comparisons)]
        if not any(active):
            continue
        pats, cnt = rule_pats[rule.name]
        m_s, lam, expected, iters = em_session(
            pats,
            cnt,
            m0,
            model.u,
            active,
            prior_strength=config.prior_strength,
            max_iter=config.em_max_iter,
        )
        model.history.append(
            {
                "round": round_,
                "rule": rule.name,
                "pairs": int(cnt.sum()),
                "lambda": lam,
                "expected_matches": expected,
                "iterations": iters,
                "estimated": [c.name for c, a in zip(comparisons, active, strict=True) if a],
            }
        )
        for f, on in enumerate(active):
            if on and expected > 0:
                sums[f] += m_s[f] * expected
                wts[f] += expected
    for f in range(len(comparisons)):
        model.m[f] = sums[f] / wts[f] if wts[f] > 0 else m0[f].copy()
    if config.fixed_m:
        for f, comp in enumerate(comparisons):
            if comp.name in config.fixed_m:
                vals = np.asarray(config.fixed_m[comp.name], dtype=float)
                model.m[f] = np.r_[0.0, vals / vals.sum()]


def fit_model(
    comparisons: list[Comparison],
    levels: np.ndarray,
    by_rule: dict[str, np.ndarray],
    rules: list[BlockingRule],
    n: int,
    config: EngineConfig,
) -> tuple[FSModel, dict[str, float]]:
    """u from random pairs, m by EM sessions per blocking rule, then the prior."""
    times: dict[str, float] = {}
    t = time.perf_counter()
    ra, rb = _random_pairs(n, config.u_sample_pairs, config.seed)
    rand_lv = np.zeros((len(ra), len(comparisons)), dtype=np.int8)
    for f, comp in enumerate(comparisons):
        rand_lv[:, f] = comp.compare(ra, rb)[0]
    n_levels = [c.n_levels for c in comparisons]
    u = estimate_u(rand_lv, n_levels, [c.exact_u() for c in comparisons])
    times["u_estimation_s"] = time.perf_counter() - t

    t = time.perf_counter()
    m0 = [initial_m(k) for k in n_levels]
    model = FSModel(
        names=[c.name for c in comparisons],
        levels=[c.levels for c in comparisons],
        m=[x.copy() for x in m0],
        u=u,
        u_raw=[x.copy() for x in u],
        tf_levels=[c.tf_levels for c in comparisons],
    )
    # one pattern code per pair, counted over all pairs and over each rule's pairs
    codes = pattern_codes(levels)
    all_pats, all_cnt = pattern_counts(codes, levels.shape[1])
    rule_pats = {}
    for rule in rules:
        pos = by_rule.get(rule.name)
        if pos is not None and len(pos) >= 2:
            rule_pats[rule.name] = pattern_counts(codes[pos], levels.shape[1])
    del codes
    times["em_s"] = 0.0
    times["prior_s"] = 0.0
    for round_ in range(2):
        t = time.perf_counter()
        if round_:
            model.u = correct_u(model.u_raw, model.m, model.prior)
        _em_all(model, comparisons, rules, rule_pats, m0, config, round_)
        times["em_s"] += time.perf_counter() - t
        t = time.perf_counter()
        w = model.weights()
        pw = np.zeros(len(all_pats))
        for f in range(len(comparisons)):
            pw += w[f][all_pats[:, f]]
        model.prior = estimate_prior(pw, all_cnt, n * (n - 1) / 2)
        times["prior_s"] += time.perf_counter() - t
    return model, times


#: Records from which blocking runs beside the comparisons' preparation (``processes`` > 1).
#: Single runs each, so rough: at 1,000,000 organisation records the run waits 4.6 s for it
#: instead of spending 7.5 s; at 100,000 the fork and the transfer cost more than they save
#: (0.54 s against 0.46 s).
PARALLEL_MIN_RECORDS = 250_000
#: Candidate pairs from which a second process compares the first comparison (12.6 million
#: pairs: 2.9 s instead of 3.6 s; about a million: no gain).
PARALLEL_MIN_PAIRS = 4_000_000


def _prepare_and_block(
    frame: pd.DataFrame,
    config: EngineConfig,
    frequencies: TermFrequencies | None,
    timings: dict[str, float],
) -> CandidatePairs:
    """Prepare the comparisons and find the candidate pairs (in a forked child meanwhile when
    the run may use more processes: ``blocking_s`` is then the wait beyond the preparation)."""
    t = time.perf_counter()
    block = partial(candidate_pairs, frame, config.blocking, max_block_size=config.max_block_size)
    beside = _beside(block, "blocking", config.processes > 1 and len(frame) >= PARALLEL_MIN_RECORDS)
    for comp in config.comparisons:
        comp.prepare(frame)
        if frequencies is not None and comp.tf_levels:
            frequencies.record_counts(comp)
    timings["prepare_s"] = time.perf_counter() - t
    t = time.perf_counter()
    cand = beside.result() if beside is not None else block()
    timings["blocking_s"] = time.perf_counter() - t
    return cand


def _beside(fn: Callable[[], T], what: str, parallel: bool) -> Forked[T] | None:
    """``fn`` started in a forked child when ``parallel`` (else ``None``)."""
    if not parallel:
        return None
    from hotpass_assets.lib.background import Forked

    return Forked(fn, label=f"entity resolution: {what}")


def _compare_all(
    comps: list[Comparison], left: np.ndarray, right: np.ndarray, processes: int = 1
) -> tuple[np.ndarray, list[np.ndarray | None]]:
    """Levels of every comparison for the candidate pairs (one column each), and the
    term-frequency codes of the comparisons that use them.

    With ``processes`` > 1 and many pairs, a forked child compares the first comparison (the
    name, the costliest of the organisation comparisons: 1.7 of 3.4 s at 12.6 million pairs)
    while this process compares the others."""

    def compare(part: list[Comparison]) -> list[tuple[np.ndarray, np.ndarray | None]]:
        return [comp.compare(left, right) for comp in part]

    split = len(comps) > 1 and len(left) >= PARALLEL_MIN_PAIRS
    first = _beside(partial(compare, comps[:1]), "comparisons", processes > 1 and split)
    own = compare(comps[1 if first is not None else 0 :])  # while the child compares
    results = [*(first.result() if first is not None else []), *own]
    levels = np.zeros((len(left), len(comps)), dtype=np.int8)
    codes: list[np.ndarray | None] = []
    for f, (comp, (level, code)) in enumerate(zip(comps, results, strict=True)):
        levels[:, f] = level
        codes.append(code if comp.tf_levels else None)
    return levels, codes


def _pinned_model(published: dict[str, Any], comps: list[Comparison]) -> FSModel:
    """A published model (``FSModel.as_dict``) for these comparisons, used as it is."""
    if published.get("engine") == "spark":
        raise ValueError(
            "HOTPASS_MATCH_MODEL: the pinned model was learnt by the Spark engine; with "
            "HOTPASS_LINKAGE_ENGINE=local pin the match_model.json of a snapshot that engine built"
        )
    model = FSModel.from_dict(published, [c.name for c in comps], [c.levels for c in comps])
    model.tf_levels = [c.tf_levels for c in comps]
    return model


def _distinct_links(links: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The link pairs as int64 positions, pairs of a record with itself dropped."""
    a, b = (np.asarray(x, dtype=np.int64) for x in links)
    ok = a != b
    return a[ok], b[ok]


def _clear_decided(
    decision: np.ndarray,
    pair_codes: np.ndarray,
    cannot_link: tuple[np.ndarray, np.ndarray],
    n: int,
) -> None:
    """Blank the decision of candidate pairs a reviewer already separated (cannot-links), so
    they are not queued again. ``pair_codes``: ``min * n + max`` of each candidate pair."""
    cl_a, cl_b = (np.asarray(x, dtype=np.int64) for x in cannot_link)
    if len(cl_a):
        decided = np.minimum(cl_a, cl_b) * np.int64(n) + np.maximum(cl_a, cl_b)
        decision[np.isin(pair_codes, decided)] = ""


def _must_link_frame(
    scorer: _Scorer,
    ml_a: np.ndarray,
    ml_b: np.ndarray,
    refused_must_links: list[tuple[int, int]],
) -> pd.DataFrame:
    """Scored rows of the must-link pairs (decision ``must_link``, or ``must_link_refused``
    for the ones clustering refused)."""
    comps = scorer.comparisons
    ml_lv, ml_codes = scorer.levels(ml_a, ml_b)
    ml_w = scorer.weights(ml_lv, ml_codes)
    ml_frame = _pairs_frame(
        comps,
        np.minimum(ml_a, ml_b),
        np.maximum(ml_a, ml_b),
        ml_lv,
        ml_w,
        _prob(ml_w),
        np.full(len(ml_a), "must_link", dtype=object),
    )
    ml_frame = _with_parts(
        ml_frame, comps, scorer.parts(ml_lv, ml_codes), scorer.model.prior_weight
    )
    ml_frame["kept_apart"] = False
    refused_ml = {(min(a, b), max(a, b)) for a, b in refused_must_links}
    if refused_ml:
        bad = [
            (a, b) in refused_ml for a, b in zip(ml_frame["left"], ml_frame["right"], strict=True)
        ]
        ml_frame.loc[bad, "decision"] = "must_link_refused"
    return ml_frame


def _count_per_entity(
    comps: Sequence[Comparison], groups: np.ndarray, frequencies: TermFrequencies | None
) -> None:
    """Term frequencies counted once per group of first-pass linked records: in the snapshot-wide
    ``frequencies`` when given (a subset of a snapshot), else in each comparison itself."""
    for comp in comps:
        if comp.tf_levels and frequencies is not None:
            frequencies.entity_counts(comp, groups)
        elif comp.tf_levels:
            comp.set_entity_counts(groups)


# Longer than our 80-line aim, deliberately: this is the algorithm's table of contents. Every
# step (prepare, block, compare, fit, score and cluster twice, decide, output) is a function of
# its own; what stays here is their order, their timings and the dozen aligned pair arrays they
# share, which a further split would only pass around.
def run(
    frame: pd.DataFrame,
    config: EngineConfig,
    *,
    must_link: tuple[np.ndarray, np.ndarray] | None = None,
    cannot_link: tuple[np.ndarray, np.ndarray] | None = None,
    frequencies: TermFrequencies | None = None,
) -> EngineResult:
    """Match the records of ``frame`` (positions 0..n-1). Links are position-index pairs.

    ``frequencies`` (with a pinned model): term frequencies counted over a whole snapshot of
    which ``frame`` is a part, so a subset scores its pairs as the whole would."""
    timings: dict[str, float] = {}
    n = len(frame)
    frame = frame.reset_index(drop=True)
    comps = config.comparisons
    empty = (np.zeros(0, np.int64), np.zeros(0, np.int64))
    must_link = must_link or empty
    cannot_link = cannot_link or empty

    cand = _prepare_and_block(frame, config, frequencies, timings)
    left, right = cand.left, cand.right

    t = time.perf_counter()
    levels, codes = _compare_all(comps, left, right, config.processes)
    timings["compare_s"] = time.perf_counter() - t

    if config.pinned_model is not None:
        model = _pinned_model(config.pinned_model, comps)
        fit_times = {"u_estimation_s": 0.0, "em_s": 0.0, "prior_s": 0.0}
    else:
        model, fit_times = fit_model(comps, levels, cand.by_rule, config.blocking, n, config)
    cand.by_rule = {}  # each rule's pair positions serve the model fit only: freed here
    timings.update(fit_times)

    ml_a, ml_b = _distinct_links(must_link)
    n_tf = frequencies.n_records if frequencies is not None else n
    scorer = _Scorer(comps, model, n_tf, config.veto_levels, config.veto_unless)
    veto = scorer.vetoed(levels)
    policy_merge = np.zeros(len(levels), dtype=bool)
    if config.merge_levels:
        policy_merge = scorer.any_level(levels, config.merge_levels) & ~scorer.any_level(
            levels, config.contradicting_levels
        )
    timings["score_s"] = 0.0
    timings["cluster_s"] = 0.0
    prob = np.zeros(len(left))
    labels = np.arange(n)
    passes = 2 if any(c.tf_levels for c in comps) and config.entity_tf else 1
    for pass_ in range(passes):
        t = time.perf_counter()
        if pass_:
            # second pass: term frequencies count each value once per group of records that
            # the first pass linked (match edges, before the cluster safeguards), so an
            # entity's own duplicates do not make its name or domain look common
            loose = np.flatnonzero(prob >= config.match_threshold)
            groups = _components(n, np.r_[left[loose], ml_a], np.r_[right[loose], ml_b])
            _count_per_entity(comps, groups, frequencies)
        weight = scorer.weights(levels, codes)
        prob = _prob(weight)
        # the policy merges identical names in the review zone, not against strong evidence
        merge = policy_merge & (prob >= config.review_threshold)
        is_match = ((prob >= config.match_threshold) | merge) & ~veto
        is_review = (prob >= config.review_threshold) & ~is_match
        timings["score_s"] += time.perf_counter() - t

        t = time.perf_counter()
        m_idx = np.flatnonzero(is_match)
        res = cluster(
            n,
            left[m_idx],
            right[m_idx],
            prob[m_idx],
            must_link=(ml_a, ml_b),
            cannot_link=cannot_link,
            score_pairs=scorer.evidence,
            conflict_weight=config.conflict_weight,
            max_cluster_size=config.max_cluster_size,
        )
        labels = res.labels
        timings["cluster_s"] += time.perf_counter() - t

    t = time.perf_counter()
    decision = np.full(len(left), "", dtype=object)
    decision[is_match] = "match"
    refused = m_idx[res.refused_edges] if len(res.refused_edges) else np.zeros(0, np.int64)
    decision[refused] = "conflict"
    decision[is_review] = "review"
    same = labels[left] == labels[right]
    # review pairs whose records ended up together anyway need no decision
    decision[is_review & same] = ""
    # identical names (a merge level) kept apart by a veto or contradicting evidence: recorded,
    # so a reader sees why two organisations of one name stay two
    apart = np.zeros(len(left), dtype=bool)
    if config.merge_levels:
        apart = scorer.any_level(levels, config.merge_levels) & ~same
        decision[apart & (decision == "")] = "kept_apart"
    _clear_decided(decision, cand.codes, cannot_link, n)
    keep = np.flatnonzero(decision != "")
    parts = scorer.parts(levels[keep], [c[keep] if c is not None else None for c in codes])
    del codes
    pairs = _pairs_frame(
        comps, left[keep], right[keep], levels[keep], weight[keep], prob[keep], decision[keep]
    )
    pairs = _with_parts(pairs, comps, parts, model.prior_weight)
    pairs["kept_apart"] = apart[keep]
    if len(ml_a):
        ml_frame = _must_link_frame(scorer, ml_a, ml_b, res.refused_must_links)
        pairs = pd.concat([pairs, ml_frame], ignore_index=True).drop_duplicates(
            ["left", "right"], keep="last"
        )
    timings["output_s"] = time.perf_counter() - t

    stats = {
        "records": n,
        "candidate_pairs": len(left),
        "blocking": cand.stats,
        "match_pairs": int(is_match.sum()),
        "vetoed_pairs": int((veto & (prob >= config.review_threshold)).sum()),
        "policy_merged_pairs": int((policy_merge & ~veto & (prob < config.match_threshold)).sum()),
        "review_pairs": int((pairs["decision"] == "review").sum()),
        "conflict_refused_pairs": len(refused),
        "clusters": int(labels.max() + 1) if n else 0,
        "prior": model.prior,
        **{f"cluster_{k}": v for k, v in res.stats.items()},
        "refused_must_links": len(res.refused_must_links),
    }
    return EngineResult(labels=labels, pairs=pairs, model=model, timings=timings, stats=stats)


def _with_parts(
    pairs: pd.DataFrame, comps: list[Comparison], parts: np.ndarray, prior_weight: float
) -> pd.DataFrame:
    """Add the waterfall: ``w_prior`` and one ``w_<comparison>`` column (bits) per comparison;
    ``match_weight`` is their sum."""
    extra = {"w_prior": np.full(len(pairs), round(prior_weight, 4))}
    for f, comp in enumerate(comps):
        extra[f"w_{comp.name}"] = np.round(parts[:, f], 4)
    return pd.concat([pairs, pd.DataFrame(extra, index=pairs.index)], axis=1)


def _pairs_frame(
    comps: list[Comparison],
    left: np.ndarray,
    right: np.ndarray,
    levels: np.ndarray,
    weight: np.ndarray,
    prob: np.ndarray,
    decision: np.ndarray,
) -> pd.DataFrame:
    data: dict[str, object] = {
        "left": left.astype(np.int64),
        "right": right.astype(np.int64),
        "match_weight": np.round(weight, 4),
        "match_probability": prob,
        "decision": decision,
    }
    for f, comp in enumerate(comps):
        labels = np.array(("missing", *comp.levels), dtype=object)
        data[f"cmp_{comp.name}"] = labels[levels[:, f]]
    return pd.DataFrame(data)

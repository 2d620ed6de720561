"""Resolve capture organisation records into entities with stable ids.

Entry point for the refinement stage::

    resolution = resolve_organisations(records, must_link=..., cannot_link=..., previous_ids=...)
    resolution.entity_of   # Series: record_id -> entity_id
    resolution.matches     # merged pairs (score, per-field evidence)
    resolution.review      # review-zone pairs, never merged
    resolution.merge_log   # retired id -> surviving id
    resolution.stats       # counts, merge rate, runtime per stage

Evidence compared per pair: the organisation name (suffix- and noise-word-aware), website and
e-mail domains (free-mail ignored; an identical address counts even at a free-mail provider),
phones, province and address. Candidate pairs come from several blocking keys (name key, core
name, the two rarest name words, domains, e-mail addresses, phones, and sorted neighbourhoods of
the core name forwards and reversed). Weights are learnt without labels (``model``).

Must-links: each record's ``link_record_id`` (the capture stage joined that row to that record)
and the reviewers' ``must_link`` pairs; cannot-links: the reviewers' ``cannot_link`` pairs. Both
are applied before clustering; a cannot-link wins over a must-link.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from hotpass_assets.lib.matching import text
from hotpass_assets.lib.matching.blocking import BlockingRule
from hotpass_assets.lib.matching.comparisons import (
    Comparison,
    ExactComparison,
    SetComparison,
    StringComparison,
)
from hotpass_assets.lib.matching.engine import EngineConfig, TermFrequencies, run
from hotpass_assets.lib.matching.ids import MERGE_LOG_COLUMNS, entity_id_series
from hotpass_assets.lib.matching.org_comparisons import (
    DomainComparison,
    OrganisationNameComparison,
)

#: Default candidate keys (names usable in ``MatchConfig.blocking``).
DEFAULT_BLOCKING: tuple[BlockingRule, ...] = (
    # over-common name blocks are refined into sorted neighbourhoods, not dropped
    BlockingRule(
        "name_key",
        "exact",
        ("_name_key",),
        max_block_size=50,
        covers=("name",),
        refine_window=5,
        sort_column="_phones",
    ),
    BlockingRule(
        "name_key_province",
        "exact",
        ("_name_key", "province"),
        max_block_size=50,
        covers=("name", "province"),
    ),
    BlockingRule(
        "name_core",
        "exact",
        ("_name_core",),
        max_block_size=50,
        covers=("name",),
        refine_window=5,
        sort_column="_name_key",
    ),
    BlockingRule(
        "name_rare_tokens",
        "rare_tokens",
        ("_name_tokens",),
        keep=2,
        max_block_size=50,
        covers=("name",),
        refine_window=5,
        sort_column="_name_key",
    ),
    BlockingRule(
        "name_typo", "deletions", ("_name_tokens",), keep=1, max_block_size=12, covers=("name",)
    ),
    BlockingRule("domain", "set", ("_domains",), max_block_size=100, covers=("domain",)),
    BlockingRule("email", "set", ("_emails",), max_block_size=100, covers=("domain",)),
    BlockingRule("phone", "set", ("_phones",), max_block_size=100, covers=("phone",)),
)


def default_comparisons() -> list[Comparison]:
    return [
        OrganisationNameComparison(name="name", columns=("organisation_name",)),
        DomainComparison(name="domain", columns=("domain", "emails")),
        SetComparison(name="phone", columns=("_phones",), kind="phone"),
        ExactComparison(name="province", columns=("province",)),
        StringComparison(
            name="address", columns=("address",), thresholds=(0.9, 0.75), scorer="token_set"
        ),
    ]


@dataclass
class MatchConfig:
    """Settings of organisation resolution; the defaults are the measured ones.

    Thresholds are match probabilities (see ``engine.EngineConfig``). ``blocking`` lists rule
    names from ``DEFAULT_BLOCKING`` or ``BlockingRule`` objects on the prepared columns
    (``_name_key``, ``_name_core``, ``_name_core_rev``, ``_name_tokens``, ``_domains``,
    ``_emails``, ``_phones``, plus the input columns).
    """

    match_threshold: float = 0.4
    review_threshold: float = 0.1
    conflict_weight: float = -10.0
    max_block_size: int = 200
    max_cluster_size: int = 100
    blocking: tuple[str | BlockingRule, ...] = tuple(r.name for r in DEFAULT_BLOCKING)
    #: comparison levels that send a pair to review instead of merging it (see engine)
    veto_levels: dict[str, tuple[str, ...]] = field(
        default_factory=lambda: {"province": ("different",)}
    )
    #: evidence that lifts that veto: a shared phone, the same address, an identical e-mail
    veto_unless: dict[str, tuple[str, ...]] = field(
        default_factory=lambda: {
            "phone": ("shared_value",),
            "address": ("exact", "token_set>=0.9"),
            "domain": ("same_email",),
        }
    )
    #: decision policy: identical folded names merge unless vetoed or contradicted by
    #: different website/e-mail domains or phones (see ``engine.EngineConfig``)
    merge_levels: dict[str, tuple[str, ...]] = field(
        default_factory=lambda: {"name": ("same_key",)}
    )
    contradicting_levels: dict[str, tuple[str, ...]] = field(
        default_factory=lambda: {"domain": ("different",), "phone": ("different",)}
    )
    #: the review queue holds at most this share of the organisations (at least
    #: ``review_min``), one pair per two clusters, ranked by impact
    review_share: float = 0.05
    review_min: int = 20
    use_link_record_id: bool = True
    u_sample_pairs: int = 400_000
    prior_strength: float = 10.0
    seed: int = 42
    id_prefix: str = "org"
    #: a published model (``FSModel.as_dict``) whose m, u and prior are used as they are:
    #: a pinned model makes a snapshot's weights independent of the day's data
    pinned_model: dict[str, Any] | None = None
    #: linkage engine: "local" (``engine.run``) or "spark" (``spark.resolve_organisations_spark``)
    #: with the Spark master URL and extra ``spark.*`` settings ("key=value, ...")
    engine: str = "local"
    spark_master: str = "local[*]"
    spark_conf: str = ""
    #: processes the local engine may use (``HOTPASS_SNAPSHOT_PROCESSES``; see ``engine``)
    processes: int = 1

    def rules(self) -> list[BlockingRule]:
        by_name = {r.name: r for r in DEFAULT_BLOCKING}
        out = []
        for r in self.blocking:
            if isinstance(r, BlockingRule):
                out.append(r)
            elif r in by_name:
                out.append(by_name[r])
            else:
                raise ValueError(f"unknown blocking rule {r!r}; known: {sorted(by_name)}")
        return out


@dataclass
class Resolution:
    """Outcome of :func:`resolve_organisations`."""

    entity_of: pd.Series  # index record_id, values entity_id
    matches: pd.DataFrame
    review: pd.DataFrame
    merge_log: pd.DataFrame
    stats: dict[str, Any] = field(default_factory=dict)
    model: dict[str, Any] = field(default_factory=dict)  # learnt m/u/weights per comparison level
    #: pairs of identical folded names left in two entities, with the evidence that did it
    kept_apart: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: ``record_id`` and the derived ``KEY_COLUMNS`` of every record (blocking keys and
    #: compared values): kept with a snapshot for incremental linkage
    keys: pd.DataFrame = field(default_factory=pd.DataFrame)


#: Derived matching columns kept per record with a snapshot (``entity_keys``): what incremental
#: linkage looks a new drop's keys up in and counts term frequencies over.
KEY_COLUMNS = ("_name_key", "_name_core", "_name_tokens", "_domains", "_emails", "_phones")

PAIR_COLUMNS = (
    "left_record_id",
    "right_record_id",
    "match_weight",
    "match_probability",
    "decision",
    "cmp_name",
    "cmp_domain",
    "cmp_phone",
    "cmp_province",
    "cmp_address",
    "w_prior",
    "w_name",
    "w_domain",
    "w_phone",
    "w_province",
    "w_address",
)


def load_match_config(
    values: Mapping[str, Any], config_path: str | None = None, model_path: str | None = None
) -> MatchConfig:
    """A ``MatchConfig`` from settings values, a YAML/JSON file of ``MatchConfig`` fields
    (overriding them) and a published model JSON to pin. Unknown fields are an error naming them."""
    import dataclasses
    import json
    from pathlib import Path

    fields = {f.name for f in dataclasses.fields(MatchConfig)}
    data = dict(values)
    if config_path:
        path = Path(config_path)
        raw = path.read_text(encoding="utf-8")
        if path.suffix.lower() == ".json":
            loaded = json.loads(raw)
        else:
            import yaml

            loaded = yaml.safe_load(raw)
        if not isinstance(loaded, dict):
            raise ValueError(f"{path.name}: the match config must be a mapping")
        unknown = sorted(set(loaded) - fields)
        if unknown:
            raise ValueError(f"{path.name}: unknown match config field(s) {unknown}")
        data.update(loaded)
    for key in ("veto_levels", "veto_unless", "merge_levels", "contradicting_levels"):
        if key in data:
            data[key] = {k: tuple(v) for k, v in data[key].items()}
    if "blocking" in data:
        data["blocking"] = tuple(data["blocking"])
    if model_path:
        data["pinned_model"] = json.loads(Path(model_path).read_text(encoding="utf-8"))
    return MatchConfig(**data)


def _apart_reasons(pairs: pd.DataFrame, cfg: MatchConfig) -> np.ndarray:
    """Why each pair of identical folded names stays in two entities (comparison levels).

    A row's reason depends only on its levels and decision: it is worked out once for each
    distinct combination of them (a row stands for it) and spread to the rows."""
    codes, texts = [], []
    for spec in (cfg.veto_levels, cfg.contradicting_levels):
        for comp, levels in spec.items():
            col = f"cmp_{comp}"
            if col in pairs.columns:
                c, u = pd.factorize(pairs[col], use_na_sentinel=False)
                vals = pd.Series(u, dtype=pairs[col].dtype)
                hit = vals.isin(levels).to_numpy()
                texts.append(np.where(hit, (comp + " " + vals.astype(str)).to_numpy(), ""))
                codes.append(c)
    c, u = pd.factorize(pairs["decision"], use_na_sentinel=False)
    texts.append(np.where(pd.Series(u, dtype=object).isin(["conflict"]), "cluster conflict", ""))
    codes.append(c)
    combo = np.zeros(len(pairs), dtype=np.int64)
    for c, t in zip(codes, texts, strict=True):
        combo = pd.factorize(combo * len(t) + c)[0].astype(np.int64)
    first = np.unique(combo, return_index=True)[1]  # a row of each combination, by combo code
    reasons = [
        "; ".join(dict.fromkeys(x for x in row if x)) or "score below threshold"
        for row in zip(*(t[c[first]] for c, t in zip(codes, texts, strict=True)), strict=True)
    ]
    return np.asarray(reasons, dtype=object)[combo]


def rank_review(
    review: pd.DataFrame,
    entity_of: pd.Series,
    share: float,
    minimum: int,
    at: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[pd.DataFrame, int]:
    """The review queue a reviewer can work through, and how many pairs were left out of it.

    One pair per two entities (deciding it decides the others: the reviewer's must-link or
    cannot-link joins or separates the clusters), the most probable pair of the two. Ranked by
    impact: the records a decision would move (both entities' sizes) times its uncertainty
    (1 at probability 0.5, 0 at 0 or 1); conflicts and refused must-links come first. At most
    ``share`` of the entities (and at least ``minimum`` pairs) are kept; the rest stay unmerged
    and are counted in the stats (``review_backlog_pairs``). ``at``: the pairs' record
    positions in ``entity_of`` when the caller knows them.
    """
    if review.empty:
        return review.assign(left_entity_id=[], right_entity_id=[], impact=[]), 0
    # integer codes that sort as the record and entity ids do: every sort below is a stable
    # numpy lexsort on numbers instead of a pandas sort on strings
    if at is None:
        at = (
            entity_of.index.get_indexer(pd.Index(review["left_record_id"])),
            entity_of.index.get_indexer(pd.Index(review["right_record_id"])),
        )
    if min(int(a.min()) for a in at) < 0:
        raise KeyError("review pairs name records that have no entity")
    id_rank = _order_codes(entity_of.index.to_numpy())
    left_rank, right_rank = id_rank[at[0]], id_rank[at[1]]
    ent_code, ent_names = text.sorted_factorize(entity_of.to_numpy())
    le, re_ = ent_code[at[0]], ent_code[at[1]]
    lo, hi = np.minimum(le, re_), np.maximum(le, re_)
    sizes = np.bincount(ent_code)
    p = review["match_probability"].to_numpy(dtype=float)
    impact = np.round((sizes[lo] + sizes[hi]) * (1.0 - np.abs(2 * p - 1)), 4)
    not_urgent = (~review["decision"].isin(["conflict", "must_link_refused"])).to_numpy()
    # most probable pair of each two entities (urgent first), then by impact (urgent first)
    order = np.lexsort((right_rank, left_rank, -p, not_urgent))
    pair = lo[order].astype(np.int64) * np.int64(len(ent_names)) + hi[order]
    order = order[np.sort(np.unique(pair, return_index=True)[1])]
    order = order[
        np.lexsort((right_rank[order], left_rank[order], -impact[order], not_urgent[order]))
    ]
    cap = max(int(share * len(ent_names)), minimum)
    backlog = len(review) - min(len(order), cap)
    top = order[:cap]
    ranked = review.take(top).assign(
        left_entity_id=ent_names[lo[top]], right_entity_id=ent_names[hi[top]], impact=impact[top]
    )
    return ranked.reset_index(drop=True), backlog


def _order_codes(values: np.ndarray) -> np.ndarray:
    """Each value's position in the sorted distinct values (values distinct, e.g. record ids)."""
    if pd.Index(values).is_monotonic_increasing:
        return np.arange(len(values))
    rank = np.empty(len(values), dtype=np.int64)
    rank[np.argsort(values, kind="stable")] = np.arange(len(values))
    return rank


def _col(records: pd.DataFrame, name: str) -> pd.Series:
    if name in records.columns:
        return records[name].reset_index(drop=True)
    return pd.Series([None] * len(records), dtype=object)


def prepare_frame(records: pd.DataFrame) -> pd.DataFrame:
    """Input columns plus the derived matching columns (``_name_*``, ``_domains``, …).

    List columns are Arrow-backed (``list<string>``), distinct and sorted per row.
    """
    n = len(records)
    name = _col(records, "organisation_name")
    if "name_key" in records.columns:
        name = name.where(name.notna(), _col(records, "name_key"))
    feats = text.organisation_name_features(name)
    dom_norm = text.normalise_strings(_col(records, "domain"))
    missing = pd.isna(dom_norm)
    if missing.any() and "website" in records.columns:
        dom_norm[missing] = text.website_domains(_col(records, "website")[missing])
    mi, mv = text.email_entries(_col(records, "emails"))
    di, dv = text.email_domain_entries(mi, mv)
    has_dom = np.flatnonzero(pd.notna(dom_norm))
    di, dv = text.concat_entries((has_dom, dom_norm[has_dom]), (di, dv))
    pi, pv = text.national_numbers(_col(records, "phones"))
    emails = text.entries_to_lists(mi, mv, n)
    phones = text.entries_to_lists(pi, pv, n)
    core = text.to_arrow_strings(feats["core"])
    frame = pd.DataFrame(
        {
            "organisation_name": name,
            "domain": dom_norm,
            "emails": emails,
            "phones": phones,
            "province": _col(records, "province"),
            "address": _col(records, "address"),
            "_name_key": feats["key"],
            "_name_core": feats["core"],
            "_name_core_rev": pc.utf8_reverse(core).to_numpy(zero_copy_only=False),
            "_name_tokens": feats["tokens"],
            "_name_acronym": feats["acronym"],
            "_domains": text.entries_to_lists(di, dv, n),
            "_emails": emails,
            "_phones": phones,
        }
    )
    return frame


def _index_pairs(
    pairs: Iterable[tuple[str, str]], pos: Mapping[str, int]
) -> tuple[np.ndarray, np.ndarray, int]:
    a, b, unknown = [], [], 0
    for x, y in pairs:
        i, j = pos.get(str(x)), pos.get(str(y))
        if i is None or j is None:
            unknown += 1
            continue
        if i != j:
            a.append(i)
            b.append(j)
    return np.array(a, dtype=np.int64), np.array(b, dtype=np.int64), unknown


def checked_records(
    records: pd.DataFrame, must_link: Iterable[tuple[str, str]], cfg: MatchConfig
) -> tuple[pd.DataFrame, pd.Series, dict[str, int], list[tuple[str, str]]]:
    """The records to resolve (index reset), their ids as text, each id's position, and the
    must-links: the given ones plus each record's ``link_record_id`` when the config uses it.
    A missing ``record_id`` column or a repeated id is an error."""
    if "record_id" not in records.columns:
        raise KeyError("records need a record_id column")
    recs = records.copy(deep=False)  # a new index on the same columns: no copy of the data
    recs.index = pd.RangeIndex(len(recs))
    ids = recs["record_id"].astype(str)
    if ids.duplicated().any():
        raise ValueError("record_id values must be unique")
    pos = dict(zip(ids.tolist(), range(len(ids)), strict=True))
    ml = list(must_link)
    if cfg.use_link_record_id and "link_record_id" in recs.columns:
        links = recs["link_record_id"]
        has = links.notna() & (links.astype(str) != "")
        ml += list(zip(ids[has], links[has].astype(str), strict=True))
    return recs, ids, pos, ml


def _empty_resolution() -> Resolution:
    empty = pd.DataFrame(columns=list(PAIR_COLUMNS))
    return Resolution(
        entity_of=pd.Series(dtype=object, name="entity_id"),
        matches=empty,
        review=empty.copy(),
        merge_log=pd.DataFrame(columns=list(MERGE_LOG_COLUMNS)),
        stats={"input_records": 0, "entities": 0, "merge_rate": 0.0, "review_pairs": 0},
        kept_apart=empty.assign(reason=pd.Series(dtype=object)),
        keys=pd.DataFrame(columns=["record_id", *KEY_COLUMNS]),
    )


def _engine_config(cfg: MatchConfig) -> EngineConfig:
    """The engine settings of an organisation ``MatchConfig`` (its comparisons and rules)."""
    return EngineConfig(
        comparisons=default_comparisons(),
        blocking=cfg.rules(),
        match_threshold=cfg.match_threshold,
        review_threshold=cfg.review_threshold,
        conflict_weight=cfg.conflict_weight,
        max_block_size=cfg.max_block_size,
        max_cluster_size=cfg.max_cluster_size,
        u_sample_pairs=cfg.u_sample_pairs,
        veto_levels=dict(cfg.veto_levels),
        veto_unless=dict(cfg.veto_unless),
        merge_levels=dict(cfg.merge_levels),
        contradicting_levels=dict(cfg.contradicting_levels),
        prior_strength=cfg.prior_strength,
        seed=cfg.seed,
        pinned_model=cfg.pinned_model,
        processes=cfg.processes,
    )


def _pair_tables(
    ids: pd.Series, pairs: pd.DataFrame, entity_of: pd.Series, cfg: MatchConfig
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, int]:
    """The engine's decided pairs (record positions) as record-id tables: merged pairs, the
    ranked and capped review queue, same-name pairs kept apart (with reasons) and the review
    backlog left out of the queue."""
    id_arr = ids.to_numpy()
    left, right = pairs["left"].to_numpy(), pairs["right"].to_numpy()
    out = pd.DataFrame({"left_record_id": id_arr[left], "right_record_id": id_arr[right]})
    for c in pairs.columns[2:]:
        out[c] = pairs[c].to_numpy()
    # merged pairs in record-id order: a stable sort on the ids' ranks, not on the strings
    merged = np.flatnonzero(out["decision"].isin(["match", "must_link"]).to_numpy())
    id_rank = _order_codes(id_arr)
    merged = merged[np.lexsort((id_rank[right[merged]], id_rank[left[merged]]))]
    matches = _rows(out, merged)
    kept_apart = _rows(out, np.flatnonzero(out.pop("kept_apart").eq(True).to_numpy()))
    kept_apart.insert(2, "reason", _apart_reasons(kept_apart, cfg))
    queued = np.flatnonzero(out["decision"].isin(["review", "conflict", "must_link_refused"]))
    # entity_of lists the records as ids does (then a pair's positions are its records')
    at = (left[queued], right[queued]) if entity_of.index.equals(pd.Index(id_arr)) else None
    review = _rows(out, queued)
    review, backlog = rank_review(review, entity_of, cfg.review_share, cfg.review_min, at)
    matches.insert(2, "entity_id", matches["left_record_id"].map(entity_of))
    return matches, review, kept_apart, backlog


def _rows(frame: pd.DataFrame, rows: np.ndarray) -> pd.DataFrame:
    """``frame.take(rows).reset_index(drop=True)`` without copying the taken rows again."""
    out = frame.take(rows)
    out.index = pd.RangeIndex(len(out))
    return out


# Longer than our 80-line aim: a third of it is the stats it reports, kept in one place next
# to what each figure counts; the steps themselves are functions.
def resolve_organisations(
    records: pd.DataFrame,
    *,
    must_link: Iterable[tuple[str, str]] = (),
    cannot_link: Iterable[tuple[str, str]] = (),
    previous_ids: Mapping[str, str] | None = None,
    config: MatchConfig | None = None,
    frequencies: TermFrequencies | None = None,
    reserved_ids: Iterable[str] = (),
) -> Resolution:
    """Cluster capture organisation records into entities and give each a stable id.

    ``records`` needs ``record_id`` and ``organisation_name`` (or ``name_key``); ``domain``,
    ``website``, ``emails``, ``phones``, ``province``, ``address`` and ``link_record_id`` are
    used when present. Returns a :class:`Resolution`; ``matches`` and ``review`` have the
    columns ``PAIR_COLUMNS`` (``decision`` is match/must_link, or review/conflict).

    Incremental linkage (``incremental.link_records``) resolves a part of a snapshot: it passes
    the snapshot's term ``frequencies`` and the ids the rest of the snapshot holds
    (``reserved_ids``: never given to a new cluster).
    """
    cfg = config or MatchConfig()
    if cfg.engine != "local":
        from hotpass_assets.lib.matching.spark import resolve_with_engine

        return resolve_with_engine(
            records,
            must_link=must_link,
            cannot_link=cannot_link,
            previous_ids=previous_ids,
            config=cfg,
        )
    t0 = time.perf_counter()
    recs, ids, pos, ml = checked_records(records, must_link, cfg)
    ml_a, ml_b, ml_unknown = _index_pairs(ml, pos)
    cl_a, cl_b, cl_unknown = _index_pairs(cannot_link, pos)

    timings: dict[str, float] = {}
    if len(recs) == 0:
        return _empty_resolution()
    t = time.perf_counter()
    frame = prepare_frame(recs)
    timings["features_s"] = time.perf_counter() - t
    res = run(
        frame,
        _engine_config(cfg),
        must_link=(ml_a, ml_b),
        cannot_link=(cl_a, cl_b),
        frequencies=frequencies,
    )
    timings.update(res.timings)

    t = time.perf_counter()
    labels = pd.Series(res.labels, index=ids.to_numpy())
    entity_of, merge_log = entity_id_series(
        labels, previous_ids, prefix=cfg.id_prefix, reserved=reserved_ids
    )
    entity_of.name = "entity_id"
    entity_of.index.name = "record_id"
    timings["ids_s"] = time.perf_counter() - t

    matches, review, kept_apart, backlog = _pair_tables(ids, res.pairs, entity_of, cfg)

    n_ent = int(entity_of.nunique())
    total = time.perf_counter() - t0
    stats: dict[str, Any] = {
        "input_records": len(recs),
        "entities": n_ent,
        "merge_rate": 1.0 - n_ent / len(recs),
        "candidate_pairs": res.stats["candidate_pairs"],
        "match_pairs": len(matches),
        "review_size": len(review),
        "review_pairs": int((review["decision"] == "review").sum()),
        "review_backlog_pairs": backlog,
        "kept_apart_pairs": len(kept_apart),
        "policy_merged_pairs": res.stats.get("policy_merged_pairs", 0),
        "conflict_pairs": int((review["decision"] == "conflict").sum()),
        "must_links": len(ml_a),
        "cannot_links": len(cl_a),
        "unknown_link_ids": ml_unknown + cl_unknown,
        "refused_must_links": res.stats["refused_must_links"],
        "merged_ids": int((merge_log["event"] == "merge").sum()) if len(merge_log) else 0,
        "split_ids": int((merge_log["event"] == "split").sum()) if len(merge_log) else 0,
        "prior": res.model.prior,
        "components_rebuilt": res.stats.get("cluster_components_rebuilt", 0),
    }
    for rule, st in res.stats["blocking"].items():
        stats[f"blocking_{rule}_pairs"] = st["pairs"]
        stats[f"blocking_{rule}_skipped_records"] = st["skipped_records"]
    for k, v in timings.items():
        stats[f"runtime_{k}"] = round(v, 4)
    stats["runtime_total_s"] = round(total, 4)
    return Resolution(
        entity_of=entity_of,
        matches=matches,
        review=review,
        merge_log=merge_log,
        stats=stats,
        kept_apart=kept_apart,
        model=res.model.as_dict(),
        keys=pd.concat([ids.rename("record_id"), frame[list(KEY_COLUMNS)]], axis=1),
    )

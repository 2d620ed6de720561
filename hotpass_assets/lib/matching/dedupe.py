"""Deduplicate any table: comparisons inferred from column names and contents, or configured.

Config (a YAML-shaped mapping; every key optional)::

    fields:                       # comparisons; inferred from the table when absent
      - {name: given_name, type: name}              # name | string | address | exact | category
      - {name: date_of_birth, type: date}           # date | numeric | code | postcode
      - {name: email, type: email}                  # email | phone | set (list or ;-separated)
      - {name: soc_sec_id, type: code, max_edits: [1, 2], tf: true}
    blocking:                     # candidate keys; one per compared column when absent
      - [surname]                                   # exact on one or more columns
      - {columns: [given_name], kind: prefix, length: 3}
      - {columns: [email], kind: set}
      - {columns: [surname], kind: neighbourhood, window: 4}
    thresholds: {match: 0.95, review: 0.5, conflict_weight: -10}
    max_block_size: 1000
    max_cluster_size: 100

Without ``fields`` the comparisons are inferred from the contents of the columns
(:mod:`hotpass_assets.lib.matching.infer`); a column that carries no identity evidence is left
out, and a table without any usable column is a ``ValueError`` naming every column and why.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from hotpass_assets.lib.matching.blocking import BlockingRule, candidate_pairs
from hotpass_assets.lib.matching.engine import EngineConfig, run
from hotpass_assets.lib.matching.ids import assign_entity_ids
from hotpass_assets.lib.matching.infer import (
    POLICY_KEYS,
    base_column,
    blocking_frame,
    choose_blocking,
    default_policy,
    explain_config,
    infer_config,
    infer_field_type,
)
from hotpass_assets.lib.matching.org_comparisons import build_comparison

__all__ = [
    "dedupe_frame",
    "describe_config",
    "explain_config",
    "infer_config",
    "infer_field_type",
]


def _blocking_rules(spec: list[Any]) -> list[BlockingRule]:
    rules: list[BlockingRule] = []
    for k, item in enumerate(spec):
        if isinstance(item, str):
            item = [item]
        if isinstance(item, list | tuple):
            item = {"columns": list(item)}
        cols = tuple(item.get("columns") or [item["column"]])
        kind = item.get("kind", "exact")
        name = item.get("name") or f"{kind}:{'+'.join(cols)}" + (
            f"#{k}" if any(r.name == f"{kind}:{'+'.join(cols)}" for r in rules) else ""
        )
        rules.append(
            BlockingRule(
                name=name,
                kind=kind,
                columns=cols,
                length=int(item.get("length", 4)),
                keep=int(item.get("keep", 2)),
                window=int(item.get("window", 4)),
                max_block_size=item.get("max_block_size"),
                refine_window=int(item.get("refine_window", 0)),
                sort_column=item.get("sort_column"),
                train=bool(item.get("train", True)),
            )
        )
    return rules


#: decision thresholds of ``dedupe_frame`` when the config names none
DEFAULT_THRESHOLDS = {"match": 0.95, "review": 0.5, "conflict_weight": -10.0}


def resolve_fields(
    df: pd.DataFrame, id_column: str, cfg: Mapping[str, Any]
) -> tuple[list[dict[str, Any]], list[Any], dict[str, Any]]:
    """(fields, blocking spec, veto) of a run: the configured ones, the rest inferred."""
    explained = None
    if cfg.get("fields"):
        fields = [{"name": f} if isinstance(f, str) else dict(f) for f in cfg["fields"]]
        for f in fields:
            col = f.get("column") or f["name"]
            if col not in df.columns:
                raise KeyError(f"column {col!r} named in the config is not in the table")
            f.setdefault("type", infer_field_type(col, df[col]))
    else:
        explained = explain_config(df, id_column)
        fields = explained["fields"]
        if not fields:
            reasons = "; ".join(f"{d['column']!r}: {d['why']}" for d in explained["dropped"])
            raise ValueError(
                "no column carries identity evidence to match on"
                + (f" ({reasons})" if reasons else " (the table has only the id column)")
            )
    fields = [{k: v for k, v in f.items() if k != "why"} for f in fields]
    blocking = cfg.get("blocking")
    if not blocking:
        blocking = explained["blocking"] if explained else choose_blocking(df, fields)[0]
    policy = cfg.get("policy")
    if policy is None:
        policy = explained["policy"] if explained else default_policy(fields, df)
    policy = {
        k: {c: tuple(lv) for c, lv in v.items() if c != "why"}
        for k, v in policy.items()
        if k in POLICY_KEYS
    }
    return fields, blocking, policy


def describe_config(
    df: pd.DataFrame, id_column: str, config: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The config a run would use, as a mapping that can be saved as YAML and passed back:
    without ``config`` the inferred one with its reasons (:func:`explain_config`), else the
    given one with what it leaves out completed."""
    if id_column not in df.columns:
        raise KeyError(f"id column {id_column!r} is not in the table")
    cfg = dict(config or {})
    if not cfg.get("fields"):
        explained = explain_config(df, id_column)
        if not explained["fields"]:
            resolve_fields(df, id_column, cfg)  # raises the error naming every column
        out = {k: cfg.get(k) or v for k, v in explained.items()}
    else:
        fields, blocking, policy = resolve_fields(df, id_column, cfg)
        policy = {k: {c: list(lv) for c, lv in v.items()} for k, v in policy.items()}
        out = {"fields": fields, "blocking": blocking, "policy": policy}
    thresholds = {**DEFAULT_THRESHOLDS, **(cfg.get("thresholds") or {})}
    rest = {k: v for k, v in cfg.items() if k not in out and k != "thresholds"}
    return {**out, "thresholds": thresholds, **rest}


def engine_input(
    df: pd.DataFrame, id_column: str, config: Mapping[str, Any] | None = None
) -> tuple[pd.DataFrame, EngineConfig]:
    """The frame (compared columns and blocking keys) and engine config of a run."""
    cfg = dict(config or {})
    fields, blocking_spec, policy = resolve_fields(df, id_column, cfg)
    thresholds = {**DEFAULT_THRESHOLDS, **(cfg.get("thresholds") or {})}
    work = blocking_frame(df, fields)
    src = df.reset_index(drop=True)
    frame = src[[f.get("column") or f["name"] for f in fields]].copy()
    for col in work.columns:
        frame[f"_block_{col}"] = work[col]
    rules = [
        BlockingRule(
            name=r.name,
            kind=r.kind,
            columns=tuple(f"_block_{c}" for c in r.columns),
            length=r.length,
            keep=r.keep,
            window=r.window,
            max_block_size=r.max_block_size,
            refine_window=r.refine_window,
            sort_column=f"_block_{r.sort_column}" if r.sort_column else None,
            train=r.train,
            covers=tuple(
                f.get("name")
                for f in fields
                if (f.get("column") or f["name"]) in {base_column(c) for c in r.columns}
            ),
        )
        for r in _blocking_rules(blocking_spec)
    ]
    comps = [build_comparison({**f, "column": f.get("column") or f["name"]}) for f in fields]
    eng = EngineConfig(
        comparisons=comps,
        blocking=rules,
        match_threshold=float(thresholds["match"]),
        review_threshold=float(thresholds["review"]),
        conflict_weight=float(thresholds["conflict_weight"]),
        max_block_size=int(cfg.get("max_block_size", 1000)),
        max_cluster_size=int(cfg.get("max_cluster_size", 100)),
        veto_levels=policy.get("veto", {}),
        veto_unless=policy.get("veto_unless", {}),
        merge_levels=policy.get("merge_when", {}),
        contradicting_levels=policy.get("contradicting", {}),
    )
    return frame, eng


def pairs_completeness(
    df: pd.DataFrame, id_column: str, truth: pd.Series, config: Mapping[str, Any] | None = None
) -> float:
    """Share of the true duplicate pairs (records with equal ``truth``) that blocking makes
    candidates: recall is bounded by it. Runs the blocking stage only."""
    frame, eng = engine_input(df, id_column, config)
    n = len(frame)
    cand = candidate_pairs(frame, eng.blocking, max_block_size=eng.max_block_size)
    codes, _ = pd.factorize(pd.Series(truth).reset_index(drop=True))
    order = np.argsort(codes, kind="stable")
    sizes = np.bincount(codes)
    true_codes = []
    start = 0
    for size in sizes.tolist():
        if size > 1:
            members = np.sort(order[start : start + size])
            i, j = np.triu_indices(size, 1)
            true_codes.append(members[i].astype(np.int64) * n + members[j])
        start += size
    if not true_codes:
        return 1.0
    true = np.concatenate(true_codes)
    return float(np.isin(true, cand.codes).mean())


def dedupe_frame(
    df: pd.DataFrame,
    id_column: str,
    config: Mapping[str, Any] | None = None,
    *,
    previous_ids: Mapping[str, str] | None = None,
    id_prefix: str = "ent",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Deduplicate ``df``: returns (``[id_column, entity_id]`` per row, scored pairs).

    With ``config`` None the comparisons and blocking keys are inferred (see module doc). The
    pairs frame has ``left_id``, ``right_id``, ``match_weight``, ``match_probability``,
    ``decision`` (match, review, conflict) and one ``cmp_<field>`` column of per-field evidence.
    Entity ids follow :func:`assign_entity_ids` (``previous_ids`` keeps earlier ids).
    """
    if id_column not in df.columns:
        raise KeyError(f"id column {id_column!r} is not in the table")
    ids = df[id_column].astype(str).reset_index(drop=True)
    if ids.duplicated().any():
        raise ValueError(f"id column {id_column!r} has duplicate values")
    frame, eng = engine_input(df, id_column, config)
    t = time.perf_counter()
    res = run(frame, eng)
    labels = pd.Series(res.labels, index=ids.to_numpy())
    entity_of, _ = assign_entity_ids(labels, previous_ids, prefix=id_prefix)
    out = pd.DataFrame(
        {id_column: df[id_column].to_numpy(), "entity_id": ids.map(entity_of).to_numpy()}
    )
    pairs = res.pairs.copy()
    id_arr = ids.to_numpy()
    pairs.insert(0, "left_id", id_arr[pairs["left"].to_numpy()])
    pairs.insert(1, "right_id", id_arr[pairs["right"].to_numpy()])
    pairs = pairs.drop(columns=["left", "right"]).reset_index(drop=True)
    out.attrs["stats"] = {**res.stats, **res.timings, "total_s": time.perf_counter() - t}
    out.attrs["model"] = res.model.as_dict()
    return out, pairs

"""Incremental linkage: a new drop's records linked into the previous snapshot's entities.

A snapshot keeps, per record, its entity id and the derived matching keys (``entity_keys``:
``record_id``, ``entity_id`` and ``organisations.KEY_COLUMNS``), and its learnt model
(``match_model.json``). :func:`link_records` then resolves only the part of the next snapshot a
new drop can change:

1. **New records**: record ids the previous snapshot does not hold. A previous record that is
   gone (a superseded workbook version) makes a full rebuild necessary
   (:class:`FullRebuildNeeded`): removing records can split entities anywhere.
2. **Touched records**: previous records that share a blocking key with a new record (name
   key, core name, a name word or a word one typo away, a domain, an e-mail address, a phone),
   or that a new record's ``link_record_id`` or a reviewer decision names. Keys held by more
   previous records than the rule's block limit are skipped, as blocking drops such blocks
   (refined name blocks: up to ``REFINED_BLOCK_CAP`` records are taken in).
3. **Linked part**: the new records plus every record of every touched entity (whole entities,
   so the cluster conflict check sees all their records). It is resolved with the same engine
   and thresholds, the previous snapshot's model pinned, and term frequencies counted over the
   whole snapshot (:class:`SnapshotFrequencies`), so its pairs score as in a full rebuild.
4. **Ids**: the linked part's clusters get ids by the usual rules (``ids``) from the previous
   ids of its records; every other entity keeps its id and its records untouched. Merges and
   splits inside the linked part go to the merge log.

A full rebuild stays available (``HOTPASS_LINKAGE=full``, and the fall-back above). Where the
two can differ is listed in ``docs/entity-resolution.md`` ("Incremental linkage").
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from hotpass_assets.lib.matching.blocking import _deletion_keys
from hotpass_assets.lib.matching.comparisons import (
    Comparison,
    DomainComparison,
    OrganisationNameComparison,
    SetComparison,
)
from hotpass_assets.lib.matching.organisations import (
    KEY_COLUMNS,
    MatchConfig,
    Resolution,
    prepare_frame,
    resolve_organisations,
)

ENTITY_KEY_COLUMNS = ("record_id", "entity_id", *KEY_COLUMNS)

#: Largest block of previous records sharing a refined name key (name key, core name, a rare
#: word) that a new record pulls into the linked part; larger blocks are linked through their
#: other keys only (a full rebuild pairs a new record with its sorted neighbours there).
REFINED_BLOCK_CAP = 1000
#: Key column -> largest block blocking keeps for it (larger blocks give no pairs).
_BLOCK_LIMIT = {
    "_name_key": REFINED_BLOCK_CAP,
    "_name_core": REFINED_BLOCK_CAP,
    "_name_tokens": REFINED_BLOCK_CAP,
    "_domains": 100,
    "_emails": 100,
    "_phones": 100,
}


class FullRebuildNeeded(ValueError):
    """Incremental linkage does not apply (the reason says why); rebuild in full."""


@dataclass
class Linkage:
    """Outcome of :func:`link_records`."""

    entity_of: pd.Series  # record_id -> entity_id, every record
    resolution: Resolution  # of the linked part only
    keys: pd.DataFrame  # the next snapshot's entity_keys (ENTITY_KEY_COLUMNS)
    linked: set[str] = field(default_factory=set)  # record ids of the linked part
    stats: dict[str, object] = field(default_factory=dict)


def _arrow(values: pd.Series) -> pa.Array:
    if isinstance(values.dtype, pd.ArrowDtype):
        arr = values.array._pa_array
        return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    return pa.array(values.to_numpy(dtype=object), from_pandas=True)


def _entries(values: pd.Series) -> tuple[np.ndarray, pa.Array]:
    """(row, value) of every non-null value of a scalar or list column."""
    arr = _arrow(values)
    if pa.types.is_list(arr.type) or pa.types.is_large_list(arr.type):
        rows = pc.list_parent_indices(arr).to_numpy(zero_copy_only=False).astype(np.int64)
        flat = pc.list_flatten(arr)
    else:
        rows, flat = np.arange(len(arr), dtype=np.int64), arr
    ok = pc.is_valid(flat).to_numpy(zero_copy_only=False)
    if not ok.all():
        rows, flat = rows[ok], flat.filter(pa.array(ok))
    return rows, flat


def _typo_neighbours(old_tokens: pa.Array, new_tokens: pa.Array) -> pa.Array:
    """Previous name words one typo away from a new record's words (shared deletion key)."""
    uniq = pc.unique(pa.concat_arrays([new_tokens.cast(pa.string()), old_tokens.cast(pa.string())]))
    words = uniq.to_numpy(zero_copy_only=False).astype(object)
    long_enough = np.array([len(str(w)) >= 4 for w in words], dtype=bool)
    idx = np.flatnonzero(long_enough)
    if not len(idx):
        return pa.array([], pa.string())
    rec, key = _deletion_keys(idx, idx, words)
    is_new = pc.is_in(uniq, value_set=pc.unique(new_tokens.cast(pa.string()))).to_numpy(
        zero_copy_only=False
    )
    new_keys = np.unique(key[is_new[rec]])
    near = np.unique(rec[np.isin(key, new_keys)])
    return pa.array(words[near].tolist(), pa.string())


def touched_rows(previous: pd.DataFrame, new_frame: pd.DataFrame) -> np.ndarray:
    """Positions of the previous records that share a blocking key with a new record."""
    hit = np.zeros(len(previous), dtype=bool)
    for col in KEY_COLUMNS:
        rows, vals = _entries(previous[col])
        _, new_vals = _entries(new_frame[col])
        if not len(rows) or not len(new_vals):
            continue
        if col == "_name_tokens":
            new_vals = pa.concat_arrays(
                [new_vals.cast(pa.string()), _typo_neighbours(vals, new_vals)]
            )
        sel = pc.is_in(vals, value_set=pc.unique(new_vals.cast(vals.type))).to_numpy(
            zero_copy_only=False
        )
        rows, vals = rows[sel], vals.filter(pa.array(sel))
        if not len(rows):
            continue
        codes, counts = np.unique(
            pc.dictionary_encode(vals).indices.to_numpy(zero_copy_only=False),
            return_counts=True,
            return_inverse=True,
        )[1:]
        hit[rows[counts[codes] <= _BLOCK_LIMIT[col]]] = True
    return np.flatnonzero(hit)


def _tf_parts(comp: Comparison) -> list[tuple[str, np.ndarray, str]]:
    """Per part of a comparison's tf codes, in code order: the key column, its distinct values
    in the linked part, and the column whose holders make the part's total (``tf_total``)."""
    if isinstance(comp, OrganisationNameComparison):
        return [("_name_key", comp.key_u, "_name_key"), ("_name_core", comp.core_u, "_name_key")]
    if isinstance(comp, DomainComparison):
        return [("_emails", comp.mail_u, "_emails"), ("_domains", comp.dom_u, "_domains")]
    if isinstance(comp, SetComparison) and comp.columns[0] in KEY_COLUMNS:
        return [(comp.columns[0], comp.uniques, comp.columns[0])]
    raise FullRebuildNeeded(f"comparison {comp.name!r}: no snapshot term frequencies for it")


class SnapshotFrequencies:
    """Term frequencies of a whole snapshot for the comparisons of its linked part.

    ``outside``: the ``entity_keys`` rows of the records outside the linked part (whole
    entities). Record counts add the outside holders of each value to the linked part's own;
    entity counts (the engine's second pass) add the outside entities holding it to the linked
    part's first-pass groups.
    """

    def __init__(self, outside: pd.DataFrame, linked_records: int):
        self.outside = outside.reset_index(drop=True)
        self.n_records = len(self.outside) + linked_records
        self._entity_codes = pd.factorize(self.outside["entity_id"])[0].astype(np.int64)
        self._ext: dict[str, tuple[np.ndarray, np.ndarray, int, int]] = {}

    def _outside_counts(self, comp: Comparison) -> tuple[np.ndarray, np.ndarray, int, int]:
        """Per tf code: outside records and outside entities holding the value; outside
        records (and their entities) holding any value of the comparison."""
        if comp.name in self._ext:
            return self._ext[comp.name]
        recs, ents, any_rows = [], [], []
        for col, uniq, _ in _tf_parts(comp):
            rows, vals = _entries(self.outside[col])
            any_rows.append(np.unique(rows))
            code = pc.index_in(vals.cast(pa.string()), value_set=pa.array(list(uniq), pa.string()))
            code_np = code.to_numpy(zero_copy_only=False)
            ok = ~pd.isna(code_np)
            code_np, rows = code_np[ok].astype(np.int64), rows[ok]
            recs.append(np.bincount(code_np, minlength=len(uniq)))
            pair = np.unique(
                code_np * np.int64(len(self._entity_codes) + 1) + self._entity_codes[rows]
            )
            ents.append(
                np.bincount(pair // np.int64(len(self._entity_codes) + 1), minlength=len(uniq))
            )
        holders = np.unique(np.concatenate(any_rows)) if any_rows else np.zeros(0, np.int64)
        out = (
            np.concatenate(recs).astype(float),
            np.concatenate(ents).astype(float),
            len(holders),
            len(np.unique(self._entity_codes[holders])),
        )
        self._ext[comp.name] = out
        return out

    def record_counts(self, comp: Comparison) -> None:
        if comp.tf_counts is None or comp.tf_total is None:
            return
        ext_rec, _, _, _ = self._outside_counts(comp)
        totals = []
        for _, uniq, total_col in _tf_parts(comp):
            rows, _vals = _entries(self.outside[total_col])
            totals.append(np.full(len(uniq), float(len(np.unique(rows)))))
        comp.tf_counts = comp.tf_counts + ext_rec
        comp.tf_total = comp.tf_total + np.concatenate(totals)

    def entity_counts(self, comp: Comparison, groups: np.ndarray) -> None:
        if comp.tf_counts is None:
            return
        rec, codes = comp.tf_entries()
        if not len(rec):
            return
        _, ext_ent, ext_holders, ext_entities = self._outside_counts(comp)
        k = np.int64(groups.max() + 2)
        combo = np.unique(codes * k + groups[rec])
        clusters = np.bincount(combo // k, minlength=len(comp.tf_counts)).astype(float) + ext_ent
        n_clusters = max(len(np.unique(groups[rec])) + ext_entities, 1)
        per_cluster = (len(np.unique(rec)) + ext_holders) / n_clusters
        comp.tf_counts = np.where(
            clusters > 0, 1.0 + (clusters - 1.0) * per_cluster, comp.tf_counts
        )


def _linked_ids(
    records: pd.DataFrame,
    previous: pd.DataFrame,
    is_new: np.ndarray,
    decisions: Iterable[tuple[str, str]],
) -> tuple[np.ndarray, int]:
    """Mask over ``previous``: records of every touched entity; and the touched record count."""
    new_frame = prepare_frame(records[is_new].reset_index(drop=True))
    rows = touched_rows(previous, new_frame)
    named = set()
    if "link_record_id" in records.columns:
        links = records.loc[is_new, "link_record_id"].dropna().astype(str)
        named |= set(links[links != ""])
    for a, b in decisions:
        named |= {str(a), str(b)}
    by_name = np.flatnonzero(previous["record_id"].isin(named).to_numpy())
    rows = np.union1d(rows, by_name)
    entities = previous["entity_id"].to_numpy()[rows]
    return previous["entity_id"].isin(set(entities)).to_numpy(), len(rows)


def link_records(
    records: pd.DataFrame,
    previous: pd.DataFrame,
    *,
    model: dict[str, object],
    config: MatchConfig | None = None,
    must_link: Iterable[tuple[str, str]] = (),
    cannot_link: Iterable[tuple[str, str]] = (),
) -> Linkage:
    """Link the records the previous snapshot does not hold into its entities.

    ``records``: every record of the new snapshot (capture columns, unique ``record_id``);
    ``previous``: the previous snapshot's ``entity_keys``; ``model``: its published model.
    Raises :class:`FullRebuildNeeded` when a previous record is gone or no model is given.
    """
    t0 = time.perf_counter()
    if not model:
        raise FullRebuildNeeded("the previous snapshot has no published match model")
    cfg = dataclasses.replace(config or MatchConfig(), pinned_model=model)
    missing = set(KEY_COLUMNS) - set(previous.columns)
    if missing:
        raise FullRebuildNeeded(f"entity_keys lacks column(s) {sorted(missing)}")
    ids = records["record_id"].astype(str)
    gone = ~previous["record_id"].isin(ids)
    if gone.any():
        raise FullRebuildNeeded(f"{int(gone.sum())} record(s) of the previous snapshot are gone")
    is_new = (~ids.isin(previous["record_id"])).to_numpy()
    ml, cl = list(must_link), list(cannot_link)
    in_linked, n_touched = _linked_ids(records, previous, is_new, ml + cl)
    inside, outside = previous[in_linked], previous[~in_linked]
    part_ids = set(inside["record_id"]) | set(ids[is_new])
    part = records[ids.isin(part_ids).to_numpy()]
    t_select = time.perf_counter() - t0

    frequencies = SnapshotFrequencies(outside, len(part))
    prev_ids = dict(zip(inside["record_id"], inside["entity_id"], strict=True))
    res = resolve_organisations(
        part,
        must_link=ml,
        cannot_link=cl,
        previous_ids=prev_ids,
        config=cfg,
        frequencies=frequencies,
        reserved_ids=outside["entity_id"].unique().tolist(),
    )
    entity_of = pd.concat(
        [pd.Series(outside["entity_id"].to_numpy(), index=outside["record_id"].to_numpy()),
         res.entity_of]
    )  # fmt: skip
    entity_of = entity_of.sort_index(kind="stable").rename("entity_id")
    entity_of.index.name = "record_id"
    linked_keys = res.keys.assign(entity_id=res.keys["record_id"].map(res.entity_of))
    keys = pd.concat([outside, linked_keys[list(ENTITY_KEY_COLUMNS)]], ignore_index=True)
    keys = keys.sort_values("record_id", kind="stable").reset_index(drop=True)
    stats = {
        "linkage": "incremental",
        "new_records": int(is_new.sum()),
        "touched_records": n_touched,
        "linked_records": len(part),
        "linked_entities_before": int(inside["entity_id"].nunique()),
        "untouched_entities": int(outside["entity_id"].nunique()),
        "select_s": round(t_select, 4),
        "total_s": round(time.perf_counter() - t0, 4),
    }
    return Linkage(entity_of=entity_of, resolution=res, keys=keys, linked=part_ids, stats=stats)

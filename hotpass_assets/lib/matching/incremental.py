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
   (a refined name rule's over-common block: the new record's sorted neighbours only).
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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from hotpass_assets.lib.matching.blocking import (
    BlockingRule,
    _deletion_keys,
    _mix,
    unique_ints,
)
from hotpass_assets.lib.matching.comparisons import Comparison, SetComparison
from hotpass_assets.lib.matching.org_comparisons import (
    DomainComparison,
    OrganisationNameComparison,
)
from hotpass_assets.lib.matching.organisations import (
    KEY_COLUMNS,
    MatchConfig,
    Resolution,
    prepare_frame,
    rank_review,
    resolve_organisations,
)

ENTITY_KEY_COLUMNS = ("record_id", "entity_id", *KEY_COLUMNS)


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


def _member(values: pd.Series, wanted: pd.Series | Iterable[object]) -> np.ndarray:
    """Whether each value is one of ``wanted``, as a numpy mask (Arrow's hash lookup on text:
    several times cheaper than pandas' ``isin`` between an Arrow-backed and an object column of
    a million ids)."""
    arr = _arrow(values).cast(pa.string())
    if isinstance(wanted, pd.Series):
        value_set = _arrow(wanted).cast(pa.string())
    else:
        value_set = pa.array([str(w) for w in wanted], pa.string())
    mask: np.ndarray = pc.is_in(arr, value_set=value_set).to_numpy(zero_copy_only=False)
    return mask


def keys_table(keys: pd.DataFrame) -> pa.Table:
    """``entity_keys`` as Arrow: ids and keys ``string``, key lists ``list<string>``."""
    arrays = []
    for name in ENTITY_KEY_COLUMNS:
        arr = _arrow(keys[name])
        want = pa.list_(pa.string()) if pa.types.is_list(arr.type) else pa.string()
        if pa.types.is_null(arr.type) and name in (
            "_name_tokens",
            "_domains",
            "_emails",
            "_phones",
        ):
            want = pa.list_(pa.string())
        arrays.append(arr if arr.type == want else arr.cast(want))
    return pa.Table.from_arrays(arrays, names=list(ENTITY_KEY_COLUMNS))


def keys_frame(table: pa.Table) -> pd.DataFrame:
    """``entity_keys`` read back with Arrow-backed columns (lists stay Arrow lists: converting a
    snapshot's keys to Python lists would cost more than linking a drop)."""
    frame: pd.DataFrame = table.select(list(ENTITY_KEY_COLUMNS)).to_pandas(
        types_mapper=pd.ArrowDtype
    )
    return frame


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
    new_keys = unique_ints(key[is_new[rec]])
    near = unique_ints(rec[np.isin(key, new_keys)])
    return pa.array(words[near].tolist(), pa.string())


def _column_rules(rules: Iterable[BlockingRule]) -> dict[str, tuple[int, int, str | None]]:
    """Key column -> (largest block kept, refine window, sort column) over the blocking rules
    that block on it (the typo rule aside: ``_typo_neighbours``)."""
    out: dict[str, tuple[int, int, str | None]] = {}
    for rule in rules:
        col = rule.columns[0]
        if rule.kind == "deletions" or col not in KEY_COLUMNS:
            continue
        limit, window, sort = out.get(col, (0, 0, None))
        if rule.refine_window >= 2 and rule.refine_window > window:
            window, sort = rule.refine_window, rule.sort_column or col
        out[col] = (max(limit, rule.max_block_size or 200), window, sort)
    return out


def _sort_text(values: pd.Series, rows: np.ndarray) -> np.ndarray:
    """The text blocking sorts a refined block by (lists joined with spaces; nulls empty)."""
    arr = _arrow(values).take(pa.array(rows, pa.int64()))
    if pa.types.is_list(arr.type) or pa.types.is_large_list(arr.type):
        arr = pc.binary_join(arr, " ")
    return np.asarray(pc.fill_null(arr.cast(pa.string()), "").to_numpy(zero_copy_only=False))


def _neighbours(
    old: tuple[np.ndarray, np.ndarray, np.ndarray],
    new: tuple[np.ndarray, np.ndarray],
    window: int,
) -> np.ndarray:
    """Previous rows within ``window`` positions of a new record in its block sorted by the
    sort text: (value code, sort text, row) of the previous entries, (code, text) of the new."""
    code = np.r_[old[0], new[0]]
    text = np.r_[old[1], new[1]].astype(object)
    is_new = np.r_[np.zeros(len(old[0]), bool), np.ones(len(new[0]), bool)]
    row = np.r_[old[2], np.full(len(new[0]), -1, np.int64)]
    order = np.lexsort((is_new, text, code))
    code, is_new, row = code[order], is_new[order], row[order]
    at = np.flatnonzero(is_new)
    out = []
    for d in range(1, window):
        for pos in (at - d, at + d):
            ok = (pos >= 0) & (pos < len(code))
            pos, src = pos[ok], at[ok]
            keep = (code[pos] == code[src]) & ~is_new[pos]
            out.append(row[pos[keep]])
    return np.concatenate(out) if out else np.zeros(0, np.int64)


def _rarest(rows: np.ndarray, vals: pa.Array, keep: int) -> np.ndarray:
    """Whether each (row, word) entry is among its row's ``keep`` rarest words (by the number of
    previous records holding the word; ties kept), as the rare-word rule blocks on."""
    codes = pc.dictionary_encode(vals).indices.to_numpy(zero_copy_only=False).astype(np.int64)
    freq = np.bincount(codes)[codes]
    order = np.lexsort((freq, rows))
    r, f = rows[order], freq[order]
    pos = np.arange(len(r))
    row_start = np.maximum.accumulate(np.where(np.r_[True, r[1:] != r[:-1]], pos, 0))
    new_group = np.r_[True, (r[1:] != r[:-1]) | (f[1:] != f[:-1])]
    group_start = np.maximum.accumulate(np.where(new_group, pos, 0))
    rank = np.empty(len(r), dtype=np.int64)
    rank[order] = group_start - row_start
    return rank < keep


def _rest_hashes(rows: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Per (row, word) entry, a hash of the row's other words (entries sorted by row): the sum
    of per-word hashes of the row less the word's own."""
    h = _mix(codes.astype(np.uint64) + np.uint64(1))
    if not len(rows):
        return h
    starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
    sums = np.add.reduceat(h, starts)
    with np.errstate(over="ignore"):
        rest: np.ndarray = np.repeat(sums, np.diff(np.r_[starts, len(rows)])) - h
    return rest


def _same_rest(
    rows: np.ndarray, words: pa.Array, new_rows: np.ndarray, new_words: pa.Array
) -> np.ndarray:
    """Whether each previous (row, word) entry has the same other words as some new record's
    entry (the typo rule keys a word's deletions on the record's other words)."""
    codes = pc.dictionary_encode(pa.concat_arrays([words, new_words])).indices
    codes_np = codes.to_numpy(zero_copy_only=False).astype(np.int64)
    have = _rest_hashes(rows, codes_np[: len(words)])
    wanted = _rest_hashes(new_rows, codes_np[len(words) :])
    return np.isin(have, wanted)


def touched_rows(
    previous: pd.DataFrame, new_frame: pd.DataFrame, rules: Iterable[BlockingRule]
) -> dict[str, np.ndarray]:
    """Positions of the previous records that a new record can be paired with, per key column.

    A key shared with a new record pulls in its previous holders when its block is within the
    rule's limit; an over-common block of a refined rule pulls in the sorted neighbours of the
    new record only (as blocking pairs them); an over-common block of any other rule nothing
    (blocking drops it).
    """
    out: dict[str, np.ndarray] = {}
    rules = list(rules)
    typo_limit = max((r.max_block_size or 200 for r in rules if r.kind == "deletions"), default=0)
    for col, (limit, window, sort) in _column_rules(rules).items():
        rows, vals = _entries(previous[col])
        new_rows, new_vals = _entries(new_frame[col])
        if not len(rows) or not len(new_vals):
            continue
        vals, new_vals = vals.cast(pa.string()), new_vals.cast(pa.string())
        passes = [(new_vals, limit, window, False)]
        usable = np.ones(len(rows), dtype=bool)
        if col == "_name_tokens":
            keep = max((r.keep for r in rules if r.kind == "rare_tokens"), default=0)
            usable = _rarest(rows, vals, keep) if keep else usable
            if typo_limit:
                passes.append((_typo_neighbours(vals, new_vals), typo_limit, 0, True))
        hit = []
        for wanted, lim, win, typo in passes:
            uniq = pc.unique(wanted)
            code = pc.index_in(vals, value_set=uniq).to_numpy(zero_copy_only=False)
            sel = ~pd.isna(code)
            if not typo:  # a word shared as one of the previous record's rarest words
                sel &= usable
            else:  # a word one typo away: the records' other words must be the same
                same = _same_rest(rows, vals, new_rows, new_vals)
                sel &= same
            h_rows, h_code = rows[sel], code[sel].astype(np.int64)
            counts = np.bincount(h_code, minlength=len(uniq))
            hit.append(h_rows[counts[h_code] <= lim])
            big = counts > lim
            if win >= 2 and sort and big.any():
                in_big = big[h_code]
                n_code = pc.index_in(new_vals, value_set=uniq).to_numpy(zero_copy_only=False)
                n_sel = ~pd.isna(n_code)
                n_code, n_rows = n_code[n_sel].astype(np.int64), new_rows[n_sel]
                n_big = big[n_code]
                hit.append(
                    _neighbours(
                        (
                            h_code[in_big],
                            _sort_text(previous[sort], h_rows[in_big]),
                            h_rows[in_big],
                        ),
                        (n_code[n_big], _sort_text(new_frame[sort], n_rows[n_big])),
                        win,
                    )
                )
        out[col] = unique_ints(np.concatenate(hit)) if hit else np.zeros(0, np.int64)
    return out


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
        self._columns: dict[str, tuple[np.ndarray, pa.Array, np.ndarray]] = {}

    def _column(self, col: str) -> tuple[np.ndarray, pa.Array, np.ndarray]:
        """(row, value) entries of an outside key column and its distinct holder rows."""
        if col not in self._columns:
            rows, vals = _entries(self.outside[col])
            self._columns[col] = (rows, vals.cast(pa.string()), unique_ints(rows))
        return self._columns[col]

    def _outside_counts(self, comp: Comparison) -> tuple[np.ndarray, np.ndarray, int, int]:
        """Per tf code: outside records and outside entities holding the value; outside
        records (and their entities) holding any value of the comparison."""
        if comp.name in self._ext:
            return self._ext[comp.name]
        recs, ents, any_rows = [], [], []
        for col, uniq, _ in _tf_parts(comp):
            rows, vals, holders_of = self._column(col)
            any_rows.append(holders_of)
            code = pc.index_in(vals, value_set=pa.array(list(uniq), pa.string()))
            code_np = code.to_numpy(zero_copy_only=False)
            ok = ~pd.isna(code_np)
            code_np, rows = code_np[ok].astype(np.int64), rows[ok]
            recs.append(np.bincount(code_np, minlength=len(uniq)))
            pair = unique_ints(
                code_np * np.int64(len(self._entity_codes) + 1) + self._entity_codes[rows]
            )
            ents.append(
                np.bincount(pair // np.int64(len(self._entity_codes) + 1), minlength=len(uniq))
            )
        holders = unique_ints(np.concatenate(any_rows)) if any_rows else np.zeros(0, np.int64)
        out = (
            np.concatenate(recs).astype(float),
            np.concatenate(ents).astype(float),
            len(holders),
            len(unique_ints(self._entity_codes[holders])),
        )
        self._ext[comp.name] = out
        return out

    def record_counts(self, comp: Comparison) -> None:
        if comp.tf_counts is None or comp.tf_total is None:
            return
        ext_rec, _, _, _ = self._outside_counts(comp)
        totals = []
        for _, uniq, total_col in _tf_parts(comp):
            totals.append(np.full(len(uniq), float(len(self._column(total_col)[2]))))
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
        combo = unique_ints(codes * k + groups[rec])
        clusters = np.bincount(combo // k, minlength=len(comp.tf_counts)).astype(float) + ext_ent
        n_clusters = max(len(unique_ints(groups[rec])) + ext_entities, 1)
        per_cluster = (len(unique_ints(rec)) + ext_holders) / n_clusters
        comp.tf_counts = np.where(
            clusters > 0, 1.0 + (clusters - 1.0) * per_cluster, comp.tf_counts
        )


def _linked_ids(
    records: pd.DataFrame,
    previous: pd.DataFrame,
    is_new: np.ndarray,
    decisions: Iterable[tuple[str, str]],
    rules: list[BlockingRule],
) -> tuple[np.ndarray, dict[str, int]]:
    """Mask over ``previous``: records of every touched entity; and the touched record count."""
    by_column: dict[str, np.ndarray] = {}
    if is_new.any():
        new_frame = prepare_frame(records[is_new].reset_index(drop=True))
        by_column = touched_rows(previous, new_frame, rules)
    rows = unique_ints(np.concatenate([np.zeros(0, np.int64), *by_column.values()]))
    per_column = {f"touched_by{col}": len(r) for col, r in by_column.items()}
    named = set()
    if "link_record_id" in records.columns:
        links = records.loc[is_new, "link_record_id"].dropna().astype(str)
        named |= set(links[links != ""])
    for a, b in decisions:
        named |= {str(a), str(b)}
    by_name = np.flatnonzero(_member(previous["record_id"], named))
    rows = unique_ints(np.r_[rows, by_name])
    entities = previous["entity_id"].to_numpy()[rows]
    return _member(previous["entity_id"], set(entities)), {
        "touched_records": len(rows),
        **per_column,
    }


def link_records(
    records: pd.DataFrame,
    previous: pd.DataFrame,
    *,
    model: dict[str, object],
    config: MatchConfig | None = None,
    must_link: Iterable[tuple[str, str]] = (),
    cannot_link: Iterable[tuple[str, str]] = (),
    previous_ids: Mapping[str, str] | None = None,
) -> Linkage:
    """Link the records the previous snapshot does not hold into its entities.

    ``records``: every record of the new snapshot (capture columns, unique ``record_id``);
    ``previous``: the previous snapshot's ``entity_keys``; ``model``: its published model.
    ``previous_ids``: record id -> previous entity id (default: the keys' own), which may also
    give a new record an id (``refine.previous_ids_for``: the same natural key); that entity
    is then linked too.
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
    gone = ~_member(previous["record_id"], ids)
    if gone.any():
        raise FullRebuildNeeded(f"{int(gone.sum())} record(s) of the previous snapshot are gone")
    is_new = ~_member(ids, previous["record_id"])
    ml, cl = list(must_link), list(cannot_link)
    known = dict(previous_ids) if previous_ids is not None else None
    in_linked, touched = _linked_ids(records, previous, is_new, ml + cl, cfg.rules())
    if known:
        carried = {known[r] for r in ids[is_new] if r in known}
        in_linked |= _member(previous["entity_id"], carried)
    inside, outside = previous[in_linked], previous[~in_linked]
    part_ids = set(inside["record_id"].tolist()) | set(ids[is_new].tolist())
    part = records[_member(ids, part_ids)]
    t_select = time.perf_counter() - t0

    frequencies = SnapshotFrequencies(outside, len(part))
    if known is None:
        prev_ids = dict(
            zip(inside["record_id"].tolist(), inside["entity_id"].tolist(), strict=True)
        )
    else:
        prev_ids = {r: known[r] for r in part_ids if r in known}
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
    tables = [keys_table(outside)]
    if len(part):
        linked_keys = res.keys.assign(entity_id=res.keys["record_id"].map(res.entity_of))
        tables.append(keys_table(linked_keys))
    table = pa.concat_tables(tables)
    keys = keys_frame(table.sort_by("record_id"))
    stats = {
        "linkage": "incremental",
        "new_records": int(is_new.sum()),
        **touched,
        "linked_records": len(part),
        "linked_entities_before": int(inside["entity_id"].nunique()),
        "untouched_entities": int(outside["entity_id"].nunique()),
        "select_s": round(t_select, 4),
        "total_s": round(time.perf_counter() - t0, 4),
    }
    return Linkage(entity_of=entity_of, resolution=res, keys=keys, linked=part_ids, stats=stats)


def _outside(table: pd.DataFrame, linked: set[str]) -> pd.DataFrame:
    """Rows of a previous pair table whose two records are both outside the linked part."""
    if table.empty or "left_record_id" not in table.columns:
        return table.iloc[0:0]
    keep = ~(table["left_record_id"].isin(linked) | table["right_record_id"].isin(linked))
    return table[keep.to_numpy()]


def merge_tables(
    link: Linkage,
    matches: pd.DataFrame,
    review: pd.DataFrame,
    kept_apart: pd.DataFrame,
    config: MatchConfig | None = None,
) -> Resolution:
    """The snapshot-wide resolution of an incremental linkage: the previous snapshot's pair
    tables (match evidence, review queue, kept-apart pairs) outside the linked part, plus the
    linked part's; the review queue ranked and capped again over all entities."""
    cfg = config or MatchConfig()
    res = link.resolution

    def combined(previous: pd.DataFrame, current: pd.DataFrame) -> pd.DataFrame:
        rest = _outside(previous, link.linked)
        if rest.empty:
            return current.reset_index(drop=True)
        if current.empty:
            return rest.reset_index(drop=True)
        return pd.concat([rest, current], ignore_index=True)

    all_matches = combined(matches, res.matches)
    if len(all_matches):
        all_matches = all_matches.sort_values(
            ["left_record_id", "right_record_id"], kind="stable"
        ).reset_index(drop=True)
    ranked = ("left_entity_id", "right_entity_id", "impact")
    queue = combined(review, res.review).drop(columns=list(ranked), errors="ignore")
    queue, backlog = rank_review(queue, link.entity_of, cfg.review_share, cfg.review_min)
    n_records, n_entities = len(link.entity_of), int(link.entity_of.nunique())
    stats = {
        **res.stats,
        "input_records": n_records,
        "entities": n_entities,
        "merge_rate": 1.0 - n_entities / n_records if n_records else 0.0,
        "match_pairs": len(all_matches),
        "review_size": len(queue),
        "review_pairs": int((queue["decision"] == "review").sum()) if len(queue) else 0,
        "review_backlog_pairs": backlog,
    }
    return Resolution(
        entity_of=link.entity_of,
        matches=all_matches,
        review=queue,
        merge_log=res.merge_log,
        stats=stats,
        model=res.model,
        kept_apart=combined(kept_apart, res.kept_apart),
        keys=link.keys,
    )

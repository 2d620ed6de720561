"""Survivorship, provenance and conflicts of one snapshot, computed column-wise.

Input: the captured organisation records (sorted by record id) with their resolved ``entity_id``,
and the captured contacts. Every record gets one rank inside its entity: source trust
(descending), completeness of the record (descending), recency of its interaction date
(descending), record id (ascending). One ``lexsort`` orders all records by entity, then rank; a
field's survivor is the first record of its entity that carries the field (a ranked arg-max),
found for all entities at once. The rule that chose it compares the survivor with the runner-up
(``only_candidate``, ``agreement``, ``source_trust``, ``completeness``, ``recency``,
``record_id_tiebreak``); every other distinct value (case-insensitive) is a conflict row and a
provenance candidate. List fields are unioned in rank order, first spelling kept.

The per-field provenance JSON is assembled from JSON fragments of each field (the text
``json.dumps(..., sort_keys=True)`` writes). Contacts are merged by
:mod:`hotpass_assets.lib.contacts_merge`. No function here loops over entities in Python except
to join a few strings per entity.
"""

import json
from datetime import date
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from hotpass_assets.lib import fields
from hotpass_assets.lib.columnar import (
    day_numbers,
    first_per_group,
    group_bounds,
    grouped_sorted_unique,
    grouped_union,
    json_text,
    json_value,
    present_mask,
    split_lists,
    value_codes,
)
from hotpass_assets.lib.contacts_merge import merge_contacts
from hotpass_assets.lib.records import (
    CAPTURE_ORGANISATION_COLUMNS,
    CONFLICT_COLUMNS,
    LIST_COLUMNS,
    QUALITY_FIELDS,
    REFINED_CONTACT_COLUMNS,
    REFINED_ORGANISATION_COLUMNS,
)

#: Scalar organisation fields chosen by ranked survivorship (registry rule ``ranked``).
SURVIVOR_FIELDS: tuple[str, ...] = fields.survivor_fields()
#: Field -> weight of its presence in a source row's completeness (registry ``completeness``).
COMPLETENESS_WEIGHTS: dict[str, int] = fields.completeness_weights()
#: Fields whose presence counts towards a source row's completeness.
COMPLETENESS_FIELDS: tuple[str, ...] = tuple(COMPLETENESS_WEIGHTS)
ORDER_STATUSES = frozenset({"last order"})
DEFAULT_PRIVACY_BASIS = "legitimate_interest"
PRIMARY_RULE = "one_person: valid, reachable, source_trust, recency"
_RULES = np.array(["source_trust", "completeness", "recency", "record_id_tiebreak"], dtype=object)

#: Columns of the organisations capture this step reads: all but the join bookkeeping.
ORGANISATION_INPUT_COLUMNS: tuple[str, ...] = tuple(
    c for c in CAPTURE_ORGANISATION_COLUMNS if c not in {"link_record_id", "link_method"}
)


class _Ranked:
    """Records of entities ``0..n-1`` in rank order, with their rank components."""

    def __init__(self, records: pd.DataFrame):
        codes, uniques = pd.factorize(records["entity_id"], sort=True)
        self.entity_ids = pd.Index(uniques, dtype=object)
        self.n = len(uniques)
        trust = records["source_trust"].fillna(0).astype(np.int64).to_numpy()
        complete = np.zeros(len(records), dtype=np.int64)
        by_record = {
            f: present_mask(records[f], is_list=f in LIST_COLUMNS) for f in COMPLETENESS_FIELDS
        }
        for f, weight in COMPLETENESS_WEIGHTS.items():
            complete += weight * by_record[f].astype(np.int64)
        recency = np.maximum(day_numbers(records["interaction_date"]), 1)
        pos = np.arange(len(records))
        order = np.lexsort((pos, -recency, -complete, -trust, codes))
        order = order[codes[order] >= 0]
        at = {c: i for i, c in enumerate(records.columns)}
        used = [at[c] for c in ORGANISATION_INPUT_COLUMNS if c in at]
        # one take of the used columns in rank order (a new frame; no further copy to reindex)
        self.rows: pd.DataFrame = records.iloc[order, used]
        self.rows.index = pd.RangeIndex(len(order))
        self.g = codes[order].astype(np.int64)
        self.keys = np.stack([-trust[order], -complete[order], -recency[order], pos[order]])
        self.pos = pos[order]
        self._present = {f: mask[order] for f, mask in by_record.items()}
        self.starts = group_bounds(self.g, self.n)[:-1]
        self.record_entity = pd.Series(self.g, index=self.rows["record_id"].to_numpy())
        columns = self.rows["source_columns"].fillna("{}").replace("", "{}")
        col_codes, col_uniques = pd.factorize(columns)
        self.column_maps = [json.loads(u) for u in col_uniques]
        self.column_code = col_codes
        self._source_json = np.full(len(order), None, dtype=object)
        self._sheet_json = np.full(len(order), None, dtype=object)
        self._has_source_json = np.zeros(len(order), dtype=bool)

    def column(self, name: str) -> np.ndarray:
        return self.rows[name].to_numpy(object)

    def source_json(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Provenance JSON of ``rows`` that depends on the record only, built once per row: the
        ``file``, ``record_id`` and ``row`` keys up to the ``rule`` value, and the ``sheet`` key
        between the ``rule`` and ``value`` values."""
        new = np.unique(rows[~self._has_source_json[rows]])
        if len(new):
            files = _json_each(self.column("source_file")[new])
            ids = [json_text(i) for i in self.column("record_id")[new].tolist()]
            numbers = self.rows["source_row"].to_numpy()[new].tolist()
            self._source_json[new] = [
                f'"file": {f}, "record_id": {i}, "row": {int(n)}, "rule": '
                for f, i, n in zip(files, ids, numbers, strict=True)
            ]
            sheets = _json_each(self.column("source_sheet")[new])
            self._sheet_json[new] = [f', "sheet": {s}, "value": ' for s in sheets]
            self._has_source_json[new] = True
        return self._source_json[rows], self._sheet_json[rows]

    def present(self, name: str) -> np.ndarray:
        """``present_mask`` of a scalar column in rank order, computed once per column."""
        if name not in self._present:
            self._present[name] = present_mask(self.rows[name])
        return self._present[name]


def _rules(
    r: _Ranked,
    rows: np.ndarray,
    counts: np.ndarray,
    best: np.ndarray,
    runner: np.ndarray,
    has_others: np.ndarray,
) -> np.ndarray:
    rules = np.full(r.n, None, dtype=object)
    some = np.flatnonzero(counts > 0)
    b, s = best[some], runner[some]
    diff = r.keys[:, b] != r.keys[:, np.maximum(s, 0)]
    first_diff = np.where(diff.any(axis=0), diff.argmax(axis=0), 3)
    rule = _RULES[first_diff]
    rule = np.where(has_others[some], rule, "agreement")
    rules[some] = np.where(counts[some] == 1, "only_candidate", rule)
    return rules


def _choose_field(
    r: _Ranked, field: str, fi: int, pool: np.ndarray, snapshot: str
) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """Survivor row per entity (-1: none), its provenance fragment, and the conflict rows."""
    values = r.column(field)
    rows = np.flatnonzero(r.present(field) & pool)
    g = r.g[rows]
    counts = np.bincount(g, minlength=r.n)
    lead = np.r_[True, g[1:] != g[:-1]] if len(g) else np.zeros(0, bool)
    best = np.full(r.n, -1, dtype=np.int64)
    best[g[lead]] = rows[lead]
    second = np.r_[False, lead[:-1]] & ~lead if len(g) else lead
    runner = np.full(r.n, -1, dtype=np.int64)
    runner[g[second]] = rows[second]
    text = np.array([str(v) for v in values[rows]], dtype=object)
    folded = np.array([t.casefold() for t in text], dtype=object)
    lead_idx = np.flatnonzero(lead)
    group_lead = lead_idx[np.cumsum(lead) - 1]
    differs = ~lead & (folded != folded[group_lead])
    cand = np.flatnonzero(differs)
    dup = pd.DataFrame({"g": g[cand], "v": value_codes(text[cand])}).duplicated().to_numpy()
    cand = cand[~dup]
    has_others = np.bincount(g[cand], minlength=r.n) > 0
    rules = _rules(r, rows, counts, best, runner, has_others)
    rid = r.column("record_id")
    other_rows = rows[cand]
    conflicts = pd.DataFrame(
        {
            "entity_id": r.entity_ids.to_numpy(object)[g[cand]],
            "snapshot_date": snapshot,
            "field": field,
            "chosen_value": text[group_lead[cand]],
            "chosen_record_id": rid[rows[group_lead[cand]]],
            "other_value": text[cand],
            "other_record_id": rid[other_rows],
            "rule": rules[g[cand]],
            "_g": g[cand],
            "_f": fi,
        }
    )
    items = [
        f'{{"record_id": {json_text(i)}, "value": {json_text(v)}}}'
        for i, v in zip(rid[other_rows], text[cand], strict=True)
    ]
    candidates = _candidate_lists(g[cand], items)
    return best, _fragments(r, field, best, rules, candidates, values), conflicts


def _candidate_lists(groups: np.ndarray, items: list[str]) -> dict[int, str]:
    """The JSON list of each group's ``items`` (rows sorted by group), for the groups that have
    any: most entities have no other candidate, and their list is ``[]``."""
    if not items:
        return {}
    starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
    bounds = [*starts.tolist(), len(items)]
    return {
        g: "[" + ", ".join(items[a:b]) + "]"
        for g, a, b in zip(groups[starts].tolist(), bounds, bounds[1:], strict=False)
    }


def _json_each(values: np.ndarray) -> list[str]:
    """``json_value`` of each value, computed once per distinct value (file and sheet names)."""
    seen: dict[object, str] = {}
    return [seen[v] if v in seen else seen.setdefault(v, json_value(v)) for v in values.tolist()]


def _prov_value(value: object) -> str:
    if isinstance(value, str | int | float | bool):
        return json_value(value)
    return json_text(str(value))


def _fragments(
    r: _Ranked,
    field: str,
    best: np.ndarray,
    rules: np.ndarray,
    candidates: dict[int, str],
    values: np.ndarray,
) -> np.ndarray:
    """The field's provenance fragment per entity (``None`` where no record has a value); the
    columns are taken for all entities at once, then formatted in one pass."""
    out = np.full(r.n, None, dtype=object)
    ents = np.flatnonzero(best >= 0)
    if not len(ents):
        return out
    b = best[ents]
    column_json = [json_value(m.get(field)) for m in r.column_maps]
    rule_json = {rule: json_text(rule) for rule in set(rules[ents].tolist())}
    head = f'"{field}": {{"candidates": '
    source, sheet = r.source_json(b)
    texts = [
        f'{head}{candidates.get(e, "[]")}, "column": {column_json[code]}, {src}'
        f"{rule_json[rule]}{sht}"
        f"{json_text(value) if type(value) is str else _prov_value(value)}}}"
        for e, code, src, rule, sht, value in zip(
            ents.tolist(),
            r.column_code[b].tolist(),
            source.tolist(),
            rules[ents].tolist(),
            sheet.tolist(),
            values[b].tolist(),
            strict=True,
        )
    ]
    out[ents] = np.fromiter(texts, dtype=object, count=len(texts))
    return out


def _join_fragments(columns: list[np.ndarray], n: int) -> list[str]:
    """``json.dumps(provenance, sort_keys=True)`` per entity from its sorted key fragments."""
    rows = zip(*(c.tolist() for c in columns), strict=True)
    return ["{" + ", ".join(filter(None, row)) + "}" for row in rows]


def _unmapped_provinces(r: _Ranked, province_best: np.ndarray) -> np.ndarray:
    raw_rows = np.flatnonzero(r.present("province_raw") & (province_best < 0)[r.g])
    ents, local = np.unique(r.g[raw_rows], return_inverse=True)
    raw = grouped_sorted_unique(local, r.column("province_raw")[raw_rows], len(ents))
    out = np.full(r.n, None, dtype=object)
    for e, found in zip(ents.tolist(), raw, strict=True):
        values = "[" + ", ".join(json_value(v) for v in found) + "]"
        out[e] = f'"province": {{"raw_values": {values}, "rule": "unmapped", "value": null}}'
    return out


def _primary(r: _Ranked, people: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Row of each entity's primary contact in ``people`` (-1: none) and its fragment."""
    out = np.full(r.n, -1, dtype=np.int64)
    fragments = np.full(r.n, None, dtype=object)
    if people.empty:
        return out, fragments
    reach = np.fromiter(
        (bool(e) + bool(p) for e, p in zip(people["emails"], people["phones"], strict=True)),
        np.int64,
        len(people),
    )
    order = np.lexsort(
        (
            people["contact_id"].to_numpy().astype(str),
            -people["_recency"].to_numpy(np.int64),
            -people["_trust"].to_numpy(np.int64),
            -reach,
            ~people["is_valid"].to_numpy(bool),
            people["_entity"].to_numpy(np.int64),
        )
    )
    ent = people["_entity"].to_numpy(np.int64)[order]
    lead = np.r_[True, ent[1:] != ent[:-1]]
    out[ent[lead]] = order[lead]
    ids, records = (
        people["contact_id"].to_numpy(object),
        people["source_record_ids"].to_numpy(object),
    )
    for e in np.flatnonzero(out >= 0).tolist():
        p = out[e]
        rec = "[" + ", ".join(json_value(v) for v in records[p]) + "]"
        fragments[e] = (
            f'"primary_contact": {{"contact_id": {json_text(ids[p])}, "record_ids": {rec}, '
            f'"rule": {json_text(PRIMARY_RULE)}}}'
        )
    return out, fragments


def _take(values: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """``values[idx]`` with None where ``idx`` is -1."""
    out = np.full(len(idx), None, dtype=object)
    hit = idx >= 0
    out[hit] = values[idx[hit]]
    return out


def _latest_day(r: _Ranked, column: str) -> list[str | None]:
    days = np.maximum.reduceat(day_numbers(r.rows[column]), r.starts)
    return [date.fromordinal(d).isoformat() if d else None for d in days.tolist()]


def _ordered(r: _Ranked, people: pd.DataFrame, column: str) -> list[list[str]]:
    groups = np.concatenate([r.g, people["_entity"].to_numpy(np.int64)])
    return grouped_union(groups, [*r.rows[column].tolist(), *people[column].tolist()], r.n)


def _customers(r: _Ranked, last_order: list[str | None]) -> tuple[np.ndarray, np.ndarray]:
    order_count = pd.to_numeric(r.rows["order_count"]).fillna(0).astype(np.int64)
    counts = np.add.reduceat(order_count.to_numpy(), r.starts)
    codes, uniques = pd.factorize(r.rows["order_status"], use_na_sentinel=True)
    hit = np.array(
        [str(u or "").strip().casefold() in ORDER_STATUSES for u in uniques] + [False], bool
    )
    status = np.bincount(r.g, weights=hit[codes], minlength=r.n) > 0
    ordered = np.array([d is not None for d in last_order], bool)
    return counts, (counts > 0) | ordered | status


def _quality(out: dict[str, Any], n: int) -> tuple[list[float], list[list[str]]]:
    """Data-quality score and ``missing_<item>`` flags from the survivor columns in ``out``."""
    present = np.zeros((len(QUALITY_FIELDS), n), dtype=bool)
    for i, f in enumerate(fields.quality_fields()):
        values = out[f.name]
        if f.is_list:
            present[i] = np.fromiter((bool(v) for v in values), bool, n)
        else:
            present[i] = np.asarray(values, dtype=object) != None  # noqa: E711 (element-wise)
    scores = [round(k / len(QUALITY_FIELDS), 4) for k in range(len(QUALITY_FIELDS) + 1)]
    score = [scores[k] for k in present.sum(axis=0).tolist()]
    flags = [
        [f"missing_{q}" for q, has in zip(QUALITY_FIELDS, col, strict=True) if not has]
        for col in present.T.tolist()
    ]
    return score, flags


Survived = tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]

#: Records from which :func:`survive` splits the work over processes: below it a fork and the
#: transfer of the results cost more than they save (on 2 cores, 100,000 records: 2.4 s in one
#: process, 1.8 s in two; 1,000,000: about 28 s and 18 s).
PARALLEL_MIN_RECORDS = 50_000


def survive(
    records: pd.DataFrame, contacts: pd.DataFrame, snapshot: str, *, processes: int = 1
) -> Survived:
    """Organisations, contacts and conflicts of a snapshot from records that carry ``entity_id``
    (sorted by ``record_id``) and the captured contacts.

    ``processes`` > 1 (and at least :data:`PARALLEL_MIN_RECORDS` records): the entities are cut
    into that many ranges of their sorted ids; forked children work on all ranges but the first,
    this process on the first, and the children's tables come back pickled. Every output row
    belongs to one entity and every table is ordered by entity id first, so the parts
    concatenated in range order are the tables one process builds (tests compare them).
    """
    if processes < 2 or len(records) < PARALLEL_MIN_RECORDS:
        return _survive(records, contacts, snapshot)
    from hotpass_assets.lib.background import Forked

    parts = _entity_parts(records, processes)
    if len(parts) < 2:
        return _survive(records, contacts, snapshot)

    # Each part gets every contact: merge_contacts keeps those of its own records, in order.
    def part(k: int) -> Survived:
        return _survive(records.iloc[parts[k]], contacts, snapshot)

    children = [
        Forked(partial(part, k), label=f"snapshot {snapshot}: survivorship part {k + 1}")
        for k in range(1, len(parts))
    ]
    try:
        results = [part(0), *(child.result() for child in children)]
    finally:
        for child in children:
            child.cancel()
    return (
        _concat([r[0] for r in results]),
        _concat([r[1] for r in results]),
        _concat([r[2] for r in results]),
    )


#: Entity ids sampled (evenly over the records) to place the cuts between parts.
_CUT_SAMPLE = 20_000


def _entity_parts(records: pd.DataFrame, count: int) -> list[np.ndarray]:
    """Row positions of up to ``count`` ranges of sorted entity ids, of about equal numbers of
    records (cut at quantiles of a sample of the ids); empty ranges are left out."""
    ids = records["entity_id"].to_numpy(object)
    present = np.flatnonzero(pd.notna(ids))
    if not len(present):
        return []
    step = max(1, len(present) // _CUT_SAMPLE)
    # compared as Python objects, as the ranking's sorted factorize compares them
    sample = np.sort(ids[present[::step]])
    cuts = np.array(sorted(set(sample[(np.arange(1, count) * len(sample)) // count])), object)
    # records without an entity go to the first part, which leaves them out as one process does
    part_of = np.zeros(len(ids), dtype=np.int64)
    part_of[present] = np.searchsorted(cuts, ids[present], side="right")
    parts = [np.flatnonzero(part_of == k) for k in range(len(cuts) + 1)]
    return [p for p in parts if len(p)]


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The parts' rows in order; empty parts are left out (their columns carry no dtypes)."""
    full = [f for f in frames if len(f)]
    if not full:
        return frames[0]
    if len(full) == 1:
        return full[0]
    return pd.concat(full, ignore_index=True)


def _survive(records: pd.DataFrame, contacts: pd.DataFrame, snapshot: str) -> Survived:
    """:func:`survive` in this process."""
    if records.empty:
        return (
            pd.DataFrame(columns=list(REFINED_ORGANISATION_COLUMNS)),
            pd.DataFrame(columns=list(REFINED_CONTACT_COLUMNS)),
            pd.DataFrame(columns=list(CONFLICT_COLUMNS)),
        )
    r = _Ranked(records)
    people = merge_contacts(contacts, r.record_entity, r.entity_ids, snapshot)
    is_org = r.rows["record_kind"].eq("organisation").to_numpy()
    has_org = np.bincount(r.g, weights=is_org, minlength=r.n) > 0
    everywhere = np.ones(len(r.g), dtype=bool)
    chosen, fragments, conflicts = {}, {}, []
    for fi, field in enumerate(SURVIVOR_FIELDS):
        pool = (is_org | ~has_org[r.g]) if field == "organisation_name" else everywhere
        best, fragments[field], rows = _choose_field(r, field, fi, pool, snapshot)
        chosen[field] = best
        conflicts.append(rows)
    fragments["province"] = np.where(
        chosen["province"] >= 0, fragments["province"], _unmapped_provinces(r, chosen["province"])
    )
    primary, fragments["primary_contact"] = _primary(r, people)
    orgs = _organisations(r, people, chosen, primary, snapshot)
    orgs["selection_provenance"] = _join_fragments([fragments[k] for k in sorted(fragments)], r.n)
    conflict_frame = pd.concat(conflicts, ignore_index=True)
    conflict_frame = conflict_frame.sort_values(["_g", "_f"], kind="stable")
    conflict_frame = conflict_frame.reset_index(drop=True).reindex(columns=list(CONFLICT_COLUMNS))
    people_out = people.reindex(columns=list(REFINED_CONTACT_COLUMNS))
    return orgs.reindex(columns=list(REFINED_ORGANISATION_COLUMNS)), people_out, conflict_frame


def _organisations(
    r: _Ranked,
    people: pd.DataFrame,
    chosen: dict[str, np.ndarray],
    primary: np.ndarray,
    snapshot: str,
) -> pd.DataFrame:
    out: dict[str, Any] = {"entity_id": r.entity_ids.to_numpy(object), "snapshot_date": snapshot}
    for field in SURVIVOR_FIELDS:
        out[field] = _take(r.column(field), chosen[field])
    first_row = np.minimum.reduceat(r.pos, r.starts)
    by_pos = np.empty(len(r.pos), dtype=np.int64)
    by_pos[r.pos] = np.arange(len(r.pos))
    # The chosen name's record, else the entity's first record in record-id order.
    name_row = chosen["organisation_name"]
    name_row = np.where(name_row >= 0, name_row, by_pos[first_row])
    out["name_key"] = r.column("name_key")[name_row]
    out["domain"] = _take(r.column("domain"), first_per_group(r.g, r.present("domain"), r.n))
    note_rows = np.flatnonzero(r.present("notes"))
    notes = grouped_union(r.g[note_rows], [[v] for v in r.column("notes")[note_rows]], r.n)
    out["notes"] = ["\n".join(v) if v else None for v in notes]
    out["aircraft_types"] = grouped_union(r.g, r.rows["aircraft_types"].tolist(), r.n)
    out["emails"] = _ordered(r, people, "emails")
    out["phones"] = _ordered(r, people, "phones")
    pc = (
        {
            c: people[c].to_numpy(object)
            for c in ("contact_id", "full_name", "role", "emails", "phones")
        }
        if len(people)
        else {
            c: np.zeros(0, object) for c in ("contact_id", "full_name", "role", "emails", "phones")
        }
    )
    out["primary_contact_id"] = _take(pc["contact_id"], primary)
    out["primary_contact_name"] = _take(pc["full_name"], primary)
    out["primary_contact_role"] = _take(pc["role"], primary)
    out["primary_contact_email"] = [
        (v or [None])[0] if v is not None else None for v in _take(pc["emails"], primary)
    ]
    out["primary_contact_phone"] = [
        (v or [None])[0] if v is not None else None for v in _take(pc["phones"], primary)
    ]
    out["contact_count"] = (
        np.bincount(people["_entity"].to_numpy(np.int64), minlength=r.n)
        if len(people)
        else np.zeros(r.n, np.int64)
    )
    out["email_count"] = np.fromiter(map(len, out["emails"]), np.int64, r.n)
    out["phone_count"] = np.fromiter(map(len, out["phones"]), np.int64, r.n)
    out["source_datasets"] = grouped_sorted_unique(r.g, r.rows["source_dataset"], r.n)
    by_id = np.lexsort((r.pos, r.g))
    out["source_record_ids"] = split_lists(r.g[by_id], r.column("record_id")[by_id].tolist(), r.n)
    pk = pd.DataFrame({"g": r.g, "k": r.column("partition_key")}).drop_duplicates()
    out["source_count"] = np.bincount(pk["g"].to_numpy(), minlength=r.n)
    score, flags = _quality(out, r.n)
    out["data_quality_score"] = score
    out["data_quality_flags"] = flags
    out["privacy_basis"] = DEFAULT_PRIVACY_BASIS
    out["last_interaction_date"] = _latest_day(r, "interaction_date")
    out["last_order_date"] = _latest_day(r, "last_order_date")
    out["order_count"], out["is_customer"] = _customers(r, out["last_order_date"])
    return pd.DataFrame(out)

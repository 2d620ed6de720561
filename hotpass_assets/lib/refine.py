"""Build a refined snapshot from captured records: one row per organisation, with provenance.

Steps (each a pure function, timed into the snapshot's stats):

1. **Select drops**: every drop up to the snapshot day; when the same workbook (same file stem)
   was dropped several times, its latest version supersedes the older ones, so a re-exported
   workbook does not double its rows.
2. **Resolve entities** with :mod:`hotpass_assets.lib.matching` (blocking, EM-weighted scoring,
   guarded clustering, review zone, reviewer constraints, stable ids).
3. **Survivorship** per field, column-wise (:mod:`hotpass_assets.lib.survivorship`): source
   trust, then completeness of the source row, then recency of its interaction date, then
   record id (a deterministic tie-break). The chosen value records its
   file, sheet, row and column, the rule that chose it and the other candidates; every
   disagreement is a conflict row. List fields are unioned.
4. **Contacts** are deduplicated within an organisation (same folded name, or a shared e-mail or
   phone); the primary contact is one person, so name, role, e-mail and phone stay paired.
5. **Quality**: share present of e-mail, phone, website, province and address, one flag per gap.
"""

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from hotpass_assets.lib.survivorship import survive


@dataclass
class Snapshot:
    organisations: pd.DataFrame
    contacts: pd.DataFrame
    conflicts: pd.DataFrame
    review: pd.DataFrame
    merge_log: pd.DataFrame
    matches: pd.DataFrame
    #: record_id, natural_key, entity_id per source record: the next snapshot's id memory.
    record_map: pd.DataFrame
    stats: dict = field(default_factory=dict)
    #: pairs of records with identical folded names left in two organisations, with the
    #: contradicting evidence (``reason``, per-comparison levels and weights)
    kept_apart: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: the learnt matching model: m, u and weight per comparison level (see ``publish_model``)
    model: dict = field(default_factory=dict)


MODEL_COLUMNS = ("comparison", "level", "m", "u", "match_weight", "prior")


def model_table(model: dict) -> pd.DataFrame:
    """The learnt matching model as rows: m, u and weight (bits) per comparison level, and the
    prior (chance two random records match). Parameters only: no record values."""
    rows = [
        {
            "comparison": comp["name"],
            "level": level,
            "m": vals["m"],
            "u": vals["u"],
            "match_weight": vals["weight"],
            "prior": model.get("prior"),
        }
        for comp in model.get("comparisons", [])
        for level, vals in comp["levels"].items()
    ]
    return pd.DataFrame(rows, columns=list(MODEL_COLUMNS))


def select_drops(manifests: Iterable[Mapping], as_of: date) -> tuple[list[str], list[str]]:
    """Drops used by the snapshot for ``as_of`` and those superseded by a later version.

    ``manifests`` are mappings with ``partition_key``, ``drop_date`` (ISO) and ``file_name``.
    """
    latest: dict[str, Mapping] = {}
    superseded: list[str] = []
    eligible = [m for m in manifests if date.fromisoformat(str(m["drop_date"])) <= as_of]
    for m in sorted(eligible, key=lambda m: (str(m["drop_date"]), str(m["partition_key"]))):
        stem = str(m["partition_key"]).split("_", 1)[1].rsplit("_", 1)[0]
        if stem in latest:
            superseded.append(str(latest[stem]["partition_key"]))
        latest[stem] = m
    return sorted(str(m["partition_key"]) for m in latest.values()), sorted(superseded)


def natural_key(row: Mapping) -> str:
    """A record's identity across versions of the same workbook (record ids embed the hash)."""
    return f"{row['source_dataset']}|{row['source_sheet']}|{row.get('name_key') or ''}"


def natural_keys(records: pd.DataFrame) -> list[str]:
    """:func:`natural_key` of every row, without materialising the rows as mappings."""
    return [
        f"{d}|{s}|{k or ''}"
        for d, s, k in zip(
            records["source_dataset"], records["source_sheet"], records["name_key"], strict=True
        )
    ]


def previous_ids_for(records: pd.DataFrame, previous: pd.DataFrame | None) -> dict[str, str]:
    """Map current record ids to the entity ids the previous snapshot gave them.

    ``previous`` has ``record_id``, ``natural_key`` and ``entity_id`` (one row per source record).
    A record keeps its id by record id first, else by natural key (a new version of a workbook).
    """
    if previous is None or previous.empty:
        return {}
    by_record = dict(zip(previous["record_id"], previous["entity_id"], strict=True))
    by_natural: dict[str, str] = {}
    for nk, eid in zip(previous["natural_key"], previous["entity_id"], strict=True):
        by_natural.setdefault(nk, eid)
    out: dict[str, str] = {}
    for rid, nk in zip(records["record_id"], records["natural_key"], strict=True):
        eid = by_record.get(rid) or by_natural.get(nk)
        if eid:
            out[rid] = eid
    return out


def build_snapshot(
    organisations: pd.DataFrame,
    contacts: pd.DataFrame,
    *,
    snapshot_date: date,
    previous: pd.DataFrame | None = None,
    must_link: Iterable[tuple[str, str]] = (),
    cannot_link: Iterable[tuple[str, str]] = (),
    match_config: object | None = None,
) -> Snapshot:
    """Resolve, merge and score the captured records of one snapshot."""
    from hotpass_assets.lib.matching import resolve_organisations

    timings: dict[str, float] = {}
    snap = snapshot_date.isoformat()
    t0 = time.perf_counter()
    if organisations["record_id"].is_monotonic_increasing:
        # Already in record-id order (the refined asset sorts while reading): no copy.
        records = organisations.copy(deep=False)
        records.index = pd.RangeIndex(len(records))
    else:
        records = organisations.sort_values("record_id", kind="stable").reset_index(drop=True)
    records["natural_key"] = natural_keys(records)
    prev_ids = previous_ids_for(records, previous)
    resolution = resolve_organisations(
        records,
        must_link=list(must_link),
        cannot_link=list(cannot_link),
        previous_ids=prev_ids,
        config=match_config,
    )
    timings["resolve_s"] = time.perf_counter() - t0
    entity_of: dict[str, str] = dict(resolution.entity_of.items())

    t1 = time.perf_counter()
    records["entity_id"] = records["record_id"].map(entity_of)
    orgs, people_out, conflict_frame = survive(records, contacts, snap)
    timings["survivorship_s"] = time.perf_counter() - t1

    n_in = len(records)
    stats = {
        "input_records": n_in,
        "entities": len(orgs),
        "merge_rate": round(1 - len(orgs) / n_in, 4) if n_in else 0.0,
        "review_queue": len(resolution.review),
        "conflicts": len(conflict_frame),
        "contacts": len(people_out),
        "customers": int(orgs["is_customer"].sum()) if len(orgs) else 0,
        **{f"match_{k}": v for k, v in resolution.stats.items()},
        **timings,
    }
    return Snapshot(
        organisations=orgs,
        contacts=people_out,
        conflicts=conflict_frame,
        review=resolution.review,
        merge_log=resolution.merge_log,
        matches=resolution.matches,
        record_map=records[["record_id", "natural_key", "entity_id"]].copy(),
        stats=stats,
        kept_apart=resolution.kept_apart,
        model=resolution.model,
    )

"""Build a refined snapshot from captured records: one row per organisation, with provenance.

Steps (each a pure function, timed into the snapshot's stats):

1. **Select drops**: every drop up to the snapshot day; when the same workbook (same file stem)
   was dropped several times, its latest version supersedes the older ones, so a re-exported
   workbook does not double its rows.
2. **Resolve entities** with :mod:`hotpass_assets.lib.matching` (blocking, EM-weighted scoring,
   guarded clustering, review zone, reviewer constraints, stable ids). With ``linkage=
   "incremental"`` and a previous snapshot (its ``entity_keys`` and model), only the new records
   and the entities they can join are resolved (:mod:`hotpass_assets.lib.matching.incremental`);
   the other entities keep their records and ids. A snapshot where that does not apply (a
   previous record is gone, no keys or model) is rebuilt in full, and says why
   (``linkage_fallback``).
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
from typing import TYPE_CHECKING, Any

import pandas as pd

from hotpass_assets.lib.survivorship import survive

if TYPE_CHECKING:
    from hotpass_assets.lib.matching import Resolution
    from hotpass_assets.lib.matching.organisations import MatchConfig


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
    stats: dict[str, Any] = field(default_factory=dict)
    #: pairs of records with identical folded names left in two organisations, with the
    #: contradicting evidence (``reason``, per-comparison levels and weights)
    kept_apart: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: the learnt matching model: m, u and weight per comparison level (see ``publish_model``)
    model: dict[str, Any] = field(default_factory=dict)
    #: per record: entity id and derived matching keys (``matching.incremental``), what the
    #: next snapshot links its new records against
    entity_keys: pd.DataFrame = field(default_factory=pd.DataFrame)


@dataclass
class PreviousSnapshot:
    """What incremental linkage reads of the previous snapshot."""

    entity_keys: pd.DataFrame
    model: dict[str, Any]
    matches: pd.DataFrame = field(default_factory=pd.DataFrame)
    review: pd.DataFrame = field(default_factory=pd.DataFrame)
    kept_apart: pd.DataFrame = field(default_factory=pd.DataFrame)


MODEL_COLUMNS = ("comparison", "level", "m", "u", "match_weight", "prior")


def model_table(model: dict[str, Any]) -> pd.DataFrame:
    """The learnt matching model as rows: m, u and weight (bits) per comparison level, and the
    prior (chance two random records match). Parameters only: no record values."""
    if model.get("engine") == "spark":
        from hotpass_assets.lib.matching.splink_levels import splink_model_rows

        return pd.DataFrame(splink_model_rows(model["splink"]), columns=list(MODEL_COLUMNS))
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


def select_drops(
    manifests: Iterable[Mapping[str, Any]], as_of: date
) -> tuple[list[str], list[str]]:
    """Drops used by the snapshot for ``as_of`` and those superseded by a later version.

    ``manifests`` are mappings with ``partition_key``, ``drop_date`` (ISO) and ``file_name``.
    """
    latest: dict[str, Mapping[str, Any]] = {}
    superseded: list[str] = []
    eligible = [m for m in manifests if date.fromisoformat(str(m["drop_date"])) <= as_of]
    for m in sorted(eligible, key=lambda m: (str(m["drop_date"]), str(m["partition_key"]))):
        stem = str(m["partition_key"]).split("_", 1)[1].rsplit("_", 1)[0]
        if stem in latest:
            superseded.append(str(latest[stem]["partition_key"]))
        latest[stem] = m
    return sorted(str(m["partition_key"]) for m in latest.values()), sorted(superseded)


def natural_key(row: Mapping[Any, Any]) -> str:
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
    match_config: "MatchConfig | None" = None,
    linkage: str = "full",
    previous_snapshot: PreviousSnapshot | None = None,
    processes: int = 1,
) -> Snapshot:
    """Resolve, merge and score the captured records of one snapshot.

    ``linkage="incremental"`` with ``previous_snapshot``: link the new records into its entities
    (see the module docstring); otherwise every record is resolved. ``processes``: how many
    processes survivorship may use (:func:`hotpass_assets.lib.survivorship.survive`)."""

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
    resolution, keys, linkage_stats = _resolve(
        records,
        previous,
        list(must_link),
        list(cannot_link),
        match_config,
        linkage,
        previous_snapshot,
    )
    timings["resolve_s"] = time.perf_counter() - t0
    entity_of = resolution.entity_of

    t1 = time.perf_counter()
    records["entity_id"] = records["record_id"].map(entity_of).to_numpy()
    orgs, people_out, conflict_frame = survive(records, contacts, snap, processes=processes)
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
        **linkage_stats,
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
        entity_keys=keys,
    )


def _resolve(
    records: pd.DataFrame,
    previous: pd.DataFrame | None,
    must_link: list[tuple[str, str]],
    cannot_link: list[tuple[str, str]],
    match_config: "MatchConfig | None",
    linkage: str,
    prior: PreviousSnapshot | None,
) -> tuple["Resolution", pd.DataFrame, dict[str, object]]:
    """Entity resolution of a snapshot: incremental when asked and possible, else in full.
    Returns the resolution (``entity_of`` over every record), the ``entity_keys`` and stats."""
    from hotpass_assets.lib.matching import resolve_organisations
    from hotpass_assets.lib.matching.incremental import (
        ENTITY_KEY_COLUMNS,
        FullRebuildNeeded,
        link_records,
        merge_tables,
    )

    stats: dict[str, object] = {"linkage": "full"}
    if linkage not in ("full", "incremental"):
        raise ValueError(f"linkage {linkage!r}: expected 'incremental' or 'full'")
    if linkage == "incremental" and match_config is not None and match_config.engine != "local":
        # incremental linkage scores a part of the snapshot with the whole snapshot's term
        # frequencies and keeps the ids of the rest out of reach: only the local engine does
        stats["linkage_fallback"] = f"the {match_config.engine} engine links in full"
    elif linkage == "incremental" and prior is None:
        stats["linkage_fallback"] = "no previous snapshot with entity keys"
    elif (
        linkage == "incremental"
        and prior is not None
        and prior.model.get("engine") == "spark"
        and (match_config is None or match_config.pinned_model is None)
    ):
        # the default engine cannot score with Splink's parameters
        stats["linkage_fallback"] = "the previous snapshot's model was learnt by the Spark engine"
    elif linkage == "incremental" and prior is not None:
        config = match_config
        pinned = config.pinned_model if config is not None else None
        try:
            link = link_records(
                records,
                prior.entity_keys,
                model=pinned or prior.model,
                config=config,
                must_link=must_link,
                cannot_link=cannot_link,
                previous_ids=previous_ids_for(records, previous),
            )
        except FullRebuildNeeded as exc:
            stats["linkage_fallback"] = str(exc)
        else:
            resolution = merge_tables(link, prior.matches, prior.review, prior.kept_apart, config)
            stats.update({f"linkage_{k}": v for k, v in link.stats.items() if k != "linkage"})
            stats["linkage"] = "incremental"
            return resolution, link.keys, stats
    resolution = resolve_organisations(
        records,
        must_link=must_link,
        cannot_link=cannot_link,
        previous_ids=previous_ids_for(records, previous),
        config=match_config,
    )
    keys = resolution.keys.assign(
        entity_id=resolution.keys["record_id"].map(resolution.entity_of).to_numpy()
    )
    return resolution, keys[list(ENTITY_KEY_COLUMNS)], stats

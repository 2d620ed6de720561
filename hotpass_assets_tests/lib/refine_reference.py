"""The per-entity survivorship that ``lib/refine.py`` ran before it became column-wise.

Kept only as the reference the column-wise implementation (:mod:`hotpass_assets.lib.survivorship`)
is compared with; the code below is the former ``build_snapshot`` from entity resolution on,
unchanged.
"""

import json
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date

import pandas as pd

from hotpass_assets.lib.records import (
    CONFLICT_COLUMNS,
    QUALITY_FIELDS,
    REFINED_CONTACT_COLUMNS,
    REFINED_ORGANISATION_COLUMNS,
)
from hotpass_assets.lib.survivorship import (
    COMPLETENESS_FIELDS as _COMPLETENESS_FIELDS,
)
from hotpass_assets.lib.survivorship import (
    DEFAULT_PRIVACY_BASIS,
    ORDER_STATUSES,
    SURVIVOR_FIELDS,
)


def _present(value: object) -> bool:
    if value is None:
        return False
    if isinstance(value, float) and value != value:
        return False
    if isinstance(value, list | tuple):
        return len(value) > 0
    return not (isinstance(value, str) and not value.strip())


def _fold(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold()
    return " ".join(folded.replace(".", " ").split())


def _as_date(value: object) -> date | None:
    if not _present(value):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _rank_key(row: Mapping) -> tuple:
    completeness = sum(_present(row.get(f)) for f in _COMPLETENESS_FIELDS)
    recency = _as_date(row.get("interaction_date")) or date.min
    return (
        -int(row.get("source_trust") or 0),
        -completeness,
        -recency.toordinal(),
        row["record_id"],
    )


def _choose(
    field_name: str, rows: list[dict], entity_id: str, snapshot: str, conflicts: list[dict]
) -> tuple[object, dict | None]:
    candidates = [r for r in rows if _present(r.get(field_name))]
    if not candidates:
        return None, None
    ranked = sorted(candidates, key=_rank_key)
    best = ranked[0]
    value = best[field_name]
    distinct_others: dict[str, dict] = {}
    for other in ranked[1:]:
        ov = other[field_name]
        if str(ov).casefold() != str(value).casefold() and str(ov) not in distinct_others:
            distinct_others[str(ov)] = other
    if len(ranked) == 1:
        rule = "only_candidate"
    else:
        runner = ranked[1]
        a, b = _rank_key(best), _rank_key(runner)
        rule = ("source_trust", "completeness", "recency", "record_id_tiebreak")[
            next((i for i in range(4) if a[i] != b[i]), 3)
        ]
        if not distinct_others:
            rule = "agreement"
    columns = json.loads(best.get("source_columns") or "{}")
    for other_value, other in distinct_others.items():
        conflicts.append(
            {
                "entity_id": entity_id,
                "snapshot_date": snapshot,
                "field": field_name,
                "chosen_value": str(value),
                "chosen_record_id": best["record_id"],
                "other_value": other_value,
                "other_record_id": other["record_id"],
                "rule": rule,
            }
        )
    provenance = {
        "value": value if isinstance(value, str | int | float | bool) else str(value),
        "record_id": best["record_id"],
        "file": best["source_file"],
        "sheet": best["source_sheet"],
        "row": int(best["source_row"]),
        "column": columns.get(field_name),
        "rule": rule,
        "candidates": [
            {"value": v, "record_id": o["record_id"]} for v, o in distinct_others.items()
        ],
    }
    return value, provenance


def _union(values: Iterable[Iterable[str] | None]) -> list[str]:
    seen: dict[str, str] = {}
    for group in values:
        for v in group or ():
            seen.setdefault(str(v).casefold(), str(v))
    return list(seen.values())


# The former code, kept unchanged as the oracle: splitting it would change the reference itself.
# The former code, kept unchanged as the oracle: splitting it would change the reference itself.
def _dedupe_contacts(  # noqa: C901
    contacts: pd.DataFrame, entity_of: Mapping[str, str], snapshot: str
) -> pd.DataFrame:
    """One row per person per organisation: same folded name, or a shared e-mail or phone."""
    if contacts.empty:
        return pd.DataFrame(columns=list(REFINED_CONTACT_COLUMNS))
    rows = contacts.to_dict("records")
    groups: dict[tuple[str, int], list[dict]] = {}
    parent: dict[int, int] = {}

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    by_entity: dict[str, list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        eid = entity_of.get(row["organisation_record_id"])
        row["_entity"] = eid
        parent[i] = i
        if eid is not None:
            by_entity[eid].append(i)
    for eid, idx in by_entity.items():
        seen: dict[str, int] = {}
        for i in idx:
            row = rows[i]
            keys = [f"e:{e}" for e in row.get("emails") or []]
            keys += [f"p:{p}" for p in row.get("phones") or []]
            if _present(row.get("full_name")):
                keys.append(f"n:{_fold(row['full_name'])}")
            for k in keys:
                if k in seen:
                    parent[find(i)] = find(seen[k])
                else:
                    seen[k] = i
        del eid
    for eid, idx in by_entity.items():
        for i in idx:
            groups.setdefault((eid, find(i)), []).append(rows[i])
    out = []
    for (eid, _), members in sorted(
        groups.items(), key=lambda kv: (kv[0][0], kv[1][0]["contact_record_id"])
    ):
        members.sort(key=lambda r: (-int(r.get("source_trust") or 0), r["contact_record_id"]))
        best = next((m for m in members if _present(m.get("full_name"))), members[0])
        role = next((m["role"] for m in members if _present(m.get("role"))), None)
        flags = []
        if all(bool(m.get("is_invalid")) for m in members):
            flags.append("marked_invalid_in_source")
        emails = _union(m.get("emails") for m in members)
        phones = _union(m.get("phones") for m in members)
        if not emails and not phones:
            flags.append("unreachable")
        ids = sorted(m["contact_record_id"] for m in members)
        out.append(
            {
                "contact_id": "ct_" + _short_hash(eid + "|" + ids[0]),
                "entity_id": eid,
                "snapshot_date": snapshot,
                "full_name": best.get("full_name"),
                "first_name": best.get("first_name"),
                "last_name": best.get("last_name"),
                "role": role,
                "emails": emails,
                "phones": phones,
                "source_datasets": sorted({m["source_dataset"] for m in members}),
                "source_record_ids": ids,
                "is_valid": "marked_invalid_in_source" not in flags and "unreachable" not in flags,
                "validity_flags": flags,
                "_trust": int(best.get("source_trust") or 0),
                "_recency": max((_as_date(m.get("interaction_date")) or date.min) for m in members),
            }
        )
    return pd.DataFrame(out)


def _short_hash(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _primary_contact(people: pd.DataFrame) -> dict | None:
    """The one person whose name, role, e-mail and phone the organisation row shows."""
    if people.empty:
        return None
    ranked = sorted(
        people.to_dict("records"),
        key=lambda c: (
            not c["is_valid"],
            -(bool(c["emails"]) + bool(c["phones"])),
            -c["_trust"],
            -c["_recency"].toordinal(),
            c["contact_id"],
        ),
    )
    return ranked[0]


def reference_survive(
    records: pd.DataFrame, contacts: pd.DataFrame, snap: str
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Organisations, contacts, conflicts: ``records`` sorted by record id with ``entity_id``."""
    records = records.copy()
    entity_of = dict(zip(records["record_id"], records["entity_id"], strict=True))
    people = _dedupe_contacts(contacts, entity_of, snap)
    people_by_entity = (
        {eid: g for eid, g in people.groupby("entity_id")} if not people.empty else {}
    )
    conflicts: list[dict] = []
    out_rows = []
    for eid, group in records.groupby("entity_id", sort=True):
        rows = group.to_dict("records")
        # Only listings name an organisation; attribute rows (addresses, notes, orders) still
        # compete for the fields they carry.
        row: dict = {"entity_id": eid, "snapshot_date": snap}
        provenance: dict[str, dict] = {}
        for f in SURVIVOR_FIELDS:
            pool = (
                rows
                if f != "organisation_name"
                else ([r for r in rows if r["record_kind"] == "organisation"] or rows)
            )
            value, prov = _choose(f, pool, eid, snap, conflicts)
            row[f] = value
            if prov:
                provenance[f] = prov
        best_name = provenance.get("organisation_name")
        row["name_key"] = next(
            (r["name_key"] for r in rows if best_name and r["record_id"] == best_name["record_id"]),
            rows[0]["name_key"],
        )
        domains = [r["domain"] for r in sorted(rows, key=_rank_key) if _present(r.get("domain"))]
        row["domain"] = domains[0] if domains else None
        if row["province"] is None:
            raw = sorted({r["province_raw"] for r in rows if _present(r.get("province_raw"))})
            if raw:
                provenance["province"] = {"value": None, "rule": "unmapped", "raw_values": raw}
        notes = _union(
            [[r["notes"]] for r in sorted(rows, key=_rank_key) if _present(r.get("notes"))]
        )
        row["notes"] = "\n".join(notes) if notes else None
        row["aircraft_types"] = _union(r.get("aircraft_types") for r in sorted(rows, key=_rank_key))
        ppl = people_by_entity.get(eid, pd.DataFrame())
        row["emails"] = _union(
            [
                *(r.get("emails") for r in sorted(rows, key=_rank_key)),
                *(ppl["emails"] if len(ppl) else []),
            ]
        )
        row["phones"] = _union(
            [
                *(r.get("phones") for r in sorted(rows, key=_rank_key)),
                *(ppl["phones"] if len(ppl) else []),
            ]
        )
        primary = _primary_contact(ppl) if len(ppl) else None
        row["primary_contact_id"] = primary["contact_id"] if primary else None
        row["primary_contact_name"] = primary["full_name"] if primary else None
        row["primary_contact_role"] = primary["role"] if primary else None
        row["primary_contact_email"] = (primary["emails"] or [None])[0] if primary else None
        row["primary_contact_phone"] = (primary["phones"] or [None])[0] if primary else None
        if primary:
            provenance["primary_contact"] = {
                "contact_id": primary["contact_id"],
                "record_ids": primary["source_record_ids"],
                "rule": "one_person: valid, reachable, source_trust, recency",
            }
        row["contact_count"] = len(ppl)
        row["email_count"] = len(row["emails"])
        row["phone_count"] = len(row["phones"])
        row["source_datasets"] = sorted({r["source_dataset"] for r in rows})
        row["source_record_ids"] = sorted(r["record_id"] for r in rows)
        row["source_count"] = len({r["partition_key"] for r in rows})
        present = {
            "email": bool(row["emails"]),
            "phone": bool(row["phones"]),
            "website": _present(row["website"]),
            "province": _present(row["province"]),
            "address": _present(row["address"]),
        }
        row["data_quality_score"] = round(sum(present.values()) / len(QUALITY_FIELDS), 4)
        row["data_quality_flags"] = [f"missing_{k}" for k in QUALITY_FIELDS if not present[k]]
        row["privacy_basis"] = DEFAULT_PRIVACY_BASIS
        dates = [d for d in (_as_date(r.get("interaction_date")) for r in rows) if d]
        row["last_interaction_date"] = max(dates).isoformat() if dates else None
        order_dates = [d for d in (_as_date(r.get("last_order_date")) for r in rows) if d]
        row["last_order_date"] = max(order_dates).isoformat() if order_dates else None
        row["order_count"] = int(sum(int(r.get("order_count") or 0) for r in rows))
        has_status = any(
            str(r.get("order_status") or "").strip().casefold() in ORDER_STATUSES for r in rows
        )
        row["is_customer"] = bool(row["order_count"] > 0 or order_dates or has_status)
        row["selection_provenance"] = json.dumps(provenance, sort_keys=True, default=str)
        out_rows.append(row)
    orgs = pd.DataFrame(out_rows, columns=list(REFINED_ORGANISATION_COLUMNS))
    people_out = people.drop(columns=["_trust", "_recency"], errors="ignore")
    people_out = people_out.reindex(columns=list(REFINED_CONTACT_COLUMNS))
    conflict_frame = pd.DataFrame(conflicts, columns=list(CONFLICT_COLUMNS))
    return orgs, people_out, conflict_frame

"""Records phase of sheet capture: organisation and attribute records, built column by column."""

from __future__ import annotations

from typing import Any

from hotpass_assets.lib import fields
from hotpass_assets.lib import normalise as nz
from hotpass_assets.lib.capture.context import OrgIndex
from hotpass_assets.lib.capture.parsers import NOTE_SEPARATOR
from hotpass_assets.lib.capture.rows import (
    carries_org_values,
    columns_json,
    join_notes,
    merge_lists,
)
from hotpass_assets.lib.capture.state import (
    PERSON_FIELDS,
    Contacts,
    Decisions,
    SheetWork,
    ValueRejects,
)

__all__ = ["ORG_TEXT_FIELDS", "Records", "capture_records"]

#: Text fields of organisation records taken as parsed: the registry's organisation fields whose
#: only parser is ``text``, but the name (the record's key) and notes (joined from every note
#: column), which have rules of their own. A new text field in ``lib/fields`` is captured as is.
ORG_TEXT_FIELDS = tuple(
    f.name
    for f in fields.profile_fields()
    if f.entity == "organisation"
    and tuple(f.parsers) == ("text",)
    and f.name not in ("organisation_name", "notes")
)
_NOT_ORG_LEVEL = ("contact_phones", "contact_emails", "contact_invalid", "organisation_name")


class Records:
    """The data rows that became organisation or attribute records, and their ids."""

    def __init__(self, idx: list[int], n: int, record_ids: list[str], kinds: list[str | None]):
        self.idx = idx
        self.every_row = len(idx) == n  # idx is range(n): columns are taken as they are
        self.record_ids = record_ids
        self.kinds = kinds
        self.names: list[str | None] = []

    @property
    def m(self) -> int:
        return len(self.idx)

    def take(self, values: list[Any]) -> list[Any]:
        return values if self.every_row else [values[i] for i in self.idx]


def _notes(sw: SheetWork, vr: ValueRejects, contacts: Contacts) -> list[Any]:
    """Per data row: the notes field, then unmapped cells, non-person cells and pairing notes."""
    notes = sw.get("notes")
    um = sw.unmapped
    extra_notes = any(um.notes)
    if not (extra_notes or contacts.pairing_notes or vr.n_non_person):
        return notes
    notes = list(notes)
    non_person = vr.non_person
    for i in range(sw.n):
        parts = (
            notes[i],
            um.notes[i],
            NOTE_SEPARATOR.join(non_person[i]) if i in non_person else None,
            contacts.pairing_notes.get(i),
        )
        if any(parts[1:]):
            notes[i] = join_notes(*parts)
    return notes


def _record_rows(sw: SheetWork, dec: Decisions, contacts: Contacts, notes: list[Any]) -> Records:
    """Rows that give a record: every row not rejected, except contact rows linked to an
    organisation that carry no organisation values."""
    org_level_fields = [
        f for f in sw.resolved if f not in PERSON_FIELDS and f not in _NOT_ORG_LEVEL
    ]
    record_kind, row_rejected, captured = dec.record_kind, dec.row_rejected, contacts.captured
    um, parsed = sw.unmapped, sw.parsed
    idx = [
        i
        for i in range(sw.n)
        if not row_rejected[i]
        and not (
            record_kind[i] == "attribute"
            and captured[i]
            and not carries_org_values(i, notes, um, parsed, org_level_fields)
        )
    ]
    recs = Records(idx, sw.n, [], [])
    recs.record_ids = [f"{sw.prefix}{r}" for r in recs.take(sw.rownums)]
    recs.kinds = recs.take(record_kind)
    recs.names = list(recs.take(sw.names))
    return recs


def _names_and_sources(
    sw: SheetWork,
    dec: Decisions,
    recs: Records,
    person_src: dict[str, list[str]],
    target_index: OrgIndex | None,
) -> list[str]:
    """Source columns per record; attribute records without a name take their target's."""
    spec, mapped = sw.spec, sw.stats["mapped_columns"]
    source_json = columns_json(
        {f: hs for f, hs in mapped.items() if f not in person_src or f == "interaction_date"}
    )
    sources = [source_json] * recs.m
    if target_index is not None and spec.link is not None:
        linked_json = columns_json(
            {
                **{f: hs for f, hs in mapped.items() if f not in person_src},
                "organisation_name": f"link:{spec.link.sheet}",
            }
        )
        for j, i in enumerate(recs.idx):
            if not recs.names[j] and recs.kinds[j] == "attribute":
                recs.names[j] = target_index.name_of(dec.link_ids[i])
                sources[j] = linked_json
    return sources


def _identity_columns(sw: SheetWork, dec: Decisions, recs: Records) -> None:
    oc, m, kinds, idx = sw.ctx.org_cols, recs.m, recs.kinds, recs.idx
    oc["record_id"].extend(recs.record_ids)
    oc["source_sheet"].extend([sw.table.name] * m)
    oc["source_row"].extend(recs.take(sw.rownums))
    oc["record_kind"].extend(kinds)
    if "attribute" in kinds:
        link_ids, methods = dec.link_ids, dec.link_methods
        oc["link_record_id"].extend(
            [link_ids[i] if k == "attribute" else None for i, k in zip(idx, kinds, strict=True)]
        )
        oc["link_method"].extend(
            [methods[i] if k == "attribute" else None for i, k in zip(idx, kinds, strict=True)]
        )
    else:
        oc["link_record_id"].extend([None] * m)
        oc["link_method"].extend([None] * m)
    oc["organisation_name"].extend(recs.names)
    oc["name_key"].extend(nz.organisation_keys_of_clean_text(recs.names))


def _field_columns(sw: SheetWork, recs: Records) -> None:
    oc, m, parsed, country = sw.ctx.org_cols, recs.m, sw.parsed, sw.ctx.country
    for f in ORG_TEXT_FIELDS:
        if f in parsed:
            vals = recs.take(parsed[f])
            if f == "country" and country:
                vals = [v or country for v in vals]
            oc[f].extend(vals)
        else:
            oc[f].extend([country if f == "country" else None] * m)
    for f, (a, b) in (
        ("province", ("province", "province_raw")),
        ("website", ("website", "domain")),
    ):
        if f in parsed and m:
            firsts, seconds = zip(*recs.take(parsed[f]), strict=True)
            oc[a].extend(firsts)
            oc[b].extend(seconds)
        else:
            oc[a].extend([None] * m)
            oc[b].extend([None] * m)
    aircraft = parsed.get("aircraft_types")
    oc["aircraft_types"].extend(
        [list(aircraft[i]) for i in recs.idx] if aircraft else [[] for _ in recs.idx]
    )


def _contact_and_order_columns(
    sw: SheetWork,
    dec: Decisions,
    recs: Records,
    contacts: Contacts,
    notes: list[Any],
    sources: list[str],
) -> None:
    oc, idx, parsed, um = sw.ctx.org_cols, recs.idx, sw.parsed, sw.unmapped
    oc["notes"].extend(recs.take(notes))
    oc["emails"].extend(
        merge_lists(idx, parsed.get("emails"), contacts.org_emails_extra, um.emails)
    )
    oc["phones"].extend(
        merge_lists(idx, parsed.get("phones"), contacts.org_phones_extra, um.phones)
    )
    oc["interaction_date"].extend(recs.take(sw.get("interaction_date")))
    oc["last_order_date"].extend(recs.take(sw.get("last_order_date")))
    counts = sw.get("order_count")
    is_orders = sw.spec.role == "orders"
    record_kind = dec.record_kind
    oc["order_count"].extend(
        [
            counts[i]
            if counts[i] is not None
            else (1 if is_orders and record_kind[i] == "organisation" else None)
            for i in idx
        ]
    )
    oc["source_columns"].extend(sources)


def capture_records(
    sw: SheetWork, dec: Decisions, vr: ValueRejects, contacts: Contacts
) -> tuple[Records, OrgIndex | None]:
    """Organisation and attribute records of the sheet into the capture's organisation columns;
    marks their rows captured. Returns the records and the sheet's link target index."""
    spec = sw.spec
    target_index = sw.ctx.indexes.get(spec.link.sheet) if spec.link else None
    notes = _notes(sw, vr, contacts)
    recs = _record_rows(sw, dec, contacts, notes)
    sources = _names_and_sources(sw, dec, recs, contacts.person_src, target_index)
    _identity_columns(sw, dec, recs)
    _field_columns(sw, recs)
    _contact_and_order_columns(sw, dec, recs, contacts, notes, sources)
    if recs.every_row:
        contacts.captured = [True] * sw.n
    else:
        for i in recs.idx:
            contacts.captured[i] = True
    if sw.is_org_sheet:
        sw.ctx.indexes[spec.sheet] = OrgIndex(
            sw.table, [sw.data_pos[i] for i in recs.idx], recs.record_ids, recs.names
        )
    return recs, target_index

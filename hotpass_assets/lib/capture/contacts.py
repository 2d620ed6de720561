"""Contacts phase of sheet capture: one contact record per person of a row (name, role,
e-mails and phones of one source row stay together)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hotpass_assets.lib.capture.rows import Person, columns_json, pair, people
from hotpass_assets.lib.capture.state import (
    CONTACT_FIELDS,
    PERSON_FIELDS,
    Contacts,
    Decisions,
    SheetWork,
)

__all__ = ["capture_contacts"]

_NO_PEOPLE: tuple[Any, ...] = ()


@dataclass
class _People:
    """Contact columns, one entry per person found."""

    row: list[int] = field(default_factory=list)  # data row position of the person's source row
    num: list[int] = field(default_factory=list)  # the person's number within the row (1, ...)
    org: list[str | None] = field(default_factory=list)
    method: list[str | None] = field(default_factory=list)
    full: list[str | None] = field(default_factory=list)
    first: list[str | None] = field(default_factory=list)
    last: list[str | None] = field(default_factory=list)
    role: list[str | None] = field(default_factory=list)
    emails: list[list[str]] = field(default_factory=list)
    phones: list[list[str]] = field(default_factory=list)


def _candidates(sw: SheetWork, dec: Decisions) -> list[int]:
    """Data rows with a value in a person, contact e-mail or contact phone field."""
    resolved = sw.resolved
    has_contact_fields = any(f in resolved for f in PERSON_FIELDS) or (
        "contact_emails" in resolved or "contact_phones" in resolved
    )
    if not has_contact_fields:
        return []
    filled: set[int] = set()
    for f in (*PERSON_FIELDS, "contact_emails", "contact_phones"):
        if f in sw.parsed:
            filled.update([i for i, x in enumerate(sw.parsed[f]) if x])
    candidates = sorted(filled)
    if dec.rejected_rows:
        candidates = [i for i in candidates if not dec.row_rejected[i]]
    return candidates


def _collect(sw: SheetWork, dec: Decisions, out: Contacts, candidates: list[int]) -> _People:
    """People of the candidate rows, paired with the row's contact e-mails and phones.

    One loop over the rows with its columns bound to locals (it runs once per contact row)."""
    pc = _People()
    c_row, c_num, c_org, c_method = pc.row, pc.num, pc.org, pc.method
    c_full, c_first, c_last, c_role, c_em, c_ph = (
        pc.full, pc.first, pc.last, pc.role, pc.emails, pc.phones
    )  # fmt: skip
    full, first, last, role = (sw.get(f) for f in PERSON_FIELDS)
    c_emails, c_phones = sw.get("contact_emails", ()), sw.get("contact_phones", ())
    record_kind, link_ids, link_methods = dec.record_kind, dec.link_ids, dec.link_methods
    captured, is_org_sheet = out.captured, sw.is_org_sheet
    full_is_people, simple_people = _people_cells(sw)
    own_method = None if is_org_sheet else "own_row"
    for i in candidates:
        if simple_people:
            row_people, full_text = full[i] or _NO_PEOPLE, None
            if len(row_people) == 1 and record_kind[i] == "organisation":
                # One person named in a "Name (Role)" cell of a listing: every value is theirs.
                person = row_people[0]
                c_row.append(i)
                c_num.append(1)
                c_org.append(None)  # the row's own record id, filled below
                c_method.append(own_method)
                c_full.append(person.full_name)
                c_first.append(person.first_name)
                c_last.append(person.last_name)
                c_role.append(person.role)
                c_em.append(list(c_emails[i] or _NO_PEOPLE))
                c_ph.append(list(c_phones[i] or _NO_PEOPLE))
                captured[i] = True
                continue
        elif full_is_people:
            row_people, full_text = full[i] or _NO_PEOPLE, None
        else:
            row_people, full_text = _NO_PEOPLE, full[i]
        emails_i = c_emails[i] or _NO_PEOPLE
        phones_i = c_phones[i] or _NO_PEOPLE
        if record_kind[i] == "organisation":
            org_rid, method = None, own_method
        else:
            org_rid, method = link_ids[i], link_methods[i]
        persons: list[Person]
        if not (row_people or full_text or first[i] or last[i] or role[i]):
            if not (emails_i or phones_i):
                continue
            if is_org_sheet:  # an organisation's own contact values
                out.org_emails_extra[i] = tuple(emails_i)
                out.org_phones_extra[i] = tuple(phones_i)
                continue
            persons = [{"full_name": None, "first_name": None, "last_name": None, "role": None}]
        else:
            persons = people(row_people, first[i], last[i], full_text, role[i])
        pairs, note = pair(persons, tuple(emails_i), tuple(phones_i))
        if note:
            out.pairing_notes[i] = note
        for k, (person_, (e, p)) in enumerate(zip(persons, pairs, strict=True), start=1):
            c_row.append(i)
            c_num.append(k)
            c_org.append(org_rid)
            c_method.append(method)
            c_full.append(person_["full_name"])
            c_first.append(person_["first_name"])
            c_last.append(person_["last_name"])
            c_role.append(person_["role"])
            c_em.append(e)
            c_ph.append(p)
        captured[i] = True
    return pc


def _people_cells(sw: SheetWork) -> tuple[bool, bool]:
    """Does ``full_name`` hold "Name (Role)" cells, and is it the only person field."""
    resolved = sw.resolved
    full_is_people = (
        "full_name" in resolved and resolved["full_name"][0].parser == "person_with_role"
    )
    return full_is_people, full_is_people and not any(f in resolved for f in PERSON_FIELDS[1:])


def capture_contacts(sw: SheetWork, dec: Decisions) -> Contacts:
    """Contact records of the sheet into the capture's contact columns."""
    out = Contacts(captured=[False] * sw.n)
    out.person_src = {
        f: hs for f, (_, hs) in sw.resolved.items() if f in PERSON_FIELDS or f in CONTACT_FIELDS
    }
    pc = _collect(sw, dec, out, _candidates(sw, dec))
    out.n_contacts = n_contacts = len(pc.row)
    if not n_contacts:
        return out
    cc = sw.ctx.contact_cols
    rownums = sw.rownums
    own_ids = [f"{sw.prefix}{rownums[i]}" for i in pc.row]
    cc["contact_record_id"].extend([f"{rid}#{k}" for rid, k in zip(own_ids, pc.num, strict=True)])
    # A person of a row that is an organisation record of its own belongs to that record.
    cc["organisation_record_id"].extend(
        [own if org is None else org for org, own in zip(pc.org, own_ids, strict=True)]
    )
    cc["link_method"].extend(pc.method)
    cc["source_sheet"].extend([sw.table.name] * n_contacts)
    cc["source_row"].extend([rownums[i] for i in pc.row])
    cc["full_name"].extend(pc.full)
    cc["first_name"].extend(pc.first)
    cc["last_name"].extend(pc.last)
    cc["role"].extend(pc.role)
    cc["emails"].extend(pc.emails)
    cc["phones"].extend(pc.phones)
    invalid = sw.get("contact_invalid")
    interaction = sw.get("interaction_date")
    cc["is_invalid"].extend([bool(invalid[i]) for i in pc.row])
    cc["interaction_date"].extend([interaction[i] for i in pc.row])
    cc["source_columns"].extend([columns_json(out.person_src)] * n_contacts)
    return out

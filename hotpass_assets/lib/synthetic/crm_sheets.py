"""The CRM sheets of the Contact Database workbook that hang off ``Company_Cat``.

``Company_Contacts``, ``Company_Notes`` and ``Company_Addresses`` name an organisation by its
``Company_Cat`` spelling and look up its accounting name (and status) with cached ``VLOOKUP``
formulas; each sheet ends with formula-only rows. Mess reproduced: integer and text phone cells,
non-breaking spaces after e-mails, landlines and addresses, surnames left out.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from hotpass_assets.lib.synthetic.cells import Formula, Sheet
from hotpass_assets.lib.synthetic.layout import (
    COMPANY_ADDRESSES_HEADERS,
    COMPANY_CONTACTS_HEADERS,
    COMPANY_NOTES_HEADERS,
)
from hotpass_assets.lib.synthetic.state import DemoBuilder
from hotpass_assets.lib.synthetic.universe import Org, Person
from hotpass_assets.lib.synthetic.vocab import NOTES


@dataclass
class CrmIndex:
    """What the CRM sheets need to know of ``Company_Cat``."""

    cat_last: int  # last row the lookups cover
    cat_first: dict[str, tuple[Any, Any]]  # Company casefold -> (QuickNooks, Priority)
    first_name_of: dict[str, str]  # entity label -> its first spelling in Company_Cat
    ordered: list[str]  # entity labels in Company_Cat order, once each
    by_label: dict[str, Org]
    abbreviated: set[str]  # labels written as initials in Company_Cat

    @classmethod
    def of(
        cls,
        entries: list[tuple[Org, str]],
        cat_first: dict[str, tuple[Any, Any]],
        abbreviated: set[str],
        cat_last: int,
    ) -> CrmIndex:
        return cls(
            cat_last=cat_last,
            cat_first=cat_first,
            first_name_of={o.label: n for o, n in reversed(entries)},
            ordered=list(dict.fromkeys(o.label for o, _ in entries)),
            by_label={o.label: o for o, _ in entries},
            abbreviated=abbreviated,
        )

    def lookup(self, company: str) -> tuple[Any, Any]:
        """Cached (accounting name, priority) results of the lookups of ``company``."""
        return self.cat_first.get(company.casefold(), ("", ""))

    def accounting_lookup(self, r: int, cached: Any) -> Formula:
        return accounting_lookup(r, self.cat_last, cached)

    def status_lookup(self, r: int, cached: Any) -> Formula:
        return status_lookup(r, self.cat_last, cached)


def accounting_lookup(r: int, cat_last: int, cached: Any) -> Formula:
    """Row ``r``'s lookup of its company's accounting name (``QuickNooks_Name``)."""
    return Formula(f'=IFERROR(VLOOKUP($B{r},Company_Cat!$B$2:$E${cat_last},2,FALSE),"")', cached)


def status_lookup(r: int, cat_last: int, cached: Any) -> Formula:
    """Row ``r``'s lookup of its company's ``Priority`` (shown as the contact's status)."""
    return Formula(f'=IFERROR(VLOOKUP($B{r},Company_Cat!$B$2:$H${cat_last},6,FALSE),"")', cached)


def trailing_lookups(
    sheet: Sheet, cat_last: int, *, n_extra: int, with_status: bool = False
) -> None:
    """``n_extra`` rows holding only the lookup formulas (as the real sheets are pre-filled)."""
    for _ in range(n_extra):
        r = sheet.next_row
        row: list[Any] = [accounting_lookup(r, cat_last, "")]
        if with_status:
            row += [None, status_lookup(r, cat_last, "")]
        sheet.add(row)


class _Contacts:
    """Writes ``Company_Contacts`` rows; one e-mail gets a trailing non-breaking space."""

    def __init__(self, b: DemoBuilder, index: CrmIndex) -> None:
        self.b = b
        self.index = index
        self.sheet = Sheet("Company_Contacts")
        self.sheet.add(COMPANY_CONTACTS_HEADERS)
        self.nbsp_done = False

    def _landline(self, o: Org) -> Any:
        rng = self.b.rng
        if rng.random() < 0.35:
            number = self.b.rec.phone(o.phones[0], o)
            u = rng.random()
            if u < 0.8:
                return int(number[1:])
            if u < 0.9:
                return number[1:]
            return number[1:] + "\xa0" + (" " if rng.random() < 0.5 else "")
        return None

    def _email(self, o: Org, p: Person | None, label: str) -> str | None:
        rng, uni = self.b.rng, self.b.uni
        address = (
            p.email
            if p is not None
            else (o.generic_email if o.domain and o.generic_email else None)
        )
        if p is None and o.domain and (label in self.index.abbreviated or not address):
            address = uni.unique_email("accounts", o.domain)
        email = None
        if address and (p is None or rng.random() < 0.85):
            self.b.rec.email(address, o)
            email = address
            if not self.nbsp_done and rng.random() < 0.2:
                email = address + "\xa0 "
                self.nbsp_done = True
        return email

    def add(self, o: Org, p: Person | None, label: str, company: str) -> None:
        """One row for person ``p`` of ``o`` (``None``: the organisation's accounts desk)."""
        rng, rec = self.b.rng, self.b.rec
        r = self.sheet.next_row
        rec.row("Company_Contacts", r, o, company)
        acc, prio = self.index.lookup(company)
        cell = None
        phones_here: list[str] = []
        if p is not None and p.mobile and rng.random() < 0.75:
            cell = int(rec.phone(p.mobile, o)[1:])
            phones_here.append(p.mobile)
        landline = self._landline(o)
        email = self._email(o, p, label)
        row = [
            self.index.accounting_lookup(r, acc),
            company,
            self.index.status_lookup(r, prio),
            p.first if p else None,
            (p.last if rng.random() < 0.6 else None) if p else None,
            (p.role if p else "Accounts") if rng.random() < 0.8 else None,
            cell,
            email,
            landline,
        ]
        if p is not None:
            person = p if row[4] else dataclasses.replace(p, last=None)
            rec.contact(
                o,
                person,
                "Company_Contacts",
                r,
                emails=[email.strip()] if email else [],
                phones=phones_here,
                role=row[5],
            )
        self.sheet.add(row)


def contacts_sheet(b: DemoBuilder, index: CrmIndex) -> Sheet:
    """``Company_Contacts``: people of about half the CRM organisations, plus accounts desks."""
    rng = b.rng
    writer = _Contacts(b, index)
    with_people = [label for label in index.ordered if index.by_label[label].people]
    chosen = {label for label in with_people if rng.random() <= 0.55} | index.abbreviated
    if not chosen and index.ordered:
        chosen = {(with_people or index.ordered)[0]}
    for label in index.ordered:
        o = index.by_label[label]
        if label not in chosen:
            continue
        company = index.first_name_of[label]
        people = o.people[: rng.randint(1, len(o.people))] if o.people else []
        slots: list[Person | None] = list(people)
        if label in index.abbreviated or not slots or (rng.random() < 0.2 and o.domain):
            slots.append(None)
        for p in slots:
            writer.add(o, p, label, company)
    sheet = writer.sheet
    trailing_lookups(
        sheet, index.cat_last, n_extra=max(20, 3 * (sheet.next_row - 2)), with_status=True
    )
    return sheet


def notes_sheet(b: DemoBuilder, index: CrmIndex) -> Sheet:
    """``Company_Notes``: a note for about a quarter of the CRM organisations."""
    rng = b.rng
    notes = Sheet("Company_Notes")
    notes.add(COMPANY_NOTES_HEADERS)
    order_marks = 0
    noted = [label for label in index.ordered if rng.random() <= 0.25] or index.ordered[:1]
    for label in noted:
        o, company = index.by_label[label], index.first_name_of[label]
        r = notes.next_row
        b.rec.row("Company_Notes", r, o, company)
        mark = None
        if o.is_customer and order_marks < 2:
            mark, order_marks = 1, order_marks + 1
        notes.add(
            [index.accounting_lookup(r, index.lookup(company)[0]), company, mark, rng.choice(NOTES)]
        )
    trailing_lookups(notes, index.cat_last, n_extra=max(20, 3 * (notes.next_row - 2)))
    return notes


def addresses_sheet(b: DemoBuilder, index: CrmIndex) -> Sheet:
    """``Company_Addresses``: head-office (and some postal or satellite) addresses."""
    rng = b.rng
    addresses = Sheet("Company_Addresses")
    addresses.add(COMPANY_ADDRESSES_HEADERS)
    located = [label for label in index.ordered if rng.random() <= 0.35] or index.ordered[:1]
    for label in located:
        o, company = index.by_label[label], index.first_name_of[label]
        kinds = ["Head"] + (["Postal"] if rng.random() < 0.2 else [])
        if rng.random() < 0.1:
            kinds.append(rng.choice(("Satelite", "Joburg")))
        for kind in kinds:
            r = addresses.next_row
            b.rec.row("Company_Addresses", r, o, company)
            text = (
                o.address
                if kind != "Postal"
                else f"PO Box {rng.randint(10, 9999)}, {o.city}, {rng.randint(1000, 9999)}"
            )
            if rng.random() < 0.2:
                text += "\xa0 "
            airport = None
            if o.aviation and rng.random() < 0.1:
                airport = rng.choice(("Lanseria", "Rand/Grand Central", "Wonderboom"))
            addresses.add(
                [index.accounting_lookup(r, index.lookup(company)[0]), company, kind, airport, text]
            )
    trailing_lookups(addresses, index.cat_last, n_extra=max(20, 3 * (addresses.next_row - 2)))
    return addresses

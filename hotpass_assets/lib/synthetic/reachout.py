"""The Reachout-shaped workbook: ``Organisation``, ``Contact Info`` and an empty ``Sheet1``.

Mess reproduced: province aliases in ``Area``, ID columns that are ``=ROW()`` formulas, trailing
rows holding only formulas, ``Contact Info`` rows whose ``VLOOKUP`` of the organisation fails
because the name is spelt differently, e-mails with non-breaking spaces, a Facebook page or a
missing ``@`` in the e-mail column, and two addresses in one cell.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from hotpass_assets.lib.synthetic.cells import Formula, Sheet
from hotpass_assets.lib.synthetic.layout import (
    REACHOUT_CONTACT_HEADERS,
    REACHOUT_FILE,
    REACHOUT_ORGANISATION_HEADERS,
)
from hotpass_assets.lib.synthetic.names import name_form, web_url
from hotpass_assets.lib.synthetic.state import DemoBuilder
from hotpass_assets.lib.synthetic.text import rand_date, slugify, spaced
from hotpass_assets.lib.synthetic.universe import Org, Person
from hotpass_assets.lib.synthetic.vocab import AREA_ALIASES, NOTES, ORG_DESKS

_TOUCHES = ("Email sent", "Called", "No answer", "Left message - call back", "Call back")
_DISTANCES = ("0km-100km", "100km-200km", "200km-300km", "300km-500km", "500km+")


@dataclass
class _OrganisationSheet:
    sheet: Sheet
    row_of: dict[str, int]  # entity label -> row
    names: dict[str, int]  # casefolded name as written -> row
    last_row: int

    def name_at(self, label: str) -> str:
        name: str = self.sheet.rows[self.row_of[label] - 1][0]
        return name


def _org_website(b: DemoBuilder, o: Org, forced: str | None) -> str | None:
    rng = b.rng
    website = None
    if o.website and (rng.random() < 0.9 or forced == "typo"):
        website = web_url(rng, o.domain or "")
        if rng.random() < 0.08:
            website = f"https://{o.domain}/courses/ppl_training/?ref=directory"
        elif rng.random() < 0.03:
            website += "\t"
    return website


def _area(b: DemoBuilder, o: Org) -> str | None:
    rng = b.rng
    if o.province and rng.random() < 0.97:
        b.rec.province_seen.add(o.label)
        aliases = AREA_ALIASES.get(o.province, ())
        return rng.choice(aliases) if aliases and rng.random() < 0.45 else o.province
    return None


def _org_row(
    b: DemoBuilder, o: Org, r: int, used_names: set[str], *, open_question: bool
) -> list[Any]:
    rng = b.rng
    forced = b.forced(o, "flying", "typo")
    website = _org_website(b, o, forced)
    name = name_form(
        rng,
        b.uni,
        o,
        {"base": 0.55, "legal": 0.15, "flying": 0.2, "amp": 0.05, "typo": 0.05},
        evidence=website is not None,
        force=forced,
    )
    if name.casefold() in used_names:
        name = o.name
    used_names.add(name.casefold())
    b.rec.row("Organisation", r, o, name)
    if website:
        b.rec.website(o)
    area = _area(b, o)
    planes = None
    if o.planes and rng.random() < 0.3:
        planes = (", " if rng.random() < 0.35 else "; ").join(o.planes)
    touch: Any = None
    if rng.random() < 0.15:
        touch = 1 if rng.random() < 0.6 else rng.choice(_TOUCHES)
    return [
        name,
        Formula(f"=ROW(A{r})", r),
        rand_date(rng, dt.date(2025, 10, 1), dt.date(2025, 10, 23))
        if rng.random() < 0.35
        else None,
        touch,
        area,
        rng.choice(_DISTANCES) if rng.random() < 0.85 else None,
        o.org_type if rng.random() < 0.35 else None,
        website,
        o.address if rng.random() < 0.5 else None,
        planes,
        o.description if rng.random() < 0.3 else None,
        rng.choice(NOTES) if rng.random() < 0.04 else None,
        "Do they still run night ratings?" if open_question else None,
        "check" if rng.random() < 0.04 else None,
        "dup?" if rng.random() < 0.03 else None,
    ]


def _organisation_sheet(b: DemoBuilder) -> _OrganisationSheet:
    rng = b.rng
    sheet = Sheet("Organisation")
    sheet.add(REACHOUT_ORGANISATION_HEADERS)
    orgs = b.members("reachout")
    rng.shuffle(orgs)
    row_of: dict[str, int] = {}
    used_names: set[str] = set()
    open_question_row = rng.randrange(len(orgs)) if orgs else -1
    for i, o in enumerate(orgs):
        r = sheet.next_row
        row_of[o.label] = r
        sheet.add(_org_row(b, o, r, used_names, open_question=i == open_question_row))
    for _ in range(max(20, 3 * len(orgs))):
        r = sheet.next_row
        sheet.add([None, Formula(f"=ROW(A{r})", r)])
    sheet.add([None])  # one trailing row without the formula
    names = {sheet.rows[r - 1][0].casefold(): r for r in row_of.values()}
    return _OrganisationSheet(sheet, row_of, names, sheet.next_row - 1)


class _ContactInfo:
    """Writes the ``Contact Info`` rows; each kind of mess appears once or a few times."""

    def __init__(self, b: DemoBuilder, orgs: _OrganisationSheet) -> None:
        self.b = b
        self.orgs = orgs
        self.sheet = Sheet("Contact Info")
        self.sheet.add(REACHOUT_CONTACT_HEADERS)
        self.facebook_done = self.multi_done = self.bad_phone_done = self.missing_at_done = False
        self.notes_left = 3

    def _lookup(self, r: int, cached: Any) -> Formula:
        return Formula(
            f'=IFERROR(VLOOKUP(B{r},Organisation!$A$1:$B${self.orgs.last_row},2,FALSE),"")',
            cached,
        )

    def org_name(self, o: Org, *, fail_lookup: bool) -> str:
        """How this sheet names ``o``; a failing lookup spells it unlike ``Organisation``."""
        rng, uni = self.b.rng, self.b.uni
        in_org_sheet = o.label in self.orgs.row_of
        org_name = self.orgs.name_at(o.label) if in_org_sheet else o.name
        if fail_lookup and in_org_sheet:
            for _ in range(20):
                variant = name_form(
                    rng,
                    uni,
                    o,
                    {"legal": 0.5, "flying": 0.3, "base": 0.2, "typo": 0.1},
                    evidence=True,
                )
                if variant.casefold() != org_name.casefold():
                    return variant
            return org_name + " "
        if not in_org_sheet and rng.random() < 0.4:
            return name_form(rng, uni, o, {"base": 0.6, "legal": 0.4}, evidence=False)
        return org_name

    def _phone(self, o: Org, p: Person | None) -> tuple[str | None, str | None, list[str]]:
        """Phone and WhatsApp cells, and the valid numbers written."""
        rng, rec = self.b.rng, self.b.rec
        phone_text = whatsapp = None
        phones_here: list[str] = []
        number = p.mobile if p is not None else o.phones[0]
        if number and rng.random() < 0.85:
            phone_text = rec.phone(number, o)
            phones_here.append(number)
            if p is not None and rng.random() < 0.12:
                whatsapp = number if rng.random() < 0.5 else spaced(number)
        elif not self.bad_phone_done:
            phone_text = self.b.phones.invalid()
            rec.invalid_phones += 1
            self.bad_phone_done = True
        return phone_text, whatsapp, phones_here

    def _styled(self, address: str) -> str:
        style = self.b.rng.random()
        if style < 0.04:
            return "\xa0" + address
        if style < 0.07:
            return address + "\xa0"
        if style < 0.1:
            return " " + address
        if style < 0.14:
            return address[0].upper() + address[1:]
        return address

    def _email(self, o: Org, p: Person | None) -> tuple[str | None, list[str]]:
        """E-mail cell and the valid addresses written."""
        rng, rec = self.b.rng, self.b.rec
        email_text = None
        emails_here: list[str] = []
        address = p.email if p is not None else o.generic_email
        if not self.facebook_done and p is None:
            email_text = f"https://www.facebook.com/{slugify(o.stem)}-{rng.randrange(10**9)}/"
            rec.junk_emails += 1
            self.facebook_done = True
        elif address and not self.missing_at_done and p is not None and rng.random() < 0.1:
            email_text = address.replace("@", ".", 1)
            rec.junk_emails += 1
            self.missing_at_done = True
        elif address and rng.random() < 0.9:
            rec.email(address, o)
            emails_here.append(address)
            email_text = self._styled(address)
            if not self.multi_done and o.generic_email and o.generic_email != address:
                rec.email(o.generic_email, o)
                email_text = f"{address}, {o.generic_email}"
                self.multi_done = True
        return email_text, emails_here

    def add(self, o: Org, p: Person | None, org_name: str) -> None:
        """One row for person ``p`` of ``o`` (``None``: a desk of the organisation)."""
        rng, rec = self.b.rng, self.b.rec
        r = self.sheet.next_row
        rec.row("Contact Info", r, o, org_name)
        id_cell = self._lookup(r, self.orgs.names.get(org_name.casefold(), ""))
        phone_text, whatsapp, phones_here = self._phone(o, p)
        email_text, emails_here = self._email(o, p)
        invalid: Any = None
        if rng.random() < 0.12:
            invalid = 1
        row = [
            id_cell,
            org_name,
            rand_date(rng, dt.date(2025, 10, 1), dt.date(2025, 10, 23))
            if rng.random() < 0.6
            else None,
            None,
            None,
            rng.choice(ORG_DESKS) if p is None else (p.role if rng.random() < 0.8 else None),
            phone_text,
            whatsapp,
            email_text,
            invalid,
            None,
        ]
        if p is not None:
            row[3] = (" " + p.first) if rng.random() < 0.04 else p.first
            row[4] = p.last
            rec.contact(
                o,
                p,
                "Contact Info",
                r,
                emails=[e for e in emails_here if e == p.email],
                phones=phones_here,
                role=row[5],
                invalid=invalid == 1,
            )
        if self.notes_left and rng.random() < 0.08:
            row[10] = rng.choice(NOTES)
            self.notes_left -= 1
        self.sheet.add(row)

    def finish(self) -> Sheet:
        """Flags the last unflagged row ``cv``, then adds the formula-only trailing rows."""
        unflagged = [row for row in self.sheet.rows[1:] if row[9] is None]
        if unflagged:
            unflagged[-1][9] = "cv "
        n_ci = self.sheet.next_row - 2
        for _ in range(max(20, 3 * n_ci)):
            self.sheet.add([self._lookup(self.sheet.next_row, "")])
        for _ in range(5):
            self.sheet.add([None])
        return self.sheet


def _contact_info_sheet(b: DemoBuilder, orgs: _OrganisationSheet) -> Sheet:
    rng = b.rng
    writer = _ContactInfo(b, orgs)
    ci_orgs = b.members("contact_info")
    rng.shuffle(ci_orgs)
    outside = [o.label for o in ci_orgs if o.label not in orgs.row_of]
    inside = [o.label for o in ci_orgs if o.label in orgs.row_of]
    n_fail = max(1, round(0.3 * len(ci_orgs))) - len(outside)
    failing = set(outside) | set(rng.sample(inside, max(0, min(n_fail, len(inside)))))
    for o in ci_orgs:
        org_name = writer.org_name(o, fail_lookup=o.label in failing)
        people = o.people[: rng.randint(1, 3)] if o.people else []
        desk = not people or rng.random() < 0.35
        slots: list[Person | None] = list(people) + ([None] if desk else [])
        for p in slots:
            writer.add(o, p, org_name)
    return writer.finish()


def reachout_workbook(b: DemoBuilder) -> list[Sheet]:
    """The sheets of the Reachout demo workbook."""
    b.rec.file = REACHOUT_FILE
    orgs = _organisation_sheet(b)
    contact = _contact_info_sheet(b, orgs)
    return [orgs.sheet, contact, Sheet("Sheet1")]

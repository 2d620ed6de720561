"""The SACAA-shaped workbook: ``Cleaned`` rows, their ``Issues`` and the ``Lists`` sheet.

:func:`sacaa_row` also builds the rows of variant drops and broken workbooks.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from hotpass_assets.lib.synthetic.cells import Sheet
from hotpass_assets.lib.synthetic.layout import SACAA_FILE, SACAA_HEADERS
from hotpass_assets.lib.synthetic.names import describe_person, name_form, web_url
from hotpass_assets.lib.synthetic.phones import Phones
from hotpass_assets.lib.synthetic.state import DemoBuilder
from hotpass_assets.lib.synthetic.text import slugify, spaced
from hotpass_assets.lib.synthetic.truth import Recorder
from hotpass_assets.lib.synthetic.universe import Org, Person
from hotpass_assets.lib.synthetic.vocab import NICKNAMES, PROVINCES


@dataclass
class _RowDraw:
    """Draws the cells of one ``Cleaned`` row; ``ev`` supplies website, phone and e-mail."""

    ctx: Recorder
    rng: random.Random
    phones: Phones
    org: Org
    ev: Org
    bridged: bool
    issues: list[str] = field(default_factory=list)

    def province(self, text: str | None) -> str:
        if text is None:
            text = self.org.province or "Unknown"
        if text == "Unknown":
            self.issues.append("Unknown province")
        else:
            self.ctx.province_seen.add(self.org.label)
        return text

    def website(self) -> str | None:
        rng, ev = self.rng, self.ev
        website = None
        if ev.website and rng.random() < 0.97:
            website = web_url(rng, ev.domain or "")
            self.ctx.website(ev)
            if rng.random() < 0.02:
                website = f"{website.rstrip('/')}/; https://www.facebook.com/{slugify(ev.stem)}/"
        else:
            self.issues.append("Missing/invalid website")
        return website

    def persons(self, people_rate: float, people_count: int | None) -> list[Person]:
        org, rng = self.org, self.rng
        if people_count:
            return org.people[:people_count]
        if org.people and rng.random() < people_rate and not self.bridged:
            k = 1 if rng.random() < 0.85 else min(len(org.people), rng.randint(2, 3))
            return org.people[:k]
        return []

    def phone(
        self, persons: list[Person], *, bad_phone: bool, junk_rate: float
    ) -> tuple[str | None, dict[str, list[str]]]:
        """The phone cell and the numbers of each person in it."""
        rng, ev = self.rng, self.ev
        phone_text = None
        person_phone: dict[str, list[str]] = {p.pid: [] for p in persons}
        if bad_phone or rng.random() < junk_rate:
            phone_text = self.phones.invalid()
            self.ctx.invalid_phones += 1
        elif ev.phones and (rng.random() < 0.65 or self.bridged):
            number = ev.phones[0]
            if persons and persons[0].mobile and rng.random() < 0.3:
                number = persons[0].mobile
                person_phone[persons[0].pid].append(number)
            self.ctx.phone(number, self.org)
            phone_text = number if rng.random() < 0.88 else spaced(number)
        if phone_text is None or not self.phones.is_valid(phone_text):
            self.issues.append("Invalid/missing phone")
        return phone_text, person_phone

    def email(
        self, persons: list[Person], *, junk_email: bool, junk_rate: float
    ) -> tuple[str | None, dict[str, list[str]]]:
        """The e-mail cell and the addresses of each person in it."""
        rng, ev = self.rng, self.ev
        email_text = None
        person_email: dict[str, list[str]] = {p.pid: [] for p in persons}
        if junk_email or rng.random() < junk_rate:
            email_text = rng.choice(
                (f"info@{slugify(ev.stem)}-example", f"bookings.{slugify(ev.stem)}-example.co.za")
            )
            self.ctx.junk_emails += 1
            self.issues.append("Invalid email format")
        elif rng.random() < 0.7 or self.bridged:
            addresses: list[str] = []
            if ev.generic_email and (not persons or rng.random() < 0.5):
                addresses.append(ev.generic_email)
            for p in persons:
                if p.email and (not addresses or rng.random() < 0.5):
                    addresses.append(p.email)
                    person_email[p.pid].append(p.email)
            if not addresses and ev.generic_email:
                addresses.append(ev.generic_email)
            if addresses:
                for a in addresses:
                    self.ctx.email(a, self.org)
                email_text = "; ".join(addresses)
        return email_text, person_email


def sacaa_row(
    ctx: Recorder,
    rng: random.Random,
    phones: Phones,
    org: Org,
    *,
    name: str,
    row: int,
    people_rate: float = 0.45,
    junk_rate: float = 0.0,
    province_text: str | None = None,
    evidence_org: Org | None = None,
    bad_phone: bool = False,
    junk_email: bool = False,
    people_count: int | None = None,
) -> tuple[list[Any], list[str]]:
    """One ``Cleaned`` row for ``org``; returns the row and its issue labels.

    ``evidence_org`` (default ``org``) supplies website, phone and e-mail: a bridge row names one
    organisation and carries another's evidence. ``bad_phone`` and ``junk_email`` force one
    deliberately invalid phone or e-mail into the row; ``people_count`` forces that many people
    into ``Contact Person``.
    """
    draw = _RowDraw(ctx, rng, phones, org, evidence_org or org, evidence_org is not None)
    sheet = "Cleaned"
    ctx.row(sheet, row, org, name)
    province = draw.province(province_text)
    status = "Active" if rng.random() < 0.75 else "Invalid"
    website = draw.website()
    persons = draw.persons(people_rate, people_count)
    person_text = None
    if persons:
        person_text = "; ".join(describe_person(p, "paren" if p.role else "bare") for p in persons)
    phone_text, person_phone = draw.phone(persons, bad_phone=bad_phone, junk_rate=junk_rate)
    email_text, person_email = draw.email(persons, junk_email=junk_email, junk_rate=junk_rate)
    for p in persons:
        ctx.contact(
            org, p, sheet, row, emails=person_email[p.pid], phones=person_phone[p.pid], role=p.role
        )
    return [name, province, status, website, person_text, phone_text, email_text], draw.issues


def sacaa_sheets(
    cleaned_rows: list[list[Any]], issues: list[list[str]], rng: random.Random
) -> list[Sheet]:
    """The three sheets of an SACAA-shaped workbook around its ``Cleaned`` rows."""
    cleaned = Sheet("Cleaned")
    cleaned.add(SACAA_HEADERS)
    for r in cleaned_rows:
        cleaned.add(r)
    issues_sheet = Sheet("Issues")
    issues_sheet.add(("Row", "Issues"))
    for i, found in enumerate(issues):
        stale = rng.random() < 0.15
        text = "; ".join(found) if found and not stale else None
        issues_sheet.add((i + 2, text))
    lists = Sheet("Lists")
    for i, province in enumerate(PROVINCES):
        lists.add((province, ("Active", "Invalid")[i] if i < 2 else None))
    return [cleaned, issues_sheet, lists]


def _entries(b: DemoBuilder) -> list[tuple[Org, str]]:
    """The organisations listed, each with its spelling, three (or one) listed twice, sorted."""
    rng = b.rng
    entries: list[tuple[Org, str]] = []
    for o in b.members("sacaa"):
        name = name_form(rng, b.uni, o, {"base": 0.75, "legal": 0.2, "intl": 0.05}, evidence=False)
        entries.append((o, name))
    n_dups = 3 if len(entries) >= 20 else 1
    for o, name in rng.sample(entries, min(n_dups, len(entries))):
        entries.append((o, name))
    entries.sort(key=lambda e: (e[1].casefold(), e[0].label))
    return entries


def sacaa_workbook(b: DemoBuilder) -> list[Sheet]:
    """The sheets of the SACAA demo workbook."""
    rng, rec = b.rng, b.rec
    rec.file = SACAA_FILE
    entries = _entries(b)
    rows, issues = [], []
    reachout = {o.label for o in b.members("reachout")}
    n_bad = 2 if len(entries) >= 20 else 1
    bad_phone_at = set(rng.sample(range(len(entries)), n_bad))
    junk_email_at = set(rng.sample(range(len(entries)), n_bad))
    # one cell with several people, one of them with a nickname in quotes
    crowded = [i for i, (o, _) in enumerate(entries) if len(o.people) >= 2]
    multi_at = rng.choice(crowded) if crowded else -1
    if crowded:
        first = entries[multi_at][0].people[0]
        if first.last and first.nick is None:
            first.nick = rng.choice(NICKNAMES)
    for i, (o, name) in enumerate(entries):
        province_text = None
        if o.province and o.label in reachout and rng.random() < 0.1:
            province_text = "Unknown"
        row, found = sacaa_row(
            rec,
            rng,
            b.phones,
            o,
            name=name,
            row=i + 2,
            province_text=province_text,
            bad_phone=i in bad_phone_at,
            junk_email=i in junk_email_at,
            people_count=2 if i == multi_at else None,
        )
        rows.append(row)
        issues.append(found)
    return sacaa_sheets(rows, issues, rng)

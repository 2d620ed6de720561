"""The capture and flight-school lists of the Contact Database workbook.

``10-10-25 Capture`` writes a person with their role in one cell ("name — role", "name (role)")
and spaced phone numbers, with ``—`` placeholders. ``Flight schools`` has a merged ``E3:H`` block
(only its top-left address survives), several numbers or an extension in one phone cell,
placeholders such as ``on request``, extra e-mails in the unnamed columns K..N and a note in a
spill-over column; ``FL extended`` is an older copy of it with blank rows and its own merge.
"""

from __future__ import annotations

from typing import Any

from hotpass_assets.lib.synthetic.cells import Sheet
from hotpass_assets.lib.synthetic.layout import CAPTURE_HEADERS, FLIGHT_SCHOOLS_HEADERS
from hotpass_assets.lib.synthetic.names import describe_person, name_form
from hotpass_assets.lib.synthetic.state import DemoBuilder
from hotpass_assets.lib.synthetic.text import spaced
from hotpass_assets.lib.synthetic.universe import Org, Person

_CAPTURE = "10-10-25 Capture"
_SCHOOLS = "Flight schools"


def _capture_phone(b: DemoBuilder, o: Org, p: Person | None) -> tuple[str, list[str]]:
    rng, rec = b.rng, b.rec
    phones_here: list[str] = []
    if rng.random() < 0.07:
        rec.phone_placeholders += 1
        return "—", phones_here
    number = p.mobile if p is not None and p.mobile and rng.random() < 0.5 else o.phones[0]
    if number != o.phones[0]:
        phones_here.append(number)
    return spaced(rec.phone(number, o)), phones_here


def _capture_email(b: DemoBuilder, o: Org, p: Person | None) -> tuple[str, list[str]]:
    rng, rec = b.rng, b.rec
    emails_here: list[str] = []
    if rng.random() < 0.1:
        rec.email_placeholders += 1
        return "—", emails_here
    address = p.email if p is not None and p.email and rng.random() < 0.5 else None
    if address:
        emails_here.append(address)
    address = address or o.generic_email or (p.email if p else None)
    if address:
        return rec.email(address, o), emails_here
    rec.email_placeholders += 1
    return "—", emails_here


def _capture_row(b: DemoBuilder, o: Org, r: int, *, marker: bool) -> list[Any]:
    rng, rec = b.rng, b.rec
    website = None
    if o.domain and rng.random() < 0.95:
        website = rng.choice((f"https://www.{o.domain}/", f"https://{o.domain}/about/"))
        rec.website(o)
    name = name_form(
        rng,
        b.uni,
        o,
        {"base": 0.6, "flying": 0.25, "legal": 0.1, "typo": 0.05},
        evidence=website is not None,
        force=b.forced(o, "flying"),
    )
    rec.row(_CAPTURE, r, o, name)
    p = o.people[0] if o.people else None
    person_text = None
    style = "bare"
    if p is not None:
        u = rng.random()
        style = "dash" if u < 0.5 else ("paren" if u < 0.85 else "bare")
        person_text = describe_person(p, style)
    phone_text, phones_here = _capture_phone(b, o, p)
    email_text, emails_here = _capture_email(b, o, p)
    if p is not None:
        role = None if style == "bare" else p.role
        rec.contact(o, p, _CAPTURE, r, emails=emails_here, phones=phones_here, role=role)
    return [
        "New" if marker else None,
        name,
        person_text,
        phone_text,
        email_text,
        o.address,
        "; ".join(o.planes) if o.planes and rng.random() < 0.95 else None,
        website,
        o.description if rng.random() < 0.9 else None,
        o.org_type if o.org_type and rng.random() < 0.95 else "—",
    ]


def capture_sheet(b: DemoBuilder) -> Sheet:
    """``10-10-25 Capture``: one row per organisation captured, one marked ``New``."""
    sheet = Sheet(_CAPTURE)
    sheet.add(CAPTURE_HEADERS)
    orgs = b.members("capture")
    marker_row = b.rng.randrange(len(orgs)) if orgs else -1
    for i, o in enumerate(orgs):
        sheet.add(_capture_row(b, o, sheet.next_row, marker=i == marker_row))
    return sheet


class _Schools:
    """Writes ``Flight schools`` rows; each kind of mess appears at most once."""

    def __init__(self, b: DemoBuilder, n: int) -> None:
        self.b = b
        self.sheet = Sheet(_SCHOOLS)
        self.sheet.add(FLIGHT_SCHOOLS_HEADERS)
        self.n = n
        self.merge_last = 1 + max(1, round(n * 0.35))  # 0-based last row of the merged E3:H block
        if n >= 3:
            self.sheet.merges.append((2, 4, min(self.merge_last, n), 7))
        self.placeholder_done = self.extension_done = self.note_done = False

    def _phone(self, o: Org, p: Person | None) -> tuple[str, list[str]]:
        rng, rec = self.b.rng, self.b.rec
        phones_here: list[str] = []
        if not self.placeholder_done and rng.random() < 0.15:
            rec.phone_placeholders += 1
            self.placeholder_done = True
            return "on request", phones_here
        numbers = [o.phones[0]]
        if p is not None and p.mobile and rng.random() < 0.3:
            numbers.append(p.mobile)
            phones_here.append(p.mobile)
        parts = [spaced(rec.phone(x, o)) for x in numbers]
        if len(parts) == 2 and rng.random() < 0.3:
            parts = [f"{parts[0]} (office)", f"{parts[1]} (after hours)"]
        phone_text = "; ".join(parts)
        if len(parts) == 1 and not self.extension_done and rng.random() < 0.2:
            phone_text += f" / {int(o.phones[0][-4:]) % 9000 + 1000}"
            rec.invalid_phones += 1
            self.extension_done = True
        if rng.random() < 0.3:
            phone_text += "\xa0 " if rng.random() < 0.6 else "\xa0"
        return phone_text, phones_here

    def _email(self, o: Org, p: Person | None) -> tuple[str | None, list[str]]:
        rng = self.b.rng
        address = p.email if p is not None and p.email and rng.random() < 0.4 else None
        if address:
            emails_here = [address]
        else:
            emails_here = []
            address = o.generic_email or (p.email if p else None)
        email_text = self.b.rec.email(address, o) if address else None
        if email_text and rng.random() < 0.05:
            email_text += "\xa0"
        return email_text, emails_here

    def _person(self, p: Person | None) -> str | None:
        rng = self.b.rng
        trail = "\xa0 " if rng.random() < 0.3 else ""
        if p is None:
            return None
        person_text = describe_person(p, "bare" if rng.random() < 0.6 else "paren")
        if person_text != describe_person(p, "bare"):
            person_text += trail
        return person_text

    def add(self, o: Org) -> None:
        rng, rec = self.b.rng, self.b.rec
        r = self.sheet.next_row
        # cells of the merged E3:H block keep only the value of E3 (the first address)
        in_merge = self.n >= 3 and 2 <= r - 1 <= min(self.merge_last, self.n)
        keep_address = not in_merge or r - 1 == 2
        website = None
        if not in_merge and o.domain and rng.random() < 0.9:
            website = f"https://www.{o.domain}/"
            rec.website(o)
        name = name_form(
            rng,
            self.b.uni,
            o,
            {"base": 0.65, "flying": 0.25, "legal": 0.1},
            evidence=False,
            force=self.b.forced(o, "flying"),
        )
        rec.row(_SCHOOLS, r, o, name)
        p = o.people[0] if o.people else None
        person_text = self._person(p)
        phone_text, phones_here = self._phone(o, p)
        email_text, emails_here = self._email(o, p)
        row: list[Any] = [
            name,
            person_text,
            phone_text,
            email_text,
            o.address if keep_address else None,
            "; ".join(o.planes) if o.planes and not in_merge and rng.random() < 0.9 else None,
            website,
            o.description if not in_merge else None,
            o.org_type if not in_merge or rng.random() < 0.3 else None,
        ] + [None] * 9
        extra = [q for q in o.people[1:] if q.email]
        if extra and rng.random() < 0.5:
            for k, q in enumerate(extra[:4]):
                row[10 + k] = rec.email(q.email or "", o)
        if not self.note_done and website and rng.random() < 0.2:
            row[17] = f"Note: https://www.{o.domain}/fleet"
            self.note_done = True
        if p is not None:
            role = None if person_text == describe_person(p, "bare") else p.role
            rec.contact(o, p, _SCHOOLS, r, emails=emails_here, phones=phones_here, role=role)
        self.sheet.add(row)


def _fl_extended(b: DemoBuilder, schools: Sheet) -> Sheet:
    """``FL extended``: a copy of ``Flight schools`` with blank rows, some phones ``Sent``."""
    fl = Sheet("FL extended")
    blank_at = {8, 10, 11, 12}
    for i, row in enumerate(schools.rows[1:]):
        if i in blank_at:
            fl.add([None])
        copy = list(row[:15])
        if b.rng.random() < 0.35:
            copy[2] = "Sent"
        fl.add(copy)
    if len(fl.rows) >= 3:
        fl.merges.append((2, 4, min(len(fl.rows) - 1, 2 + round(len(fl.rows) * 0.35)), 7))
    return fl


def flight_schools_sheets(b: DemoBuilder) -> tuple[Sheet, Sheet]:
    """``Flight schools`` and its older copy ``FL extended``."""
    orgs = b.members("flight_schools")
    writer = _Schools(b, len(orgs))
    for o in orgs:
        writer.add(o)
    return writer.sheet, _fl_extended(b, writer.sheet)

"""Deterministic synthetic workbooks shaped like the three Hotpass sources, with ground truth.

The generator writes invented data only: organisation names come from made-up word lists, people
from made-up name lists, web and e-mail domains are ``<slug>-example.<tld>`` (each organisation has
its own registrable domain, so domain evidence works for matching while staying recognisably
fictional) and phone numbers are random South African numbers checked for validity with
``phonenumbers``.

What is reproduced from the real sources is their *shape*: sheet names and order, header texts,
cell types (text phones vs integer phones, formulas with cached results, dates and day-first date
texts), blank-header columns, formula-only trailing rows, merged ranges, non-data sheets, and the
kinds of mess listed in the domain reference (province aliases, several people or addresses in one
cell, non-breaking spaces and hyphens, broken lookup columns, name variants across files).

Everything is seeded: the same seed gives byte-identical files (fixed document properties; the
xlsx container uses fixed member timestamps), because drop partitions are keyed by content hash.

Public API:

* :func:`write_demo_workbooks` writes the three demo workbooks and returns a :class:`DemoTruth`.
* :func:`write_generic_workbook` writes an unfamiliar single-sheet workbook for header mapping.
* :func:`write_large_sheet` writes an SACAA-shaped sheet with many rows for ingestion benchmarks.
* :func:`write_variant` writes a second SACAA-shaped drop that repeats, adds and bridges entities.
* :func:`write_broken_workbook` writes a workbook that a contract or the reader must reject.

Counting conventions used by the truth:

* A *phone token* is a piece of a phone cell after splitting on ``;``, ``/``, ``,`` and `` or ``;
  it is valid when ``phonenumbers`` (region ZA) accepts its digits. ``invalid_phones`` counts the
  tokens in phone columns of data sheets that contain digits but are not valid numbers;
  placeholders such as ``—`` or ``on request`` are counted in ``phone_placeholders`` instead.
* An *e-mail value* is a piece of an e-mail cell after splitting on ``;`` and ``,`` and trimming
  (non-breaking spaces included). ``valid_emails`` holds the lower-cased values that are
  ``local@domain.tld`` addresses; ``junk_emails`` counts the other values (a URL, an address
  without ``@`` or without a top-level domain: one each, however a splitter later cuts them);
  ``—`` is a placeholder (``email_placeholders``).
* Data sheets are: SACAA ``Cleaned``; Reachout ``Organisation`` and ``Contact Info``; Contact
  Database ``Company_Cat``, ``Company_Contacts``, ``Company_Addresses``, ``Company_Notes``,
  ``Order Dates``, ``10-10-25 Capture`` and ``Flight schools`` (whose unnamed spill-over columns K..N
  hold extra e-mails). Every other sheet is scrap and carries no truth.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import math
import random
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hotpass_assets.lib import records

__all__ = [
    "CAPTURE_HEADERS",
    "COMPANY_ADDRESSES_HEADERS",
    "COMPANY_CAT_HEADERS",
    "COMPANY_CONTACTS_HEADERS",
    "COMPANY_NOTES_HEADERS",
    "CONTACT_DB_FILE",
    "CONTACT_DB_SHEETS",
    "DEMO_FILES",
    "FLIGHT_SCHOOLS_HEADERS",
    "GENERIC_HEADERS",
    "ORDER_DATES_HEADERS",
    "REACHOUT_CONTACT_HEADERS",
    "REACHOUT_FILE",
    "REACHOUT_ORGANISATION_HEADERS",
    "REACHOUT_SHEETS",
    "SACAA_FILE",
    "SACAA_HEADERS",
    "SACAA_SHEETS",
    "DemoTruth",
    "write_broken_workbook",
    "write_demo_workbooks",
    "write_generic_workbook",
    "write_large_sheet",
    "write_variant",
]

# --- file, sheet and header names (exactly as in the real sources) ---------------------------

SACAA_FILE = "sacaa_flight_schools_demo.xlsx"
REACHOUT_FILE = "reachout_database_demo.xlsx"
CONTACT_DB_FILE = "contact_database_demo.xlsx"
DEMO_FILES: tuple[str, ...] = (SACAA_FILE, REACHOUT_FILE, CONTACT_DB_FILE)

SACAA_SHEETS: tuple[str, ...] = ("Cleaned", "Issues", "Lists")
SACAA_HEADERS: tuple[str, ...] = (
    "Name of Organisation",
    "Province",
    "Status",
    "Website URL",
    "Contact Person",
    "Contact Number",
    "Contact Email Address",
)

REACHOUT_SHEETS: tuple[str, ...] = ("Organisation", "Contact Info", "Sheet1")
REACHOUT_ORGANISATION_HEADERS: tuple[str | None, ...] = (
    "Organisation Name",
    "ID",
    "Reachout Date",
    "Recent_Touch_Ind",
    "Area",
    "Distance",
    "Type",
    "Website",
    "Address",
    "Planes",
    "Description Type",
    "Notes",
    "Open Questions",
    None,
    None,
)
REACHOUT_CONTACT_HEADERS: tuple[str | None, ...] = (
    "ID",
    "Organisation Name",
    "Reachout Date",
    "Firstname",
    "Surname",
    "Position",
    "Phone",
    "WhatsApp",
    "Email",
    "Invalid",
    None,
)

CONTACT_DB_SHEETS: tuple[str, ...] = (
    "Admin",
    "Company_Cat",
    "Order Dates",
    "Sheet1",
    "Company_Contacts",
    "Company_Notes",
    "Company_Addresses",
    "CAA",
    "Aviation Codes",
    "Sheet",
    "Sheet 1",
    "Flight schools",
    "FL extended",
    "10-10-25 Capture",
)
COMPANY_CAT_HEADERS: tuple[str | None, ...] = (
    "C_ID",
    "Company",
    "QuickNooks_Name",
    "Last_Order_Date",
    "Category",
    "Strat",
    "Priority",
    "Status",
    "LoadDate",
    "Checked",
    "Website",
    None,
)
ORDER_DATES_HEADERS: tuple[str, ...] = (
    "Company_QuickBooks+",
    "Order_Dates",
    "Once-Off",
    "Captured",
)
COMPANY_CONTACTS_HEADERS: tuple[str, ...] = (
    "C_ID",
    "Company",
    "Status",
    "FirstName",
    "Surname",
    "Position",
    "Cellnumber",
    "Email",
    "Landline",
)
COMPANY_NOTES_HEADERS: tuple[str, ...] = ("C_ID", "Company", "Order", "Notes")
COMPANY_ADDRESSES_HEADERS: tuple[str | None, ...] = ("C_ID", "Company", "Type", "Airport", None)
CAPTURE_HEADERS: tuple[str | None, ...] = (
    None,
    "School",
    "Contact person (role)",
    "Phone",
    "Email",
    "Addresses",
    "Planes",
    "Website",
    "Description",
    "Type",
)
FLIGHT_SCHOOLS_HEADERS: tuple[str | None, ...] = (
    "School",
    "Contact person (role)",
    "Phone",
    "Email",
    "Addresses",
    "Planes",
    "Website",
    "Description type",
    *([None] * 10),
)
CAA_HEADERS: tuple[str | None, ...] = (
    "#",
    "AMO Number",
    "NAME",
    "CATEGORIES",
    "MAIN/ SATELLITE",
    "LOCATION",
    None,
    "Category",
    "Scope of Work",
)
GENERIC_SHEET = "Leads export"
GENERIC_HEADERS: tuple[str, ...] = (
    "Company Name",
    "Org Type",
    "E-mail address",
    "Cell",
    "Tel",
    "URL",
    "Region",
    "Contact",
    "Internal Ref",
)
#: Expected header -> canonical field mapping of the generic workbook (None: not mappable). The
#: names are the capture profiles' fields: with a person column mapped, phone and e-mail columns
#: are the person's (``contact_phones``, ``contact_emails``).
GENERIC_MAPPING: dict[str, str | None] = {
    "Company Name": "organisation_name",
    "Org Type": "org_type",
    "E-mail address": "contact_emails",
    "Cell": "contact_phones",
    "Tel": "contact_phones",
    "URL": "website",
    "Region": "province",
    "Contact": "full_name",
    "Internal Ref": None,
}

#: Document properties written into every generated workbook (fixed so bytes are stable).
_DOC_PROPERTIES: dict[str, Any] = {
    "title": "Hotpass synthetic demo data",
    "author": "Hotpass demo generator",
    "company": "Hotpass",
    "comments": "Invented data; no real organisations or people.",
    "created": dt.datetime(2025, 10, 13, 8, 0, 0),
}

# --- vocabularies (all invented or generic) ----------------------------------------------------

PROVINCES = records.PROVINCES
_PROVINCE_WEIGHTS = {
    "Gauteng": 48,
    "Western Cape": 17,
    "KwaZulu-Natal": 9,
    "Eastern Cape": 6,
    "Free State": 5,
    "Mpumalanga": 5,
    "North West": 4,
    "Limpopo": 4,
    "Northern Cape": 2,
}
# city, two-digit area code
_CITIES: dict[str, tuple[tuple[str, str], ...]] = {
    "Gauteng": (("Johannesburg", "11"), ("Pretoria", "12"), ("Lanseria", "11"), ("Benoni", "11")),
    "Western Cape": (("Cape Town", "21"), ("Stellenbosch", "21"), ("George", "44")),
    "KwaZulu-Natal": (("Durban", "31"), ("Pietermaritzburg", "33"), ("Richards Bay", "35")),
    "Eastern Cape": (("Gqeberha", "41"), ("East London", "43")),
    "Free State": (("Bloemfontein", "51"), ("Welkom", "57")),
    "Limpopo": (("Polokwane", "15"), ("Tzaneen", "15")),
    "Mpumalanga": (("Mbombela", "13"), ("Middelburg", "13"), ("Secunda", "17")),
    "North West": (("Rustenburg", "14"), ("Potchefstroom", "18")),
    "Northern Cape": (("Kimberley", "53"), ("Upington", "54")),
}
_AREA_ALIASES: dict[str, tuple[str, ...]] = {
    "Gauteng": ("GP", "Gauteng ", "Johannesburg", "Pretoria"),
    "KwaZulu-Natal": ("Kwa-Zulu Natal", "KZN", "Kwazulu Natal", "Kwa-Zulu Natal"),
    "Western Cape": ("W Cape", "WCape", "Western Cape "),
    "Eastern Cape": ("E Cape",),
}
_MOBILE_PREFIXES = ("60", "61", "71", "72", "73", "74", "76", "78", "79", "81", "82", "83", "84")

_FIRST_NAMES = (
    "Thabo", "Lerato", "Sipho", "Naledi", "Johan", "Annelie", "Pieter", "Marisa", "Ravi", "Priya",
    "Kagiso", "Zanele", "Lwazi", "Ayanda", "Ruan", "Carla", "Mandla", "Refilwe", "Dewald", "Nadia",
    "Tumelo", "Busi", "Francois", "Michelle", "Vusi", "Palesa", "Grant", "Leigh", "Sello", "Ilse",
    "Musa", "Karabo", "Zoë", "René", "Tarryn", "Bongani",
)  # fmt: skip
_LAST_NAMES = (
    "Mokoena", "Dlamini", "Naidoo", "Botha", "Pretorius", "Nkosi", "Khumalo", "van Wyk", "du Toit",
    "Mahlangu", "Pillay", "Ndlovu", "Smit", "Molefe", "Jacobs", "Fourie", "Sithole", "Maseko",
    "Coetzee", "Govender", "Baloyi", "Kruger", "Mthembu", "Venter", "O'Brien", "le Roux",
    "Hendricks", "Adams", "Ferreira", "Zulu",
)  # fmt: skip
_NICKNAMES = ("Skip", "Doc", "Mac", "Ace", "Tiny", "Sparky")
_AVIATION_ROLES = (
    "Chief Flying Instructor", "Head of Training", "Accountable Manager", "Owner",
    "Operations Manager", "Quality Manager", "Managing Director", "Bookings", "CFI",
    "Flight Instructor", "Maintenance Manager", "Admin", "Director",
)  # fmt: skip
_OTHER_ROLES = (
    "Owner", "Managing Director", "Team Manager", "Procurement", "Financial Manager",
    "Sales Manager", "Director", "Accounts", "Broker", "Underwriting Manager",
)  # fmt: skip
_ORG_DESKS = ("Reception", "Bookings", "Admin office", "Front desk", "Operations")

_STEM_A = (
    "Kudu", "Karoo", "Highveld", "Lowveld", "Bushveld", "Blue Crane", "Protea", "Kestrel",
    "Fish Eagle", "Jacaranda", "Baobab", "Marula", "Impala", "Sable", "Oryx", "Hornbill",
    "Sunbird", "Harrier", "Osprey", "Skyward", "Summit", "Meridian", "Zenith", "Polaris",
    "Cumulus", "Stratus", "Tailwind", "Crosswind", "Apex", "Vector", "Thermal", "Dune", "Coastal",
    "Lakeside", "Red Rock", "Silverwing", "Amber", "Granite", "Nyala", "Klipspringer", "Aloe",
    "Fynbos", "Quagga", "Mopane", "Acacia", "Ridgeback", "Rooikat", "Bateleur", "Springhaas",
    "Waterbuck", "Tsessebe", "Suikerbos",
)  # fmt: skip
_STEM_B = ("Sky", "Air", "Wings", "Horizon", "Valley", "Ridge", "Peak", "Bay", "Plains", "Creek")
_SUFFIXES: dict[str, tuple[str, ...]] = {
    "Flight School": (
        "Flight School", "Flight School", "Flight School", "Flight Academy", "Flight Training",
        "Aviation Academy", "Aero Club",
    ),
    "AMO": ("Aircraft Maintenance", "Aero Engineering", "Avionics", "Aero Technics"),
    "AMO - Heli": ("Helicopter Maintenance", "Rotorcraft Engineering"),
    "Charter": ("Air Charter", "Airways", "Air Charter and Tours"),
    "Charter - Heli": ("Helicopters", "Heli Charter"),
    "Motorsport": ("Motorsport", "Racing", "Performance", "Race Engineering", "Motors"),
    "Brokers": ("Insurance Brokers", "Risk Brokers"),
    "Insurance": ("Insurance", "Assurance"),
    "Underwriter": ("Underwriting Managers", "Underwriters"),
}  # fmt: skip
#: log-odds added to the customer propensity per category (the rest: 0)
_CATEGORY_EFFECT = {
    "AMO": 1.0,
    "AMO - Heli": 1.0,
    "Charter": 1.0,
    "Motorsport": 0.6,
    "Brokers": -0.4,
    "Insurance": -0.4,
    "Underwriter": -0.4,
}
_AVIATION_CATEGORIES = ("Flight School", "AMO", "AMO - Heli", "Charter", "Charter - Heli")
_AVIATION_WEIGHTS = (58, 18, 8, 10, 6)
_OTHER_CATEGORIES = ("Motorsport", "Brokers", "Insurance", "Underwriter")
_OTHER_WEIGHTS = (65, 15, 10, 10)
_ORG_TYPES: dict[str, tuple[str, ...]] = {
    "Flight School": ("Fixed-wing", "Fixed-wing", "Fixed-wing", "Fixed-wing and Helicopter",
                      "Microlight/LSA", "Ground/Sim", "Gyroplane"),
    "AMO": ("AMO", "Fixed-wing"),
    "AMO - Heli": ("Helicopter", "AMO"),
    "Charter": ("Fixed-wing", "Fixed-wing (business jets for charter, single-engine for training)"),
    "Charter - Heli": ("Helicopter", "Helicopter (+FW)"),
}  # fmt: skip
_PLANES = (
    "Cessna 172", "Cessna 152", "Cessna 182", "Piper PA-28", "Piper PA-34 Seneca", "Robinson R44",
    "Robinson R22", "Sling 2", "Sling 4", "Diamond DA40", "Diamond DA42", "Beechcraft Baron",
    "Jabiru J430", "Bell 206", "Airbus H125", "Tecnam P2008", "Foxbat A22", "Piper J-3 Cub",
)  # fmt: skip
_NBH = "\u2011"  # non-breaking hyphen
_DESCRIPTIONS = (
    f"Part{_NBH}141 training organisation; PPL, CPL and instructor ratings.",
    f"Non{_NBH}profit aero club with self{_NBH}fly hire.",
    f"Ab{_NBH}initio to commercial; night and instrument ratings.",
    "Helicopter training and game-capture support.",
    f"Charter and aerial work – multi{_NBH}engine.",
    "Maintenance of light piston aircraft; avionics bench.",
    f"Tail{_NBH}dragger conversions and aerobatics (weekend only).",
    "Type ratings and recurrent training.",
)
_STREETS = (
    "Runway Road", "Hangar Street", "Apron Avenue", "Taxiway Lane", "Piston Crescent",
    "Propeller Drive", "Windsock Way", "Airfield Road", "Industrial Drive", "Pit Lane",
)  # fmt: skip
_NOTES = (
    "Asked for a call back next week",
    "Prefers WhatsApp",
    "Call after 14:00",
    "Requested a quote",
    f"Follow{_NBH}up in March",
    "Moved to new hangar ",
)
_LEGAL_SUFFIXES = ("(Pty) Ltd", "(Pty) Ltd", "Pty Ltd", "(PTY) LTD", "CC", "Ltd")
_WEB_STYLES = (
    "https://www.{d}",
    "https://www.{d}",
    "https://{d}",
    "http://www.{d}",
    "https://www.{d}/",
    "https://{d}/contact-us/",
    "https://www.{d}/index.php?page=home&lang=en",
    "https://www.{d}/#contact",
    "www.{d}",
)
_EXTERNAL_ACCOUNTS = (
    "Trading", "Auto Spares", "Engineering Works", "Hardware", "Logistics", "Panelbeaters",
    "Tyres", "Couriers",
)  # fmt: skip
_SCRAP_WORDS = ("Ironwood", "Saltpan", "Windmill", "Kopje", "Riverbend", "Tumbleweed", "Vlei")

# --- cell helpers ------------------------------------------------------------------------------

_EXCEL_EPOCH = dt.date(1899, 12, 30)


@dataclass(frozen=True)
class _F:
    """A formula cell with the result Excel would have cached."""

    formula: str
    cached: Any = ""


class _Sheet:
    def __init__(self, name: str) -> None:
        self.name = name
        self.rows: list[list[Any]] = []
        self.merges: list[tuple[int, int, int, int]] = []  # 0-based first_row, first_col, ...

    @property
    def next_row(self) -> int:
        """1-based Excel row number the next appended row will get."""
        return len(self.rows) + 1

    def add(self, row: list[Any] | tuple[Any, ...]) -> int:
        self.rows.append(list(row))
        return len(self.rows)


def _write_cell(ws: Any, r: int, c: int, v: Any, date_fmt: Any) -> None:
    if v is None:
        return
    if isinstance(v, _F):
        cached = v.cached
        if isinstance(cached, dt.date):
            ws.write_formula(r, c, v.formula, date_fmt, (cached - _EXCEL_EPOCH).days)
        else:
            ws.write_formula(r, c, v.formula, None, cached)
    elif isinstance(v, dt.datetime):
        ws.write_datetime(r, c, v, date_fmt)
    elif isinstance(v, dt.date):
        ws.write_datetime(r, c, dt.datetime(v.year, v.month, v.day), date_fmt)
    elif isinstance(v, str):
        ws.write_string(r, c, v)
    elif isinstance(v, bool):
        ws.write_boolean(r, c, v)
    else:
        ws.write_number(r, c, v)


def _write_xlsx(target: Path | io.BytesIO, sheets: list[_Sheet]) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(
        str(target) if isinstance(target, Path) else target, {"in_memory": True}
    )
    wb.set_properties(_DOC_PROPERTIES)
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    for sh in sheets:
        ws = wb.add_worksheet(sh.name)
        covered: set[tuple[int, int]] = set()
        for r0, c0, r1, c1 in sh.merges:
            covered.update((r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1))
        for r, row in enumerate(sh.rows):
            for c, v in enumerate(row):
                if (r, c) not in covered:
                    _write_cell(ws, r, c, v, date_fmt)
        for r0, c0, r1, c1 in sh.merges:
            top = sh.rows[r0][c0] if r0 < len(sh.rows) and c0 < len(sh.rows[r0]) else None
            ws.merge_range(r0, c0, r1, c1, "")
            _write_cell(ws, r0, c0, top, date_fmt)  # keeps the top-left value's type
    wb.close()


# --- small text helpers ------------------------------------------------------------------------


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", _ascii(text).lower())


def _key(name: str) -> str:
    """Loose comparison key: lower-case alphanumerics only (used to keep names apart)."""
    return re.sub(r"[^a-z0-9]", "", _ascii(name).lower())


def _spaced(e164: str) -> str:
    return f"{e164[:3]} {e164[3:5]} {e164[5:8]} {e164[8:]}"


def _national(e164: str) -> str:
    return f"0{e164[3:5]} {e164[5:8]} {e164[8:]}"


def _dmy(d: dt.date) -> str:
    return f"{d.day:02d}/{d.month:02d}/{d.year}"


def _rand_date(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randrange((end - start).days + 1))


# --- phone numbers -----------------------------------------------------------------------------


class _Phones:
    """Unique valid South African numbers (E.164) and deliberately invalid ones."""

    def __init__(self, rng: random.Random, used: set[str] | None = None) -> None:
        import phonenumbers

        self._pn = phonenumbers
        self.rng = rng
        self.used: set[str] = set(used or ())

    def is_valid(self, text: str) -> bool:
        try:
            number = self._pn.parse(text, "ZA")
        except self._pn.NumberParseException:
            return False
        return self._pn.is_valid_number(number)

    def _make(self, prefix: str) -> str:
        while True:
            number = f"+27{prefix}{self.rng.choice('2345678')}{self.rng.randrange(10**6):06d}"
            if number not in self.used and self.is_valid(number):
                self.used.add(number)
                return number

    def mobile(self) -> str:
        return self._make(self.rng.choice(_MOBILE_PREFIXES))

    def landline(self, province: str | None) -> str:
        cities = _CITIES.get(province or "Gauteng", _CITIES["Gauteng"])
        return self._make(self.rng.choice(cities)[1])

    def invalid(self) -> str:
        """A phone-like text that is not a valid number (one digit short or one too many)."""
        while True:
            base = f"+27{self.rng.choice(('11', '12', '21', '82', '83'))}{self.rng.randrange(10**7):07d}"
            text = base[:-1] if self.rng.random() < 0.5 else base + str(self.rng.randrange(10))
            if not self.is_valid(text):
                return text


# --- the invented universe ---------------------------------------------------------------------


@dataclass
class _Person:
    pid: str
    first: str
    last: str | None
    nick: str | None
    role: str | None
    email: str | None
    mobile: str | None

    @property
    def full_name(self) -> str:
        return f"{self.first} {self.last}" if self.last else self.first


@dataclass
class _Org:
    label: str
    name: str
    stem: str
    suffix: str
    aviation: bool
    category: str
    org_type: str | None
    province: str | None
    city: str
    domain: str | None
    has_website: bool
    phones: list[str]
    generic_email: str | None
    people: list[_Person]
    planes: list[str]
    address: str
    description: str
    sources: set[str] = field(default_factory=set)
    branch_of: str | None = None
    accounting_name: str | None = None
    is_customer: bool = False
    last_order_status: bool = False
    order_dates: list[dt.date] = field(default_factory=list)

    @property
    def website(self) -> str | None:
        return f"https://www.{self.domain}" if self.domain and self.has_website else None


def _weighted(rng: random.Random, items: tuple[str, ...], weights: tuple[int, ...]) -> str:
    return rng.choices(items, weights=weights, k=1)[0]


def _pick_province(rng: random.Random) -> str:
    names = tuple(_PROVINCE_WEIGHTS)
    return _weighted(rng, names, tuple(_PROVINCE_WEIGHTS.values()))


class _Universe:
    """Invented organisations and people, with unique stems, domains, e-mails and phones."""

    def __init__(self, rng: random.Random, phones: _Phones) -> None:
        self.rng = rng
        self.phones = phones
        self.orgs: list[_Org] = []
        self.stems: set[str] = set()
        self.domains: set[str] = set()
        self.emails: set[str] = set()
        self.name_keys: dict[str, str] = {}
        self._person_seq = 0

    def _new_stem(self) -> str:
        rng = self.rng
        for _ in range(10_000):
            a = rng.choice(_STEM_A)
            stem = a if rng.random() < 0.35 else f"{a} {rng.choice(_STEM_B)}"
            if stem not in self.stems:
                self.stems.add(stem)
                return stem
        raise RuntimeError("ran out of invented organisation names")

    def _new_domain(self, base: str) -> str:
        rng = self.rng
        tld = _weighted(rng, (".co.za", ".com", ".aero", ".org.za"), (70, 15, 10, 5))
        slug = _slug(base)[:22]
        domain, n = f"{slug}-example{tld}", 2
        while domain in self.domains:
            domain, n = f"{slug}{n}-example{tld}", n + 1
        self.domains.add(domain)
        return domain

    def unique_email(self, local: str, domain: str) -> str:
        address, n = f"{local}@{domain}", 2
        while address in self.emails:
            address, n = f"{local}{n}@{domain}", n + 1
        self.emails.add(address)
        return address

    def _person(self, org_label: str, aviation: bool, domain: str | None) -> _Person:
        rng = self.rng
        self._person_seq += 1
        first = rng.choice(_FIRST_NAMES)
        last = rng.choice(_LAST_NAMES) if rng.random() < 0.9 else None
        nick = rng.choice(_NICKNAMES) if last and rng.random() < 0.06 else None
        role = rng.choice(_AVIATION_ROLES if aviation else _OTHER_ROLES)
        email = None
        if rng.random() < 0.75:
            fl, ll = _slug(first), _slug(last or "")
            local = rng.choice([f"{fl}.{ll}", f"{fl[0]}{ll}", fl] if ll else [fl, f"{fl}.office"])
            dom = domain if domain and rng.random() < 0.85 else "webmail-example.co.za"
            email = self.unique_email(local, dom)
        mobile = self.phones.mobile() if rng.random() < 0.7 else None
        return _Person(f"P{self._person_seq:04d}", first, last, nick, role, email, mobile)

    def make_org(self, label: str, *, aviation: bool, category: str | None = None) -> _Org:
        rng = self.rng
        if category is None:
            category = (
                _weighted(rng, _AVIATION_CATEGORIES, _AVIATION_WEIGHTS)
                if aviation
                else _weighted(rng, _OTHER_CATEGORIES, _OTHER_WEIGHTS)
            )
        while True:
            stem = self._new_stem()
            suffix = rng.choice(_SUFFIXES[category])
            intl = rng.random() < 0.05
            name = f"{stem} International {suffix}" if intl else f"{stem} {suffix}"
            if _key(name) not in self.name_keys:
                break
        province = _pick_province(rng) if rng.random() > 0.09 else None
        city = rng.choice(_CITIES[province or "Gauteng"])[0]
        own_domain = rng.random() < (0.95 if aviation else 0.8)
        domain = self._new_domain(stem + suffix.split()[0]) if own_domain else None
        has_website = domain is not None and rng.random() < (0.96 if aviation else 0.45)
        phones = [self.phones.landline(province)]
        if rng.random() < 0.25:
            phones.append(self.phones.mobile())
        if domain:
            generic = self.unique_email(
                rng.choice(("info", "info", "admin", "bookings", "office", "ops")), domain
            )
        else:
            generic = (
                self.unique_email(_slug(stem)[:14], "webmail-example.co.za")
                if rng.random() < 0.5
                else None
            )
        n_people = rng.choices((0, 1, 2, 3, 4), weights=(15, 35, 28, 15, 7), k=1)[0]
        people = [self._person(label, aviation, domain) for _ in range(n_people)]
        planes = rng.sample(_PLANES, rng.randint(1, 4)) if aviation else []
        num = rng.randint(1, 250)
        address = f"{num} {rng.choice(_STREETS)}, {city}, {rng.randint(1000, 9999)}"
        if aviation and rng.random() < 0.4:
            address = f"Hangar {rng.randint(1, 40)}, {city} Aerodrome, {address}"
        org_type = rng.choice(_ORG_TYPES[category]) if category in _ORG_TYPES else None
        org = _Org(
            label=label,
            name=name,
            stem=stem,
            suffix=suffix,
            aviation=aviation,
            category=category,
            org_type=org_type,
            province=province,
            city=city,
            domain=domain,
            has_website=has_website,
            phones=phones,
            generic_email=generic,
            people=people,
            planes=planes,
            address=address,
            description=rng.choice(_DESCRIPTIONS),
        )
        self.orgs.append(org)
        self.name_keys[_key(name)] = label
        return org

    def make_branch(self, base: _Org, label: str, kind: int) -> _Org:
        """A distinct organisation whose name is nearly that of ``base`` (other province)."""
        rng = self.rng
        province = rng.choice([p for p in PROVINCES if p != base.province])
        city = rng.choice(_CITIES[province])[0]
        if kind == 0:
            name = f"{base.name} ({city})"
        elif kind == 1:
            name = self.typo(base.name, avoid_label=None)
        else:
            others = [s for s in _SUFFIXES[base.category] if s != base.suffix] or ["Aviation"]
            name = f"{base.stem} {rng.choice(others)}"
        org = self.make_org(label, aviation=base.aviation, category=base.category)
        self.stems.discard(org.stem)
        del self.name_keys[_key(org.name)]
        org.name, org.stem = name, base.stem
        org.suffix = name[len(base.stem) + 1 :] if name.startswith(base.stem + " ") else org.suffix
        org.province, org.city = province, city
        org.domain = self._new_domain(base.stem + city)
        org.has_website = True
        org.phones = [self.phones.landline(province)]
        org.generic_email = self.unique_email("info", org.domain)
        for p in org.people:
            if p.email and not p.email.endswith("webmail-example.co.za"):
                p.email = self.unique_email(p.email.split("@")[0], org.domain)
        org.address = (
            f"{rng.randint(1, 250)} {rng.choice(_STREETS)}, {city}, {rng.randint(1000, 9999)}"
        )
        org.branch_of = base.label
        self.name_keys[_key(name)] = label
        return org

    def typo(self, name: str, avoid_label: str | None) -> str:
        """Swap or drop one inner letter of the longest word; never hits another entity's name."""
        rng = self.rng
        words = name.split()
        for _ in range(200):
            i = max(range(len(words)), key=lambda j: (len(words[j]), -j))
            if rng.random() < 0.4:
                i = rng.randrange(len(words))
            w = words[i]
            if len(w) < 5:
                continue
            k = rng.randrange(1, len(w) - 2)
            if rng.random() < 0.5 and w[k] != w[k + 1]:
                w2 = w[:k] + w[k + 1] + w[k] + w[k + 2 :]
            else:
                w2 = w[:k] + w[k + 1 :]
            candidate = " ".join([*words[:i], w2, *words[i + 1 :]])
            owner = self.name_keys.get(_key(candidate))
            if candidate != name and (owner is None or owner == avoid_label):
                return candidate
        return name + "s"


# --- the truth recorder ------------------------------------------------------------------------


class _Recorder:
    """Registers every value written into a data sheet and which entity each row belongs to."""

    def __init__(self) -> None:
        self.file = ""
        self.phones: dict[str, None] = {}
        self.emails: dict[str, None] = {}
        self.invalid_phones = 0
        self.junk_emails = 0
        self.phone_placeholders = 0
        self.email_placeholders = 0
        self.record_entity: dict[str, str] = {}
        self.contacts: list[dict[str, Any]] = []
        self.names: dict[str, list[str]] = {}
        self.entity_phones: dict[str, list[str]] = {}
        self.entity_emails: dict[str, list[str]] = {}
        self.domain_seen: set[str] = set()
        self.province_seen: set[str] = set()
        self.website_seen: set[str] = set()

    def row(self, sheet: str, row: int, org: _Org, name: str | None = None) -> None:
        self.record_entity[f"{self.file}|{sheet}|{row}"] = org.label
        if name is not None:
            forms = self.names.setdefault(org.label, [])
            clean = " ".join(name.split())
            if clean not in forms:
                forms.append(clean)

    def phone(self, e164: str, org: _Org | None) -> str:
        self.phones.setdefault(e164, None)
        if org is not None:
            lst = self.entity_phones.setdefault(org.label, [])
            if e164 not in lst:
                lst.append(e164)
        return e164

    def email(self, address: str, org: _Org | None) -> str:
        low = address.lower()
        self.emails.setdefault(low, None)
        if org is not None:
            lst = self.entity_emails.setdefault(org.label, [])
            if low not in lst:
                lst.append(low)
            if org.domain and low.endswith("@" + org.domain):
                self.domain_seen.add(org.label)
        return address

    def website(self, org: _Org) -> None:
        self.domain_seen.add(org.label)
        self.website_seen.add(org.label)

    def contact(
        self,
        org: _Org,
        person: _Person,
        sheet: str,
        row: int,
        *,
        emails: list[str],
        phones: list[str],
        role: str | None,
        invalid: bool = False,
    ) -> None:
        self.contacts.append(
            {
                "entity": org.label,
                "person": person.pid,
                "full_name": person.full_name,
                "role": role,
                "emails": [e.lower() for e in emails],
                "phones": list(phones),
                "file": self.file,
                "sheet": sheet,
                "row": row,
                "invalid": invalid,
            }
        )


@dataclass
class DemoTruth:
    """Ground truth of a generated drop. JSON-serialisable through :meth:`to_dict`.

    ``entities`` has one dict per true organisation with at least ``entity``, ``name``,
    ``province`` (canonical, or None when no source shows it), ``domain`` (registrable domain, or
    None when no source shows it), ``is_customer`` and ``sources`` (``{"file","sheet","row"}``);
    plus ``category``, ``names`` (display forms used), ``website``, ``phones`` and ``emails`` seen
    in its rows, ``accounting_name`` and ``branch_of`` (label of a distinct organisation with a
    near-identical name, which must not be merged with it); variant drops add ``new``.

    ``contacts`` has one dict per person named in a source row: ``entity``, ``person`` (a stable
    id of the true person, shared by the rows that list the same person), ``full_name`` (without
    nickname), ``role`` as written, the ``emails`` and ``phones`` of that person present in the
    row (not the organisation's generic ones), ``file``, ``sheet``, ``row`` and ``invalid`` (the
    source flags the contact as bad). Rows that name no person (a desk, accounts) are not contacts.

    ``record_entity`` covers every organisation-bearing row of the data sheets; ``Order Dates``
    rows count when their accounting name is in ``Company_Cat`` (the rest are
    ``unmatched_order_rows``).
    """

    entities: list[dict[str, Any]] = field(default_factory=list)
    record_entity: dict[str, str] = field(default_factory=dict)
    valid_phones: list[str] = field(default_factory=list)
    valid_emails: list[str] = field(default_factory=list)
    invalid_phones: int = 0
    junk_emails: int = 0
    contacts: list[dict[str, Any]] = field(default_factory=list)
    customers: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    seed: int | None = None
    phone_placeholders: int = 0
    email_placeholders: int = 0
    #: pairs of entity labels with near-identical names that are distinct organisations
    branch_pairs: list[list[str]] = field(default_factory=list)
    #: variant drops only: rows whose name is one entity's and whose evidence is another's
    bridges: list[dict[str, Any]] = field(default_factory=list)
    #: order rows whose accounting name matches no Company_Cat row (not linked to any entity)
    unmatched_order_rows: int = 0

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def write_json(self, path: Path | str) -> Path:
        path = Path(path)
        path.write_text(json.dumps(self.to_dict(), indent=2, sort_keys=True, ensure_ascii=False))
        return path

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DemoTruth:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

    @classmethod
    def read_json(cls, path: Path | str) -> DemoTruth:
        return cls.from_dict(json.loads(Path(path).read_text()))

    def entity(self, label: str) -> dict[str, Any]:
        for e in self.entities:
            if e["entity"] == label:
                return e
        raise KeyError(label)


# --- shared row builders -------------------------------------------------------------------------


def _url(rng: random.Random, domain: str) -> str:
    return rng.choice(_WEB_STYLES).format(d=domain)


def _person_text(p: _Person, style: str) -> str:
    name = f'{p.first} "{p.nick}" {p.last}' if p.nick else p.full_name
    if not p.role or style == "bare":
        return name
    if style == "dash":
        return f"{name} — {p.role}"
    return f"{name} ({p.role})"


def _name_form(
    rng: random.Random,
    uni: _Universe,
    org: _Org,
    weights: dict[str, float],
    *,
    evidence: bool,
    force: str | None = None,
) -> str:
    """Pick how a source spells ``org``: base, legal suffix, Flying School, typo, …

    ``force`` names a kind to use whenever it applies (keeps each kind present at small sizes).
    """
    options: list[tuple[str, float]] = []
    if force:
        weights = {force: 1.0}
        evidence = True
    for kind, w in weights.items():
        if kind == "flying" and "Flight School" not in org.name:
            continue
        if kind == "intl" and "International" not in org.name:
            continue
        if kind == "amp" and " and " not in org.name:
            continue
        if kind in ("typo", "abbrev") and not evidence:
            continue
        if kind == "abbrev" and len(org.name.split()) < 3:
            continue
        options.append((kind, w))
    if not options:
        return org.name
    kind = rng.choices([k for k, _ in options], weights=[w for _, w in options], k=1)[0]
    if kind == "legal":
        return f"{org.name} {rng.choice(_LEGAL_SUFFIXES)}"
    if kind == "flying":
        return org.name.replace("Flight School", "Flying School")
    if kind == "intl":
        return org.name.replace("International", "Intl")
    if kind == "amp":
        return org.name.replace(" and ", " & ")
    if kind == "upper":
        return org.name.upper()
    if kind == "typo":
        return uni.typo(org.name, avoid_label=org.label)
    if kind == "abbrev":
        abbrev = "".join(w[0] for w in org.name.split() if w[0].isalpha()).upper()
        if _key(abbrev) in uni.name_keys:
            return org.name
        return abbrev
    return org.name


def _sacaa_row(
    ctx: _Recorder,
    rng: random.Random,
    phones: _Phones,
    org: _Org,
    *,
    name: str,
    row: int,
    people_rate: float = 0.45,
    junk_rate: float = 0.0,
    province_text: str | None = None,
    evidence_org: _Org | None = None,
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
    ev = evidence_org or org
    issues: list[str] = []
    sheet = "Cleaned"
    ctx.row(sheet, row, org, name)
    if province_text is None:
        province_text = org.province or "Unknown"
    if province_text == "Unknown":
        issues.append("Unknown province")
    else:
        ctx.province_seen.add(org.label)
    status = "Active" if rng.random() < 0.75 else "Invalid"

    website = None
    if ev.website and rng.random() < 0.97:
        website = _url(rng, ev.domain or "")
        ctx.website(ev)
        if rng.random() < 0.02:
            website = f"{website.rstrip('/')}/; https://www.facebook.com/{_slug(ev.stem)}/"
    else:
        issues.append("Missing/invalid website")

    persons: list[_Person] = []
    person_text = None
    if people_count:
        persons = org.people[:people_count]
        person_text = "; ".join(_person_text(p, "paren" if p.role else "bare") for p in persons)
    elif org.people and rng.random() < people_rate and evidence_org is None:
        k = 1 if rng.random() < 0.85 else min(len(org.people), rng.randint(2, 3))
        persons = org.people[:k]
        person_text = "; ".join(_person_text(p, "paren" if p.role else "bare") for p in persons)

    phone_text = None
    person_phone: dict[str, list[str]] = {p.pid: [] for p in persons}
    if bad_phone or rng.random() < junk_rate:
        phone_text = phones.invalid()
        ctx.invalid_phones += 1
    elif ev.phones and (rng.random() < 0.65 or evidence_org is not None):
        number = ev.phones[0]
        if persons and persons[0].mobile and rng.random() < 0.3:
            number = persons[0].mobile
            person_phone[persons[0].pid].append(number)
        ctx.phone(number, org)
        phone_text = number if rng.random() < 0.88 else _spaced(number)
    if phone_text is None or not phones.is_valid(phone_text):
        issues.append("Invalid/missing phone")

    email_text = None
    person_email: dict[str, list[str]] = {p.pid: [] for p in persons}
    if junk_email or rng.random() < junk_rate:
        email_text = rng.choice(
            (f"info@{_slug(ev.stem)}-example", f"bookings.{_slug(ev.stem)}-example.co.za")
        )
        ctx.junk_emails += 1
        issues.append("Invalid email format")
    elif rng.random() < 0.7 or evidence_org is not None:
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
                ctx.email(a, org)
            email_text = "; ".join(addresses)
    for p in persons:
        ctx.contact(
            org, p, sheet, row, emails=person_email[p.pid], phones=person_phone[p.pid], role=p.role
        )
    return [name, province_text, status, website, person_text, phone_text, email_text], issues


def _sacaa_sheets(cleaned_rows: list[list[Any]], issues: list[list[str]], rng: random.Random):
    cleaned = _Sheet("Cleaned")
    cleaned.add(SACAA_HEADERS)
    for r in cleaned_rows:
        cleaned.add(r)
    issues_sheet = _Sheet("Issues")
    issues_sheet.add(("Row", "Issues"))
    for i, found in enumerate(issues):
        stale = rng.random() < 0.15
        text = "; ".join(found) if found and not stale else None
        issues_sheet.add((i + 2, text))
    lists = _Sheet("Lists")
    for i, province in enumerate(PROVINCES):
        lists.add((province, ("Active", "Invalid")[i] if i < 2 else None))
    return [cleaned, issues_sheet, lists]


# --- the three demo workbooks --------------------------------------------------------------------


class _DemoBuilder:
    def __init__(self, seed: int, n_organisations: int) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.phones = _Phones(self.rng)
        self.uni = _Universe(self.rng, self.phones)
        self.rec = _Recorder()
        self.branch_pairs: list[list[str]] = []
        self.unmatched_orders = 0
        self.force: dict[str, str] = {}  # entity label -> name variant kind it must show
        self._build_universe(max(8, n_organisations))

    # universe, membership and customers -------------------------------------------------------

    def _build_universe(self, n: int) -> None:
        rng, uni = self.rng, self.uni
        n_pairs = max(1, n // 30)
        n_base = n - n_pairs
        for i in range(n_base):
            uni.make_org(f"E{i + 1:03d}", aviation=rng.random() < 0.62)
        schools = [o for o in uni.orgs if o.category == "Flight School"]
        if len(schools) < n_pairs:
            schools = [o for o in uni.orgs if o.aviation] or list(uni.orgs)
        bases = rng.sample(schools, min(n_pairs, len(schools)))
        for k, base in enumerate(bases):
            branch = uni.make_branch(base, f"E{len(uni.orgs) + 1:03d}", k % 3)
            base.sources.add("sacaa")
            branch.sources.add("sacaa")
            self.branch_pairs.append([base.label, branch.label])

        for o in uni.orgs:
            if o.category == "Flight School":
                p = {
                    "sacaa": 0.85,
                    "reachout": 0.6,
                    "company_cat": 0.3,
                    "capture": 0.25,
                    "flight_schools": 0.3,
                }
            elif o.aviation:
                p = {"sacaa": 0.15, "reachout": 0.45, "company_cat": 0.6}
            else:
                p = {"company_cat": 1.0}
            for src, prob in p.items():
                if rng.random() < prob:
                    o.sources.add(src)
            if not o.sources:
                o.sources.add("reachout")
            if ("reachout" in o.sources and rng.random() < 0.85) or (
                o.aviation and rng.random() < 0.15
            ):
                o.sources.add("contact_info")

        # every data sheet gets at least one organisation, even for tiny universes
        for src in (
            "sacaa",
            "reachout",
            "contact_info",
            "company_cat",
            "capture",
            "flight_schools",
        ):
            if not any(src in o.sources for o in uni.orgs):
                fits = [o for o in uni.orgs if o.aviation or src == "company_cat"] or uni.orgs
                fits[0].sources.add(src)

        paired = {x for pair in self.branch_pairs for x in pair}
        free = [o for o in uni.orgs if o.label not in paired]
        for kind, ok in (
            (
                "flying",
                lambda o: (
                    "Flight School" in o.name
                    and o.sources & {"reachout", "capture", "flight_schools"}
                ),
            ),
            ("typo", lambda o: "reachout" in o.sources and o.website is not None),
            (
                "abbrev",
                lambda o: (
                    "company_cat" in o.sources and o.domain is not None and len(o.name.split()) >= 3
                ),
            ),
        ):
            found = next((o for o in free if ok(o) and o.label not in self.force), None)
            if found is not None:
                self.force[found.label] = kind

        crm = [o for o in uni.orgs if "company_cat" in o.sources]
        for o in crm:
            z = (
                -2.6
                + _CATEGORY_EFFECT.get(o.category, 0.0)
                + 1.3 * o.has_website
                + 0.45 * len(o.people)
                + 0.7 * (o.province in ("Gauteng", "Western Cape"))
                + rng.gauss(0.0, 0.8)
            )
            o.is_customer = rng.random() < 1.0 / (1.0 + math.exp(-z))
        if crm and not any(o.is_customer for o in crm):
            crm[0].is_customer = True
        if len(crm) > 1 and all(o.is_customer for o in crm):
            crm[-1].is_customer = False
        customers = [o for o in crm if o.is_customer]
        status_only = customers[len(customers) // 2] if len(customers) >= 5 else None
        acc_seen: set[str] = set()
        for o in crm:
            if o.is_customer and o is not status_only:
                o.accounting_name = self._accounting_name(o, acc_seen)
                n_orders = rng.choices((1, 2, 3), weights=(80, 14, 6), k=1)[0]
                o.order_dates = sorted(
                    (
                        _rand_date(rng, dt.date(1998, 1, 1), dt.date(2025, 7, 25))
                        for _ in range(n_orders)
                    ),
                    reverse=True,
                )
                o.last_order_status = rng.random() < 0.15
            elif o is status_only:
                o.last_order_status = True
            elif rng.random() < 0.03:
                o.accounting_name = self._accounting_name(o, acc_seen)
        if customers and not any(o.last_order_status for o in customers):
            customers[0].last_order_status = True

    def _accounting_name(self, o: _Org, seen: set[str]) -> str:
        rng = self.rng
        form = rng.random()
        if form < 0.5:
            acc = f"{o.name} (Pty) Ltd"
        elif form < 0.7:
            acc = o.name.upper()
        elif form < 0.85:
            acc = f"{o.name} CC"
        else:
            acc = f"{o.name} - {o.city[:3].upper()}"
        while acc.casefold() in seen:
            acc += " 2"
        seen.add(acc.casefold())
        return acc

    def _forced(self, o: _Org, *kinds: str) -> str | None:
        kind = self.force.get(o.label)
        return kind if kind in kinds else None

    def _in(self, source: str) -> list[_Org]:
        return [o for o in self.uni.orgs if source in o.sources]

    # SACAA -------------------------------------------------------------------------------------

    def sacaa(self) -> list[_Sheet]:
        rng, rec = self.rng, self.rec
        rec.file = SACAA_FILE
        orgs = self._in("sacaa")
        entries: list[tuple[_Org, str]] = []
        for o in orgs:
            name = _name_form(
                rng, self.uni, o, {"base": 0.75, "legal": 0.2, "intl": 0.05}, evidence=False
            )
            entries.append((o, name))
        n_dups = 3 if len(entries) >= 20 else 1
        for o, name in rng.sample(entries, min(n_dups, len(entries))):
            entries.append((o, name))
        entries.sort(key=lambda e: (e[1].casefold(), e[0].label))
        rows, issues = [], []
        reachout = {o.label for o in self._in("reachout")}
        n_bad = 2 if len(entries) >= 20 else 1
        bad_phone_at = set(rng.sample(range(len(entries)), n_bad))
        junk_email_at = set(rng.sample(range(len(entries)), n_bad))
        # one cell with several people, one of them with a nickname in quotes
        crowded = [i for i, (o, _) in enumerate(entries) if len(o.people) >= 2]
        multi_at = rng.choice(crowded) if crowded else -1
        if crowded:
            first = entries[multi_at][0].people[0]
            if first.last and first.nick is None:
                first.nick = rng.choice(_NICKNAMES)
        for i, (o, name) in enumerate(entries):
            province_text = None
            if o.province and o.label in reachout and rng.random() < 0.1:
                province_text = "Unknown"
            row, found = _sacaa_row(
                rec,
                rng,
                self.phones,
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
        return _sacaa_sheets(rows, issues, rng)

    # Reachout ----------------------------------------------------------------------------------

    def reachout(self) -> list[_Sheet]:
        rng, rec, uni = self.rng, self.rec, self.uni
        rec.file = REACHOUT_FILE
        org_sheet = _Sheet("Organisation")
        org_sheet.add(REACHOUT_ORGANISATION_HEADERS)
        orgs = self._in("reachout")
        rng.shuffle(orgs)
        org_row_of: dict[str, int] = {}
        used_names: set[str] = set()
        touches = ("Email sent", "Called", "No answer", "Left message - call back", "Call back")
        distances = ("0km-100km", "100km-200km", "200km-300km", "300km-500km", "500km+")
        open_question_row = rng.randrange(len(orgs)) if orgs else -1
        for i, o in enumerate(orgs):
            r = org_sheet.next_row
            website = None
            forced = self._forced(o, "flying", "typo")
            if o.website and (rng.random() < 0.9 or forced == "typo"):
                website = _url(rng, o.domain or "")
                if rng.random() < 0.08:
                    website = f"https://{o.domain}/courses/ppl_training/?ref=directory"
                elif rng.random() < 0.03:
                    website += "\t"
            name = _name_form(
                rng,
                uni,
                o,
                {"base": 0.55, "legal": 0.15, "flying": 0.2, "amp": 0.05, "typo": 0.05},
                evidence=website is not None,
                force=forced,
            )
            if name.casefold() in used_names:
                name = o.name
            used_names.add(name.casefold())
            org_row_of[o.label] = r
            rec.row("Organisation", r, o, name)
            if website:
                rec.website(o)
            area = None
            if o.province and rng.random() < 0.97:
                rec.province_seen.add(o.label)
                aliases = _AREA_ALIASES.get(o.province, ())
                area = rng.choice(aliases) if aliases and rng.random() < 0.45 else o.province
            planes = None
            if o.planes and rng.random() < 0.3:
                planes = (", " if rng.random() < 0.35 else "; ").join(o.planes)
            touch: Any = None
            if rng.random() < 0.15:
                touch = 1 if rng.random() < 0.6 else rng.choice(touches)
            row = [
                name,
                _F(f"=ROW(A{r})", r),
                _rand_date(rng, dt.date(2025, 10, 1), dt.date(2025, 10, 23))
                if rng.random() < 0.35
                else None,
                touch,
                area,
                rng.choice(distances) if rng.random() < 0.85 else None,
                o.org_type if rng.random() < 0.35 else None,
                website,
                o.address if rng.random() < 0.5 else None,
                planes,
                o.description if rng.random() < 0.3 else None,
                rng.choice(_NOTES) if rng.random() < 0.04 else None,
                "Do they still run night ratings?" if i == open_question_row else None,
                "check" if rng.random() < 0.04 else None,
                "dup?" if rng.random() < 0.03 else None,
            ]
            org_sheet.add(row)
        n_named = len(orgs)
        for _ in range(max(20, 3 * n_named)):
            r = org_sheet.next_row
            org_sheet.add([None, _F(f"=ROW(A{r})", r)])
        org_sheet.add([None])  # one trailing row without the formula
        last_org_row = org_sheet.next_row - 1
        org_names = {org_sheet.rows[r - 1][0].casefold(): r for r in org_row_of.values()}

        contact = _Sheet("Contact Info")
        contact.add(REACHOUT_CONTACT_HEADERS)
        ci_orgs = self._in("contact_info")
        rng.shuffle(ci_orgs)
        outside = [o.label for o in ci_orgs if o.label not in org_row_of]
        inside = [o.label for o in ci_orgs if o.label in org_row_of]
        n_fail = max(1, round(0.3 * len(ci_orgs))) - len(outside)
        failing = set(outside) | set(rng.sample(inside, max(0, min(n_fail, len(inside)))))
        facebook_done = multi_done = bad_phone_done = missing_at_done = False
        notes_left = 3
        for o in ci_orgs:
            in_org_sheet = o.label in org_row_of
            org_name = org_sheet.rows[org_row_of[o.label] - 1][0] if in_org_sheet else o.name
            fail_lookup = o.label in failing
            if fail_lookup and in_org_sheet:
                for _ in range(20):
                    variant = _name_form(
                        rng,
                        uni,
                        o,
                        {"legal": 0.5, "flying": 0.3, "base": 0.2, "typo": 0.1},
                        evidence=True,
                    )
                    if variant.casefold() != org_name.casefold():
                        org_name = variant
                        break
                else:
                    org_name = org_name + " "
            elif not in_org_sheet and rng.random() < 0.4:
                org_name = _name_form(rng, uni, o, {"base": 0.6, "legal": 0.4}, evidence=False)
            people = o.people[: rng.randint(1, 3)] if o.people else []
            desk = not people or rng.random() < 0.35
            slots: list[_Person | None] = list(people) + ([None] if desk else [])
            for p in slots:
                r = contact.next_row
                rec.row("Contact Info", r, o, org_name)
                cached = org_names.get(org_name.casefold(), "")
                id_cell = _F(
                    f'=IFERROR(VLOOKUP(B{r},Organisation!$A$1:$B${last_org_row},2,FALSE),"")',
                    cached,
                )
                phones_here: list[str] = []
                emails_here: list[str] = []
                phone_text = whatsapp = email_text = None
                number = p.mobile if p is not None else o.phones[0]
                if number and rng.random() < 0.85:
                    phone_text = rec.phone(number, o)
                    phones_here.append(number)
                    if p is not None and rng.random() < 0.12:
                        whatsapp = number if rng.random() < 0.5 else _spaced(number)
                elif not bad_phone_done:
                    phone_text = self.phones.invalid()
                    rec.invalid_phones += 1
                    bad_phone_done = True
                address = p.email if p is not None else o.generic_email
                if not facebook_done and p is None:
                    email_text = f"https://www.facebook.com/{_slug(o.stem)}-{rng.randrange(10**9)}/"
                    rec.junk_emails += 1
                    facebook_done = True
                elif address and not missing_at_done and p is not None and rng.random() < 0.1:
                    email_text = address.replace("@", ".", 1)
                    rec.junk_emails += 1
                    missing_at_done = True
                elif address and rng.random() < 0.9:
                    rec.email(address, o)
                    emails_here.append(address)
                    style = rng.random()
                    if style < 0.04:
                        email_text = "\xa0" + address
                    elif style < 0.07:
                        email_text = address + "\xa0"
                    elif style < 0.1:
                        email_text = " " + address
                    elif style < 0.14:
                        email_text = address[0].upper() + address[1:]
                    else:
                        email_text = address
                    if not multi_done and o.generic_email and o.generic_email != address:
                        rec.email(o.generic_email, o)
                        email_text = f"{address}, {o.generic_email}"
                        multi_done = True
                invalid: Any = None
                if rng.random() < 0.12:
                    invalid = 1
                row = [
                    id_cell,
                    org_name,
                    _rand_date(rng, dt.date(2025, 10, 1), dt.date(2025, 10, 23))
                    if rng.random() < 0.6
                    else None,
                    None,
                    None,
                    rng.choice(_ORG_DESKS)
                    if p is None
                    else (p.role if rng.random() < 0.8 else None),
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
                if notes_left and rng.random() < 0.08:
                    row[10] = rng.choice(_NOTES)
                    notes_left -= 1
                contact.add(row)
        unflagged = [row for row in contact.rows[1:] if row[9] is None]
        if unflagged:
            unflagged[-1][9] = "cv "
        n_ci = contact.next_row - 2
        for _ in range(max(20, 3 * n_ci)):
            r = contact.next_row
            contact.add(
                [_F(f'=IFERROR(VLOOKUP(B{r},Organisation!$A$1:$B${last_org_row},2,FALSE),"")', "")]
            )
        for _ in range(5):
            contact.add([None])
        return [org_sheet, contact, _Sheet("Sheet1")]

    # Contact Database ----------------------------------------------------------------------------

    def contact_db(self) -> list[_Sheet]:
        rng, rec, uni = self.rng, self.rec, self.uni
        rec.file = CONTACT_DB_FILE

        crm = self._in("company_cat")
        rng.shuffle(crm)
        # evidence for abbreviations comes from Company_Contacts e-mails at the organisation's domain
        entries: list[tuple[_Org, str]] = []
        abbreviated: set[str] = set()
        for o in crm:
            evidence = bool(o.domain and (o.generic_email or any(p.email for p in o.people)))
            name = _name_form(
                rng,
                uni,
                o,
                {"base": 0.62, "legal": 0.2, "upper": 0.08, "amp": 0.05, "abbrev": 0.05},
                evidence=evidence and len(abbreviated) < 2,
                force=self._forced(o, "abbrev"),
            )
            if name != o.name and name == name.upper() and " " not in name:
                abbreviated.add(o.label)
            entries.append((o, name))
        used: set[str] = set()
        for i, (o, name) in enumerate(entries):
            if name.casefold() in used:
                entries[i] = (o, o.name if o.name.casefold() not in used else f"{o.name} CC")
            used.add(entries[i][1].casefold())
        if entries:
            o, name = entries[rng.randrange(len(entries))]
            entries[entries.index((o, name))] = (o, name + " ")
        n_dup = 2 if len(entries) >= 10 else 1
        for o, name in rng.sample(entries, min(n_dup, len(entries))):
            pos = rng.randrange(len(entries) + 1)
            entries.insert(pos, (o, name))

        # Order Dates first: Company_Cat.Last_Order_Date looks them up
        order_rows: list[tuple[str, dt.date, _Org | None]] = []
        for o, _ in entries:
            if o.accounting_name and o.order_dates and all(x[2] is not o for x in order_rows):
                order_rows.extend((o.accounting_name, d, o) for d in o.order_dates)
        n_customers = len({x[2].label for x in order_rows if x[2]})
        ext_seen: set[str] = set()
        for _ in range(max(3, n_customers)):
            name = f"{rng.choice(_SCRAP_WORDS + _STEM_A)} {rng.choice(_EXTERNAL_ACCOUNTS)}"
            if name.casefold() in ext_seen or _key(name) in uni.name_keys:
                continue
            ext_seen.add(name.casefold())
            order_rows.append(
                (name, _rand_date(rng, dt.date(1996, 9, 1), dt.date(2025, 7, 25)), None)
            )
        order_rows.sort(key=lambda x: (x[0].casefold(), -x[1].toordinal()))
        acc_names = {
            o.accounting_name.casefold(): o.accounting_name for o, _ in entries if o.accounting_name
        }
        n_cat = len(entries)
        cat_last = n_cat + 1 + max(20, n_cat // 2)
        orders = _Sheet("Order Dates")
        orders.add(ORDER_DATES_HEADERS)
        first_order: dict[str, dt.date] = {}
        once_off_row = rng.randrange(len(order_rows))
        for i, (acc, date, o) in enumerate(order_rows):
            r = orders.next_row
            first_order.setdefault(acc.casefold(), date)
            captured = acc_names.get(acc.casefold(), "")
            if o is not None and captured:
                rec.row("Order Dates", r, o)
            elif o is None:
                self.unmatched_orders += 1
            orders.add(
                [
                    acc,
                    date,
                    1 if i == once_off_row else None,
                    _F(
                        f'=IFERROR(VLOOKUP($A{r},Company_Cat!$C$2:$C${cat_last},1,FALSE),"")',
                        captured,
                    ),
                ]
            )
        last_order_row = orders.next_row - 1

        # Company_Cat
        cat = _Sheet("Company_Cat")
        cat.add(COMPANY_CAT_HEADERS)
        statuses = (
            "Contacted - Email",
            "NTC",
            "Likely Closed",
            "Contacted",
            "Done",
            "Closed",
            "DNC",
        )
        dup_id_row = rng.randrange(3, n_cat + 2) if n_cat >= 4 else -1
        cid = 0
        text_dates = 0
        stray_row = rng.randrange(n_cat) if n_cat else -1
        cat_first: dict[str, tuple[Any, Any]] = {}  # Company casefold -> (QuickNooks, Priority)
        for i, (o, name) in enumerate(entries):
            r = cat.next_row
            rec.row("Company_Cat", r, o, name)
            if r == dup_id_row:
                c_id: Any = cid
            else:
                cid += 1
                c_id = _F(f'=IFERROR(IF(ISBLANK(B{r}),"",A{r - 1}+1),1)', cid)
            acc = o.accounting_name
            last = first_order.get(acc.casefold(), "") if acc else ""
            if o.last_order_status:
                status = "Last Order"
            else:
                u = rng.random()
                status = "Investigate" if u < 0.55 else (rng.choice(statuses) if u < 0.7 else None)
            load: Any = None
            if rng.random() < 0.3:
                d = _rand_date(rng, dt.date(2010, 7, 1), dt.date(2025, 7, 26))
                load = d
                if text_dates < 2 and rng.random() < 0.25:
                    load = _dmy(d.replace(day=(19 if text_dates == 0 else 7)))
                    text_dates += 1
            website = None
            if o.website and rng.random() < 0.4:
                website = rng.choice(
                    (
                        f"https://www.{o.domain}/",
                        f"https://{o.domain}/products/#range",
                        f"https://www.{o.domain}/about-us/team/",
                    )
                )
                rec.website(o)
            strat = None
            if rng.random() < 0.08:
                strat = (
                    "Client"
                    if o.is_customer
                    else rng.choice(
                        (
                            "Approved Supplier",
                            "Convert - Serial Number",
                            "No Alignment",
                            "Partnership",
                        )
                    )
                )
            priority = (
                rng.choice(("Low", "Medium", "High", "Imminent")) if rng.random() < 0.06 else None
            )
            cat_first.setdefault(name.casefold(), (acc or 0, priority or 0))
            cat.add(
                [
                    c_id,
                    name,
                    acc,
                    _F(
                        f"=IFERROR(VLOOKUP($C{r},'Order Dates'!$A$2:$B${last_order_row},2,FALSE),\"\")",
                        last,
                    ),
                    o.category if rng.random() < 0.65 else None,
                    strat,
                    priority,
                    status,
                    load,
                    1 if rng.random() < 0.03 else None,
                    website,
                    "see notes" if i == stray_row else None,
                ]
            )
        while cat.next_row <= cat_last:
            r = cat.next_row
            cat.add(
                [
                    _F(f'=IFERROR(IF(ISBLANK(B{r}),"",A{r - 1}+1),1)', ""),
                    None,
                    None,
                    _F(
                        f"=IFERROR(VLOOKUP($C{r},'Order Dates'!$A$2:$B${last_order_row},2,FALSE),\"\")",
                        "",
                    ),
                ]
            )

        def lookup(company: str) -> tuple[Any, Any]:
            return cat_first.get(company.casefold(), ("", ""))

        first_name_of = {o.label: n for o, n in reversed(entries)}
        ordered = list(dict.fromkeys(o.label for o, _ in entries))
        by_label = {o.label: o for o, _ in entries}

        # Company_Contacts
        contacts = _Sheet("Company_Contacts")
        contacts.add(COMPANY_CONTACTS_HEADERS)
        nbsp_done = False
        with_people = [label for label in ordered if by_label[label].people]
        chosen = {label for label in with_people if rng.random() <= 0.55} | abbreviated
        if not chosen and ordered:
            chosen = {(with_people or ordered)[0]}
        for label in ordered:
            o = by_label[label]
            if label not in chosen:
                continue
            company = first_name_of[label]
            people = o.people[: rng.randint(1, len(o.people))] if o.people else []
            slots: list[_Person | None] = list(people)
            if label in abbreviated or not slots or (rng.random() < 0.2 and o.domain):
                slots.append(None)
            for p in slots:
                r = contacts.next_row
                rec.row("Company_Contacts", r, o, company)
                acc, prio = lookup(company)
                cell = landline = email = None
                phones_here: list[str] = []
                if p is not None and p.mobile and rng.random() < 0.75:
                    cell = int(rec.phone(p.mobile, o)[1:])
                    phones_here.append(p.mobile)
                if rng.random() < 0.35:
                    number = rec.phone(o.phones[0], o)
                    u = rng.random()
                    if u < 0.8:
                        landline = int(number[1:])
                    elif u < 0.9:
                        landline = number[1:]
                    else:
                        landline = number[1:] + "\xa0" + (" " if rng.random() < 0.5 else "")
                address = (
                    p.email
                    if p is not None
                    else (o.generic_email if o.domain and o.generic_email else None)
                )
                if p is None and o.domain and (label in abbreviated or not address):
                    address = uni.unique_email("accounts", o.domain)
                if address and (p is None or rng.random() < 0.85):
                    rec.email(address, o)
                    email = address
                    if not nbsp_done and rng.random() < 0.2:
                        email = address + "\xa0 "
                        nbsp_done = True
                row = [
                    _F(f'=IFERROR(VLOOKUP($B{r},Company_Cat!$B$2:$E${cat_last},2,FALSE),"")', acc),
                    company,
                    _F(f'=IFERROR(VLOOKUP($B{r},Company_Cat!$B$2:$H${cat_last},6,FALSE),"")', prio),
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
                contacts.add(row)
        self._trailing_lookups(
            contacts, cat_last, n_extra=max(20, 3 * (contacts.next_row - 2)), with_status=True
        )

        # Company_Notes
        notes = _Sheet("Company_Notes")
        notes.add(COMPANY_NOTES_HEADERS)
        order_marks = 0
        noted = [label for label in ordered if rng.random() <= 0.25] or ordered[:1]
        for label in noted:
            o, company = by_label[label], first_name_of[label]
            r = notes.next_row
            rec.row("Company_Notes", r, o, company)
            mark = None
            if o.is_customer and order_marks < 2:
                mark, order_marks = 1, order_marks + 1
            notes.add(
                [
                    _F(
                        f'=IFERROR(VLOOKUP($B{r},Company_Cat!$B$2:$E${cat_last},2,FALSE),"")',
                        lookup(company)[0],
                    ),
                    company,
                    mark,
                    rng.choice(_NOTES),
                ]
            )
        self._trailing_lookups(notes, cat_last, n_extra=max(20, 3 * (notes.next_row - 2)))

        # Company_Addresses
        addresses = _Sheet("Company_Addresses")
        addresses.add(COMPANY_ADDRESSES_HEADERS)
        located = [label for label in ordered if rng.random() <= 0.35] or ordered[:1]
        for label in located:
            o, company = by_label[label], first_name_of[label]
            kinds = ["Head"] + (["Postal"] if rng.random() < 0.2 else [])
            if rng.random() < 0.1:
                kinds.append(rng.choice(("Satelite", "Joburg")))
            for kind in kinds:
                r = addresses.next_row
                rec.row("Company_Addresses", r, o, company)
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
                    [
                        _F(
                            f'=IFERROR(VLOOKUP($B{r},Company_Cat!$B$2:$E${cat_last},2,FALSE),"")',
                            lookup(company)[0],
                        ),
                        company,
                        kind,
                        airport,
                        text,
                    ]
                )
        self._trailing_lookups(addresses, cat_last, n_extra=max(20, 3 * (addresses.next_row - 2)))

        capture = self._capture()
        schools, fl_extended = self._flight_schools()

        return [
            self._admin(),
            cat,
            orders,
            self._scrap_sheet1(),
            contacts,
            notes,
            addresses,
            self._caa(),
            self._aviation_codes(cat_last),
            _Sheet("Sheet"),
            self._scrap_sheet_1(),
            schools,
            fl_extended,
            capture,
        ]

    def _trailing_lookups(
        self, sheet: _Sheet, cat_last: int, *, n_extra: int, with_status: bool = False
    ) -> None:
        for _ in range(n_extra):
            r = sheet.next_row
            row: list[Any] = [
                _F(f'=IFERROR(VLOOKUP($B{r},Company_Cat!$B$2:$E${cat_last},2,FALSE),"")', "")
            ]
            if with_status:
                row += [
                    None,
                    _F(f'=IFERROR(VLOOKUP($B{r},Company_Cat!$B$2:$H${cat_last},6,FALSE),"")', ""),
                ]
            sheet.add(row)

    def _capture(self) -> _Sheet:
        rng, rec, uni = self.rng, self.rec, self.uni
        sheet = _Sheet("10-10-25 Capture")
        sheet.add(CAPTURE_HEADERS)
        orgs = self._in("capture")
        marker_row = rng.randrange(len(orgs)) if orgs else -1
        for i, o in enumerate(orgs):
            r = sheet.next_row
            website = None
            if o.domain and rng.random() < 0.95:
                website = rng.choice((f"https://www.{o.domain}/", f"https://{o.domain}/about/"))
                rec.website(o)
            name = _name_form(
                rng,
                uni,
                o,
                {"base": 0.6, "flying": 0.25, "legal": 0.1, "typo": 0.05},
                evidence=website is not None,
                force=self._forced(o, "flying"),
            )
            rec.row("10-10-25 Capture", r, o, name)
            p = o.people[0] if o.people else None
            person_text = None
            style = "bare"
            if p is not None:
                u = rng.random()
                style = "dash" if u < 0.5 else ("paren" if u < 0.85 else "bare")
                person_text = _person_text(p, style)
            phones_here: list[str] = []
            if rng.random() < 0.07:
                phone_text = "—"
                rec.phone_placeholders += 1
            else:
                number = (
                    p.mobile if p is not None and p.mobile and rng.random() < 0.5 else o.phones[0]
                )
                if number != o.phones[0]:
                    phones_here.append(number)
                phone_text = _spaced(rec.phone(number, o))
            emails_here: list[str] = []
            if rng.random() < 0.1:
                email_text = "—"
                rec.email_placeholders += 1
            else:
                address = p.email if p is not None and p.email and rng.random() < 0.5 else None
                if address:
                    emails_here.append(address)
                address = address or o.generic_email or (p.email if p else None)
                if address:
                    email_text = rec.email(address, o)
                else:
                    email_text = "—"
                    rec.email_placeholders += 1
            if p is not None:
                rec.contact(
                    o,
                    p,
                    "10-10-25 Capture",
                    r,
                    emails=emails_here,
                    phones=phones_here,
                    role=None if style == "bare" else p.role,
                )
            sheet.add(
                [
                    "New" if i == marker_row else None,
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
            )
        return sheet

    def _flight_schools(self) -> tuple[_Sheet, _Sheet]:
        rng, rec, uni = self.rng, self.rec, self.uni
        sheet = _Sheet("Flight schools")
        sheet.add(FLIGHT_SCHOOLS_HEADERS)
        orgs = self._in("flight_schools")
        n = len(orgs)
        merge_last = 1 + max(1, round(n * 0.35))  # 0-based last row of the merged E3:H block
        if n >= 3:
            sheet.merges.append((2, 4, min(merge_last, n), 7))
        placeholder_done = extension_done = note_done = False
        for o in orgs:
            r = sheet.next_row
            # cells of the merged E3:H block keep only the value of E3 (the first address)
            in_merge = n >= 3 and 2 <= r - 1 <= min(merge_last, n)
            keep_address = not in_merge or r - 1 == 2
            website = None
            if not in_merge and o.domain and rng.random() < 0.9:
                website = f"https://www.{o.domain}/"
                rec.website(o)
            name = _name_form(
                rng,
                uni,
                o,
                {"base": 0.65, "flying": 0.25, "legal": 0.1},
                evidence=False,
                force=self._forced(o, "flying"),
            )
            rec.row("Flight schools", r, o, name)
            trail = "\xa0 " if rng.random() < 0.3 else ""
            p = o.people[0] if o.people else None
            person_text = None
            if p is not None:
                person_text = _person_text(p, "bare" if rng.random() < 0.6 else "paren")
                if person_text != _person_text(p, "bare"):
                    person_text += trail
            phones_here: list[str] = []
            if not placeholder_done and rng.random() < 0.15:
                phone_text = "on request"
                rec.phone_placeholders += 1
                placeholder_done = True
            else:
                numbers = [o.phones[0]]
                if p is not None and p.mobile and rng.random() < 0.3:
                    numbers.append(p.mobile)
                    phones_here.append(p.mobile)
                parts = [_spaced(rec.phone(x, o)) for x in numbers]
                if len(parts) == 2 and rng.random() < 0.3:
                    parts = [f"{parts[0]} (office)", f"{parts[1]} (after hours)"]
                phone_text = "; ".join(parts)
                if len(parts) == 1 and not extension_done and rng.random() < 0.2:
                    phone_text += f" / {int(o.phones[0][-4:]) % 9000 + 1000}"
                    rec.invalid_phones += 1
                    extension_done = True
                if rng.random() < 0.3:
                    phone_text += "\xa0 " if rng.random() < 0.6 else "\xa0"
            address = p.email if p is not None and p.email and rng.random() < 0.4 else None
            if address:
                emails_here = [address]
            else:
                emails_here = []
                address = o.generic_email or (p.email if p else None)
            email_text = rec.email(address, o) if address else None
            if email_text and rng.random() < 0.05:
                email_text += "\xa0"
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
            if not note_done and website and rng.random() < 0.2:
                row[17] = f"Note: https://www.{o.domain}/fleet"
                note_done = True
            if p is not None:
                rec.contact(
                    o,
                    p,
                    "Flight schools",
                    r,
                    emails=emails_here,
                    phones=phones_here,
                    role=None if person_text == _person_text(p, "bare") else p.role,
                )
            sheet.add(row)

        fl = _Sheet("FL extended")
        blank_at = {8, 10, 11, 12}
        for i, row in enumerate(sheet.rows[1:]):
            if i in blank_at:
                fl.add([None])
            copy = list(row[:15])
            if rng.random() < 0.35:
                copy[2] = "Sent"
            fl.add(copy)
        if len(fl.rows) >= 3:
            fl.merges.append((2, 4, min(len(fl.rows) - 1, 2 + round(len(fl.rows) * 0.35)), 7))
        return sheet, fl

    # non-data sheets -------------------------------------------------------------------------

    def _admin(self) -> _Sheet:
        sheet = _Sheet("Admin")
        cols = [
            [
                "Company Categores",
                "Parts Supplier",
                *_AVIATION_CATEGORIES,
                "Insurance",
                "Underwriter",
                "Brokers",
                "Commercial",
                "Motorsport",
            ],
            [
                "Strat",
                "No Alignment",
                "Approved Supplier",
                "Client",
                "Partnership",
                "Convert - Serial Number",
            ],
            ["Priority", "Low", "Medium", "High", "Imminent"],
            [
                "Status",
                "Done",
                "Contacted - Email",
                "NTC",
                "Investigate",
                "DNC",
                "Closed",
                "Last Order",
                "Likely Closed",
                "Contacted",
            ],
            ["Aviation Lookup", "AMO", "ATO", "PPL", "CPL", "ATPL", "LSA", "CFI"],
            [
                None,
                "Aircraft\xa0Maintenance\xa0Organisation ",
                "Approved\xa0Training\xa0Organisation ",
                "Private\xa0Pilot\xa0Licence ",
                "Commercial\xa0Pilot\xa0Licence ",
                "Airline\xa0Transport\xa0Pilot\xa0Licence ",
                f"Light\xa0Sport\xa0Aircraft\xa0{_NBH} ",
                f"Chief\xa0Flying\xa0Instructor\xa0{_NBH} ",
            ],
        ]
        positions = (0, 2, 4, 6, 8, 9)
        height = max(len(c) for c in cols)
        for r in range(height):
            row: list[Any] = [None] * 10
            for pos, col in zip(positions, cols, strict=True):
                if r < len(col):
                    row[pos] = col[r]
            sheet.add(row)
        for _ in range(12):
            sheet.add([None])
        sheet.merges.append((0, 8, 0, 9))
        return sheet

    def _scrap_sheet1(self) -> _Sheet:
        rng = self.rng
        sheet = _Sheet("Sheet1")
        for _ in range(10):
            name = f"{rng.choice(_SCRAP_WORDS)} {rng.choice(('Cars', 'Karts', 'Motors', 'Spares'))}"
            sheet.add(
                [name, f"ms {name}", _rand_date(rng, dt.date(2012, 1, 1), dt.date(2016, 12, 31))]
            )
        return sheet

    def _scrap_sheet_1(self) -> _Sheet:
        rng = self.rng
        sheet = _Sheet("Sheet 1")
        sheet.add(["Insurance", "Broker"])
        for i in range(8):
            a = f"{rng.choice(_SCRAP_WORDS)} {rng.choice(('Assurance', 'Insure', 'Mutual'))}"
            b = f"{rng.choice(_SCRAP_WORDS)} Brokers" if i < 2 else None
            sheet.add([a + (" " if rng.random() < 0.5 else ""), b])
        return sheet

    def _caa(self) -> _Sheet:
        rng = self.rng
        sheet = _Sheet("CAA")
        sheet.add(["Regional Office AMOs (Head Office)", None, None, None, None, None])
        sheet.merges.append((0, 0, 0, 5))
        sheet.add(CAA_HEADERS)
        categories = (
            "Aeroplanes & Helicopters",
            "Aeroplanes",
            "Engines, Components & Avionics",
            "Aeroplanes, Engines & Components",
            "Helicopters",
        )
        r, no = 3, 0
        while r <= 42:
            no += 1
            span = 3 if rng.random() < 0.12 else 1
            amo = 1000 + rng.randrange(9000)
            name = f"{rng.choice(_SCRAP_WORDS)} {rng.choice(('Aero Works', 'Avionics', 'Aviation Services'))}"
            for k in range(span):
                sheet.add(
                    [
                        no if k == 0 else None,
                        amo if k == 0 else None,
                        name if k == 0 else None,
                        rng.choice(categories),
                        "Main Base" if k == 0 else "Satellite Base",
                        rng.choice([c for cs in _CITIES.values() for c, _ in cs]),
                        None,
                        rng.choice("ABC"),
                        "Piston engines\xa0 " if rng.random() < 0.05 else None,
                    ]
                )
            if span > 1:
                for c in (0, 1, 2):
                    sheet.merges.append((r - 1, c, r - 1 + span - 1, c))
            r += span
        return sheet

    def _aviation_codes(self, cat_last: int) -> _Sheet:
        sheet = _Sheet("Aviation Codes")
        sheet.add(["C_ID", "Company", "Code"])
        self._trailing_lookups(sheet, cat_last, n_extra=40)
        return sheet

    # truth ----------------------------------------------------------------------------------

    def truth(self) -> DemoTruth:
        rec = self.rec
        sources: dict[str, list[dict[str, Any]]] = {}
        for key, label in rec.record_entity.items():
            file, sheet, row = key.rsplit("|", 2)
            sources.setdefault(label, []).append({"file": file, "sheet": sheet, "row": int(row)})
        entities = []
        customers = []
        for o in self.uni.orgs:
            if o.label not in sources:
                continue
            is_customer = bool(o.order_dates or o.last_order_status) and o.is_customer
            if is_customer:
                customers.append(o.label)
            entities.append(
                {
                    "entity": o.label,
                    "name": o.name,
                    "names": rec.names.get(o.label, []),
                    "province": o.province if o.label in rec.province_seen else None,
                    "domain": o.domain if o.label in rec.domain_seen else None,
                    "website": o.website if o.label in rec.website_seen else None,
                    "category": o.category,
                    "is_customer": is_customer,
                    "accounting_name": o.accounting_name,
                    "branch_of": o.branch_of,
                    "phones": rec.entity_phones.get(o.label, []),
                    "emails": rec.entity_emails.get(o.label, []),
                    "sources": sources[o.label],
                }
            )
        return DemoTruth(
            entities=entities,
            record_entity=dict(rec.record_entity),
            valid_phones=sorted(rec.phones),
            valid_emails=sorted(rec.emails),
            invalid_phones=rec.invalid_phones,
            junk_emails=rec.junk_emails,
            contacts=rec.contacts,
            customers=sorted(customers),
            files=list(DEMO_FILES),
            seed=self.seed,
            phone_placeholders=rec.phone_placeholders,
            email_placeholders=rec.email_placeholders,
            branch_pairs=[p for p in self.branch_pairs if all(x in sources for x in p)],
            unmatched_order_rows=self.unmatched_orders,
        )


def write_demo_workbooks(out_dir: Path, *, seed: int = 7, n_organisations: int = 120) -> DemoTruth:
    """Write the three demo workbooks into ``out_dir`` and return their ground truth.

    Files: ``sacaa_flight_schools_demo.xlsx``, ``reachout_database_demo.xlsx`` and
    ``contact_database_demo.xlsx``. ``n_organisations`` is the number of true organisations
    (at least 8); the same seed gives byte-identical files.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    builder = _DemoBuilder(seed, n_organisations)
    _write_xlsx(out_dir / SACAA_FILE, builder.sacaa())
    _write_xlsx(out_dir / REACHOUT_FILE, builder.reachout())
    _write_xlsx(out_dir / CONTACT_DB_FILE, builder.contact_db())
    return builder.truth()


# --- generic (unfamiliar) workbook -------------------------------------------------------------


def write_generic_workbook(
    path: Path, *, seed: int = 11, n_rows: int = 40, header_row: int = 3
) -> dict[str, Any]:
    """Write an unfamiliar one-sheet workbook (``Leads export``) with its header on ``header_row``.

    Rows above the header hold a title, an export note and blanks. Returns the truth: sheet name,
    header row, first data row, row count, headers, the expected header -> canonical field
    mapping (``None`` for the unmappable ``Internal Ref``), and the valid phones and e-mails.
    """
    if header_row < 1:
        raise ValueError("header_row is 1-based")
    rng = random.Random(seed)
    phones = _Phones(rng)
    uni = _Universe(rng, phones)
    sheet = _Sheet(GENERIC_SHEET)
    above = ["Leads export", "Exported 2025-10-01 08:00 (invented data)"]
    for i in range(header_row - 1):
        sheet.add([above[i] if i < len(above) else None])
    sheet.add(GENERIC_HEADERS)
    valid_phones: dict[str, None] = {}
    valid_emails: dict[str, None] = {}
    invalid = 0
    names = []
    for i in range(n_rows):
        o = uni.make_org(f"G{i + 1:03d}", aviation=rng.random() < 0.8)
        names.append(o.name)
        p = o.people[0] if o.people else None
        cell = tel = email = None
        if p is not None and p.mobile and rng.random() < 0.8:
            cell = _national(p.mobile) if rng.random() < 0.6 else _spaced(p.mobile)
            valid_phones.setdefault(p.mobile, None)
        if rng.random() < 0.7:
            if rng.random() < 0.05:
                tel = phones.invalid()
                invalid += 1
            else:
                number = o.phones[0]
                tel = f"({_national(number)[:3]}) {_national(number)[4:]}"
                valid_phones.setdefault(number, None)
        address = (p.email if p is not None and p.email else None) or o.generic_email
        if address and rng.random() < 0.85:
            email = address
            valid_emails.setdefault(address.lower(), None)
        region = None
        if o.province:
            aliases = _AREA_ALIASES.get(o.province, ())
            region = rng.choice(aliases) if aliases and rng.random() < 0.4 else o.province
        sheet.add(
            [
                o.name,
                o.category,
                email,
                cell,
                tel,
                _url(rng, o.domain) if o.website else None,
                region,
                _person_text(p, "paren") if p is not None else None,
                f"LD-{rng.randrange(100000):05d}",
            ]
        )
    _write_xlsx(Path(path), [sheet])
    return {
        "sheet": GENERIC_SHEET,
        "header_row": header_row,
        "first_data_row": header_row + 1,
        "n_rows": n_rows,
        "headers": list(GENERIC_HEADERS),
        "mapping": dict(GENERIC_MAPPING),
        "valid_phones": sorted(valid_phones),
        "valid_emails": sorted(valid_emails),
        "invalid_phones": invalid,
        "organisations": names,
    }


# --- large sheet for the ingestion benchmark ---------------------------------------------------


def write_large_sheet(path: Path, *, n_rows: int = 100_000, seed: int = 3) -> None:
    """Write an SACAA-shaped workbook (``Cleaned`` with its headers) holding ``n_rows`` rows.

    Streams rows with xlsxwriter's constant-memory mode; values cycle through pre-built pools so
    writing stays fast. Only the ``Cleaned`` sheet is written.
    """
    import xlsxwriter

    rng = random.Random(seed)
    phones = _Phones(rng)
    pool = min(max(n_rows, 1), 3000)
    numbers = [phones.landline(_pick_province(rng)) for _ in range(pool)]
    combos = [
        f"{a} {b} {s}"
        for a in _STEM_A
        for b in _STEM_B
        for s in ("Flight School", "Aviation", "Flight Academy", "Aero Club", "Air Charter")
    ]
    rng.shuffle(combos)
    people = [
        f"{f} {ln} ({rl})"
        for f, ln, rl in zip(
            (rng.choice(_FIRST_NAMES) for _ in range(pool)),
            (rng.choice(_LAST_NAMES) for _ in range(pool)),
            (rng.choice(_AVIATION_ROLES) for _ in range(pool)),
            strict=True,
        )
    ]
    provinces = [*PROVINCES, "Unknown", "Gauteng", "Gauteng", "Western Cape"]
    path = Path(path)
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    wb.set_properties(_DOC_PROPERTIES)
    ws = wb.add_worksheet("Cleaned")
    for c, h in enumerate(SACAA_HEADERS):
        ws.write_string(0, c, h)
    n_combos = len(combos)
    rand = rng.random
    for i in range(n_rows):
        r = i + 1
        base = combos[i % n_combos]
        lap = i // n_combos
        name = base if lap == 0 else f"{base} {lap + 1}"
        slug = _slug(base)[:20] + (str(lap + 1) if lap else "")
        ws.write_string(r, 0, name)
        ws.write_string(r, 1, provinces[i % len(provinces)])
        ws.write_string(r, 2, "Active" if rand() < 0.75 else "Invalid")
        if rand() < 0.94:
            ws.write_string(r, 3, f"https://www.{slug}-example.co.za")
        if rand() < 0.4:
            ws.write_string(r, 4, people[i % pool])
        if rand() < 0.65:
            number = numbers[i % pool]
            ws.write_string(r, 5, number if rand() < 0.88 else _spaced(number))
        if rand() < 0.7:
            ws.write_string(r, 6, f"info@{slug}-example.co.za")
    wb.close()


# --- workbook B for the stable-id test ----------------------------------------------------------


def _org_from_truth(entity: dict[str, Any]) -> _Org:
    domain = entity.get("domain")
    emails = entity.get("emails") or []
    generic = next((e for e in emails if domain and e.endswith("@" + domain)), None)
    generic = generic or (emails[0] if emails else None)
    name = entity["name"]
    return _Org(
        label=entity["entity"],
        name=name,
        stem=name.split()[0],
        suffix="",
        aviation=True,
        category=entity.get("category") or "Flight School",
        org_type=None,
        province=entity.get("province"),
        city="",
        domain=domain,
        has_website=bool(domain),
        phones=list(entity.get("phones") or []),
        generic_email=generic,
        people=[],
        planes=[],
        address="",
        description="",
    )


def write_variant(
    path: Path,
    base: DemoTruth,
    *,
    seed: int,
    repeat_fraction: float = 0.5,
    bridge_pairs: int = 1,
) -> DemoTruth:
    """Write "workbook B": an SACAA-shaped drop that overlaps ``base``.

    It repeats ``repeat_fraction`` of the base organisations (same or legal-suffix name, the same
    domain and phone seen in the base), adds new organisations (labels continue after the base's)
    and adds ``bridge_pairs`` rows that name one base organisation X while carrying the website,
    phone and e-mail of another base organisation Y. ``bridges`` in the returned truth lists
    ``{"file","sheet","row","name_entity": X,"evidence_entity": Y}``; such rows map to X in
    ``record_entity``.
    """
    path = Path(path)
    rng = random.Random(seed)
    phones = _Phones(rng, used=set(base.valid_phones))
    uni = _Universe(rng, phones)
    for e in base.entities:
        uni.name_keys[_key(e["name"])] = e["entity"]
        for form in e.get("names") or []:
            uni.name_keys.setdefault(_key(form), e["entity"])
        if e.get("domain"):
            uni.domains.add(e["domain"])
    uni.emails.update(base.valid_emails)
    for e in base.entities:
        words = e["name"].split()
        for n in (1, 2, 3):
            uni.stems.add(" ".join(words[:n]))
    rec = _Recorder()
    rec.file = path.name

    candidates = [e for e in base.entities if e.get("phones") or e.get("domain")]
    branch_members = {x for pair in base.branch_pairs for x in pair}
    n_repeat = round(repeat_fraction * len(candidates))
    repeated = rng.sample(candidates, min(n_repeat, len(candidates)))
    repeated.sort(key=lambda e: e["entity"])
    entries: list[tuple[_Org, str, _Org | None]] = []
    for e in repeated:
        o = _org_from_truth(e)
        name = o.name if rng.random() < 0.6 else f"{o.name} {rng.choice(_LEGAL_SUFFIXES)}"
        entries.append((o, name, None))

    top = max((int(e["entity"][1:]) for e in base.entities), default=0)
    n_new = max(2, round(len(repeated) * 0.5))
    new_orgs = []
    for k in range(n_new):
        o = uni.make_org(f"E{top + k + 1:03d}", aviation=True, category="Flight School")
        new_orgs.append(o)
        entries.append((o, o.name, None))

    pool = [
        e
        for e in base.entities
        if e.get("domain") and e.get("phones") and e["entity"] not in branch_members
    ]
    bridges: list[dict[str, Any]] = []
    chosen: list[tuple[_Org, _Org]] = []
    rng.shuffle(pool)
    while len(chosen) < bridge_pairs and len(pool) >= 2:
        x, y = pool.pop(), pool.pop()
        chosen.append((_org_from_truth(x), _org_from_truth(y)))
    for x, y in chosen:
        entries.append((x, x.name, y))

    entries.sort(key=lambda t: (t[1].casefold(), t[0].label))
    rows, issues = [], []
    for i, (o, name, ev) in enumerate(entries):
        r = i + 2
        row, found = _sacaa_row(rec, rng, phones, o, name=name, row=r, evidence_org=ev)
        if ev is None and o.phones and not row[5] and o.label not in {n.label for n in new_orgs}:
            row[5] = rec.phone(o.phones[0], o)  # a repeated organisation keeps its phone
        if ev is not None:
            bridges.append(
                {
                    "file": path.name,
                    "sheet": "Cleaned",
                    "row": r,
                    "name_entity": o.label,
                    "evidence_entity": ev.label,
                }
            )
        rows.append(row)
        issues.append(found)
    _write_xlsx(path, _sacaa_sheets(rows, issues, rng))

    sources: dict[str, list[dict[str, Any]]] = {}
    for key, label in rec.record_entity.items():
        file, sheet, row_no = key.rsplit("|", 2)
        sources.setdefault(label, []).append({"file": file, "sheet": sheet, "row": int(row_no)})
    entities = []
    seen: set[str] = set()
    for o, _, _ in entries:
        if o.label in seen:
            continue
        seen.add(o.label)
        entities.append(
            {
                "entity": o.label,
                "name": o.name,
                "names": rec.names.get(o.label, []),
                "province": o.province if o.label in rec.province_seen else None,
                "domain": o.domain if o.label in rec.domain_seen else None,
                "website": o.website if o.label in rec.website_seen else None,
                "category": o.category,
                "is_customer": False,
                "accounting_name": None,
                "branch_of": None,
                "phones": rec.entity_phones.get(o.label, []),
                "emails": rec.entity_emails.get(o.label, []),
                "sources": sources.get(o.label, []),
                "new": o in new_orgs,
            }
        )
    return DemoTruth(
        entities=entities,
        record_entity=dict(rec.record_entity),
        valid_phones=sorted(rec.phones),
        valid_emails=sorted(rec.emails),
        invalid_phones=rec.invalid_phones,
        junk_emails=rec.junk_emails,
        contacts=rec.contacts,
        customers=[],
        files=[path.name],
        seed=seed,
        bridges=bridges,
    )


# --- broken workbooks ----------------------------------------------------------------------------

BROKEN_KINDS: tuple[str, ...] = ("missing_column", "drift", "unreadable")


def _small_sacaa(seed: int, *, n: int, junk_rate: float, file: str) -> list[_Sheet]:
    rng = random.Random(seed)
    phones = _Phones(rng)
    uni = _Universe(rng, phones)
    rec = _Recorder()
    rec.file = file
    orgs = [
        uni.make_org(f"E{i + 1:03d}", aviation=True, category="Flight School") for i in range(n)
    ]
    orgs.sort(key=lambda o: o.name.casefold())
    rows, issues = [], []
    for i, o in enumerate(orgs):
        row, found = _sacaa_row(rec, rng, phones, o, name=o.name, row=i + 2, junk_rate=junk_rate)
        rows.append(row)
        issues.append(found)
    return _sacaa_sheets(rows, issues, rng)


def write_broken_workbook(path: Path, kind: str) -> None:
    """Write a workbook that must be rejected or flagged.

    * ``missing_column``: SACAA shape without the ``Name of Organisation`` column.
    * ``drift``: SACAA shape whose phones and e-mails are junk in about 40% of rows.
    * ``unreadable``: the first part of a valid xlsx (a truncated zip container).
    """
    path = Path(path)
    if kind == "missing_column":
        sheets = _small_sacaa(5, n=30, junk_rate=0.0, file=path.name)
        for row in sheets[0].rows:
            del row[0]
        _write_xlsx(path, sheets)
    elif kind == "drift":
        _write_xlsx(path, _small_sacaa(6, n=60, junk_rate=0.4, file=path.name))
    elif kind == "unreadable":
        buffer = io.BytesIO()
        _write_xlsx(buffer, _small_sacaa(7, n=30, junk_rate=0.0, file=path.name))
        data = buffer.getvalue()
        path.write_bytes(data[: len(data) // 2])
    else:
        raise ValueError(f"unknown broken workbook kind {kind!r}; expected one of {BROKEN_KINDS}")

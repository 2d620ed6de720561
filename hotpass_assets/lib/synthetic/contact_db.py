"""The Contact Database-shaped workbook: ``Company_Cat``, ``Order Dates`` and the sheets around them.

``Company_Cat`` lists the CRM organisations (with name variants, one trailing space, duplicated
rows and one duplicated ``C_ID``); ``Order Dates`` holds the accounting names' orders, including
accounts of organisations outside the CRM; the two look each other up with ``VLOOKUP`` formulas
whose results are cached. The contact, note and address sheets are in :mod:`.crm_sheets`, the
capture and flight-school lists in :mod:`.capture`, the non-data sheets in :mod:`.scrap`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from hotpass_assets.lib.synthetic.capture import capture_sheet, flight_schools_sheets
from hotpass_assets.lib.synthetic.cells import Formula, Sheet
from hotpass_assets.lib.synthetic.crm_sheets import (
    CrmIndex,
    addresses_sheet,
    contacts_sheet,
    notes_sheet,
)
from hotpass_assets.lib.synthetic.layout import (
    COMPANY_CAT_HEADERS,
    CONTACT_DB_FILE,
    ORDER_DATES_HEADERS,
)
from hotpass_assets.lib.synthetic.names import name_form
from hotpass_assets.lib.synthetic.scrap import (
    admin_sheet,
    aviation_codes_sheet,
    caa_sheet,
    scrap_sheet1,
    scrap_sheet_1,
)
from hotpass_assets.lib.synthetic.state import DemoBuilder
from hotpass_assets.lib.synthetic.text import dmy, name_key, rand_date
from hotpass_assets.lib.synthetic.universe import Org
from hotpass_assets.lib.synthetic.vocab import EXTERNAL_ACCOUNTS, SCRAP_WORDS, STEM_A

_STATUSES = ("Contacted - Email", "NTC", "Likely Closed", "Contacted", "Done", "Closed", "DNC")
_STRATS = ("Approved Supplier", "Convert - Serial Number", "No Alignment", "Partnership")

OrderRow = tuple[str, dt.date, Org | None]


def _cat_entries(b: DemoBuilder) -> tuple[list[tuple[Org, str]], set[str]]:
    """``Company_Cat`` entries (organisation, name as written) and the abbreviated labels."""
    rng = b.rng
    crm = b.members("company_cat")
    rng.shuffle(crm)
    # evidence for abbreviations comes from Company_Contacts e-mails at the organisation's domain
    entries: list[tuple[Org, str]] = []
    abbreviated: set[str] = set()
    for o in crm:
        evidence = bool(o.domain and (o.generic_email or any(p.email for p in o.people)))
        name = name_form(
            rng,
            b.uni,
            o,
            {"base": 0.62, "legal": 0.2, "upper": 0.08, "amp": 0.05, "abbrev": 0.05},
            evidence=evidence and len(abbreviated) < 2,
            force=b.forced(o, "abbrev"),
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
    return entries, abbreviated


def _order_rows(b: DemoBuilder, entries: list[tuple[Org, str]]) -> list[OrderRow]:
    """Orders of the customers plus a few accounts outside the CRM, sorted as the sheet is."""
    rng = b.rng
    order_rows: list[OrderRow] = []
    for o, _ in entries:
        if o.accounting_name and o.order_dates and all(x[2] is not o for x in order_rows):
            order_rows.extend((o.accounting_name, d, o) for d in o.order_dates)
    n_customers = len({x[2].label for x in order_rows if x[2]})
    ext_seen: set[str] = set()
    for _ in range(max(3, n_customers)):
        name = f"{rng.choice(SCRAP_WORDS + STEM_A)} {rng.choice(EXTERNAL_ACCOUNTS)}"
        if name.casefold() in ext_seen or name_key(name) in b.uni.name_keys:
            continue
        ext_seen.add(name.casefold())
        order_rows.append((name, rand_date(rng, dt.date(1996, 9, 1), dt.date(2025, 7, 25)), None))
    order_rows.sort(key=lambda x: (x[0].casefold(), -x[1].toordinal()))
    return order_rows


def _order_dates_sheet(
    b: DemoBuilder, entries: list[tuple[Org, str]], order_rows: list[OrderRow], cat_last: int
) -> tuple[Sheet, dict[str, dt.date]]:
    """The ``Order Dates`` sheet and the latest order date per casefolded accounting name."""
    acc_names = {
        o.accounting_name.casefold(): o.accounting_name for o, _ in entries if o.accounting_name
    }
    orders = Sheet("Order Dates")
    orders.add(ORDER_DATES_HEADERS)
    first_order: dict[str, dt.date] = {}
    once_off_row = b.rng.randrange(len(order_rows))
    for i, (acc, date, org) in enumerate(order_rows):
        r = orders.next_row
        first_order.setdefault(acc.casefold(), date)
        captured = acc_names.get(acc.casefold(), "")
        if org is not None and captured:
            b.rec.row("Order Dates", r, org)
        elif org is None:
            b.unmatched_orders += 1
        orders.add(
            [
                acc,
                date,
                1 if i == once_off_row else None,
                Formula(
                    f'=IFERROR(VLOOKUP($A{r},Company_Cat!$C$2:$C${cat_last},1,FALSE),"")',
                    captured,
                ),
            ]
        )
    return orders, first_order


class _CompanyCat:
    """Writes ``Company_Cat`` rows; ``C_ID`` counts up by formula, one row repeats the previous."""

    def __init__(self, b: DemoBuilder, n_cat: int, last_order_row: int) -> None:
        self.b = b
        self.last_order_row = last_order_row
        self.sheet = Sheet("Company_Cat")
        self.sheet.add(COMPANY_CAT_HEADERS)
        rng = b.rng
        self.dup_id_row = rng.randrange(3, n_cat + 2) if n_cat >= 4 else -1
        self.cid = 0
        self.text_dates = 0
        self.stray_row = rng.randrange(n_cat) if n_cat else -1
        self.first: dict[str, tuple[Any, Any]] = {}  # Company casefold -> (QuickNooks, Priority)

    def _c_id(self, r: int) -> Any:
        if r == self.dup_id_row:
            return self.cid
        self.cid += 1
        return Formula(f'=IFERROR(IF(ISBLANK(B{r}),"",A{r - 1}+1),1)', self.cid)

    def _last_order(self, r: int, cached: Any) -> Formula:
        return Formula(
            f"=IFERROR(VLOOKUP($C{r},'Order Dates'!$A$2:$B${self.last_order_row},2,FALSE),\"\")",
            cached,
        )

    def _status(self, o: Org) -> str | None:
        if o.last_order_status:
            return "Last Order"
        rng = self.b.rng
        u = rng.random()
        return "Investigate" if u < 0.55 else (rng.choice(_STATUSES) if u < 0.7 else None)

    def _load_date(self) -> Any:
        """A load date, twice written as a day-first text instead of a date."""
        rng = self.b.rng
        load: Any = None
        if rng.random() < 0.3:
            d = rand_date(rng, dt.date(2010, 7, 1), dt.date(2025, 7, 26))
            load = d
            if self.text_dates < 2 and rng.random() < 0.25:
                load = dmy(d.replace(day=(19 if self.text_dates == 0 else 7)))
                self.text_dates += 1
        return load

    def _website(self, o: Org) -> str | None:
        rng = self.b.rng
        if o.website and rng.random() < 0.4:
            website = rng.choice(
                (
                    f"https://www.{o.domain}/",
                    f"https://{o.domain}/products/#range",
                    f"https://www.{o.domain}/about-us/team/",
                )
            )
            self.b.rec.website(o)
            return website
        return None

    def add(self, i: int, o: Org, name: str, first_order: dict[str, dt.date]) -> None:
        rng = self.b.rng
        r = self.sheet.next_row
        self.b.rec.row("Company_Cat", r, o, name)
        c_id = self._c_id(r)
        acc = o.accounting_name
        last = first_order.get(acc.casefold(), "") if acc else ""
        status = self._status(o)
        load = self._load_date()
        website = self._website(o)
        strat = None
        if rng.random() < 0.08:
            strat = "Client" if o.is_customer else rng.choice(_STRATS)
        priority = (
            rng.choice(("Low", "Medium", "High", "Imminent")) if rng.random() < 0.06 else None
        )
        self.first.setdefault(name.casefold(), (acc or 0, priority or 0))
        self.sheet.add(
            [
                c_id,
                name,
                acc,
                self._last_order(r, last),
                o.category if rng.random() < 0.65 else None,
                strat,
                priority,
                status,
                load,
                1 if rng.random() < 0.03 else None,
                website,
                "see notes" if i == self.stray_row else None,
            ]
        )

    def finish(self, cat_last: int) -> Sheet:
        """Formula-only rows down to ``cat_last``."""
        while self.sheet.next_row <= cat_last:
            r = self.sheet.next_row
            self.sheet.add(
                [
                    Formula(f'=IFERROR(IF(ISBLANK(B{r}),"",A{r - 1}+1),1)', ""),
                    None,
                    None,
                    self._last_order(r, ""),
                ]
            )
        return self.sheet


def contact_db_workbook(b: DemoBuilder) -> list[Sheet]:
    """The sheets of the Contact Database demo workbook, in the real source's order."""
    b.rec.file = CONTACT_DB_FILE
    entries, abbreviated = _cat_entries(b)
    # Order Dates first: Company_Cat.Last_Order_Date looks them up
    order_rows = _order_rows(b, entries)
    n_cat = len(entries)
    cat_last = n_cat + 1 + max(20, n_cat // 2)
    orders, first_order = _order_dates_sheet(b, entries, order_rows, cat_last)
    cat_writer = _CompanyCat(b, n_cat, orders.next_row - 1)
    for i, (o, name) in enumerate(entries):
        cat_writer.add(i, o, name, first_order)
    cat = cat_writer.finish(cat_last)

    index = CrmIndex.of(entries, cat_writer.first, abbreviated, cat_last)
    contacts = contacts_sheet(b, index)
    notes = notes_sheet(b, index)
    addresses = addresses_sheet(b, index)
    capture = capture_sheet(b)
    schools, fl_extended = flight_schools_sheets(b)
    # Sheet1, CAA and Sheet 1 draw from the random stream, in this order
    return [
        admin_sheet(),
        cat,
        orders,
        scrap_sheet1(b.rng),
        contacts,
        notes,
        addresses,
        caa_sheet(b.rng),
        aviation_codes_sheet(cat_last),
        Sheet("Sheet"),
        scrap_sheet_1(b.rng),
        schools,
        fl_extended,
        capture,
    ]

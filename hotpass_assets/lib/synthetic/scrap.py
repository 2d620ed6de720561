"""The non-data sheets of the Contact Database workbook: lists, glossaries and old scraps.

They carry no truth; readers must skip them. Their names are invented like everything else.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from hotpass_assets.lib.synthetic.cells import Sheet
from hotpass_assets.lib.synthetic.crm_sheets import trailing_lookups
from hotpass_assets.lib.synthetic.layout import CAA_HEADERS
from hotpass_assets.lib.synthetic.text import rand_date
from hotpass_assets.lib.synthetic.vocab import AVIATION_CATEGORIES, CITIES, NBH, SCRAP_WORDS


def admin_sheet() -> Sheet:
    """``Admin``: the drop-down lists of the CRM, side by side, and a glossary."""
    sheet = Sheet("Admin")
    cols: list[list[str | None]] = [
        [
            "Company Categores",
            "Parts Supplier",
            *AVIATION_CATEGORIES,
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
            f"Light\xa0Sport\xa0Aircraft\xa0{NBH} ",
            f"Chief\xa0Flying\xa0Instructor\xa0{NBH} ",
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


def scrap_sheet1(rng: random.Random) -> Sheet:
    """``Sheet1``: an old list of motorsport names and dates."""
    sheet = Sheet("Sheet1")
    for _ in range(10):
        name = f"{rng.choice(SCRAP_WORDS)} {rng.choice(('Cars', 'Karts', 'Motors', 'Spares'))}"
        sheet.add([name, f"ms {name}", rand_date(rng, dt.date(2012, 1, 1), dt.date(2016, 12, 31))])
    return sheet


def scrap_sheet_1(rng: random.Random) -> Sheet:
    """``Sheet 1``: an old insurance and broker list."""
    sheet = Sheet("Sheet 1")
    sheet.add(["Insurance", "Broker"])
    for i in range(8):
        a = f"{rng.choice(SCRAP_WORDS)} {rng.choice(('Assurance', 'Insure', 'Mutual'))}"
        b = f"{rng.choice(SCRAP_WORDS)} Brokers" if i < 2 else None
        sheet.add([a + (" " if rng.random() < 0.5 else ""), b])
    return sheet


def caa_sheet(rng: random.Random) -> Sheet:
    """``CAA``: a regulator list of maintenance organisations with a merged title and merged rows."""
    sheet = Sheet("CAA")
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
        name = f"{rng.choice(SCRAP_WORDS)} {rng.choice(('Aero Works', 'Avionics', 'Aviation Services'))}"
        for k in range(span):
            sheet.add(
                [
                    no if k == 0 else None,
                    amo if k == 0 else None,
                    name if k == 0 else None,
                    rng.choice(categories),
                    "Main Base" if k == 0 else "Satellite Base",
                    rng.choice([c for cs in CITIES.values() for c, _ in cs]),
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


def aviation_codes_sheet(cat_last: int) -> Sheet:
    """``Aviation Codes``: headers and formula-only rows."""
    sheet = Sheet("Aviation Codes")
    sheet.add(["C_ID", "Company", "Code"])
    trailing_lookups(sheet, cat_last, n_extra=40)
    return sheet

"""An unfamiliar one-sheet workbook (``Leads export``) for header mapping."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from hotpass_assets.lib.synthetic.cells import Sheet, write_xlsx
from hotpass_assets.lib.synthetic.layout import GENERIC_HEADERS, GENERIC_MAPPING, GENERIC_SHEET
from hotpass_assets.lib.synthetic.names import describe_person, web_url
from hotpass_assets.lib.synthetic.phones import Phones
from hotpass_assets.lib.synthetic.text import national, spaced
from hotpass_assets.lib.synthetic.universe import Universe
from hotpass_assets.lib.synthetic.vocab import AREA_ALIASES


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
    phones = Phones(rng)
    uni = Universe(rng, phones)
    sheet = Sheet(GENERIC_SHEET)
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
            cell = national(p.mobile) if rng.random() < 0.6 else spaced(p.mobile)
            valid_phones.setdefault(p.mobile, None)
        if rng.random() < 0.7:
            if rng.random() < 0.05:
                tel = phones.invalid()
                invalid += 1
            else:
                number = o.phones[0]
                tel = f"({national(number)[:3]}) {national(number)[4:]}"
                valid_phones.setdefault(number, None)
        address = (p.email if p is not None and p.email else None) or o.generic_email
        if address and rng.random() < 0.85:
            email = address
            valid_emails.setdefault(address.lower(), None)
        region = None
        if o.province:
            aliases = AREA_ALIASES.get(o.province, ())
            region = rng.choice(aliases) if aliases and rng.random() < 0.4 else o.province
        sheet.add(
            [
                o.name,
                o.category,
                email,
                cell,
                tel,
                web_url(rng, o.domain) if o.website and o.domain else None,
                region,
                describe_person(p, "paren") if p is not None else None,
                f"LD-{rng.randrange(100000):05d}",
            ]
        )
    write_xlsx(Path(path), [sheet])
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

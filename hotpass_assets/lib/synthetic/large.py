"""A large SACAA-shaped sheet for ingestion benchmarks."""

from __future__ import annotations

import random
from pathlib import Path

from hotpass_assets.lib.synthetic.cells import DOC_PROPERTIES
from hotpass_assets.lib.synthetic.layout import SACAA_HEADERS
from hotpass_assets.lib.synthetic.phones import Phones
from hotpass_assets.lib.synthetic.text import pick_province, slugify, spaced
from hotpass_assets.lib.synthetic.vocab import (
    AVIATION_ROLES,
    FIRST_NAMES,
    LAST_NAMES,
    PROVINCES,
    STEM_A,
    STEM_B,
)


def write_large_sheet(path: Path, *, n_rows: int = 100_000, seed: int = 3) -> None:
    """Write an SACAA-shaped workbook (``Cleaned`` with its headers) holding ``n_rows`` rows.

    Streams rows with xlsxwriter's constant-memory mode; values cycle through pre-built pools so
    writing stays fast. Only the ``Cleaned`` sheet is written.

    The pools of phone numbers and contact people grow with the sheet (a third of the rows, at
    least 3,000), so a value is shared by about as many rows at every size: with a fixed pool of
    3,000, each number was shared by 2 rows at 10,000 rows but by 54 unrelated organisations at
    250,000, which made the pairs a phone brings grow with the square of the size (57,083 at
    100,000 rows over 4 sheets, 6,270,536 at 1,000,000).
    """
    import xlsxwriter

    rng = random.Random(seed)
    phones = Phones(rng)
    pool = max(min(n_rows, 3000), n_rows // 3, 1)
    numbers = [phones.landline(pick_province(rng)) for _ in range(pool)]
    combos = [
        f"{a} {b} {s}"
        for a in STEM_A
        for b in STEM_B
        for s in ("Flight School", "Aviation", "Flight Academy", "Aero Club", "Air Charter")
    ]
    rng.shuffle(combos)
    people = [
        f"{f} {ln} ({rl})"
        for f, ln, rl in zip(
            (rng.choice(FIRST_NAMES) for _ in range(pool)),
            (rng.choice(LAST_NAMES) for _ in range(pool)),
            (rng.choice(AVIATION_ROLES) for _ in range(pool)),
            strict=True,
        )
    ]
    provinces = [*PROVINCES, "Unknown", "Gauteng", "Gauteng", "Western Cape"]
    path = Path(path)
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    wb.set_properties(DOC_PROPERTIES)
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
        slug = slugify(base)[:20] + (str(lap + 1) if lap else "")
        ws.write_string(r, 0, name)
        ws.write_string(r, 1, provinces[i % len(provinces)])
        ws.write_string(r, 2, "Active" if rand() < 0.75 else "Invalid")
        if rand() < 0.94:
            ws.write_string(r, 3, f"https://www.{slug}-example.co.za")
        if rand() < 0.4:
            ws.write_string(r, 4, people[i % pool])
        if rand() < 0.65:
            number = numbers[i % pool]
            ws.write_string(r, 5, number if rand() < 0.88 else spaced(number))
        if rand() < 0.7:
            ws.write_string(r, 6, f"info@{slug}-example.co.za")
    wb.close()

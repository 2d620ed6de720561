"""Workbooks that a contract or the reader must reject or flag."""

from __future__ import annotations

import io
import random
from pathlib import Path

from hotpass_assets.lib.synthetic.cells import Sheet, write_xlsx
from hotpass_assets.lib.synthetic.phones import Phones
from hotpass_assets.lib.synthetic.sacaa import sacaa_row, sacaa_sheets
from hotpass_assets.lib.synthetic.truth import Recorder
from hotpass_assets.lib.synthetic.universe import Universe

BROKEN_KINDS: tuple[str, ...] = ("missing_column", "drift", "unreadable")


def _small_sacaa(seed: int, *, n: int, junk_rate: float, file: str) -> list[Sheet]:
    rng = random.Random(seed)
    phones = Phones(rng)
    uni = Universe(rng, phones)
    rec = Recorder()
    rec.file = file
    orgs = [
        uni.make_org(f"E{i + 1:03d}", aviation=True, category="Flight School") for i in range(n)
    ]
    orgs.sort(key=lambda o: o.name.casefold())
    rows, issues = [], []
    for i, o in enumerate(orgs):
        row, found = sacaa_row(rec, rng, phones, o, name=o.name, row=i + 2, junk_rate=junk_rate)
        rows.append(row)
        issues.append(found)
    return sacaa_sheets(rows, issues, rng)


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
        write_xlsx(path, sheets)
    elif kind == "drift":
        write_xlsx(path, _small_sacaa(6, n=60, junk_rate=0.4, file=path.name))
    elif kind == "unreadable":
        buffer = io.BytesIO()
        write_xlsx(buffer, _small_sacaa(7, n=30, junk_rate=0.0, file=path.name))
        data = buffer.getvalue()
        path.write_bytes(data[: len(data) // 2])
    else:
        raise ValueError(f"unknown broken workbook kind {kind!r}; expected one of {BROKEN_KINDS}")

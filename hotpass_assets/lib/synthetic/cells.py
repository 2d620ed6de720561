"""Sheets held in memory and their xlsx writer.

A :class:`Sheet` is a list of rows plus merged ranges; a :class:`Formula` cell carries the result
Excel would have cached. :func:`write_xlsx` writes sheets with fixed document properties, so the
same rows give the same file.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Document properties written into every generated workbook (fixed so bytes are stable).
DOC_PROPERTIES: dict[str, Any] = {
    "title": "Hotpass synthetic demo data",
    "author": "Hotpass demo generator",
    "company": "Hotpass",
    "comments": "Invented data; no real organisations or people.",
    "created": dt.datetime(2025, 10, 13, 8, 0, 0),
}


_EXCEL_EPOCH = dt.date(1899, 12, 30)


@dataclass(frozen=True)
class Formula:
    """A formula cell with the result Excel would have cached."""

    formula: str
    cached: Any = ""


class Sheet:
    """A sheet in memory: rows of cell values and merged ranges (0-based, inclusive)."""

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
    if isinstance(v, Formula):
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


def write_xlsx(target: Path | io.BytesIO, sheets: list[Sheet]) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(
        str(target) if isinstance(target, Path) else target, {"in_memory": True}
    )
    wb.set_properties(DOC_PROPERTIES)
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

"""Formatted, inert XLSX workbooks for people: styled frozen header, filters, fitted widths.

Every value from the data is written as a typed cell by hand (``write_string``,
``write_number``, ``write_boolean``, ``write_blank``), never through xlsxwriter's ``write``
auto-detection, and the workbook is opened with ``strings_to_formulas``, ``strings_to_urls`` and
``strings_to_numbers`` off: no text from a workbook can become a formula, an array formula or a
hyperlink. Text that a spreadsheet would read as a formula once edited also gets the leading
apostrophe of :func:`hotpass_assets.lib.scoring.calllist.neutralise` (the call list's rule), so it
stays inert after "save as CSV".
"""

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import pandas as pd

from hotpass_assets.lib.inert import neutralise

MAX_WIDTH = 60
MIN_WIDTH = 8
_WIDTH_SAMPLE = 2000  # rows looked at to fit a column's width


@dataclass
class Sheet:
    """One worksheet: a frame plus presentation."""

    name: str
    frame: pd.DataFrame
    #: column -> allowed values: a drop-down (data validation list) on every data row.
    dropdowns: dict[str, Sequence[str]] = field(default_factory=dict)
    #: columns shown in a highlighted style (for instance the column a person fills in).
    highlight: Sequence[str] = ()
    filters: bool = True
    #: free text rows written above nothing (an instructions sheet): one cell per row.
    notes: Sequence[str] = ()


def is_empty(value: object) -> bool:
    """Missing, blank text or an empty list: what completeness counts as not filled."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple | set):
        return len(value) == 0
    if hasattr(value, "__len__") and not isinstance(value, str | bytes):
        try:
            return len(value) == 0
        except TypeError:
            return False
    try:
        return bool(pd.isna(cast(Any, value)))  # any scalar; the stubs list known types only
    except (TypeError, ValueError):
        return False


def completeness(frame: pd.DataFrame) -> pd.DataFrame:
    """Per column: rows filled, rows empty and the filled share (0-1)."""
    total = len(frame)
    rows = []
    for name in frame.columns:
        empty = int(sum(is_empty(v) for v in frame[name].tolist()))
        rows.append(
            {
                "column": str(name),
                "filled": total - empty,
                "empty": empty,
                "completeness": round((total - empty) / total, 4) if total else 0.0,
            }
        )
    return pd.DataFrame(rows, columns=["column", "filled", "empty", "completeness"])


def cell_text(value: object) -> str:
    """A value as the text a spreadsheet cell shows (lists joined with ``"; "``)."""
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value)
    if hasattr(value, "tolist") and not isinstance(value, str):
        listed = value.tolist()
        if isinstance(listed, list):
            return "; ".join(str(v) for v in listed)
    if isinstance(value, dt.datetime | dt.date | pd.Timestamp):
        return value.isoformat()
    return str(value)


def _write_cell(sheet: Any, row: int, col: int, value: object, fmt: Any) -> None:
    # ``sheet``: an xlsxwriter Worksheet, ``fmt``: a Format or None (xlsxwriter has no types).
    if isinstance(value, bool):
        sheet.write_boolean(row, col, value, fmt)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        if isinstance(value, float) and not math.isfinite(value):
            sheet.write_blank(row, col, None, fmt)
        else:
            sheet.write_number(row, col, value, fmt)
    elif is_empty(value):
        sheet.write_blank(row, col, None, fmt)
    else:
        sheet.write_string(row, col, str(neutralise(cell_text(value))), fmt)


def python_value(value: object) -> object:
    """numpy scalars -> Python scalars (xlsxwriter and isinstance checks want them)."""
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        try:
            return value.item()
        except (ValueError, AttributeError):
            return value
    return value


def _widths(frame: pd.DataFrame) -> list[int]:
    widths = []
    for name in frame.columns:
        sample = frame[name].head(_WIDTH_SAMPLE).tolist()
        longest = max((len(cell_text(v)) for v in sample if not is_empty(v)), default=0)
        widths.append(max(MIN_WIDTH, min(MAX_WIDTH, max(longest, len(str(name))) + 2)))
    return widths


def _write_sheet(book: Any, spec: Sheet, formats: dict[str, Any]) -> None:
    # ``book``: an xlsxwriter Workbook; ``formats``: name -> its Format (xlsxwriter has no types).
    sheet = book.add_worksheet(spec.name[:31])
    frame = spec.frame
    if spec.notes and frame.empty and not len(frame.columns):
        for r, line in enumerate(spec.notes):
            sheet.write_string(r, 0, str(neutralise(line)), formats["note"])
        sheet.set_column(0, 0, 110)
        return
    columns = [str(c) for c in frame.columns]
    for c, name in enumerate(columns):
        style = formats["header_hi"] if name in spec.highlight else formats["header"]
        sheet.write_string(0, c, str(neutralise(name)), style)
    for c, width in enumerate(_widths(frame)):
        sheet.set_column(c, c, width, formats["hi"] if columns[c] in spec.highlight else None)
    for r, record in enumerate(frame.itertuples(index=False, name=None), start=1):
        for c, value in enumerate(record):
            _write_cell(sheet, r, c, python_value(value), None)
    n = len(frame)
    sheet.freeze_panes(1, 0)
    if spec.filters and columns:
        sheet.autofilter(0, 0, max(n, 1), len(columns) - 1)
    for name, values in spec.dropdowns.items():
        if name not in columns or n == 0:
            continue
        c = columns.index(name)
        sheet.data_validation(
            1,
            c,
            n,
            c,
            {
                "validate": "list",
                "source": list(values),
                "input_title": name,
                "input_message": "Choose: " + ", ".join(v for v in values if v),
                "error_title": "Not a known value",
                "error_message": "Choose one of: " + ", ".join(v for v in values if v),
            },
        )


def write_workbook(path: Path, sheets: Sequence[Sheet]) -> None:
    """Write ``sheets`` into a new XLSX at ``path`` (replaced if it exists)."""
    import xlsxwriter

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(
        str(path),
        {
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "nan_inf_to_errors": False,
        },
    )
    try:
        header = {
            "bold": True,
            "font_color": "#FFFFFF",
            "bg_color": "#1F4E78",
            "border": 1,
            "text_wrap": True,
            "valign": "vcenter",
        }
        formats = {
            "header": book.add_format(header),
            "header_hi": book.add_format({**header, "bg_color": "#C65911"}),
            "hi": book.add_format({"bg_color": "#FCE4D6"}),
            "note": book.add_format({"text_wrap": True, "valign": "top"}),
        }
        for spec in sheets:
            _write_sheet(book, spec, formats)
    finally:
        book.close()

"""Inert spreadsheets: every CSV and XLSX Hotpass writes stores text as text.

Source workbooks are free text, so any value may look like something a spreadsheet acts on:

* a formula: a leading ``=``, ``+``, ``-``, ``@``, tab, CR or LF (OWASP "CSV Injection"), also
  after leading whitespace;
* an array formula ``{=...}``, which ``xlsxwriter.Worksheet.write`` (and so pandas' ``to_excel``)
  turns into a live formula even with ``strings_to_formulas`` off;
* a link: ``http://``, ``mailto:``, ``external:\\\\host\\share`` text becomes a hyperlink through
  ``write`` (``strings_to_urls``), ``external:`` as a ``file:///`` link.

Two defences, both applied to every output:

1. :func:`neutralise` prefixes such text with a single quote ``'`` so no spreadsheet program
   evaluates it, in CSV as well (the quote also survives a later "save as CSV"). Control characters
   other than tab, CR and LF are dropped (junk in names, invalid in XLSX).
2. :func:`write_xlsx` writes cells by type with ``write_string``/``write_number``/``write_boolean``,
   never through ``write``'s auto-detection, on a workbook whose ``strings_to_formulas``,
   ``strings_to_numbers`` and ``strings_to_urls`` options are off: no formula, array formula or
   hyperlink can come from data. (xlsxwriter escapes literal ``_xHHHH_`` sequences itself, so a
   reader cannot decode them into a trigger.)
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any, cast

FORMULA_TRIGGERS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r", "\n")
#: An array formula as xlsxwriter's ``write`` recognises it: ``{=`` at the start.
ARRAY_FORMULA_LEAD = "{="
#: C0 control characters other than tab, CR and LF, and DEL: junk in names, invalid in XLSX.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: Options of every xlsxwriter workbook we create: no type detection from text.
XLSX_OPTIONS = {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False}
#: Longest text an XLSX cell holds (Excel's limit); longer text is cut with a marker.
XLSX_MAX_TEXT = 32_767
_CUT = " [cut]"


def _is_missing(value: object) -> bool:
    if value is None:
        return True
    try:
        import pandas as pd

        if isinstance(value, list | tuple | dict):
            return False
        # A scalar of any type: pandas-stubs overload ``isna`` by container, not for ``object``.
        return bool(pd.isna(cast(Any, value)))
    except (TypeError, ValueError):
        return False


def is_active_text(text: str) -> bool:
    """True when a spreadsheet could act on ``text`` (formula or array formula lead)."""
    stripped = text.lstrip()
    return (
        text.startswith(FORMULA_TRIGGERS)
        or stripped.startswith(FORMULA_TRIGGERS)
        or stripped.startswith(ARRAY_FORMULA_LEAD)
    )


def neutralise(value: object) -> object:
    """Prefix a text value with ``'`` when a spreadsheet could read it as a formula.

    Control characters other than tab, CR and LF are removed first. Non-text values are returned
    unchanged; missing values become an empty string.
    """
    if value is None or (not isinstance(value, str) and _is_missing(value)):
        return ""
    if not isinstance(value, str):
        return value
    value = _CONTROL.sub("", value)
    if is_active_text(value):
        return "'" + value
    return value


def cell_text(value: object) -> object:
    """One value as a spreadsheet cell: numbers and booleans as they are, sequences ``"; "``-joined
    text, dates ISO text, everything else neutralised text (missing: ``""``)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, list | tuple):
        return neutralise("; ".join(str(v) for v in value))
    if _is_missing(value):
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value if math.isfinite(value) else str(value)
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        return cell_text(value.item())
    if isinstance(value, datetime | date):
        return value.isoformat()
    return neutralise(str(value))


def write_csv(
    path: Path, columns: Sequence[str], rows: Iterable[Sequence[object]], *, bom: bool = False
) -> None:
    """CSV of neutralised cells (UTF-8; with a BOM for spreadsheet programs when ``bom``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_MINIMAL)
        writer.writerow([neutralise(str(c)) for c in columns])
        for row in rows:
            writer.writerow([cell_text(v) for v in row])


def write_cell(sheet: Any, row: int, col: int, value: object, fmt: Any = None) -> None:
    """Write one cell by its type; text always as a string cell (never a formula or link).

    ``sheet`` is an ``xlsxwriter`` worksheet and ``fmt`` one of its formats (xlsxwriter has no
    type annotations)."""
    value = cell_text(value)
    if isinstance(value, bool):
        sheet.write_boolean(row, col, value, fmt)
    elif isinstance(value, int | float):
        sheet.write_number(row, col, value, fmt)
    elif value == "":
        sheet.write_blank(row, col, None, fmt)
    else:
        text = str(value)
        if len(text) > XLSX_MAX_TEXT:
            text = text[: XLSX_MAX_TEXT - len(_CUT)] + _CUT
        sheet.write_string(row, col, text, fmt)


def write_xlsx(
    path: Path, columns: Sequence[str], rows: Iterable[Sequence[object]], *, sheet_name: str
) -> None:
    """One-sheet XLSX of inert cells: bold frozen header row with an autofilter."""
    import xlsxwriter

    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(str(path), XLSX_OPTIONS)
    try:
        sheet = workbook.add_worksheet(sheet_name)
        header = workbook.add_format({"bold": True})
        for c, name in enumerate(columns):
            write_cell(sheet, 0, c, str(name), header)
        n = 0
        for n, row in enumerate(rows, start=1):
            for c, value in enumerate(row):
                write_cell(sheet, n, c, value)
        sheet.freeze_panes(1, 0)
        sheet.autofilter(0, 0, max(n, 1), max(len(columns) - 1, 0))
    finally:
        workbook.close()

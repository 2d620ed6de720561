"""Read workbooks as text with calamine (fastexcel where it is exact, else python-calamine).

Every cell becomes ``str`` or ``None``; nothing is inferred. Numbers that are integral lose their
``.0`` (``27821234567.0`` → ``"27821234567"``) so phone numbers and ids keep every digit, dates and
datetimes become ISO text, booleans become ``TRUE``/``FALSE``, whitespace-only text becomes
``None``. Each data row keeps its 1-based Excel row number.

Sheets are read whole (``skip_empty_area=False``) so that row numbers are Excel row numbers. The
header row is row 1 unless told otherwise or detected (:func:`detect_header_row`). Blank headers
get a synthetic name from their 1-based position (``column_5``); duplicate headers get a suffix
(``Type_2``). Rows whose only non-empty cells sit in id-like columns (for instance an ``=ROW()``
formula copied down an ``ID`` column) are *formula rows*: they are counted, not records.
calamine returns only cached values, so when such rows exist in an ``.xlsx``/``.xlsm`` file,
openpyxl confirms which of those cells really hold formulas.

Two calamine front ends read the cells. python-calamine returns typed Python values, converted
here by the rules above; it reads every format. fastexcel returns a sheet as Arrow text without
building a Python object per cell, which reads a large ``.xlsx`` sheet in about 60 % of the time,
but renders some values differently (dates with a ``00:00:00`` time, booleans as ``true``,
decimals rounded to 9 places, tiny numbers as ``0``) and trims leading empty rows and columns. It
is used for an ``.xlsx``/``.xlsm`` sheet only when its text is provably the same: the sheet's
``<dimension>`` gives where the used range starts and matches the size fastexcel read, and no
cell holds a value that a non-text cell could have been rendered as differently (see
``_AMBIGUOUS``). Any other sheet is read with python-calamine. ``HOTPASS_READER=calamine``
turns the fastexcel path off.

Modules: :mod:`.cells` (cell text), :mod:`.headers` (header names and detection), :mod:`.ooxml`
(package parts), :mod:`.table` (:class:`SheetTable`), :mod:`.workbook` (:class:`Workbook`).
"""

from hotpass_assets.lib.reading.cells import WorkbookReadError, cell_text
from hotpass_assets.lib.reading.headers import (
    HEADER_SCAN_ROWS,
    ID_HEADER_KEYS,
    column_letter,
    detect_header_row,
    header_key,
    make_headers,
)
from hotpass_assets.lib.reading.ooxml import xlsx_sheet_parts as _xlsx_sheet_parts
from hotpass_assets.lib.reading.table import SheetTable
from hotpass_assets.lib.reading.workbook import (
    READER_ENV,
    Workbook,
    book_inventory,
    open_workbook,
    read_sheet,
    sheet_inventory,
)

__all__ = [
    "HEADER_SCAN_ROWS",
    "ID_HEADER_KEYS",
    "READER_ENV",
    "SheetTable",
    "Workbook",
    "WorkbookReadError",
    # Private, but the limit checks (lib/limits.py) read worksheet parts by this name.
    "_xlsx_sheet_parts",
    "book_inventory",
    "cell_text",
    "column_letter",
    "detect_header_row",
    "header_key",
    "make_headers",
    "open_workbook",
    "read_sheet",
    "sheet_inventory",
]

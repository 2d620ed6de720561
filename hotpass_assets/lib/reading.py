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
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

__all__ = [
    "HEADER_SCAN_ROWS",
    "SheetTable",
    "Workbook",
    "WorkbookReadError",
    "cell_text",
    "column_letter",
    "detect_header_row",
    "header_key",
    "make_headers",
    "open_workbook",
    "read_sheet",
    "sheet_inventory",
]

#: How many leading rows :func:`detect_header_row` considers.
HEADER_SCAN_ROWS = 15

#: Compact header keys (see :func:`header_key`) that name id columns.
ID_HEADER_KEYS = frozenset({"id", "cid", "row", "rowid", "rowno", "no", "nr", "number", "ref"})

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK"


class WorkbookReadError(Exception):
    """A workbook that cannot be read at all (not a workbook, encrypted, corrupt, missing)."""

    def __init__(self, file: str | Path, reason: str, name: str | None = None):
        self.file = str(file)
        self.reason = reason
        stored = Path(self.file).name
        self.name = name or stored
        where = repr(self.name) if self.name == stored else f"{self.name!r} (stored as {stored!r})"
        super().__init__(f"cannot read workbook {where}: {reason}")

    def __reduce__(self):  # pickles (a reading process sends it to its parent)
        return (type(self), (self.file, self.reason, self.name))


# --- cell text ---------------------------------------------------------------------------------


def _float_text(value: float) -> str | None:
    if value != value or value in (float("inf"), float("-inf")):
        return None
    if value.is_integer() and abs(value) < 1e17:
        return str(int(value))
    return repr(value)


def _datetime_text(value: dt.datetime) -> str:
    if value.hour == value.minute == value.second == value.microsecond == 0:
        return value.date().isoformat()
    return value.isoformat(sep=" ")


def _str_text(value: str) -> str | None:
    return value if value.strip() else None


_CONVERTERS = {
    str: _str_text,
    float: _float_text,
    int: str,
    bool: lambda v: "TRUE" if v else "FALSE",
    dt.datetime: _datetime_text,
    dt.date: dt.date.isoformat,
    dt.time: dt.time.isoformat,
    dt.timedelta: str,
    type(None): lambda v: None,
}


def cell_text(value: object) -> str | None:
    """One cell value (as calamine or openpyxl return it) as text, or ``None`` when empty."""
    conv = _CONVERTERS.get(type(value))
    if conv is not None:
        return conv(value)
    if isinstance(value, dt.datetime):
        return _datetime_text(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    return text if text.strip() else None


def _column_text(values: Sequence[object]) -> list[str | None]:
    """Vector form of :func:`cell_text`; text cells avoid a function call each."""
    try:
        # All text: a value starting with a character from "!" to "\x84" is not
        # whitespace-only (whitespace characters are below "!" or from "\x85" on), so it needs no
        # method call. A value that is not text makes the comparison raise.
        return [v if "!" <= v < "\x85" else (v if v and not v.isspace() else None) for v in values]
    except TypeError:
        pass
    return [
        (v if v and not v.isspace() else None) if v.__class__ is str else cell_text(v)
        for v in values
    ]


# --- headers -----------------------------------------------------------------------------------


def header_key(header: object) -> str:
    """Compact comparison key of a header: NFKC, case-folded, only letters and digits."""
    if header is None:
        return ""
    text = unicodedata.normalize("NFKC", str(header)).casefold()
    return re.sub(r"[\W_]+", "", text)


def column_letter(index: int) -> str:
    """0-based column index → Excel column letters (0 → ``A``)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def make_headers(raw: Sequence[str | None]) -> list[str]:
    """Unique header names: blanks become ``column_<n>`` (1-based), duplicates get ``_<k>``."""
    names: list[str] = []
    seen: dict[str, int] = {}
    taken: set[str] = set()
    for pos, value in enumerate(raw, start=1):
        base = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", value)).strip() if value else ""
        if not base:
            base = f"column_{pos}"
        name = base
        if name.casefold() in taken:
            k = seen.get(base.casefold(), 1)
            while name.casefold() in taken:
                k += 1
                name = f"{base}_{k}"
            seen[base.casefold()] = k
        taken.add(name.casefold())
        names.append(name)
    return names


_EMAILISH = re.compile(r"@")
_URLISH = re.compile(r"^(https?://|www\.)|\.(com|co\.za|org|net)\b", re.I)
_NUMERICISH = re.compile(r"^[\s+()\-./:0-9]+$")


def _header_cell_score(text: str, hints: frozenset[str]) -> int:
    key = header_key(text)
    if not key:
        return 0
    if key in hints:
        return 3
    if _EMAILISH.search(text) or _URLISH.search(text) or _NUMERICISH.match(text):
        return -1
    if len(text) > 40 or not re.search(r"[^\W\d_]", text):
        return -1
    return 1


def detect_header_row(
    rows: Sequence[Sequence[str | None]],
    hints: Iterable[str] = (),
    max_rows: int = HEADER_SCAN_ROWS,
) -> int | None:
    """0-based index of the likeliest header row among the first ``max_rows`` text rows.

    Each candidate scores +3 per cell whose :func:`header_key` is in ``hints`` (known header
    names and synonyms), +1 per short label-like cell and -1 per cell that looks like data (an
    e-mail, URL, number, date or long text). Rows with fewer than two non-empty cells are not
    candidates. The best score wins, ties go to the earliest row; ``None`` when no row has two
    non-empty cells.
    """
    hint_keys = frozenset(header_key(h) for h in hints if h)
    scan = list(rows[:max_rows])
    best: tuple[float, int] | None = None
    for idx, row in enumerate(scan):
        cells = [(pos, c) for pos, c in enumerate(row) if c is not None]
        if len(cells) < 2:
            continue
        score: float = sum(_header_cell_score(c, hint_keys) for _, c in cells)
        # Headers are distinct labels; repeated values are a sign of data.
        score -= len(cells) - len({header_key(c) for _, c in cells})
        # A label does not reappear below itself in its column; data values often do.
        below = scan[idx + 1 :]
        for pos, c in cells:
            key = header_key(c)
            if key not in hint_keys and any(
                pos < len(r) and r[pos] is not None and header_key(r[pos]) == key for r in below
            ):
                score -= 1
        # A header sits above its data: prefer earlier rows a little.
        score -= 0.25 * idx
        if best is None or score > best[0]:
            best = (score, idx)
    return None if best is None else best[1]


# --- sheets ------------------------------------------------------------------------------------


@dataclass
class SheetTable:
    """One sheet read as text, column-major, below its header row."""

    name: str
    #: 1-based Excel row of the header; ``None`` for an empty sheet.
    header_row: int | None
    #: Unique column names (synthetic for blank headers), in sheet order.
    headers: list[str]
    #: Header cells as read (``None`` where blank).
    raw_headers: list[str | None]
    #: Column name → text values aligned with :attr:`row_numbers`.
    columns: dict[str, list[str | None]]
    #: 1-based Excel row of every data row (all rows below the header in the used range).
    row_numbers: list[int]
    #: True where the row has no non-empty cell.
    empty_mask: np.ndarray = field(repr=False)
    #: True where the row's only non-empty cells are in id-like (formula) columns.
    formula_mask: np.ndarray = field(repr=False)
    #: How many formula rows openpyxl confirmed as formulas (``None``: not checked).
    formula_rows_verified: int | None = None
    #: How the header row was chosen: ``fixed``, ``detected`` or ``empty``.
    header_method: str = "fixed"
    #: Columns whose header is blank and that hold no value, dropped from :attr:`columns`.
    dropped_blank_columns: int = 0
    #: Header name → 0-based column index in the sheet.
    positions: dict[str, int] = field(default_factory=dict)
    #: Which calamine front end read the cells: ``fastexcel`` or ``python-calamine``.
    reader: str | None = None
    #: Header of a column whose header cell is blank inside a merged header cell → header of
    #: the merged cell's first column (``Phone_2`` → ``Phone``).
    merged_into: dict[str, str] = field(default_factory=dict)

    @property
    def rows_read(self) -> int:
        return len(self.row_numbers)

    @property
    def empty_rows(self) -> int:
        return int(self.empty_mask.sum())

    @property
    def formula_rows(self) -> int:
        return int(self.formula_mask.sum())

    @property
    def data_mask(self) -> np.ndarray:
        return ~(self.empty_mask | self.formula_mask)

    def column_ref(self, header: str) -> str:
        """Excel column letter of ``header``."""
        return column_letter(self.positions[header])

    def frame(self):
        """The sheet as a pandas frame of text (object dtype) indexed by Excel row."""
        import pandas as pd

        return pd.DataFrame(
            self.columns, index=pd.Index(self.row_numbers, name="row"), columns=self.headers
        )


def _check_file(path: Path) -> None:
    if not path.exists():
        raise WorkbookReadError(path, "file not found")
    if path.is_dir():
        raise WorkbookReadError(path, "is a directory")
    with path.open("rb") as fh:
        head = fh.read(8)
    if not head:
        raise WorkbookReadError(path, "file is empty")
    suffix = path.suffix.lower()
    if head.startswith(_OLE_MAGIC) and suffix in {".xlsx", ".xlsm", ".xlsb"}:
        data = path.read_bytes()
        if "EncryptedPackage".encode("utf-16-le") in data or b"EncryptedPackage" in data:
            raise WorkbookReadError(path, "workbook is password-protected (encrypted)")
        raise WorkbookReadError(path, "not an Office Open XML workbook (OLE container)")
    if suffix in {".xlsx", ".xlsm", ".xlsb", ".ods"} and not head.startswith(_ZIP_MAGIC):
        raise WorkbookReadError(path, "not a zip-based workbook (corrupt or wrong file type)")


@dataclass
class _Grid:
    """A sheet's text, column-major, from cell A1: ``columns[c][r]`` is the text of Excel row
    ``r + 1`` of column ``c + 1`` (``None`` when empty); every column has ``height`` cells."""

    columns: list[list[str | None]]
    height: int

    def rows(self, limit: int | None = None) -> list[list[str | None]]:
        stop = self.height if limit is None else min(limit, self.height)
        return [[col[r] for col in self.columns] for r in range(stop)]


#: Reader of ``.xlsx``/``.xlsm`` sheets: ``fast`` (fastexcel where exact) or ``calamine``.
READER_ENV = "HOTPASS_READER"

#: Cell texts that fastexcel may have rendered from a non-text cell differently from
#: :func:`cell_text`: decimals and exponents (rounded to 9 decimals), zero (also what it makes of
#: tiny numbers), integers of 18+ digits (:func:`cell_text` switches to ``repr`` at 1e17),
#: non-finite numbers, booleans, and date, time and duration cells (all ``YYYY-MM-DD hh:mm:ss``).
#: A sheet holding any of these is read with python-calamine, which keeps the cell types.
_AMBIGUOUS = (
    r"^(?:[-+]?[0-9]*\.[0-9]+|[-+]?[0-9]+\.?[0-9]*[eE][-+]?[0-9]+|[-+]?0|-?[0-9]{18,}"
    r"|[-+]?(?:nan|NaN|inf|Infinity)|true|false"
    r"|[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}.*)$"
)

_DIMENSION = re.compile(
    rb"<(?:\w+:)?dimension\s+ref=\"([A-Za-z]+)([0-9]+)(?::([A-Za-z]+)([0-9]+))?\""
)
_SHEET_DATA = re.compile(rb"<(?:\w+:)?sheetData[\s>/]")


def _column_index(letters: str) -> int:
    """Excel column letters → 0-based index (``A`` → 0)."""
    index = 0
    for ch in letters.upper():
        index = index * 26 + ord(ch) - 64
    return index - 1


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _xlsx_sheet_parts(book: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → zip member of its worksheet XML, from the package relationships."""
    import posixpath
    import xml.etree.ElementTree as ET

    def rels(part: str) -> dict[str, str]:
        folder, name = posixpath.split(part)
        path = posixpath.join(folder, "_rels", f"{name}.rels")
        out = {}
        for el in ET.fromstring(book.read(path)):
            target = el.get("Target", "")
            if target.startswith("/"):
                target = target[1:]
            else:
                target = posixpath.normpath(posixpath.join(folder, target))
            out[el.get("Id", "")] = target
            out[f"type:{el.get('Type', '').rsplit('/', 1)[-1]}"] = target
        return out

    workbook = rels("").get("type:officeDocument", "xl/workbook.xml")
    targets = rels(workbook)
    parts = {}
    for el in ET.fromstring(book.read(workbook)).iter():
        if _local(el.tag) != "sheet":
            continue
        rid = next((v for k, v in el.attrib.items() if _local(k) == "id"), None)
        if el.get("name") is not None and rid in targets:
            parts[el.get("name")] = targets[rid]
    return parts


def _xlsx_dimension(book: zipfile.ZipFile, part: str) -> tuple[int, int, int, int] | None:
    """0-based (first row, first column, last row, last column) of a worksheet's
    ``<dimension>``, read from the start of its XML; ``None`` when it has none."""
    head = b""
    with book.open(part) as fh:
        while len(head) < 1 << 20:
            chunk = fh.read(16384)
            if not chunk:
                break
            head += chunk
            if _SHEET_DATA.search(head):
                break
    found = _DIMENSION.search(head)
    if found is None:
        return None
    c0, r0, c1, r1 = found.groups()
    c1, r1 = (c1, r1) if c1 else (c0, r0)
    return int(r0) - 1, _column_index(c0.decode()), int(r1) - 1, _column_index(c1.decode())


_MERGE_CELL = re.compile(
    rb"<(?:\w+:)?mergeCell\s+ref=\"([A-Za-z]{1,3})([0-9]+):([A-Za-z]{1,3})([0-9]+)\""
)
#: At most this many merged ranges are read per sheet (header filling needs a few).
_MAX_MERGES = 10_000


def _xlsx_merges(path: Path, sheet: str) -> list[tuple[int, int, int, int]]:
    """Merged ranges of an ``.xlsx`` sheet from its ``<mergeCells>`` (after ``<sheetData>``)."""
    ranges: list[tuple[int, int, int, int]] = []
    with zipfile.ZipFile(path) as book:
        part = _xlsx_sheet_parts(book)[sheet]
        tail = b""
        with book.open(part) as fh:
            while chunk := fh.read(1 << 20):
                data = tail + chunk
                for m in _MERGE_CELL.finditer(data):
                    c0, r0, c1, r1 = m.groups()
                    ranges.append(
                        (
                            int(r0) - 1,
                            _column_index(c0.decode()),
                            int(r1) - 1,
                            _column_index(c1.decode()),
                        )
                    )
                    if len(ranges) >= _MAX_MERGES:
                        return ranges
                tail = data[-64:]
    return sorted(set(ranges))


class Workbook:
    """An open workbook: sheet names and text reads of sheets. Use :func:`open_workbook`.

    ``name`` is the file name the workbook is known by (the name it was dropped with); it
    defaults to the file name of ``path`` and is what profile recognisers match, so that a copy
    stored under a content hash is recognised like the original.
    """

    def __init__(self, path: str | Path, name: str | None = None, reader: str | None = None):
        self.path = Path(path)
        self.name: str = Path(name).name if name else self.path.name
        self._grids: dict[str, _Grid] = {}
        self._book = None
        self._fast = None
        self._parts: dict[str, str] | None = None
        #: Sheet name → which front end read it (``fastexcel`` or ``python-calamine``).
        self.readers: dict[str, str] = {}
        try:
            _check_file(self.path)
        except WorkbookReadError as exc:
            raise WorkbookReadError(self.path, exc.reason, self.name) from None
        from hotpass_assets.lib.isolation import check_limits

        check_limits(self.path, self.name)  # before calamine sees a cell (lib/limits.py)
        reader = (reader or os.environ.get(READER_ENV, "fast")).strip().lower()
        if reader not in ("fast", "calamine"):
            raise ValueError(f"{READER_ENV} must be 'fast' or 'calamine', not {reader!r}")
        if reader == "fast" and self.path.suffix.lower() in {".xlsx", ".xlsm"}:
            self._open_fast()
        if self._fast is None:
            self._open_calamine()
        else:
            self.sheet_names: list[str] = list(self._fast.sheet_names)

    def _open_fast(self) -> None:
        try:
            import fastexcel

            fast = fastexcel.read_excel(str(self.path))
            with zipfile.ZipFile(self.path) as book:
                parts = _xlsx_sheet_parts(book)
            if set(parts) != set(fast.sheet_names):
                return
        except Exception:  # python-calamine gives the precise error, or reads what this cannot
            return
        self._fast, self._parts = fast, parts

    def _open_calamine(self) -> None:
        import python_calamine as pc

        if self._book is not None:
            return
        try:
            self._book = pc.CalamineWorkbook.from_path(str(self.path))
            names = list(self._book.sheet_names)
        except pc.PasswordError as exc:
            raise WorkbookReadError(
                self.path, f"workbook is password-protected ({exc})", self.name
            ) from exc
        except (pc.CalamineError, OSError, ValueError) as exc:
            raise WorkbookReadError(self.path, f"{type(exc).__name__}: {exc}", self.name) from exc
        except Exception as exc:  # calamine raises plain exceptions for some corrupt parts
            raise WorkbookReadError(self.path, f"{type(exc).__name__}: {exc}", self.name) from exc
        if self._fast is None:
            self.sheet_names = names

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def forget(self, sheet: str) -> None:
        """Drop the cached cells of ``sheet``."""
        self._grids.pop(sheet, None)

    def close(self) -> None:
        self._grids.clear()
        self._fast = None
        if self._book is not None:
            with contextlib.suppress(Exception):
                self._book.close()

    def find_sheet(self, name: str) -> str | None:
        """The workbook's sheet called ``name`` (exact, else same :func:`header_key`)."""
        if name in self.sheet_names:
            return name
        key = header_key(name)
        for candidate in self.sheet_names:
            if header_key(candidate) == key:
                return candidate
        return None

    def _grid(self, sheet: str) -> _Grid:
        """The sheet's text from A1, column-major; cached until :meth:`forget`."""
        grid = self._grids.get(sheet)
        if grid is None:
            grid = self._fast_grid(sheet) if self._fast is not None else None
            if grid is None:
                grid = self._calamine_grid(sheet)
                self.readers[sheet] = "python-calamine"
            else:
                self.readers[sheet] = "fastexcel"
            self._grids[sheet] = grid
        return grid

    def _fast_grid(self, sheet: str) -> _Grid | None:
        """The sheet read by fastexcel, or ``None`` when its text might differ (module doc)."""
        import pyarrow.compute as pc

        try:
            with zipfile.ZipFile(self.path) as book:
                dimension = _xlsx_dimension(book, self._parts[sheet])
            if dimension is None:
                return None
            table = self._fast.load_sheet(sheet, header_row=None, dtypes="string").to_arrow()
        except Exception:
            return None
        r0, c0, r1, c1 = dimension
        if table.num_rows == 0 or (table.num_rows, table.num_columns) != (r1 - r0 + 1, c1 - c0 + 1):
            return None
        for col in table.columns:
            if pc.any(pc.match_substring_regex(col, _AMBIGUOUS)).as_py():
                return None
        lead = [None] * r0
        columns: list[list[str | None]] = [lead + [None] * table.num_rows] * c0
        # Empty cells as "" keep every value a str, which _column_text turns to None quickest.
        columns += [lead + _column_text(pc.fill_null(col, "").to_pylist()) for col in table.columns]
        return _Grid(columns, r0 + table.num_rows)

    def _calamine_grid(self, sheet: str) -> _Grid:
        self._open_calamine()
        try:
            rows = self._book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        except Exception as exc:
            raise WorkbookReadError(
                self.path, f"sheet {sheet!r}: {type(exc).__name__}: {exc}", self.name
            ) from exc
        width = max(map(len, rows), default=0)
        if not rows or width == 0:
            return _Grid([], 0)
        columns = [_column_text(col) for col in zip(*rows, strict=False)]
        columns += [[None] * len(rows)] * (width - len(columns))
        return _Grid(columns, len(rows))

    def text_rows(self, sheet: str, limit: int | None = None) -> list[list[str | None]]:
        """Row-major text of the first ``limit`` rows (all when ``None``), from row 1."""
        return self._grid(sheet).rows(limit)

    def header_cells(self, sheet: str, row: int = 1) -> list[str | None]:
        """Text of the cells of 1-based Excel row ``row`` (empty list beyond the sheet)."""
        grid = self._grid(sheet)
        if not 1 <= row <= grid.height:
            return []
        return [col[row - 1] for col in grid.columns]

    def non_empty_rows(self, sheet: str) -> int:
        """How many rows of ``sheet`` hold at least one value."""
        grid = self._grid(sheet)
        empty = _empty_and_formula_rows(grid.columns, [], grid.height)[0]
        return grid.height - int(empty.sum())

    def read_sheet(
        self,
        sheet: str,
        *,
        header_row: int | str | None = 1,
        hints: Iterable[str] = (),
        id_columns: Iterable[str] = (),
        verify_formulas: bool = True,
        expected: Iterable[str] = (),
    ) -> SheetTable:
        """Read ``sheet`` as text.

        ``header_row``: 1-based Excel row of the header, ``"auto"`` to detect it (see
        :func:`detect_header_row`, ``hints`` are known header names), or ``None`` for a sheet
        without header (columns are named ``column_<n>``). ``id_columns``: headers whose values
        alone do not make a row a record, in addition to headers that look like ids (``ID``,
        ``C_ID``, ``Row``, ...). ``expected``: header names the caller needs; when the fixed
        ``header_row`` lacks one of them, the first of the leading :data:`HEADER_SCAN_ROWS`
        rows that holds them all is the header (a title block above it; method ``detected``).

        A blank header cell inside a merged header cell (``F1:G1``) takes the merged cell's
        label, so ``Phone`` merged over two columns gives ``Phone`` and ``Phone_2``
        (:attr:`SheetTable.merged_into`).
        """
        grid = self._grid(sheet)
        width = len(grid.columns)
        if width == 0 or grid.height == 0:
            return _empty_table(sheet)
        hints = list(hints)
        method = "fixed"
        fixed = header_row if isinstance(header_row, int) else None
        if fixed is not None and expected:
            found = self._expected_header_row(sheet, grid, fixed, expected)
            if found != fixed:
                header_row, method = found, "detected"
        if header_row == "auto":
            idx = detect_header_row(grid.rows(HEADER_SCAN_ROWS), hints)
            header_idx = 0 if idx is None else idx
            method = "detected"
        elif header_row is None:
            header_idx = -1
            method = "none"
        else:
            header_idx = int(header_row) - 1
            if header_idx < 0:
                raise ValueError("header_row is 1-based")
        if header_idx >= grid.height:
            return _empty_table(sheet, header_row=header_idx + 1)
        raw_headers = (
            [None] * width if header_idx < 0 else [col[header_idx] for col in grid.columns]
        )
        merged_from: dict[int, int] = {}
        if header_idx >= 0 and None in raw_headers:
            raw_headers, merged_from = self._fill_merged(sheet, header_idx, raw_headers)
        first_row = header_idx + 2
        headers_all = make_headers(raw_headers)
        columns: dict[str, list[str | None]] = {}
        positions: dict[str, int] = {}
        headers: list[str] = []
        kept_raw: list[str | None] = []
        dropped = 0
        for pos, (name, col) in enumerate(zip(headers_all, grid.columns, strict=True)):
            text = col[header_idx + 1 :]
            if raw_headers[pos] is None and all(v is None for v in text):
                dropped += 1
                continue
            columns[name] = text
            positions[name] = pos
            headers.append(name)
            kept_raw.append(raw_headers[pos])
        n = grid.height - header_idx - 1
        row_numbers = list(range(first_row, first_row + n))
        id_keys = {header_key(c) for c in id_columns} | ID_HEADER_KEYS
        id_headers = [h for h in headers if header_key(h) in id_keys]
        empty_mask, formula_mask = _empty_and_formula_rows(
            [columns[h] for h in headers if h not in id_headers],
            [columns[h] for h in id_headers],
            n,
        )
        table = SheetTable(
            name=sheet,
            header_row=header_idx + 1 if header_idx >= 0 else None,
            headers=headers,
            raw_headers=kept_raw,
            columns=columns,
            row_numbers=row_numbers,
            empty_mask=empty_mask,
            formula_mask=formula_mask,
            header_method=method,
            dropped_blank_columns=dropped,
            positions=positions,
            reader=self.readers.get(sheet),
            merged_into={
                headers_all[c]: headers_all[src]
                for c, src in merged_from.items()
                if headers_all[c] in positions
            },
        )
        if verify_formulas and formula_mask.any():
            table.formula_rows_verified = self._verify_formulas(table, id_headers)
        return table

    def find_header_row(self, sheet: str, fixed: int, expected: Iterable[str]) -> int:
        """1-based header row of ``sheet`` for a caller that expects the headers ``expected``
        in row ``fixed`` (see ``expected`` in :meth:`read_sheet`)."""
        grid = self._grid(sheet)
        if not grid.columns or grid.height == 0:
            return fixed
        return self._expected_header_row(sheet, grid, fixed, expected)

    def _expected_header_row(
        self, sheet: str, grid: _Grid, fixed: int, expected: Iterable[str]
    ) -> int:
        """``fixed`` when its row holds every ``expected`` header, else the first leading row
        that does (merged header cells filled), else ``fixed``."""
        want = {header_key(e) for e in expected} - {""}

        def holds(idx: int) -> bool:
            cells = [col[idx] for col in grid.columns]
            if None in cells:
                cells = self._fill_merged(sheet, idx, cells)[0]
            return want <= {header_key(c) for c in make_headers(cells)}

        if not want or (1 <= fixed <= grid.height and holds(fixed - 1)):
            return fixed
        for idx in range(min(HEADER_SCAN_ROWS, grid.height)):
            if idx != fixed - 1 and holds(idx):
                return idx + 1
        return fixed

    def _merged_ranges(self, sheet: str) -> list[tuple[int, int, int, int]]:
        """0-based (first row, first column, last row, last column) of the sheet's merged
        cells; cached. ``.xlsx``/``.xlsm``: read from the sheet XML's ``<mergeCell>``
        elements (streamed); other formats: python-calamine."""
        cache = self.__dict__.setdefault("_merges", {})
        if sheet in cache:
            return cache[sheet]
        ranges: list[tuple[int, int, int, int]] = []
        try:
            if self.path.suffix.lower() in {".xlsx", ".xlsm"}:
                ranges = _xlsx_merges(self.path, sheet)
            else:
                self._open_calamine()
                raw = self._book.get_sheet_by_name(sheet).merged_cell_ranges or []
                ranges = [(r0, c0, r1, c1) for (r0, c0), (r1, c1) in raw]
        except Exception:  # merges are a refinement: without them blank headers stay blank
            ranges = []
        cache[sheet] = ranges
        return ranges

    def _fill_merged(
        self, sheet: str, idx: int, cells: list[str | None]
    ) -> tuple[list[str | None], dict[int, int]]:
        """``cells`` of 0-based row ``idx`` with blank cells inside a merged range given the
        range's first cell's text; also returns column → column it was filled from."""
        out, filled = list(cells), {}
        for r0, c0, r1, c1 in self._merged_ranges(sheet):
            if not r0 <= idx <= r1 or c1 <= c0 or c0 >= len(out):
                continue
            label = out[c0] if r0 == idx else None
            if label is None:
                continue
            for c in range(c0 + 1, min(c1, len(out) - 1) + 1):
                if out[c] is None:
                    out[c], filled[c] = label, c0
        return out, filled

    def _verify_formulas(self, table: SheetTable, id_headers: list[str]) -> int | None:
        """Count formula rows whose id cells openpyxl confirms as formulas (None: cannot tell)."""
        if self.path.suffix.lower() not in {".xlsx", ".xlsm"}:
            return None
        try:
            import openpyxl
        except ImportError:  # pragma: no cover - openpyxl is a declared dependency
            return None
        rows = [r for r, f in zip(table.row_numbers, table.formula_mask, strict=True) if f]
        cols = sorted(table.positions[h] + 1 for h in id_headers)
        wanted = set(rows)
        confirmed = 0
        try:
            book = openpyxl.load_workbook(self.path, read_only=True, data_only=False)
            try:
                ws = book[table.name]
                lo, hi = min(rows), max(rows)
                for row_no, row in enumerate(
                    ws.iter_rows(min_row=lo, max_row=hi, min_col=cols[0], max_col=cols[-1]),
                    start=lo,
                ):
                    if row_no not in wanted:
                        continue
                    cells = [row[c - cols[0]] for c in cols if c - cols[0] < len(row)]
                    if any(getattr(c, "data_type", None) == "f" for c in cells):
                        confirmed += 1
            finally:
                book.close()
        except Exception:
            return None
        return confirmed


def _empty_and_formula_rows(
    data_columns: list[list[str | None]], id_columns: list[list[str | None]], n: int
) -> tuple[np.ndarray, np.ndarray]:
    """Masks of the rows without any value (empty) and of the rows whose only values are in
    id columns (formula rows).

    Rows are narrowed column by column: only rows still without a value are looked at in the
    next column, so a sheet whose first column is filled costs one pass over that column.
    """
    rows: list[int] | range = range(n)
    for col in data_columns:
        if not rows:
            break
        rows = (
            [i for i, v in enumerate(col) if v is None]
            if isinstance(rows, range)
            else [i for i in rows if col[i] is None]
        )
    blank = list(rows)
    formula: list[int] = []
    if id_columns and blank:
        remaining = blank
        for col in id_columns:
            remaining = [i for i in remaining if col[i] is None]
        empty_set = set(remaining)
        formula = [i for i in blank if i not in empty_set]
        blank = remaining
    empty_mask = np.zeros(n, dtype=bool)
    empty_mask[blank] = True
    formula_mask = np.zeros(n, dtype=bool)
    formula_mask[formula] = True
    return empty_mask, formula_mask


def _empty_table(sheet: str, header_row: int | None = None) -> SheetTable:
    return SheetTable(
        name=sheet,
        header_row=header_row,
        headers=[],
        raw_headers=[],
        columns={},
        row_numbers=[],
        empty_mask=np.zeros(0, dtype=bool),
        formula_mask=np.zeros(0, dtype=bool),
        header_method="empty",
    )


def open_workbook(path: str | Path, name: str | None = None, reader: str | None = None) -> Workbook:
    """Open ``path`` for reading; raises :class:`WorkbookReadError` when it is not readable.

    ``name``: the file name the workbook is known by when ``path`` is a stored copy (see
    :class:`Workbook`). ``reader``: ``fast`` or ``calamine`` (default: ``HOTPASS_READER``, else
    ``fast``; see the module documentation).
    """
    return Workbook(path, name, reader)


def read_sheet(path: str | Path, sheet: str, **kwargs) -> SheetTable:
    """Convenience: open ``path`` and read one sheet (see :meth:`Workbook.read_sheet`)."""
    with open_workbook(path) as book:
        found = book.find_sheet(sheet)
        if found is None:
            raise KeyError(f"{Path(path).name!r} has no sheet {sheet!r}")
        return book.read_sheet(found, **kwargs)


def sheet_inventory(path: str | Path, name: str | None = None) -> list[dict]:
    """Per sheet: ``sheet``, ``rows`` and ``columns`` of the used range, ``non_empty_rows``.

    ``name``: the file name the workbook is known by (see :class:`Workbook`)."""
    out = []
    with open_workbook(path, name) as book:
        for name in book.sheet_names:
            grid = book._grid(name)
            out.append(
                {
                    "sheet": name,
                    "rows": grid.height,
                    "columns": len(grid.columns),
                    "non_empty_rows": book.non_empty_rows(name),
                }
            )
            book.forget(name)
    return out

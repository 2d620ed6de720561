"""An open workbook (:class:`Workbook`) and the functions that open one."""

from __future__ import annotations

import contextlib
import os
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hotpass_assets.lib.reading.cells import WorkbookReadError, column_text
from hotpass_assets.lib.reading.headers import (
    HEADER_SCAN_ROWS,
    ID_HEADER_KEYS,
    detect_header_row,
    header_key,
    make_headers,
)
from hotpass_assets.lib.reading.ooxml import (
    check_file,
    xlsx_dimension,
    xlsx_merges,
    xlsx_sheet_parts,
)
from hotpass_assets.lib.reading.table import Grid, SheetTable, empty_and_formula_rows, empty_table

if TYPE_CHECKING:
    from fastexcel import ExcelReader
    from python_calamine import CalamineWorkbook

__all__ = [
    "READER_ENV",
    "Workbook",
    "book_inventory",
    "open_workbook",
    "read_sheet",
    "sheet_inventory",
]

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


class Workbook:
    """An open workbook: sheet names and text reads of sheets. Use :func:`open_workbook`.

    ``name`` is the file name the workbook is known by (the name it was dropped with); it
    defaults to the file name of ``path`` and is what profile recognisers match, so that a copy
    stored under a content hash is recognised like the original.
    """

    def __init__(self, path: str | Path, name: str | None = None, reader: str | None = None):
        self.path = Path(path)
        self.name: str = Path(name).name if name else self.path.name
        self._grids: dict[str, Grid] = {}
        self._book: CalamineWorkbook | None = None
        self._fast: ExcelReader | None = None
        self._parts: dict[str, str] | None = None
        self._merges: dict[str, list[tuple[int, int, int, int]]] = {}
        #: Sheet name → which front end read it (``fastexcel`` or ``python-calamine``).
        self.readers: dict[str, str] = {}
        try:
            check_file(self.path)
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
                parts = xlsx_sheet_parts(book)
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
            book = self._book = pc.CalamineWorkbook.from_path(str(self.path))
            names = list(book.sheet_names)
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

    def _calamine(self) -> CalamineWorkbook:
        """The python-calamine workbook, opened on first use."""
        self._open_calamine()
        if self._book is None:  # pragma: no cover - _open_calamine raises instead
            raise WorkbookReadError(self.path, "workbook is not open", self.name)
        return self._book

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

    def _grid(self, sheet: str) -> Grid:
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

    def _fast_grid(self, sheet: str) -> Grid | None:
        """The sheet read by fastexcel, or ``None`` when its text might differ (module doc)."""
        import pyarrow.compute as pc

        fast, parts = self._fast, self._parts
        if fast is None or parts is None:
            return None
        try:
            with zipfile.ZipFile(self.path) as book:
                dimension = xlsx_dimension(book, parts[sheet])
            if dimension is None:
                return None
            table = fast.load_sheet(sheet, header_row=None, dtypes="string").to_arrow()
        except Exception:
            return None
        r0, c0, r1, c1 = dimension
        if table.num_rows == 0 or (table.num_rows, table.num_columns) != (r1 - r0 + 1, c1 - c0 + 1):
            return None
        for col in table.columns:
            if pc.any(pc.match_substring_regex(col, _AMBIGUOUS)).as_py():
                return None
        lead: list[str | None] = [None] * r0
        columns: list[list[str | None]] = [lead + [None] * table.num_rows] * c0
        # Empty cells as "" keep every value a str, which column_text turns to None quickest.
        columns += [lead + column_text(pc.fill_null(col, "").to_pylist()) for col in table.columns]
        return Grid(columns, r0 + table.num_rows)

    def _calamine_grid(self, sheet: str) -> Grid:
        book = self._calamine()
        try:
            rows = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        except Exception as exc:
            raise WorkbookReadError(
                self.path, f"sheet {sheet!r}: {type(exc).__name__}: {exc}", self.name
            ) from exc
        width = max(map(len, rows), default=0)
        if not rows or width == 0:
            return Grid([], 0)
        columns = [column_text(col) for col in zip(*rows, strict=False)]
        columns += [[None] * len(rows)] * (width - len(columns))
        return Grid(columns, len(rows))

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
        empty = empty_and_formula_rows(grid.columns, [], grid.height)[0]
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
            return empty_table(sheet)
        header_idx, method = self._header_index(sheet, grid, header_row, hints, expected)
        if header_idx >= grid.height:
            return empty_table(sheet, header_row=header_idx + 1)
        raw_headers: list[str | None] = (
            [None] * width if header_idx < 0 else [col[header_idx] for col in grid.columns]
        )
        merged_from: dict[int, int] = {}
        if header_idx >= 0 and None in raw_headers:
            raw_headers, merged_from = self._fill_merged(sheet, header_idx, raw_headers)
        first_row = header_idx + 2
        headers_all = make_headers(raw_headers)
        cols = _Columns(grid, header_idx, raw_headers, headers_all)
        columns, positions, headers = cols.columns, cols.positions, cols.headers
        n = grid.height - header_idx - 1
        row_numbers = list(range(first_row, first_row + n))
        id_keys = {header_key(c) for c in id_columns} | ID_HEADER_KEYS
        id_headers = [h for h in headers if header_key(h) in id_keys]
        empty_mask, formula_mask = empty_and_formula_rows(
            [columns[h] for h in headers if h not in id_headers],
            [columns[h] for h in id_headers],
            n,
        )
        table = SheetTable(
            name=sheet,
            header_row=header_idx + 1 if header_idx >= 0 else None,
            headers=headers,
            raw_headers=cols.kept_raw,
            columns=columns,
            row_numbers=row_numbers,
            empty_mask=empty_mask,
            formula_mask=formula_mask,
            header_method=method,
            dropped_blank_columns=cols.dropped,
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

    def _header_index(
        self,
        sheet: str,
        grid: Grid,
        header_row: int | str | None,
        hints: Iterable[str],
        expected: Iterable[str],
    ) -> tuple[int, str]:
        """0-based header row (-1: none) and how it was chosen (see :meth:`read_sheet`)."""
        method = "fixed"
        fixed = header_row if isinstance(header_row, int) else None
        if fixed is not None and expected:
            found = self._expected_header_row(sheet, grid, fixed, expected)
            if found != fixed:
                header_row, method = found, "detected"
        if header_row == "auto":
            idx = detect_header_row(grid.rows(HEADER_SCAN_ROWS), list(hints))
            return (0 if idx is None else idx), "detected"
        if header_row is None:
            return -1, "none"
        header_idx = int(header_row) - 1
        if header_idx < 0:
            raise ValueError("header_row is 1-based")
        return header_idx, method

    def find_header_row(self, sheet: str, fixed: int, expected: Iterable[str]) -> int:
        """1-based header row of ``sheet`` for a caller that expects the headers ``expected``
        in row ``fixed`` (see ``expected`` in :meth:`read_sheet`)."""
        grid = self._grid(sheet)
        if not grid.columns or grid.height == 0:
            return fixed
        return self._expected_header_row(sheet, grid, fixed, expected)

    def _expected_header_row(
        self, sheet: str, grid: Grid, fixed: int, expected: Iterable[str]
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
        cache = self._merges
        if sheet in cache:
            return cache[sheet]
        ranges: list[tuple[int, int, int, int]] = []
        try:
            if self.path.suffix.lower() in {".xlsx", ".xlsm"}:
                ranges = xlsx_merges(self.path, sheet)
            else:
                raw = self._calamine().get_sheet_by_name(sheet).merged_cell_ranges or []
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


class _Columns:
    """The columns of a grid below its header row; a column whose header is blank and that
    holds no value is dropped."""

    def __init__(
        self,
        grid: Grid,
        header_idx: int,
        raw_headers: list[str | None],
        headers_all: list[str],
    ):
        self.columns: dict[str, list[str | None]] = {}
        self.positions: dict[str, int] = {}
        self.headers: list[str] = []
        self.kept_raw: list[str | None] = []
        self.dropped = 0
        for pos, (name, col) in enumerate(zip(headers_all, grid.columns, strict=True)):
            text = col[header_idx + 1 :]
            if raw_headers[pos] is None and all(v is None for v in text):
                self.dropped += 1
                continue
            self.columns[name] = text
            self.positions[name] = pos
            self.headers.append(name)
            self.kept_raw.append(raw_headers[pos])


def open_workbook(path: str | Path, name: str | None = None, reader: str | None = None) -> Workbook:
    """Open ``path`` for reading; raises :class:`WorkbookReadError` when it is not readable.

    ``name``: the file name the workbook is known by when ``path`` is a stored copy (see
    :class:`Workbook`). ``reader``: ``fast`` or ``calamine`` (default: ``HOTPASS_READER``, else
    ``fast``; see the module documentation).
    """
    return Workbook(path, name, reader)


def read_sheet(path: str | Path, sheet: str, **kwargs: Any) -> SheetTable:
    """Convenience: open ``path`` and read one sheet (see :meth:`Workbook.read_sheet`)."""
    with open_workbook(path) as book:
        found = book.find_sheet(sheet)
        if found is None:
            raise KeyError(f"{Path(path).name!r} has no sheet {sheet!r}")
        return book.read_sheet(found, **kwargs)


def sheet_inventory(path: str | Path, name: str | None = None) -> list[dict[str, Any]]:
    """Per sheet: ``sheet``, ``rows`` and ``columns`` of the used range, ``non_empty_rows``.

    ``name``: the file name the workbook is known by (see :class:`Workbook`)."""
    with open_workbook(path, name) as book:
        return book_inventory(book)


def book_inventory(book: Workbook) -> list[dict[str, Any]]:
    """:func:`sheet_inventory` of an open workbook (sheets already read come from its cache;
    each sheet's cells are dropped once counted)."""
    out: list[dict[str, Any]] = []
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

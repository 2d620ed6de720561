"""Size limits of a workbook, checked on the file's bytes before any cell is read.

calamine (through python-calamine and fastexcel) sizes its cell grid from the highest row and
column it meets, including empty styled cells, and holds every string in memory. A 2 KB workbook
with one styled cell at ``XFD1048576`` makes it ask for hundreds of GiB; a 200 MB text cell
compresses to 200 KB. So before a workbook is opened, :func:`inspect_workbook` reads its zip
directory and streams each worksheet's XML once (decompressed in 1 MiB chunks, never parsed into
a tree) and stops at the first limit crossed, raising :class:`WorkbookLimitError` that names the
file, the sheet and the limit with its setting.

What is checked, with the default of each limit (:class:`ReadLimits`; every one is an environment
variable, see ``docs/operations.md``):

* file size; total uncompressed size of the zip members; compression ratio of each member
  larger than 1 MiB;
* per worksheet: the ``<dimension>`` it declares and the rows and columns it actually uses
  (highest row and column of any ``<row>``/``<c>``, with or without a value, and positions implied
  by cells without a reference), the area rows × columns that the reader allocates, the number
  of cell elements;
* the shared-strings part: uncompressed size and number of strings;
* the length of any one text (cell value, inline or shared string), in characters.

``.xlsx``/``.xlsm`` get every check; ``.xlsb`` and ``.ods`` (zip too) the zip-level ones;
``.xls`` the file size. What escapes these checks is caught by the memory and time budgets of the
reading process (:mod:`hotpass_assets.lib.isolation`).
"""

from __future__ import annotations

import html
import os
import re
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

__all__ = ["LIMIT_SETTINGS", "ReadLimits", "WorkbookFigures", "inspect_workbook"]

MiB = 1 << 20
_CHUNK = MiB
#: Members smaller than this are not checked for their compression ratio (styles, themes).
_RATIO_MIN_BYTES = MiB
#: Longest start or end tag accepted while streaming (a tag split across chunks is carried).
_MAX_TAG_BYTES = 1 << 16
#: A character of XML text takes at most this many bytes (``&#x10FFFF;``).
_MAX_BYTES_PER_CHAR = 10


@dataclass(frozen=True)
class ReadLimits:
    """What a workbook may hold before it is read; see the module documentation."""

    max_file_bytes: int = 200 * MiB
    max_uncompressed_bytes: int = 1024 * MiB
    max_compression_ratio: float = 200.0
    max_rows: int = 500_000
    max_columns: int = 1_000
    max_cells: int = 10_000_000
    max_shared_strings_bytes: int = 256 * MiB
    max_shared_strings: int = 5_000_000
    max_cell_chars: int = 32_767

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ReadLimits:
        env = os.environ if env is None else env
        values: dict[str, Any] = {}  # field name → a value of the field's type
        for f in fields(cls):
            name, scale = LIMIT_SETTINGS[f.name]
            raw = (env.get(name) or "").strip()
            if not raw:
                continue
            try:
                number = float(raw)
            except ValueError:
                raise ValueError(f"{name} must be a number, not {raw!r}") from None
            if number <= 0:
                raise ValueError(f"{name} must be positive, not {raw!r}")
            values[f.name] = number if f.type == "float" else int(number * scale)
        return cls(**values)

    def setting(self, name: str) -> str:
        """The environment variable of limit ``name``."""
        return LIMIT_SETTINGS[name][0]


#: Limit → (environment variable, multiplier from the variable's unit to the limit's unit).
LIMIT_SETTINGS: dict[str, tuple[str, int]] = {
    "max_file_bytes": ("HOTPASS_MAX_FILE_MB", MiB),
    "max_uncompressed_bytes": ("HOTPASS_MAX_UNCOMPRESSED_MB", MiB),
    "max_compression_ratio": ("HOTPASS_MAX_COMPRESSION_RATIO", 1),
    "max_rows": ("HOTPASS_MAX_SHEET_ROWS", 1),
    "max_columns": ("HOTPASS_MAX_SHEET_COLUMNS", 1),
    "max_cells": ("HOTPASS_MAX_SHEET_CELLS", 1),
    "max_shared_strings_bytes": ("HOTPASS_MAX_SHARED_STRINGS_MB", MiB),
    "max_shared_strings": ("HOTPASS_MAX_SHARED_STRINGS", 1),
    "max_cell_chars": ("HOTPASS_MAX_CELL_CHARS", 1),
}


@dataclass
class WorkbookFigures:
    """What :func:`inspect_workbook` measured (counts only; reported against the limits)."""

    file_bytes: int = 0
    uncompressed_bytes: int = 0
    max_ratio: float = 0.0
    shared_strings_bytes: int = 0
    shared_strings: int = 0
    longest_text_chars: int = 0
    #: Sheet name → {declared_rows, declared_columns, rows, columns, cells}.
    sheets: dict[str, dict[str, int]] = field(default_factory=dict)


class LimitExceeded(Exception):
    """Raised by :func:`inspect_workbook`; ``reading`` turns it into a ``WorkbookReadError``."""

    def __init__(
        self,
        limit: str,
        value: float,
        allowed: float,
        setting: str,
        sheet: str | None = None,
        at_least: bool = False,
    ) -> None:
        self.limit, self.value, self.allowed = limit, value, allowed
        self.setting, self.sheet = setting, sheet
        where = f"sheet {sheet!r}: " if sheet is not None else ""
        bound = "at least " if at_least else ""
        super().__init__(
            f"{where}{_LABELS[limit]} {bound}{_fmt(value, limit)} exceeds the limit of "
            f"{_fmt(allowed, limit)} ({setting})"
        )


_LABELS = {
    "max_file_bytes": "file size",
    "max_uncompressed_bytes": "uncompressed size",
    "max_compression_ratio": "compression ratio",
    "max_rows": "rows",
    "max_columns": "columns",
    "max_cells": "cells (rows × columns)",
    "max_shared_strings_bytes": "shared strings size",
    "max_shared_strings": "shared strings",
    "max_cell_chars": "text length (characters)",
    "max_tag_bytes": "XML tag length (bytes)",
}


def _fmt(value: float, limit: str) -> str:
    if limit.endswith("_bytes"):
        return f"{value / MiB:,.1f} MB"
    if limit == "max_compression_ratio":
        return f"{value:,.0f}:1"
    return f"{int(value):,}"


def _check(value: float, limits: ReadLimits, name: str, sheet: str | None = None) -> None:
    allowed = getattr(limits, name)
    if value > allowed:
        raise LimitExceeded(name, value, allowed, limits.setting(name), sheet)


# --- streaming scan of one XML part ------------------------------------------------------------

_CELL = re.compile(rb"<(?:\w+:)?c[\s>/]")
_CELL_REF = re.compile(rb"<(?:\w+:)?c\s[^>]*?\br=\"([A-Za-z]{1,7})([0-9]+)\"")
_SI = re.compile(rb"<(?:\w+:)?si[\s>/]")
_DIMENSION = re.compile(
    rb"<(?:\w+:)?dimension\s+ref=\"([A-Za-z]{1,7})([0-9]+)(?::([A-Za-z]{1,7})([0-9]+))?\""
)


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n


class _TextRuns:
    """Longest text between two tags, across chunk boundaries, in characters."""

    def __init__(self, limit_chars: int):
        self.limit = limit_chars
        self.cap = limit_chars * _MAX_BYTES_PER_CHAR + 1
        self.longest = 0
        self.bound = False  # ``longest`` is a lower bound (a run too long to decode)
        self.open = False  # the previous chunk ended inside a text run
        self.carry = b""  # its first ``cap`` bytes
        self.carry_len = 0
        self.pattern = re.compile(rb">([^<]{%d,})(?=<)" % (limit_chars + 1))

    def _chars(self, run: bytes, length: int) -> int:
        """Characters of a run of ``length`` bytes whose first bytes are ``run``."""
        if length <= self.limit:
            return length  # a character takes at least one byte
        if length >= self.cap:
            self.bound = True
            return length // _MAX_BYTES_PER_CHAR + 1  # more than the limit, whatever it holds
        return len(html.unescape(run.decode("utf-8", "replace")))

    def check(self, limits: ReadLimits, sheet: str | None) -> None:
        if self.longest > self.limit:
            name = "max_cell_chars"
            raise LimitExceeded(
                name, self.longest, self.limit, limits.setting(name), sheet, self.bound
            )

    def feed(self, data: bytes) -> None:
        """Scan ``data``, which holds only whole tags."""
        best = 0
        first_lt = data.find(b"<")
        if self.open:
            lead = data if first_lt < 0 else data[:first_lt]
            self.carry_len += len(lead)
            if len(self.carry) < self.cap:
                self.carry += lead[: self.cap - len(self.carry)]
            if first_lt < 0:
                if self.carry_len >= self.cap:
                    self.longest = max(self.longest, self._chars(self.carry, self.carry_len))
                return
            best = self._chars(self.carry, self.carry_len)
            self.open, self.carry, self.carry_len = False, b"", 0
        for m in self.pattern.finditer(data):
            run = m.group(1)
            best = max(best, self._chars(run, len(run)))
        last_gt = data.rfind(b">")
        if last_gt >= 0 and data.find(b"<", last_gt) < 0 and last_gt + 1 < len(data):
            tail = data[last_gt + 1 :]
            self.open, self.carry, self.carry_len = True, tail[: self.cap], len(tail)
        self.longest = max(self.longest, best)


def _chunks(
    book: zipfile.ZipFile, member: str, sheet: str | None, limits: ReadLimits
) -> Iterator[bytes]:
    """Decompressed ``member`` in pieces that end on a tag boundary."""
    carry = b""
    with book.open(member) as fh:
        while chunk := fh.read(_CHUNK):
            data = carry + chunk
            lt, gt = data.rfind(b"<"), data.rfind(b">")
            cut = lt if lt > gt else len(data)
            carry = data[cut:]
            if len(carry) > _MAX_TAG_BYTES:
                raise LimitExceeded(
                    "max_tag_bytes", len(carry), _MAX_TAG_BYTES, "not configurable", sheet
                )
            if cut:
                yield data[:cut]
    if carry:
        yield carry


def _letters(n: int) -> int:
    """How many letters the column letters of 1-based column ``n`` have."""
    k = 0
    while n > 0:
        n, k = (n - 1) // 26, k + 1
    return k


class _SheetScan:
    """Counts and highest positions of one worksheet's rows and cells, chunk by chunk.

    Plain substring counts and regular expressions that only match references at least as long
    as the limits' (their numbers converted a list at a time) keep this near the speed of
    decompression; cells or rows without a reference (legal, rare) take a slower exact path.
    """

    def __init__(self, sheet: str, limits: ReadLimits, prefix: bytes):
        self.sheet, self.limits = sheet, limits
        p = re.escape(prefix)
        self.odd = re.compile(rb'<%s(?:c|row)(?:[>/]|\s(?!r="))' % p)
        self.row_ref = b"<" + prefix + b'row r="'
        self.cell_ref = b"<" + prefix + b'c r="'
        d, k = len(str(limits.max_rows)), _letters(limits.max_columns)
        # Row numbers of rows, and of cells, as long as the limit's or longer, and of cells
        # whose column letters are as long as the limit's: every row and cell of a legal sheet
        # past row 10**(d-1) matches, so the numbers are taken as a list and converted at once.
        self.deep_rows = re.compile(rb'<%srow r="([0-9]{%d,})"' % (p, d))
        self.deep_cells = re.compile(rb'<%sc r="[A-Za-z]+([0-9]{%d,})"' % (p, d))
        self.wide_cells = re.compile(rb'<%sc r="[A-Za-z]{%d,}([0-9]+)"' % (p, k))
        self.last_cells = re.compile(rb'<%sc r="([A-Za-z]+)' % p)
        self.rows = self.cells = self.max_row = self.max_col = 0
        self.implied = (0, 0)  # (row, cells in the open row) for the exact path

    def feed(self, data: bytes) -> None:
        n_rows, n_cells = data.count(self.row_ref), data.count(self.cell_ref)
        for pattern in (self.deep_rows, self.deep_cells, self.wide_cells):
            numbers = pattern.findall(data)
            if numbers:
                self.max_row = max(self.max_row, max(map(int, numbers)))
        last = data.rfind(self.row_ref)
        if last >= 0:
            end = data.find(b'"', last + len(self.row_ref))
            with_ref = data[last + len(self.row_ref) : end]
            if with_ref.isdigit():
                self.max_row = max(self.max_row, int(with_ref))
        # Every cell's column letters (a handful of distinct values): a row wider than the last
        # one, or a last row without cells, still counts.
        cols = set(self.last_cells.findall(data))
        if cols:
            self.max_col = max(self.max_col, max(map(_column_number, cols)))
        if self.odd.search(data):
            # Rows or cells without a leading reference: follow them one by one (slower).
            row, open_cells, self.max_row, self.max_col, n_rows, n_cells = _implied(
                data, *self.implied, self.max_row, self.max_col
            )
            self.implied = (row, open_cells)
        else:
            self.implied = (self.max_row, 0)
        self.rows += n_rows
        self.cells += n_cells
        self.check()

    def check(self) -> None:
        height = max(self.max_row, self.rows)
        _check(height, self.limits, "max_rows", self.sheet)
        _check(self.max_col, self.limits, "max_columns", self.sheet)
        _check(height * self.max_col, self.limits, "max_cells", self.sheet)
        _check(self.cells, self.limits, "max_cells", self.sheet)


_PREFIX = re.compile(rb"<(\w+:)?(?:sheetData|worksheet|dimension)[\s>/]")


def _scan_sheet(
    book: zipfile.ZipFile, member: str, sheet: str, limits: ReadLimits, figures: WorkbookFigures
) -> None:
    stats = {"declared_rows": 0, "declared_columns": 0, "rows": 0, "columns": 0, "cells": 0}
    figures.sheets[sheet] = stats
    text = _TextRuns(limits.max_cell_chars)
    scan: _SheetScan | None = None
    for data in _chunks(book, member, sheet, limits):
        if scan is None:
            found = _PREFIX.search(data)
            scan = _SheetScan(sheet, limits, (found.group(1) or b"") if found else b"")
            dim = _DIMENSION.search(data, 0, 1 << 16)
            if dim is not None:
                c0, r0, c1, r1 = dim.groups()
                rows, cols = int(r1 or r0), _column_number(c1 or c0)
                stats.update(declared_rows=rows, declared_columns=cols)
                _check(rows, limits, "max_rows", sheet)
                _check(cols, limits, "max_columns", sheet)
                _check(rows * cols, limits, "max_cells", sheet)
        scan.feed(data)
        text.feed(data)
        text.check(limits, sheet)
    if scan is not None:
        stats.update(rows=max(scan.max_row, scan.rows), columns=scan.max_col, cells=scan.cells)
    figures.longest_text_chars = max(figures.longest_text_chars, text.longest)


_ROW_SPLIT = re.compile(rb"(<(?:\w+:)?row(?:\s[^>]*)?/?>)")
_ROW_R = re.compile(rb"\br=\"([0-9]+)\"")


def _implied(
    data: bytes, row: int, row_cells: int, max_row: int, max_col: int
) -> tuple[int, int, int, int, int, int]:
    """Follow ``<row>`` and ``<c>`` elements in order, giving referenceless ones the next
    position; returns the state to carry into the next chunk and the rows and cells seen."""
    pieces = _ROW_SPLIT.split(data)
    n_rows = n_cells = 0
    for i, piece in enumerate(pieces):
        if i % 2:  # a <row ...> start tag
            ref = _ROW_R.search(piece)
            row = int(ref.group(1)) if ref else row + 1
            row_cells, n_rows = 0, n_rows + 1
            max_row = max(max_row, row)
            continue
        col = row_cells
        for m in _CELL.finditer(piece):
            ref = _CELL_REF.match(piece, m.start())
            col = _column_number(ref.group(1)) if ref is not None else col + 1
            max_col = max(max_col, col)
            n_cells += 1
        row_cells = col
    return row, row_cells, max_row, max_col, n_rows, n_cells


def _scan_shared_strings(
    book: zipfile.ZipFile, member: str, limits: ReadLimits, figures: WorkbookFigures
) -> None:
    text = _TextRuns(limits.max_cell_chars)
    count = 0
    for data in _chunks(book, member, None, limits):
        count += len(_SI.findall(data))
        text.feed(data)
        _check(count, limits, "max_shared_strings")
        text.check(limits, "shared strings")
    figures.shared_strings = count
    figures.longest_text_chars = max(figures.longest_text_chars, text.longest)


# --- the workbook ------------------------------------------------------------------------------


def _worksheets(book: zipfile.ZipFile) -> dict[str, str]:
    """Zip member → sheet name for every worksheet part (the member name when unlisted)."""
    from hotpass_assets.lib.reading import _xlsx_sheet_parts

    try:
        named = {part: name for name, part in _xlsx_sheet_parts(book).items()}
    except Exception:  # broken relationships: the reader reports them; scan what is there
        named = {}
    out = {}
    for info in book.infolist():
        name = info.filename
        if re.fullmatch(r"xl/(worksheets|dialogsheets|macrosheets)/[^/]+\.xml", name):
            out[name] = named.get(name, name.rsplit("/", 1)[-1].removesuffix(".xml"))
    return out


def inspect_workbook(path: str | Path, limits: ReadLimits | None = None) -> WorkbookFigures:
    """Measure ``path`` against ``limits`` (default: from the environment) without reading cells.

    Raises :class:`LimitExceeded` at the first limit crossed. A file that is not a zip workbook
    is only checked for its size: the reader reports what is wrong with it.
    """
    limits = limits or ReadLimits.from_env()
    path = Path(path)
    figures = WorkbookFigures(file_bytes=path.stat().st_size)
    _check(figures.file_bytes, limits, "max_file_bytes")
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".xlsm", ".xlsb", ".ods") or not zipfile.is_zipfile(path):
        return figures
    try:
        book = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        return figures
    with book:
        infos = book.infolist()
        figures.uncompressed_bytes = sum(i.file_size for i in infos)
        _check(figures.uncompressed_bytes, limits, "max_uncompressed_bytes")
        for info in infos:
            if info.file_size >= _RATIO_MIN_BYTES:
                ratio = info.file_size / max(info.compress_size, 1)
                figures.max_ratio = max(figures.max_ratio, ratio)
                _check(ratio, limits, "max_compression_ratio")
        if suffix not in (".xlsx", ".xlsm"):
            return figures
        shared = next((i for i in infos if i.filename.lower() == "xl/sharedstrings.xml"), None)
        try:
            if shared is not None:
                figures.shared_strings_bytes = shared.file_size
                _check(shared.file_size, limits, "max_shared_strings_bytes")
                _scan_shared_strings(book, shared.filename, limits, figures)
            for member, sheet in _worksheets(book).items():
                _scan_sheet(book, member, sheet, limits, figures)
        except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError, RuntimeError):
            return figures  # corrupt, truncated or encrypted member: the reader says which
    return figures

"""A sheet read as text (:class:`SheetTable`), the grid it is cut from, and row masks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

from hotpass_assets.lib.reading.headers import column_letter

__all__ = ["Grid", "SheetTable", "empty_and_formula_rows", "empty_table"]


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
        mask: np.ndarray = ~(self.empty_mask | self.formula_mask)
        return mask

    def column_ref(self, header: str) -> str:
        """Excel column letter of ``header``."""
        return column_letter(self.positions[header])

    def frame(self) -> pd.DataFrame:
        """The sheet as a pandas frame of text (object dtype) indexed by Excel row."""
        import pandas as pd

        return pd.DataFrame(
            self.columns, index=pd.Index(self.row_numbers, name="row"), columns=self.headers
        )


@dataclass
class Grid:
    """A sheet's text, column-major, from cell A1: ``columns[c][r]`` is the text of Excel row
    ``r + 1`` of column ``c + 1`` (``None`` when empty); every column has ``height`` cells."""

    columns: list[list[str | None]]
    height: int

    def rows(self, limit: int | None = None) -> list[list[str | None]]:
        stop = self.height if limit is None else min(limit, self.height)
        return [[col[r] for col in self.columns] for r in range(stop)]


def empty_and_formula_rows(
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


def empty_table(sheet: str, header_row: int | None = None) -> SheetTable:
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

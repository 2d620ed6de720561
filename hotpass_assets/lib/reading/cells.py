"""Cell values as text, and the error of a workbook that cannot be read."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

__all__ = ["WorkbookReadError", "cell_text", "column_text"]


class WorkbookReadError(Exception):
    """A workbook that cannot be read at all (not a workbook, encrypted, corrupt, missing)."""

    def __init__(self, file: str | Path, reason: str, name: str | None = None):
        self.file = str(file)
        self.reason = reason
        stored = Path(self.file).name
        self.name = name or stored
        where = repr(self.name) if self.name == stored else f"{self.name!r} (stored as {stored!r})"
        super().__init__(f"cannot read workbook {where}: {reason}")

    def __reduce__(self) -> tuple[type[WorkbookReadError], tuple[str, str, str]]:
        # pickles (a reading process sends it to its parent)
        return (type(self), (self.file, self.reason, self.name))


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


_CONVERTERS: dict[type, Callable[[Any], str | None]] = {
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


def column_text(values: Sequence[object]) -> list[str | None]:
    """Vector form of :func:`cell_text`; text cells avoid a function call each."""
    try:
        # All text: a value starting with a character from "!" to "\x84" is not
        # whitespace-only (whitespace characters are below "!" or from "\x85" on), so it needs no
        # method call. A value that is not text makes the comparison raise.
        texts: Sequence[Any] = values  # str values, else the comparison raises TypeError
        return [v if "!" <= v < "\x85" else (v if v and not v.isspace() else None) for v in texts]
    except TypeError:
        pass
    return [
        (v if v and not v.isspace() else None) if v.__class__ is str else cell_text(v)
        for v in values
    ]

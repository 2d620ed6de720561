"""Date cells: ISO dates, day-first text dates, optional Excel serial day numbers."""

from __future__ import annotations

import datetime as _dt
import functools
import math
import re

from hotpass_assets.lib.normalise.text import _clean_str, _is_missing, _to_text

__all__ = ["parse_date"]

_TIME_TAIL = (
    r"(?:[ T]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:[ap]\.?m\.?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
)
_DATE_YMD = re.compile(r"^(\d{4})([-/.])(\d{1,2})\2(\d{1,2})" + _TIME_TAIL + r"$", re.IGNORECASE)
_DATE_DMY = re.compile(
    r"^(\d{1,2})([-/.])(\d{1,2})\2(\d{4}|\d{2})" + _TIME_TAIL + r"$", re.IGNORECASE
)
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_DATE_D_MON_Y = re.compile(
    r"^(?:[a-z]+,?\s+)?(\d{1,2})(?:st|nd|rd|th)?[\s\-/.]*([a-z]{3,9})\.?[\s\-/.,]*(\d{4}|\d{2})"
    + _TIME_TAIL
    + r"$",
    re.IGNORECASE,
)
_DATE_MON_D_Y = re.compile(
    r"^(?:[a-z]+,?\s+)?([a-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})" + _TIME_TAIL + r"$",
    re.IGNORECASE,
)
_SERIAL = re.compile(r"^\d{1,7}(?:\.\d+)?$")
_MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        ("jan", "january", "januarie"),
        ("feb", "february", "februarie"),
        ("mar", "march", "maart", "mrt"),
        ("apr", "april"),
        ("may", "mei"),
        ("jun", "june", "junie"),
        ("jul", "july", "julie"),
        ("aug", "august", "augustus"),
        ("sep", "sept", "september"),
        ("oct", "october", "okt", "oktober"),
        ("nov", "november"),
        ("dec", "december", "des", "desember"),
    ),
    start=1,
):
    for _name in _names:
        _MONTHS[_name] = _number
_EXCEL_EPOCH = _dt.date(1899, 12, 30)
_MAX_SERIAL = 2958465  # 9999-12-31


def _year(text: str) -> int:
    """A 4-digit year as is; a 2-digit year in 2000-2068 or 1969-1999 (POSIX convention)."""
    year = int(text)
    if len(text) == 2:
        year += 2000 if year < 69 else 1900
    return year


def _make_date(year: int, month: int, day: int) -> _dt.date | None:
    try:
        return _dt.date(year, month, day)
    except ValueError:
        return None


def _from_serial(number: float) -> _dt.date | None:
    if not (1 <= number <= _MAX_SERIAL):
        return None
    return _EXCEL_EPOCH + _dt.timedelta(days=int(number))


def parse_date(value: object, *, allow_serial: bool = False) -> _dt.date | None:
    """Parse a date cell to a :class:`datetime.date`.

    Accepts dates and datetimes; ISO text (``2024-03-05``, ``2024-03-05 00:00:00``,
    ``2024/03/05``, ``20240305``); day-first text (``05/03/2024``, ``5-3-24``, ``05.03.2024``,
    ``5 March 2024``, ``05-Mar-24``) and ``March 5, 2024``. Two-digit years are 2000-2068 or
    1969-1999. Excel serial day numbers (ints, floats or numeric text) only when
    ``allow_serial`` is true. Anything else, and impossible dates, give ``None``.
    """
    if value is None:
        return None
    if isinstance(value, _dt.datetime):
        return None if _is_missing(value) else value.date()
    if isinstance(value, _dt.date):
        return value
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        if not allow_serial or (isinstance(value, float) and not math.isfinite(value)):
            return None
        return _from_serial(value)
    text = _to_text(value)
    if not text or len(text) > 80:
        return None
    return _parse_date_text(text, allow_serial)


@functools.lru_cache(maxsize=16384)
def _parse_date_text(text: str, allow_serial: bool) -> _dt.date | None:
    text = _clean_str(text)
    if not text:
        return None
    match = _DATE_YMD.match(text)
    if match:
        return _make_date(int(match.group(1)), int(match.group(3)), int(match.group(4)))
    match = _DATE_DMY.match(text)
    if match:
        return _make_date(_year(match.group(4)), int(match.group(3)), int(match.group(1)))
    match = _DATE_COMPACT.match(text)
    if match:
        return _make_date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    match = _DATE_D_MON_Y.match(text)
    if match:
        month = _MONTHS.get(match.group(2).lower())
        if month:
            return _make_date(_year(match.group(3)), month, int(match.group(1)))
    match = _DATE_MON_D_Y.match(text)
    if match:
        month = _MONTHS.get(match.group(1).lower())
        if month:
            return _make_date(int(match.group(3)), month, int(match.group(2)))
    if allow_serial and _SERIAL.match(text):
        return _from_serial(float(text))
    return None

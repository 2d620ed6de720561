"""Text cells: cleaning, placeholders, multi-value splitting, and the helpers shared by the other
normalisers (rendering a cell value as text, ASCII folding).

Cleaning strips, applies Unicode NFKC (a non-breaking space becomes a space), collapses
whitespace runs and drops zero-width characters; empty values and placeholders (``-``, ``—``,
``n/a``, ``none``, ``tbc``, ``unknown`` ...) become ``None``.
"""

from __future__ import annotations

import datetime as _dt
import functools
import math
import re
import unicodedata
from collections.abc import Iterable

__all__ = [
    "PLACEHOLDERS",
    "PLACEHOLDER_MAX_LEN",
    "clean_text",
    "clean_text_many",
    "is_placeholder",
    "split_list",
    "split_multi",
]

#: Cell values that mean "no value" (compared after cleaning and case folding).
PLACEHOLDERS: frozenset[str] = frozenset(
    {
        "-",
        "--",
        "---",
        "—",
        "–",
        "‐",
        "_",
        ".",
        "..",
        "...",
        "?",
        "??",
        "n/a",
        "n.a.",
        "n.a",
        "na",
        "n/av",
        "not available",
        "none",
        "nil",
        "null",
        "nan",
        "nat",
        "tbc",
        "tba",
        "tbd",
        "unknown",
        "#n/a",
        "#value!",
        "#ref!",
    }
)

#: Marks a value that a column-wide fast path left to the per-value function (compared by
#: identity; clean text never holds a control character, so no result can be mistaken for it).
_PENDING: str = "\x00pending"

# Zero-width characters and the byte-order mark: invisible, never meaningful in a cell.
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
# Control characters that are not whitespace (C0 but tab, line and page breaks and the
# separators 0x1c-0x1f; DEL; C1 but NEL): junk in a cell (an XLSX cell holds NUL as
# ``_x0000_``). Whitespace controls become spaces like any other whitespace.
_CONTROL = re.compile("[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f]")


def _is_missing(value: object) -> bool:
    """True for ``None`` and for values that are not equal to themselves (NaN, NaT)."""
    if value is None:
        return True
    try:
        return bool(value != value)
    except Exception:  # comparison of exotic objects
        return False


def _to_text(value: object) -> str | None:
    """Raw text of a cell value, before cleaning; ``None`` for missing values."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if math.isinf(value):
            return str(value)
        if value.is_integer() and abs(value) < 1e17:
            return str(int(value))
        return repr(value)
    if isinstance(value, _dt.datetime):
        if _is_missing(value):
            return None
        if value.time() == _dt.time(0, 0) and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, _dt.date):
        return value.isoformat()
    if _is_missing(value):
        return None
    try:
        return str(value)
    except Exception:
        return None


def _clean_str(text: str) -> str:
    """Drop control and zero-width characters, strip, NFKC-normalise and collapse whitespace;
    keeps placeholders, may return ``""``."""
    if text.isascii():
        if text.isprintable() and "  " not in text and text == text.strip():
            return text
        return " ".join(_CONTROL.sub("", text).split())
    text = _CONTROL.sub("", _ZERO_WIDTH.sub("", text))
    text = unicodedata.normalize("NFKC", text)
    return " ".join(text.split())


def _raw_clean(value: object) -> str | None:
    """Cleaned text of a value without placeholder handling; ``None`` when empty."""
    text = _to_text(value)
    if not text:
        return None
    cleaned = _clean_str(text)
    return cleaned or None


def is_blank(value: object) -> bool:
    """True when a value is missing or holds only whitespace, control or zero-width characters."""
    return _raw_clean(value) is None


def is_placeholder(value: object) -> bool:
    """True when a value carries no information: missing, blank, or a placeholder such as ``-``,
    ``—``, ``n/a``, ``none``, ``tbc`` or ``unknown``."""
    text = _raw_clean(value)
    return text is None or text.casefold() in PLACEHOLDERS


def clean_text(value: object) -> str | None:
    """Clean one text cell: strip, Unicode NFKC, collapse whitespace runs, drop zero-width and
    control characters; empty values and placeholders give ``None``.

    Non-text values are rendered first: integral floats lose their ``.0``, dates use ISO format.
    """
    text = _raw_clean(value)
    if text is None or text.casefold() in PLACEHOLDERS:
        return None
    return text


#: Length of the longest placeholder: longer clean text is never one.
PLACEHOLDER_MAX_LEN = max(map(len, PLACEHOLDERS))


def clean_text_many(values: Iterable[object]) -> list[str | None]:
    """``[clean_text(v) for v in values]``, for whole columns.

    Text that is already clean (non-empty printable ASCII without surrounding or doubled
    spaces) and is no placeholder is returned as it is without a function call per value;
    every other value takes :func:`clean_text`.
    """
    values = values if isinstance(values, list) else list(values)
    out: list[str | None] = [
        (v if len(v) > PLACEHOLDER_MAX_LEN or v.lower() not in PLACEHOLDERS else None)
        if v.__class__ is str
        and v
        and v.isascii()
        and v.isprintable()
        and v[0] != " "
        and v[-1] != " "
        and "  " not in v
        else (None if v is None else _PENDING)
        for v in values
    ]
    for i in [i for i, x in enumerate(out) if x is _PENDING]:
        out[i] = clean_text(values[i])
    return out


@functools.lru_cache(maxsize=64)
def _separator_pattern(separators: str) -> re.Pattern[str]:
    return re.compile("[" + re.escape(separators) + "]")


def split_multi(value: object, separators: str = ";,/|\n") -> list[str]:
    """Split a cell holding several values on any of ``separators`` (single characters).

    Returns the cleaned, non-empty parts in source order; a placeholder cell gives ``[]``.
    """
    text = _to_text(value)
    if not text or is_placeholder(text):
        return []
    if not separators:
        cleaned = clean_text(text)
        return [cleaned] if cleaned else []
    if "\n" in separators or "\r" in separators:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    parts = _separator_pattern(separators).split(text)
    out: list[str] = []
    for part in parts:
        cleaned = clean_text(part)
        if cleaned:
            out.append(cleaned)
    return out


def split_list(value: object) -> list[str]:
    """Split a list cell (aircraft types and the like) on ``;``, ``,``, ``/`` and newlines.

    Parts are cleaned and de-duplicated case-insensitively; the first display form and the
    source order are kept.
    """
    seen: set[str] = set()
    out: list[str] = []
    for part in split_multi(value, ";,/\n"):
        key = part.casefold()
        if key not in seen:
            seen.add(key)
            out.append(part)
    return out


# Letters and ligatures that NFKD does not decompose to ASCII.
_FOLD_TABLE = str.maketrans(
    {
        "ß": "ss",
        "æ": "ae",
        "Æ": "AE",
        "ø": "o",
        "Ø": "O",
        "œ": "oe",
        "Œ": "OE",
        "đ": "d",
        "Đ": "D",
        "ł": "l",
        "Ł": "L",
        "þ": "th",
        "ı": "i",
    }
)

#: Any letter (of any script).
_HAS_LETTER = re.compile(r"[^\W\d_]")


def _fold(text: str) -> str:
    """Lower-case ASCII fold: accents removed, other non-ASCII letters dropped."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD_TABLE))
    return decomposed.encode("ascii", "ignore").decode("ascii").lower()

"""Header names: comparison keys, unique names, column letters and header-row detection."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

__all__ = [
    "HEADER_SCAN_ROWS",
    "ID_HEADER_KEYS",
    "column_letter",
    "detect_header_row",
    "header_key",
    "make_headers",
]

#: How many leading rows :func:`detect_header_row` considers.
HEADER_SCAN_ROWS = 15

#: Compact header keys (see :func:`header_key`) that name id columns.
ID_HEADER_KEYS = frozenset({"id", "cid", "row", "rowid", "rowno", "no", "nr", "number", "ref"})


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

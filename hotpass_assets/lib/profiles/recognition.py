"""Workbook recognition: which profile and kind a dropped workbook is.

A kind's recogniser names a file-name pattern and/or sheets with the headers they must carry;
:func:`select_profile` scores every kind of every profile and falls back to the generic profile.
"""

import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from hotpass_assets.lib.profiles.loading import load_profile, load_profiles
from hotpass_assets.lib.profiles.model import GENERIC, Kind, Profile
from hotpass_assets.lib.reading import Workbook, header_key, open_workbook

__all__ = ["recognise_kind", "resolve_column", "select_profile"]


def resolve_column(name: str, headers: Sequence[str]) -> str | None:
    """The sheet header a profile column name refers to: exact, else same :func:`header_key`."""
    if name in headers:
        return name
    key = header_key(name)
    for h in headers:
        if header_key(h) == key:
            return h
    return None


def _header_cells(book: Workbook, sheet: str, header_row: int = 1) -> list[str]:
    from hotpass_assets.lib.reading import make_headers

    cells = book.header_cells(sheet, header_row)
    return make_headers(cells) if cells else []


def recognise_kind(
    book: Workbook, kind: Kind, file_name: str | None = None
) -> tuple[int, list[str]]:
    """Score how well ``book`` fits ``kind``: 3 sheets+name, 2 sheets, 1 name only, 0 no.

    The file-name pattern is searched in ``file_name``, else in the name the workbook is known
    by (:attr:`Workbook.name`, the dropped file's name even when ``book`` reads an archived copy
    stored under its content hash). Also returns why (text for logs, no cell values).
    """
    rec = kind.recognise
    why: list[str] = []
    name = Path(file_name).name if file_name else book.name
    name_ok = bool(rec.file_name and re.search(rec.file_name, name))
    if rec.file_name:
        why.append(f"file name {'matches' if name_ok else 'does not match'} {rec.file_name!r}")
    sheets_ok = bool(rec.sheets)
    for sheet, required in rec.sheets.items():
        found = book.find_sheet(sheet)
        if found is None:
            sheets_ok = False
            why.append(f"sheet {sheet!r} missing")
            continue
        spec = kind.sheet(sheet)
        hrow = spec.header_row if spec and isinstance(spec.header_row, int) else 1
        hrow = book.find_header_row(found, hrow, required)  # below a title block too
        headers = _header_cells(book, found, hrow)
        missing = [h for h in required if resolve_column(h, headers) is None]
        if missing:
            sheets_ok = False
            why.append(f"sheet {sheet!r} lacks headers {missing}")
    if rec.sheets and sheets_ok:
        why.append("required sheets and headers present")
    if rec.mode == "all":
        ok = (name_ok or not rec.file_name) and (sheets_ok or not rec.sheets)
        score = 3 if ok else 0
    else:
        score = (2 if sheets_ok else 0) + (1 if name_ok else 0)
    return score, why


def _partial_fit(book: Workbook, kind: Kind) -> int:
    return sum(1 for s in kind.sheets if book.find_sheet(s.sheet) is not None)


def select_profile(
    path: str | Path | Workbook,
    profiles: Iterable[Profile | str] | None = None,
    *,
    force: str | None = None,
    file_name: str | None = None,
) -> tuple[Profile, str]:
    """Choose the profile and workbook kind for a workbook.

    ``profiles`` (names or loaded profiles; default every shipped named profile) are tried by
    priority: the kind whose recogniser scores highest wins; between equal scores, the profile
    with the higher priority, then the kind with more of its sheets in the workbook, then the
    first. When none recognises the workbook the
    generic profile is used and the kind is ``"generic"``. ``force`` names a profile
    (``"aviation"``), a profile kind (``"aviation:sacaa"``) or ``"generic"``; a forced profile
    without a recognised kind uses the kind that has most of its sheets in the workbook.
    ``file_name`` is the name the workbook was dropped with, for the recognisers' file-name
    patterns (default: :attr:`Workbook.name`, or the file name of ``path``).
    """
    book = path if isinstance(path, Workbook) else open_workbook(path, file_name)
    try:
        if force:
            return _forced(book, force, file_name)
        return _recognised(book, profiles, file_name)
    finally:
        if not isinstance(path, Workbook):
            book.close()


def _forced(book: Workbook, force: str, file_name: str | None) -> tuple[Profile, str]:
    """The profile and kind ``force`` names; without a kind, the best-fitting kind."""
    name, _, kind_name = force.partition(":")
    profile = load_profile(name)
    if profile.is_generic:
        return profile, GENERIC
    if kind_name:
        profile.kind(kind_name)
        return profile, kind_name
    scored = [
        (recognise_kind(book, k, file_name)[0], _partial_fit(book, k), k) for k in profile.kinds
    ]
    best = max(scored, key=lambda t: (t[0], t[1]))
    return profile, best[2].kind


def _recognised(
    book: Workbook, profiles: Iterable[Profile | str] | None, file_name: str | None
) -> tuple[Profile, str]:
    """The best-scoring kind of ``profiles``, else the generic profile."""
    loaded = [p if isinstance(p, Profile) else load_profile(p) for p in (profiles or [])]
    if profiles is None:
        loaded = [p for p in load_profiles() if not p.is_generic]
    loaded.sort(key=lambda p: -p.priority)
    best_hit: tuple[tuple[int, int, int], Profile, Kind] | None = None
    for profile in loaded:
        for kind in profile.kinds:
            score, _ = recognise_kind(book, kind, file_name)
            if score <= 0:
                continue
            rank = (score, profile.priority, _partial_fit(book, kind))
            if best_hit is None or rank > best_hit[0]:
                best_hit = (rank, profile, kind)
    if best_hit:
        return best_hit[1], best_hit[2].kind
    generic = next((p for p in loaded if p.is_generic), None) or load_profile(GENERIC)
    return generic, GENERIC

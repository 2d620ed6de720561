"""Per-row helpers of sheet capture: mapped fields, unmapped cells, people and their contact
values, notes and lists."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hotpass_assets.lib import normalise as nz
from hotpass_assets.lib.capture.context import Ctx
from hotpass_assets.lib.capture.parsers import NOTE_SEPARATOR
from hotpass_assets.lib.profiles import FieldSpec, SheetSpec, UnmappedSpec, resolve_column
from hotpass_assets.lib.reading import SheetTable

__all__ = [
    "Person",
    "Unmapped",
    "carries_org_values",
    "columns_json",
    "join_notes",
    "merge_lists",
    "pair",
    "people",
    "resolve_fields",
    "row_json",
    "unmapped",
]

_EMAIL_IN_TEXT = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE_IN_TEXT = re.compile(r"(?<![\w])\+?\(?\d[\d ()./-]{7,}\d(?![\w])")

#: A contact person: full_name, first_name, last_name, role (each text or ``None``).
Person = dict[str, str | None]
#: Field → (spec, resolved headers) of one read sheet.
Resolved = dict[str, tuple[FieldSpec, list[str]]]


def resolve_fields(ctx: Ctx, spec: SheetSpec, table: SheetTable) -> Resolved:
    """Field → (spec, resolved headers); reports missing columns as structural problems."""
    required = set(spec.required_columns)
    out: Resolved = {}
    for fname, fs in spec.fields.items():
        headers = []
        for col in fs.columns:
            h = resolve_column(col, table.headers)
            if h is None:
                severe = col in required or fs.required
                ctx.structural_error(
                    table.name,
                    col,
                    "missing_required_column" if severe else "missing_column",
                    f"file {ctx.source_file!r}, sheet {table.name!r} has no column {col!r} "
                    f"(mapped to {fname}); header row {table.header_row}",
                    "error" if severe else "warning",
                )
                continue
            headers.append(h)
            # Columns under a merged header cell belong to the same field (Phone, Phone_2).
            headers += [c for c, src in table.merged_into.items() if src == h]
        if headers:
            out[fname] = (fs, list(dict.fromkeys(headers)))
    mapped_cols = {c for fs in spec.fields.values() for c in fs.columns}
    for col in required - mapped_cols:
        if resolve_column(col, table.headers) is None:
            ctx.structural_error(
                table.name,
                col,
                "missing_required_column",
                f"file {ctx.source_file!r}, sheet {table.name!r} has no required column "
                f"{col!r}; header row {table.header_row}",
            )
    return out


def row_json(table: SheetTable, pos: int) -> str:
    """The non-empty cells of one row as JSON (header → text), for a row-level reject."""
    return json.dumps(
        {h: table.columns[h][pos] for h in table.headers if table.columns[h][pos] is not None},
        ensure_ascii=False,
    )


def columns_json(mapping: dict[str, Any]) -> str:
    """Field → source header(s) as JSON (a single header unwrapped)."""
    return json.dumps(
        {f: (hs[0] if isinstance(hs, list) and len(hs) == 1 else hs) for f, hs in mapping.items()},
        ensure_ascii=False,
    )


def _extract(
    text: str, kinds: Sequence[str], region: str
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    if "emails" in kinds and "@" in text:
        found = _EMAIL_IN_TEXT.findall(text)
        if found:
            emails = tuple(nz.parse_emails("; ".join(found)).valid)
    if "phones" in kinds:
        valid: list[str] = []
        for m in _PHONE_IN_TEXT.finditer(text):
            f = m.group(0)
            if sum(ch.isdigit() for ch in f) < 9:
                continue
            valid.extend(nz.parse_phones(f, region=region).valid)
        phones = tuple(dict.fromkeys(valid))
    return emails, phones


@dataclass
class Unmapped:
    """Per data row: notes from unmapped cells and the e-mails and phones found in them; the
    unmapped headers that held a value."""

    notes: list[str | None]
    emails: list[tuple[str, ...]]
    phones: list[tuple[str, ...]]
    headers: list[str]


def unmapped(
    ctx: Ctx,
    spec_sheet: str,
    table: SheetTable,
    used: set[str],
    ignore: dict[str, str],
    um: UnmappedSpec,
    positions: list[int],
) -> Unmapped:
    """Text of non-empty unmapped cells per data row (notes) or rejects; extracted contacts."""
    n = len(positions)
    ignored_keys = list(ignore)
    headers = [
        h for h in table.headers if h not in used and resolve_column(h, ignored_keys) is None
    ]
    out = Unmapped([None] * n, [()] * n, [()] * n, [])
    if not headers:
        return out
    notes: list[list[str]] = [[] for _ in range(n)]
    extract_cache: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
    for h in headers:
        col = table.columns[h]
        any_value = False
        for i, pos in enumerate(positions):
            v = col[pos]
            if v is None:
                continue
            any_value = True
            if um.to == "reject":
                ctx.reject(
                    spec_sheet,
                    table.row_numbers[pos],
                    h,
                    None,
                    "unmapped_column",
                    f"value in column {h!r}, which the profile does not map",
                    v,
                )
                continue
            text = nz.clean_text(v) or v
            notes[i].append(f"{h}: {text}")
            if um.extract:
                if text not in extract_cache:
                    extract_cache[text] = _extract(text, um.extract, ctx.region)
                _add_found(out, i, *extract_cache[text])
        if any_value:
            out.headers.append(h)
    out.notes = [NOTE_SEPARATOR.join(x) if x else None for x in notes]
    return out


def _add_found(out: Unmapped, i: int, e: tuple[str, ...], p: tuple[str, ...]) -> None:
    if e:
        out.emails[i] = tuple(dict.fromkeys(out.emails[i] + e))
    if p:
        out.phones[i] = tuple(dict.fromkeys(out.phones[i] + p))


def people(
    row_people: tuple[Any, ...],
    first: str | None,
    last: str | None,
    full_text: str | None,
    role: str | None,
) -> list[Person]:
    """People of one row as dicts with full_name, first_name, last_name, role."""
    out: list[Person] = [
        {
            "full_name": getattr(p, "full_name", None),
            "first_name": getattr(p, "first_name", None),
            "last_name": getattr(p, "last_name", None),
            "role": getattr(p, "role", None),
        }
        for p in row_people
    ]
    if full_text and not out:
        out.append({"full_name": full_text, "first_name": None, "last_name": None, "role": None})
    if first or last:
        joined = " ".join(x for x in (first, last) if x)
        if len(out) == 1:
            out[0]["first_name"] = out[0]["first_name"] or first
            out[0]["last_name"] = out[0]["last_name"] or last
            out[0]["full_name"] = out[0]["full_name"] or joined
        elif not out:
            out.append({"full_name": joined, "first_name": first, "last_name": last, "role": None})
    if role:
        if not out:
            out.append({"full_name": None, "first_name": None, "last_name": None, "role": role})
        else:
            for person in out:
                person["role"] = person["role"] or role
    return out


def pair(
    persons: list[Person], emails: tuple[str, ...], phones: tuple[str, ...]
) -> tuple[list[tuple[list[str], list[str]]], str | None]:
    """E-mails and phones per person; a coded note when lists could not be paired by position."""
    n = len(persons)
    if n <= 1:
        return [(list(emails), list(phones))] * n, None
    by_pos_e = len(emails) == n
    by_pos_p = len(phones) == n
    out = []
    for k in range(n):
        e = [emails[k]] if by_pos_e else list(emails)
        p = [phones[k]] if by_pos_p else list(phones)
        out.append((e, p))
    unpaired = [
        what
        for what, ok, items in (("e-mails", by_pos_e, emails), ("phones", by_pos_p, phones))
        if not ok and items
    ]
    note = None
    if unpaired:
        note = (
            f"ambiguous_contact_pairing: {n} people, {len(emails)} e-mails, {len(phones)} phones; "
            f"{' and '.join(unpaired)} attached to each person"
        )
    return out, note


def join_notes(*parts: str | None) -> str | None:
    kept = [p for p in parts if p]
    return NOTE_SEPARATOR.join(kept) if kept else None


def merge_lists(
    idx: list[int],
    own: list[Any] | None,
    extra: dict[int, tuple[str, ...]],
    found: list[tuple[str, ...]],
) -> list[list[str]]:
    """Per record: the field's own values, then organisation-level contact values, then values
    found in unmapped cells, without duplicates."""
    empty: tuple[str, ...] = ()
    ex_get = extra.get
    if not any(found):
        if own is None:
            return [list(ex_get(i, empty)) for i in idx]
        if not extra:
            return [list(own[i]) if own[i] else [] for i in idx]
    out: list[list[str]] = []
    append = out.append
    for i in idx:
        mine = own[i] if own is not None else empty
        more = ex_get(i)
        spill = found[i]
        if more and not mine and not spill:
            append(list(more))
        elif more or spill:
            append(list(dict.fromkeys((*(mine or empty), *(more or empty), *spill))))
        else:
            append(list(mine) if mine else [])
    return out


def _present(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, tuple | list):
        return any(v is not None and v != "" for v in value)
    if isinstance(value, str):
        return bool(value)
    return True


def carries_org_values(
    i: int, notes: list[str | None], um: Unmapped, parsed: dict[str, list[Any]], fields: list[str]
) -> bool:
    """Does data row ``i`` carry any organisation-level value (a contact row then also gives an
    attribute record)."""
    return bool(
        notes[i]
        or um.emails[i]
        or um.phones[i]
        or any(_present(parsed[f][i]) for f in fields if f != "notes")
    )

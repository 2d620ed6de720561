"""Value parsing: one field spec's parser over a column, each distinct value parsed once.

A parser maps a cell's text to ``(parsed value, [(raw, reason code, reason)])``; the value
rejects become rejects rows while the rest of the row is still captured. :func:`parse_column`
applies a parser to a whole column (with the fast paths of :mod:`.fast` where they apply) and
:func:`combine` merges the columns that feed one field.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any

from hotpass_assets.lib import normalise as nz
from hotpass_assets.lib.capture import fast
from hotpass_assets.lib.profiles import FieldSpec

__all__ = [
    "NOTE_SEPARATOR",
    "Parsed",
    "ValueParser",
    "ValueReject",
    "combine",
    "empty_for",
    "parse_column",
    "value_parser",
]

#: Joins the parts of a note (and of a text field fed by several columns).
NOTE_SEPARATOR = " | "
_FALSE = frozenset({"0", "false", "no", "n", "valid", "ok"})
#: Parsers whose value is a tuple of items (empty: ``()``).
_LIST_PARSERS = ("list", "multi", "phones", "emails", "person_with_role")

#: (raw value, reason code, reason) of one value reject found by a parser.
ValueReject = tuple[str, str, str]
#: value → (parsed, value rejects)
ValueParser = Callable[[str], tuple[Any, list[ValueReject]]]
#: (row position, column header, raw value, reason code, reason)
RowReject = tuple[int, str, str, str, str]


@dataclass
class Parsed:
    """Per data row values of one field, and the value rejects found while parsing."""

    values: list[Any]
    rejects: list[RowReject]
    placeholders: int = 0


def _flag(value: str) -> bool:
    token = (nz.clean_text(value) or "").casefold()
    return token not in _FALSE


def _integer(value: str) -> int | None:
    text = (nz.clean_text(value) or "").replace(" ", "")
    try:
        number = float(text)
    except ValueError:
        return None
    return int(number) if number.is_integer() else None


def empty_for(parser: str) -> Any:
    """The parsed value of an empty cell."""
    if parser in _LIST_PARSERS:
        return ()
    if parser in ("website", "province"):
        return (None, None)
    return None


# --- one parser per name ------------------------------------------------------------------------


def _text(fs: FieldSpec, region: str) -> ValueParser:
    pattern = re.compile(fs.match) if fs.match else None

    def parse(v: str) -> tuple[Any, list[ValueReject]]:
        text = nz.clean_text(v)
        if pattern is not None and text is not None and not pattern.search(text):
            return None, []
        return text, []

    return parse


def _person_with_role(fs: FieldSpec, region: str) -> ValueParser:
    def parse(v: str) -> tuple[Any, list[ValueReject]]:
        people = tuple(nz.split_people(v))
        if not people:
            return (), [(v, "unparsed_person", "no person name or role found in the cell")]
        return people, []

    return parse


def _list(fs: FieldSpec, region: str) -> ValueParser:
    def parse(v: str) -> tuple[Any, list[ValueReject]]:
        return tuple(nz.split_list(v)), []

    return parse


def _multi(fs: FieldSpec, region: str) -> ValueParser:
    seps = fs.separators

    def parse(v: str) -> tuple[Any, list[ValueReject]]:
        parts = nz.split_multi(v, seps) if seps else nz.split_multi(v)
        return tuple(parts), []

    return parse


def _phones(fs: FieldSpec, region: str) -> ValueParser:
    def parse(v: str) -> tuple[Any, list[ValueReject]]:
        res = nz.parse_phones(v, region=region)
        return tuple(res.valid), [
            (str(raw), "invalid_phone", f"invalid phone number ({reason}; region {region})")
            for raw, reason in res.rejected
        ]

    return parse


def _emails(fs: FieldSpec, region: str) -> ValueParser:
    def parse(v: str) -> tuple[Any, list[ValueReject]]:
        res = nz.parse_emails(v)
        return tuple(res.valid), [
            (str(raw), "invalid_email", f"invalid e-mail address ({reason})")
            for raw, reason in res.rejected
        ]

    return parse


def _website(fs: FieldSpec, region: str) -> ValueParser:
    def parse(v: str) -> tuple[Any, list[ValueReject]]:
        res = nz.normalise_website(v)
        if res.url is None:
            reason: object = res.rejected
            if isinstance(reason, list | tuple):
                reason = "; ".join(str(r[1] if isinstance(r, tuple) else r) for r in reason)
            return (None, None), [
                (v, "invalid_website", f"invalid website ({reason or 'unparseable'})")
            ]
        return (res.url, res.domain), []

    return parse


def _province(fs: FieldSpec, region: str) -> ValueParser:
    def parse(v: str) -> tuple[Any, list[ValueReject]]:
        res = nz.normalise_province(v)
        raw = None if res.province else (res.raw if res.raw is not None else nz.clean_text(v))
        return (res.province, raw), []

    return parse


def _date(fs: FieldSpec, region: str) -> ValueParser:
    allow_serial = fs.allow_serial

    def parse(v: str) -> tuple[Any, list[ValueReject]]:
        d = nz.parse_date(v, allow_serial=allow_serial)
        if d is None:
            return None, [(v, "invalid_date", "not a recognisable date")]
        return d, []

    return parse


def _flag_parser(fs: FieldSpec, region: str) -> ValueParser:
    def parse(v: str) -> tuple[Any, list[ValueReject]]:
        return _flag(v), []

    return parse


def _integer_parser(fs: FieldSpec, region: str) -> ValueParser:
    def parse(v: str) -> tuple[Any, list[ValueReject]]:
        n = _integer(v)
        if n is None:
            return None, [(v, "invalid_integer", "not a whole number")]
        return n, []

    return parse


_PARSERS: dict[str, Callable[[FieldSpec, str], ValueParser]] = {
    "text": _text,
    "person_with_role": _person_with_role,
    "list": _list,
    "multi": _multi,
    "phones": _phones,
    "emails": _emails,
    "website": _website,
    "province": _province,
    "date": _date,
    "flag": _flag_parser,
    "integer": _integer_parser,
}


def value_parser(fs: FieldSpec, region: str) -> ValueParser:
    """Function value → (parsed, [(raw, reason code, reason)]) for one field spec."""
    make = _PARSERS.get(fs.parser)
    if make is None:  # pragma: no cover - the schema restricts parsers
        raise ValueError(f"unknown parser {fs.parser!r}")
    return make(fs, region)


# --- columns ------------------------------------------------------------------------------------


def parse_column(
    values: Sequence[str | None],
    fs: FieldSpec,
    header: str,
    region: str,
    *,
    placeholders: bool,
    precomputed: dict[str, tuple[Any, list[ValueReject]]] | None = None,
) -> Parsed:
    """Parse one column; each distinct value is parsed once (or taken from ``precomputed``).

    A column of mostly distinct values whose parser has a column-wide fast path is parsed value
    by value without de-duplicating it first (de-duplication would cost more than it saves);
    the values the fast path leaves are parsed by distinct value.
    """
    if fs.parser == "text" and fs.match is None:
        return _parse_text_column(values, placeholders=placeholders)
    fast_many = fast.FAST_MANY.get(fs.parser) if fs.match is None else None
    if (
        fast_many is not None
        and fast.is_on(fs.parser)
        and not precomputed
        and _mostly_distinct(values)
    ):
        return _parse_distinct(values, fs, header, region, fast_many, placeholders=placeholders)
    return _parse_repeated(
        values, fs, header, region, placeholders=placeholders, precomputed=precomputed
    )


def _mostly_distinct(values: Sequence[str | None]) -> bool:
    """Judged on the first rows: at least three quarters of the non-empty values differ."""
    head = [v for v in values[:2000] if v is not None]
    return len(set(head)) * 4 >= len(head) * 3


def _sample_agrees(parse: ValueParser, values: list[str], hits: list[Any]) -> bool:
    """Do the first fast-path results agree with the full parser."""
    found = ((v, h) for v, h in zip(values, hits, strict=True) if h is not None)
    return not any(parse(v) != (h, []) for v, h in islice(found, fast.FAST_SAMPLE))


def _parse_distinct(
    values: Sequence[str | None],
    fs: FieldSpec,
    header: str,
    region: str,
    fast_many: fast.ManyFastPath,
    *,
    placeholders: bool,
) -> Parsed:
    """The fast path over every non-empty value, then :func:`_parse_repeated` for the rest."""
    parse = value_parser(fs, region)
    empty = empty_for(fs.parser)
    positions: list[int] | None = None
    present: list[str] = list(values)  # type: ignore[arg-type]  # no None: checked next
    if None in present:
        positions = [i for i, v in enumerate(values) if v is not None]
        present = [v for v in values if v is not None]
    hits = fast_many(present)
    if not _sample_agrees(parse, present, hits):
        fast.switch_off(fs.parser)
        return _parse_repeated(values, fs, header, region, placeholders=placeholders)
    parsed: list[Any]
    if positions is None:
        parsed = hits
    else:
        parsed = [empty] * len(values)
        for i, h in zip(positions, hits, strict=True):
            parsed[i] = h
    if None not in hits:
        return Parsed(parsed, [], 0)
    slow = [j for j, h in enumerate(hits) if h is None]
    if positions is not None:
        slow = [positions[j] for j in slow]
    rest = _parse_repeated(
        [values[i] for i in slow], fs, header, region, placeholders=placeholders, fast_path=False
    )
    for i, x in zip(slow, rest.values, strict=True):
        parsed[i] = x
    rejects = [(slow[r[0]], *r[1:]) for r in rest.rejects]
    return Parsed(parsed, rejects, rest.placeholders)


def _fast_distinct(
    uniques: list[str], fs: FieldSpec, parse: ValueParser
) -> tuple[dict[str | None, Any], list[str]] | None:
    """Parsed values the fast path gives for distinct values, and the values it leaves; ``None``
    when the fast path disagrees with the full parser (it is then switched off)."""
    fast_many = fast.FAST_MANY[fs.parser]
    hits = fast_many(uniques)
    if not _sample_agrees(parse, uniques, hits):
        fast.switch_off(fs.parser)
        return None
    parsed_of: dict[str | None, Any] = dict(zip(uniques, hits, strict=True))
    left = [v for v, h in zip(uniques, hits, strict=True) if h is None] if None in hits else []
    return parsed_of, left


def _placeholder_values(uniques: list[str]) -> set[str]:
    """Distinct values that are placeholders (only short values can be)."""
    is_placeholder = nz.is_placeholder
    return {v for v in uniques if len(v) <= 32 and is_placeholder(v)}


def _parse_repeated(
    values: Sequence[str | None],
    fs: FieldSpec,
    header: str,
    region: str,
    *,
    placeholders: bool,
    precomputed: dict[str, tuple[Any, list[ValueReject]]] | None = None,
    fast_path: bool = True,
) -> Parsed:
    """Parse a column value by distinct value (or take it from ``precomputed``)."""
    distinct = dict.fromkeys(values)
    distinct.pop(None, None)
    uniques: list[str] = list(distinct)  # type: ignore[arg-type]  # None was popped
    parse = value_parser(fs, region)
    empty = empty_for(fs.parser)
    parsed_of: dict[str | None, Any] = {}
    rejects_of: dict[str, list[ValueReject]] = {}
    placeholder_values: set[str] = set()
    use_fast = fast_path and fs.match is None and fs.parser in fast.FAST_MANY
    if use_fast and fast.is_on(fs.parser) and uniques:
        found = _fast_distinct(uniques, fs, parse)
        if found is None:
            return parse_column(
                values, fs, header, region, placeholders=placeholders, precomputed=precomputed
            )
        parsed_of, uniques = found
    parsed_of[None] = empty
    if placeholders:
        placeholder_values = _placeholder_values(uniques)
        if placeholder_values:
            parsed_of.update(dict.fromkeys(placeholder_values, empty))
            uniques = [v for v in uniques if v not in placeholder_values]
    for v in uniques:
        hit = precomputed.get(v) if precomputed else None
        result, rejected = hit if hit is not None else parse(v)
        parsed_of[v] = result
        if rejected:
            rejects_of[v] = rejected
    parsed = list(map(parsed_of.__getitem__, values))
    if not (rejects_of or placeholder_values):
        return Parsed(parsed, [], 0)
    return _with_row_rejects(parsed, values, header, rejects_of, placeholder_values)


def _with_row_rejects(
    parsed: list[Any],
    values: Sequence[str | None],
    header: str,
    rejects_of: dict[str, list[ValueReject]],
    placeholder_values: set[str],
) -> Parsed:
    """The column's value rejects by row, and its count of placeholder cells."""
    rejects: list[RowReject] = []
    n_placeholder = 0
    for i, v in enumerate(values):
        if v in rejects_of:
            for raw, code, reason in rejects_of[v]:
                rejects.append((i, header, raw, code, reason))
        elif v in placeholder_values:
            n_placeholder += 1
    return Parsed(parsed, rejects, n_placeholder)


def _parse_text_column(values: Sequence[str | None], *, placeholders: bool) -> Parsed:
    """The ``text`` parser over a column: clean text; placeholders (counted when asked) and empty
    cells give ``None``. A text value is a placeholder exactly when its clean text is ``None``.

    A column that repeats its values (judged on its first rows) is cleaned once per distinct
    value; otherwise every value is cleaned, which costs about as much as looking it up.
    """
    values = values if isinstance(values, list) else list(values)
    head = values[:2000]
    parsed: list[str | None]
    if len(set(head)) * 4 < len(head):
        distinct: dict[str | None, str | None] = dict.fromkeys(values)
        uniques = list(distinct)
        distinct.update(zip(uniques, nz.clean_text_many(uniques), strict=True))
        parsed = list(map(distinct.__getitem__, values))
    else:
        parsed = nz.clean_text_many(values)
    n_placeholder = 0
    if placeholders and parsed.count(None) > values.count(None):
        n_placeholder = sum(
            1
            for v, c in zip(values, parsed, strict=True)
            if c is None and v is not None and len(v) <= 32
        )
    return Parsed(parsed, [], n_placeholder)


# --- fields fed by several columns --------------------------------------------------------------


def _combine_text(fs: FieldSpec, headers: list[str], cols: list[list[Any]]) -> list[Any]:
    out: list[Any] = []
    for row in zip(*cols, strict=True):
        parts = [(f"{h}: {v}" if fs.label else v) for h, v in zip(headers, row, strict=True) if v]
        out.append(NOTE_SEPARATOR.join(parts) if parts else None)
    return out


def _combine_lists(fs: FieldSpec, cols: list[list[Any]]) -> list[Any]:
    out: list[Any] = []
    people = fs.parser == "person_with_role"
    for row in zip(*cols, strict=True):
        if not any(row):
            out.append(())
        elif people:
            out.append(tuple(p for part in row for p in part))
        else:
            out.append(tuple(dict.fromkeys(x for part in row for x in part)))
    return out


def _combine_pairs(cols: list[list[Any]]) -> list[Any]:
    """Websites and provinces: the first column's value with a canonical form, else the first
    raw form."""
    out: list[Any] = []
    for row in zip(*cols, strict=True):
        chosen = next((x for x in row if x[0]), None)
        if chosen is None:
            chosen = next((x for x in row if x[1]), (None, None))
        out.append(chosen)
    return out


def combine(fs: FieldSpec, headers: list[str], parsed: list[Parsed], n: int) -> list[Any]:
    """Per row value of a field fed by several columns."""
    if len(parsed) == 1:
        vals = parsed[0].values
        if fs.parser == "text" and fs.label:
            h = headers[0]
            return [None if v is None else f"{h}: {v}" for v in vals]
        return vals
    cols = [p.values for p in parsed]
    if fs.parser == "text":
        return _combine_text(fs, headers, cols)
    if fs.parser in _LIST_PARSERS:
        return _combine_lists(fs, cols)
    if fs.parser == "flag":
        return [
            any(bool(x) for x in row) if any(x is not None for x in row) else None
            for row in zip(*cols, strict=True)
        ]
    if fs.parser in ("website", "province"):
        return _combine_pairs(cols)
    # dates, integers: first non-empty
    return [next((x for x in row if x is not None), None) for row in zip(*cols, strict=True)]

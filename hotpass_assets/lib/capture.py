"""Apply a capture profile to a workbook: canonical organisation and contact records plus rejects.

:func:`capture_workbook` reads every sheet the profile names as text, parses each mapped column
(each distinct value is normalised once), links joined sheets to their organisation sheet and
returns three frames whose columns are exactly those of :mod:`hotpass_assets.lib.records`.
The profile is chosen by the workbook's sheets and by ``source_file``, the name the workbook was
dropped with (the file read may be an archived copy named by its content hash).

Speed. Columns are processed whole: text cleaning, organisation keys and the common forms of
e-mail addresses and websites have column-wide fast paths (:func:`nz.clean_text_many`,
:func:`nz.organisation_keys`, ``_fast_emails``, ``_fast_websites``) that give exactly what the
per-value functions give and leave every other value to them; records and frames are built
column by column.

Row accounting. Every row of a read sheet ends up in exactly one of four buckets, per sheet:
*captured* (it produced at least one record), *rejected* (a row-level reject: no organisation
name, or a join that failed), *empty* (no value at all) or *formula* (only id/formula cells).
Value-level problems (an invalid phone, e-mail, website or date) become rejects rows of their
own while the rest of the row is still captured. Non-empty cells of columns the profile does not
map are kept in the record's notes (``Header: value``) unless the profile sends them to rejects
(``unmapped_column``); e-mails and phone numbers found in them are added to the organisation's
lists. Only columns listed in ``ignore_columns`` (with a reason) are not kept.

Contacts. A contact's name, role, e-mails and phones come from one source row. When a cell holds
several people, e-mails and phones are assigned by position only when their count equals the
number of people; otherwise every person gets the whole list and the row's record carries a note
coded ``ambiguous_contact_pairing``. On organisation sheets, contact e-mails and phones of a row
without any person are the organisation's own.

Joins. Rows of ``contacts``, ``addresses``, ``notes`` and ``orders`` sheets link to a record of
their organisations sheet by the profile's keys, tried in order: ``id`` (exact text), then
``name``/``accounting_name`` (exact clean text, then the organisation matching key, then, when a
``fuzzy_threshold`` is set on the key or the link, the single best fuzzy ratio of the keys; a
tie between two records links nothing). ``link_method`` says which key and rule linked: the
key's ``link_method`` (default its method: ``id``, ``name``, ``accounting_name``), with ``_key``
or ``_fuzzy`` appended for those rules. The Contact Database's order rows, for instance, try the
accounting name against ``QuickNooks_Name`` (``accounting_name``, ``accounting_name_key``), then
against the ``Company`` name (``accounting_name_to_company``, ``..._key``, ``..._fuzzy``). A row
that no key links is a reject ``unlinked_row`` whose reason names every join tried, or, with
``on_unlinked: organisation``, an organisation record of its own (its contacts then link with
``link_method = "own_row"``). Linked address, note
and order rows are ``attribute`` records with ``link_record_id``. Orders also roll up on the
master record: ``order_count`` counts its linked order rows and ``last_order_date`` is the latest
of its own and its orders' dates (attribute order rows carry their date, not a count, so a sum of
``order_count`` over an organisation's records counts each order once).
"""

from __future__ import annotations

import contextlib
import json
import re
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import compress, islice
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hotpass_assets.lib import normalise as nz
from hotpass_assets.lib.profiles import (
    FieldSpec,
    GenericSpec,
    Kind,
    LinkKey,
    LinkSpec,
    Profile,
    SheetSpec,
    UnmappedSpec,
    map_headers,
    resolve_column,
    select_profile,
)
from hotpass_assets.lib.reading import SheetTable, Workbook, open_workbook
from hotpass_assets.lib.records import (
    CAPTURE_CONTACT_COLUMNS,
    CAPTURE_ORGANISATION_COLUMNS,
    REJECT_COLUMNS,
)

__all__ = ["CaptureResult", "capture_workbook", "sheet_slug"]

_PERSON_FIELDS = ("full_name", "first_name", "last_name", "role")
_ORG_TEXT_FIELDS = (
    "accounting_name",
    "country",
    "address",
    "category",
    "org_type",
    "status",
    "description",
    "order_status",
)
_FALSE = frozenset({"0", "false", "no", "n", "valid", "ok"})
_EMAIL_IN_TEXT = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE_IN_TEXT = re.compile(r"(?<![\w])\+?\(?\d[\d ()./-]{7,}\d(?![\w])")
NOTE_SEPARATOR = " | "


def sheet_slug(name: str) -> str:
    """Stable slug of a sheet name for record ids: lower-case ``[a-z0-9_]``."""
    import unicodedata

    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", folded.lower()).strip("_") or "sheet"


@dataclass
class CaptureResult:
    """Everything :func:`capture_workbook` produced for one workbook."""

    organisations: pd.DataFrame
    contacts: pd.DataFrame
    rejects: pd.DataFrame
    profile_name: str
    workbook_kind: str
    source_dataset: str
    source_trust: int
    #: Per sheet of the workbook: role, row accounting, rejects by field, ignored reason.
    sheets: list[dict]
    #: Generic profile only: per read sheet, header → field mapping and unmapped headers.
    mapping: dict | None
    #: Dicts with sheet, column, rule, message, severity ("error" or "warning").
    structural_errors: list[dict]
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def blocking_errors(self) -> list[dict]:
        return [e for e in self.structural_errors if e.get("severity") == "error"]

    def summary(self) -> dict:
        """Counts only (safe for run metadata)."""
        return {
            "profile": self.profile_name,
            "workbook_kind": self.workbook_kind,
            "source_dataset": self.source_dataset,
            "organisation_records": int((self.organisations["record_kind"] == "organisation").sum())
            if len(self.organisations)
            else 0,
            "attribute_records": int((self.organisations["record_kind"] == "attribute").sum())
            if len(self.organisations)
            else 0,
            "contact_records": len(self.contacts),
            "rejects": len(self.rejects),
            "rejects_by_reason": dict(Counter(self.rejects["reason_code"]))
            if len(self.rejects)
            else {},
            "structural_errors": len(self.blocking_errors),
            "structural_warnings": len(self.structural_errors) - len(self.blocking_errors),
            "sheets_read": sum(
                1 for s in self.sheets if s.get("role") not in ("ignore", "unlisted")
            ),
            "sheets_ignored": sum(
                1 for s in self.sheets if s.get("role") in ("ignore", "unlisted")
            ),
        }


# --- value parsing -----------------------------------------------------------------------------


@dataclass
class _Parsed:
    """Per data row values of one field, and the value rejects found while parsing."""

    values: list
    #: (row position, column header, raw value, reason code, reason)
    rejects: list[tuple[int, str, str, str, str]]
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


def _empty_for(parser: str) -> Any:
    if parser in ("list", "multi", "phones", "emails", "person_with_role"):
        return ()
    if parser in ("website", "province"):
        return (None, None)
    return None


def _value_parser(
    fs: FieldSpec, region: str
) -> Callable[[str], tuple[Any, list[tuple[str, str, str]]]]:
    """Function value → (parsed, [(raw, reason code, reason)]) for one field spec."""
    parser = fs.parser
    pattern = re.compile(fs.match) if fs.match else None
    if parser == "text":

        def parse(v: str):
            text = nz.clean_text(v)
            if pattern is not None and text is not None and not pattern.search(text):
                return None, []
            return text, []

    elif parser == "person_with_role":

        def parse(v: str):
            people = tuple(nz.split_people(v))
            if not people:
                return (), [(v, "unparsed_person", "no person name or role found in the cell")]
            return people, []

    elif parser == "list":

        def parse(v: str):
            return tuple(nz.split_list(v)), []

    elif parser == "multi":
        seps = fs.separators

        def parse(v: str):
            parts = nz.split_multi(v, seps) if seps else nz.split_multi(v)
            return tuple(parts), []

    elif parser == "phones":

        def parse(v: str):
            res = nz.parse_phones(v, region=region)
            return tuple(res.valid), [
                (str(raw), "invalid_phone", f"invalid phone number ({reason}; region {region})")
                for raw, reason in res.rejected
            ]

    elif parser == "emails":

        def parse(v: str):
            res = nz.parse_emails(v)
            return tuple(res.valid), [
                (str(raw), "invalid_email", f"invalid e-mail address ({reason})")
                for raw, reason in res.rejected
            ]

    elif parser == "website":

        def parse(v: str):
            res = nz.normalise_website(v)
            if res.url is None:
                reason = res.rejected
                if isinstance(reason, list | tuple):
                    reason = "; ".join(str(r[1] if isinstance(r, tuple) else r) for r in reason)
                return (None, None), [
                    (v, "invalid_website", f"invalid website ({reason or 'unparseable'})")
                ]
            return (res.url, res.domain), []

    elif parser == "province":

        def parse(v: str):
            res = nz.normalise_province(v)
            raw = None if res.province else (res.raw if res.raw is not None else nz.clean_text(v))
            return (res.province, raw), []

    elif parser == "date":
        allow_serial = fs.allow_serial

        def parse(v: str):
            d = nz.parse_date(v, allow_serial=allow_serial)
            if d is None:
                return None, [(v, "invalid_date", "not a recognisable date")]
            return d, []

    elif parser == "flag":

        def parse(v: str):
            return _flag(v), []

    elif parser == "integer":

        def parse(v: str):
            n = _integer(v)
            if n is None:
                return None, [(v, "invalid_integer", "not a whole number")]
            return n, []

    else:  # pragma: no cover - the schema restricts parsers
        raise ValueError(f"unknown parser {parser!r}")
    return parse


# Fast paths: canonical values that the full normaliser would return unchanged are recognised by
# one regular expression each. They are checked against the normaliser on a sample of every
# column (and their suffix table once per process); any disagreement switches the fast path off.
_SIMPLE_EMAIL = re.compile(r"[a-z0-9][a-z0-9_+.-]*@([a-z0-9-]{1,63}\.)+[a-z]{2,63}")
_FAST_SUFFIXES = ("co.za", "org.za", "net.za", "ac.za", "gov.za", "com", "net", "org", "africa",
                  "aero", "co.uk", "info", "biz", "io", "edu")  # fmt: skip
_SECOND_LEVEL = frozenset({"co", "com", "org", "net", "ac", "gov", "edu", "mil", "nom", "web"})
_fast_state: dict[str, Any] = {
    "emails": True,
    "website": True,
    "suffix_re": None,
    "suffixes": frozenset(),
}
_FAST_SAMPLE = 8


def _website_fast_re() -> re.Pattern[str] | None:
    if _fast_state["suffix_re"] is None:
        ok = [s for s in _FAST_SUFFIXES if nz.registrable_domain(f"example.{s}") == f"example.{s}"]
        if not ok:
            _fast_state["website"] = False
            return None
        alt = "|".join(re.escape(s) for s in sorted(ok, key=len, reverse=True))
        _fast_state["suffixes"] = frozenset(ok)
        _fast_state["suffix_re"] = re.compile(
            r"(?:(https?)://)?(?:www\.)*([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)\.(" + alt + r")"
            r"(/[A-Za-z0-9_.~%/-]*)?"
        )
    return _fast_state["suffix_re"]


def _fast_email(v: str) -> tuple[Any, list] | None:
    if _SIMPLE_EMAIL.fullmatch(v) is None:
        return None
    local, _, domain = v.partition("@")
    if ".." in local or local[-1] == "." or ".-" in domain or "-." in domain or domain[0] == "-":
        return None
    return (v,), []


_SHARED = getattr(nz, "SHARED_WEBSITE_DOMAINS", frozenset())
_SUBDOMAIN_HOSTS = getattr(nz, "_SUBDOMAIN_HOSTS", frozenset())


def _fast_website(v: str) -> tuple[Any, list] | None:
    pattern = _website_fast_re()
    m = pattern.fullmatch(v) if pattern is not None else None
    if m is None:
        return None
    scheme, label, suffix, path = m.groups()
    if label in _SECOND_LEVEL or label == "www":
        return None
    domain = f"{label}.{suffix}"
    if domain in _SHARED or domain in _SUBDOMAIN_HOSTS:
        return None
    path = (path or "").rstrip("/")
    return (f"{scheme or 'https'}://{domain}{path}", domain), []


_FAST = {"emails": _fast_email, "website": _fast_website}

# Column-wide forms of the fast paths: one RE2 match over all distinct values (pyarrow), then
# plain string operations on the matching ones. They give exactly what the per-value fast paths
# give (a Hypothesis test compares them).
_SIMPLE_EMAIL_RE2 = (
    r"^[a-z0-9](?:\.?[a-z0-9_+-])*@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
)


def _re2_matches(values: list[str], pattern: str) -> list[bool]:
    """Per value: does ``pattern`` (RE2 syntax, anchored) match it."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not values:
        return []
    hits = pc.match_substring_regex(pa.array(values, type=pa.string()), pattern)
    return hits.to_numpy(zero_copy_only=False).tolist()


def _fast_emails(values: list[str]) -> list[tuple[str] | None]:
    """Per value: the parsed value :func:`_fast_email` gives (it has no rejects), else ``None``."""
    return [
        (v,) if ok else None
        for v, ok in zip(values, _re2_matches(values, _SIMPLE_EMAIL_RE2), strict=True)
    ]


def _fast_websites(values: list[str]) -> list[tuple[str, str] | None]:
    """Per value: the parsed value :func:`_fast_website` gives (it has no rejects), else
    ``None``."""
    pattern = _website_fast_re()
    out: list[tuple[str, str] | None] = [None] * len(values)
    if pattern is None:
        return out
    suffixes = _fast_state["suffixes"]
    not_labels = _SECOND_LEVEL | {"www"}
    not_hosts = _SHARED | _SUBDOMAIN_HOSTS
    matches = _re2_matches(values, "^" + pattern.pattern + "$")
    for i in compress(range(len(values)), matches):
        v = values[i]
        if v.startswith("https://"):
            scheme, rest = "https://", v[8:]
        elif v.startswith("http://"):
            scheme, rest = "http://", v[7:]
        else:
            scheme, rest = "https://", v
        host, slash, path = rest.partition("/")
        while host.startswith("www."):
            host = host[4:]
        label, _, suffix = host.partition(".")
        if suffix in suffixes and label not in not_labels and host not in not_hosts:
            out[i] = (scheme + host + ("/" + path).rstrip("/") if slash else scheme + host, host)
    return out


_FAST_MANY = {"emails": _fast_emails, "website": _fast_websites}


def _parse_column(
    values: Sequence[str | None],
    fs: FieldSpec,
    header: str,
    region: str,
    *,
    placeholders: bool,
    precomputed: dict[str, tuple[Any, list]] | None = None,
) -> _Parsed:
    """Parse one column; each distinct value is parsed once (or taken from ``precomputed``).

    A column of mostly distinct values whose parser has a column-wide fast path is parsed value
    by value without de-duplicating it first (de-duplication would cost more than it saves);
    the values the fast path leaves are parsed by distinct value.
    """
    if fs.parser == "text" and fs.match is None:
        return _parse_text_column(values, placeholders=placeholders)
    fast_many = _FAST_MANY.get(fs.parser) if fs.match is None else None
    if (
        fast_many is not None
        and _fast_state.get(fs.parser)
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


def _parse_distinct(
    values: Sequence[str | None],
    fs: FieldSpec,
    header: str,
    region: str,
    fast_many: Callable[[list[str]], list],
    *,
    placeholders: bool,
) -> _Parsed:
    """The fast path over every non-empty value, then :func:`_parse_repeated` for the rest."""
    parse = _value_parser(fs, region)
    empty = _empty_for(fs.parser)
    positions: list[int] | None = None
    present = list(values)
    if None in present:
        positions = [i for i, v in enumerate(values) if v is not None]
        present = [values[i] for i in positions]
    hits = fast_many(present)
    found = ((v, h) for v, h in zip(present, hits, strict=True) if h is not None)
    if any(parse(v) != (h, []) for v, h in islice(found, _FAST_SAMPLE)):
        _fast_state[fs.parser] = False
        return _parse_repeated(values, fs, header, region, placeholders=placeholders)
    if positions is None:
        parsed = hits
    else:
        parsed = [empty] * len(values)
        for i, h in zip(positions, hits, strict=True):
            parsed[i] = h
    if None not in hits:
        return _Parsed(parsed, [], 0)
    slow = [j for j, h in enumerate(hits) if h is None]
    if positions is not None:
        slow = [positions[j] for j in slow]
    rest = _parse_repeated(
        [values[i] for i in slow], fs, header, region, placeholders=placeholders, fast=False
    )
    for i, x in zip(slow, rest.values, strict=True):
        parsed[i] = x
    rejects = [(slow[r[0]], *r[1:]) for r in rest.rejects]
    return _Parsed(parsed, rejects, rest.placeholders)


def _parse_repeated(
    values: Sequence[str | None],
    fs: FieldSpec,
    header: str,
    region: str,
    *,
    placeholders: bool,
    precomputed: dict[str, tuple[Any, list]] | None = None,
    fast: bool = True,
) -> _Parsed:
    """Parse a column value by distinct value (or take it from ``precomputed``)."""
    distinct = dict.fromkeys(values)
    distinct.pop(None, None)
    uniques = list(distinct)
    parse = _value_parser(fs, region)
    empty = _empty_for(fs.parser)
    parsed_of: dict[str | None, Any]
    rejects_of: dict[str, list] = {}
    placeholder_values: set[str] = set()
    fast_many = _FAST_MANY.get(fs.parser) if fs.match is None and fast else None
    if fast_many is not None and _fast_state.get(fs.parser) and uniques:
        hits = fast_many(uniques)
        found = ((v, h) for v, h in zip(uniques, hits, strict=True) if h is not None)
        sample = islice(found, _FAST_SAMPLE)
        if any(parse(v) != (h, []) for v, h in sample):
            _fast_state[fs.parser] = False
            return _parse_column(
                values, fs, header, region, placeholders=placeholders, precomputed=precomputed
            )
        parsed_of = dict(zip(uniques, hits, strict=True))
        uniques = (
            [v for v, h in zip(uniques, hits, strict=True) if h is None] if None in hits else []
        )
    else:
        parsed_of = {}
    parsed_of[None] = empty
    if placeholders:
        is_placeholder = nz.is_placeholder
        for v in uniques:
            if len(v) <= 32 and is_placeholder(v):
                parsed_of[v] = empty
                placeholder_values.add(v)
        if placeholder_values:
            uniques = [v for v in uniques if v not in placeholder_values]
    for v in uniques:
        hit = precomputed.get(v) if precomputed else None
        result, rejected = hit if hit is not None else parse(v)
        parsed_of[v] = result
        if rejected:
            rejects_of[v] = rejected
    parsed = list(map(parsed_of.__getitem__, values))
    rejects: list[tuple[int, str, str, str, str]] = []
    n_placeholder = 0
    if rejects_of or placeholder_values:
        for i, v in enumerate(values):
            if v in rejects_of:
                for raw, code, reason in rejects_of[v]:
                    rejects.append((i, header, raw, code, reason))
            elif v in placeholder_values:
                n_placeholder += 1
    return _Parsed(parsed, rejects, n_placeholder)


def _parse_text_column(values: Sequence[str | None], *, placeholders: bool) -> _Parsed:
    """The ``text`` parser over a column: clean text; placeholders (counted when asked) and empty
    cells give ``None``. A text value is a placeholder exactly when its clean text is ``None``.

    A column that repeats its values (judged on its first rows) is cleaned once per distinct
    value; otherwise every value is cleaned, which costs about as much as looking it up.
    """
    values = values if isinstance(values, list) else list(values)
    head = values[:2000]
    if len(set(head)) * 4 < len(head):
        distinct = dict.fromkeys(values)
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
    return _Parsed(parsed, [], n_placeholder)


# --- offloading to a second core ---------------------------------------------------------------

#: Distinct values (over the offloaded columns of one sheet) from which a second process helps.
PARALLEL_MIN_VALUES = 20_000
#: Parsers worth offloading (the slowest per distinct value).
_OFFLOAD_PARSERS = frozenset({"phones", "person_with_role"})
_OFFLOAD_TIMEOUT_S = 120.0
_JOBS: list[tuple[Callable[[str], Any], list[str]]] | None = None


def _parallel_enabled() -> bool:
    """``HOTPASS_CAPTURE_PARALLEL``: ``1`` on, ``0`` off, unset: on when a core is idle.

    A second process only helps when a core is free; on a busy machine it competes with the
    main process and slows capture down, so the automatic mode looks at the load average.
    """
    import os

    setting = os.environ.get("HOTPASS_CAPTURE_PARALLEL", "auto").strip().lower()
    cpus = os.cpu_count() or 1
    if setting in ("0", "false", "no", "off") or cpus < 2:
        return False
    if setting in ("1", "true", "yes", "on"):
        return True
    try:
        load = os.getloadavg()[0]
    except OSError:
        return False
    return load <= cpus - 1.25


def _offload_child(send: Any) -> None:
    try:
        jobs = _JOBS or []
        send.send([{v: fn(v) for v in vals} for fn, vals in jobs])
    except BaseException:
        with contextlib.suppress(BaseException):
            send.send(None)
    finally:
        send.close()


def _offload(
    jobs: list[tuple[Callable[[str], Any], list[str]]],
) -> Callable[[], list | None] | None:
    """Run ``jobs`` (function, distinct values) in a forked process while the caller goes on.

    Returns a function that waits for the results (one dict value → result per job), or ``None``
    when offloading is not possible. Any failure or a timeout gives ``None`` from the waiter, and
    the caller computes the values itself.
    """
    global _JOBS
    import multiprocessing as mp
    import warnings

    try:
        mpctx = mp.get_context("fork")
    except ValueError:
        return None
    recv, send = mpctx.Pipe(duplex=False)
    _JOBS = jobs
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            proc = mpctx.Process(target=_offload_child, args=(send,), daemon=True)
            proc.start()
    except Exception:
        recv.close()
        send.close()
        return None
    finally:
        _JOBS = None
    send.close()

    def wait() -> list | None:
        try:
            if not recv.poll(_OFFLOAD_TIMEOUT_S):
                proc.kill()
                return None
            return recv.recv()
        except (EOFError, OSError):
            return None
        finally:
            recv.close()
            proc.join(timeout=5)

    return wait


def _combine(fs: FieldSpec, headers: list[str], parsed: list[_Parsed], n: int) -> list:
    """Per row value of a field fed by several columns."""
    if len(parsed) == 1:
        vals = parsed[0].values
        if fs.parser == "text" and fs.label:
            h = headers[0]
            return [None if v is None else f"{h}: {v}" for v in vals]
        return vals
    cols = [p.values for p in parsed]
    if fs.parser == "text":
        out = []
        for row in zip(*cols, strict=True):
            parts = [
                (f"{h}: {v}" if fs.label else v) for h, v in zip(headers, row, strict=True) if v
            ]
            out.append(NOTE_SEPARATOR.join(parts) if parts else None)
        return out
    if fs.parser in ("list", "multi", "phones", "emails", "person_with_role"):
        out = []
        for row in zip(*cols, strict=True):
            if not any(row):
                out.append(())
                continue
            if fs.parser == "person_with_role":
                out.append(tuple(p for part in row for p in part))
            else:
                out.append(tuple(dict.fromkeys(x for part in row for x in part)))
        return out
    if fs.parser == "flag":
        return [
            any(bool(x) for x in row) if any(x is not None for x in row) else None
            for row in zip(*cols, strict=True)
        ]
    if fs.parser in ("website", "province"):
        out = []
        for row in zip(*cols, strict=True):
            chosen = next((x for x in row if x[0]), None)
            if chosen is None:
                chosen = next((x for x in row if x[1]), (None, None))
            out.append(chosen)
        return out
    # dates, integers: first non-empty
    return [next((x for x in row if x is not None), None) for row in zip(*cols, strict=True)]


# --- sheet work --------------------------------------------------------------------------------


@dataclass
class _Ctx:
    path: Path
    partition_key: str
    content_hash: str
    source_file: str
    source_dataset: str
    trust: int
    region: str
    country: str | None
    book: Workbook
    org_cols: dict[str, list] = field(default_factory=lambda: defaultdict(list))
    contact_cols: dict[str, list] = field(default_factory=lambda: defaultdict(list))
    rejects: list[tuple] = field(default_factory=list)
    structural: list[dict] = field(default_factory=list)
    #: organisations sheet name → index of its captured records
    indexes: dict[str, _OrgIndex] = field(default_factory=dict)
    slugs: dict[str, str] = field(default_factory=dict)

    def slug(self, sheet: str) -> str:
        if sheet not in self.slugs:
            base = sheet_slug(sheet)
            slug, k = base, 1
            while slug in self.slugs.values():
                k += 1
                slug = f"{base}_{k}"
            self.slugs[sheet] = slug
        return self.slugs[sheet]

    def structural_error(
        self,
        sheet: str | None,
        column: str | None,
        rule: str,
        message: str,
        severity: str = "error",
    ) -> None:
        if any(
            (e["sheet"], e["column"], e["rule"]) == (sheet, column, rule) for e in self.structural
        ):
            return
        self.structural.append(
            {
                "sheet": sheet,
                "column": column,
                "rule": rule,
                "message": message,
                "severity": severity,
            }
        )

    def reject(
        self,
        sheet: str | None,
        row: int | None,
        column: str | None,
        fld: str | None,
        code: str,
        reason: str,
        raw: str | None,
    ) -> None:
        self.rejects.append(
            (self.partition_key, self.source_file, sheet, row, column, fld, code, reason, raw)
        )


@dataclass
class _OrgIndex:
    """Captured organisation records of one organisations sheet, for joins."""

    table: SheetTable
    positions: list[int]  # data row positions (into table columns) of captured records
    record_ids: list[str]
    names: list[str | None]
    _exact: dict[str, dict[str, str]] = field(default_factory=dict)
    _keyed: dict[str, dict[str, str]] = field(default_factory=dict)
    duplicates: dict[str, int] = field(default_factory=dict)
    _pos: dict[str, int] = field(default_factory=dict)

    def name_of(self, record_id: str | None) -> str | None:
        if record_id is None:
            return None
        if not self._pos:
            self._pos.update((rid, k) for k, rid in enumerate(self.record_ids))
        k = self._pos.get(record_id)
        return None if k is None else self.names[k]

    def exact(self, header: str, method: str) -> dict[str, str]:
        cache_key = f"{header}\x00id" if method == "id" else header
        if cache_key not in self._exact:
            col = self.table.columns.get(header, [])
            out: dict[str, str] = {}
            dup = 0
            for pos, rid in zip(self.positions, self.record_ids, strict=True):
                v = col[pos] if col else None
                if v is None:
                    continue
                k = _id_key(v) if method == "id" else nz.clean_text(v)
                if k is None:
                    continue
                if k in out:
                    dup += 1
                    continue
                out[k] = rid
            self._exact[cache_key] = out
            self.duplicates[header] = dup
        return self._exact[cache_key]

    def keyed(self, header: str) -> dict[str, str]:
        if header not in self._keyed:
            col = self.table.columns.get(header, [])
            out: dict[str, str] = {}
            for pos, rid in zip(self.positions, self.record_ids, strict=True):
                v = col[pos] if col else None
                k = nz.organisation_key(v) if v is not None else None
                if k and k not in out:
                    out[k] = rid
            self._keyed[header] = out
        return self._keyed[header]


_INTEGRAL = re.compile(r"^(\d+)\.0+$")


def _id_key(value: str) -> str:
    """Join key of an id cell: trimmed, ``12.0`` written ``12``."""
    text = value.strip()
    m = _INTEGRAL.match(text)
    return m.group(1) if m else text


def _resolve_fields(
    ctx: _Ctx, spec: SheetSpec, table: SheetTable
) -> dict[str, tuple[FieldSpec, list[str]]]:
    """Field → (spec, resolved headers); reports missing columns as structural problems."""
    required = set(spec.required_columns)
    out: dict[str, tuple[FieldSpec, list[str]]] = {}
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


def _row_json(table: SheetTable, pos: int) -> str:
    return json.dumps(
        {h: table.columns[h][pos] for h in table.headers if table.columns[h][pos] is not None},
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
        found = [m.group(0) for m in _PHONE_IN_TEXT.finditer(text)]
        valid: list[str] = []
        for f in found:
            if sum(ch.isdigit() for ch in f) < 9:
                continue
            valid.extend(nz.parse_phones(f, region=region).valid)
        phones = tuple(dict.fromkeys(valid))
    return emails, phones


@dataclass
class _Unmapped:
    notes: list[str | None]
    emails: list[tuple[str, ...]]
    phones: list[tuple[str, ...]]
    headers: list[str]


def _unmapped(
    ctx: _Ctx,
    spec_sheet: str,
    table: SheetTable,
    used: set[str],
    ignore: dict[str, str],
    um: UnmappedSpec,
    positions: list[int],
) -> _Unmapped:
    """Text of non-empty unmapped cells per data row (notes) or rejects; extracted contacts."""
    n = len(positions)
    emails: list[tuple[str, ...]] = [()] * n
    phones: list[tuple[str, ...]] = [()] * n
    ignored_keys = {k for k in ignore}
    headers = [
        h for h in table.headers if h not in used and resolve_column(h, list(ignored_keys)) is None
    ]
    if not headers:
        return _Unmapped([None] * n, emails, phones, [])
    notes: list[list[str]] = [[] for _ in range(n)]
    kept: list[str] = []
    extract_cache: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
    for h in headers:
        col = table.columns[h]
        any_value = False
        for i, pos in enumerate(positions):
            v = col[pos]
            if v is None:
                continue
            any_value = True
            text = nz.clean_text(v) or v
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
            notes[i].append(f"{h}: {text}")
            if um.extract:
                if text not in extract_cache:
                    extract_cache[text] = _extract(text, um.extract, ctx.region)
                e, p = extract_cache[text]
                if e:
                    emails[i] = tuple(dict.fromkeys(emails[i] + e))
                if p:
                    phones[i] = tuple(dict.fromkeys(phones[i] + p))
        if any_value:
            kept.append(h)
    return _Unmapped([NOTE_SEPARATOR.join(x) if x else None for x in notes], emails, phones, kept)


def _people(
    row_people: tuple, first: str | None, last: str | None, full_text: str | None, role: str | None
) -> list[dict]:
    """People of one row as dicts with full_name, first_name, last_name, role."""
    out: list[dict] = []
    for p in row_people:
        out.append(
            {
                "full_name": getattr(p, "full_name", None),
                "first_name": getattr(p, "first_name", None),
                "last_name": getattr(p, "last_name", None),
                "role": getattr(p, "role", None),
            }
        )
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


def _pair(people: list[dict], emails: tuple, phones: tuple) -> tuple[list[tuple], str | None]:
    """E-mails and phones per person; a coded note when lists could not be paired by position."""
    n = len(people)
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


def _join_notes(*parts: str | None) -> str | None:
    kept = [p for p in parts if p]
    return NOTE_SEPARATOR.join(kept) if kept else None


def _process_sheet(
    ctx: _Ctx,
    spec: SheetSpec,
    table: SheetTable,
    link_columns: set[str],
    target_key_columns: set[str],
) -> dict:
    """Capture one read sheet into ctx (records and rejects); returns the sheet's stats."""
    slug = ctx.slug(table.name)
    prefix = f"{ctx.content_hash[:12]}:{slug}:"
    resolved = _resolve_fields(ctx, spec, table)
    data_pos = np.flatnonzero(table.data_mask).tolist()
    n = len(data_pos)
    rownums = [table.row_numbers[p] for p in data_pos]
    all_rows = n == table.rows_read
    is_org_sheet = spec.role == "organisations"

    def column(header: str) -> list[str | None]:
        col = table.columns[header]
        return col if all_rows else [col[p] for p in data_pos]

    stats: dict[str, Any] = {
        "sheet": table.name,
        "role": spec.role,
        "header_row": table.header_row,
        "header_method": table.header_method,
        "merged_header_columns": len(table.merged_into),
        "reader": table.reader,
        "rows_read": table.rows_read,
        "empty_rows": table.empty_rows,
        "formula_rows": table.formula_rows,
        "formula_rows_verified": table.formula_rows_verified,
        "data_rows": n,
        "mapped_columns": {f: hs for f, (_, hs) in resolved.items()},
        "ignored_columns": {
            h: reason
            for c, reason in spec.ignore_columns.items()
            if (h := resolve_column(c, table.headers)) is not None
        },
        "ignored_reason": None,
    }

    clock = time.perf_counter
    t_start = clock()
    # 0. The slowest distinct values (phones, people) may go to a second core.
    offload_cols, waiter = _start_offload(resolved, column, ctx.region)
    offloaded: dict[str, dict] = {}

    def precomputed(key: str) -> dict | None:
        nonlocal waiter
        if waiter is not None:
            results = waiter()
            waiter = None
            if results is not None:
                offloaded.update(zip(offload_cols, results, strict=True))
        return offloaded.get(key)

    # 1. Parse every mapped field (each distinct value once).
    parsed: dict[str, list] = {}
    placeholders: Counter = Counter()
    value_rejects: list[tuple[str, tuple[int, str, str, str, str]]] = []
    waits = {f for f, (_, hs) in resolved.items() for h in hs if f"{f}\x00{h}" in offload_cols}
    order = sorted(resolved.items(), key=lambda kv: kv[0] in waits)
    for fname, (fs, headers) in order:
        per_col = [
            _parse_column(
                column(h),
                fs,
                h,
                ctx.region,
                placeholders=fname not in ("organisation_name", "province"),
                precomputed=precomputed(f"{fname}\x00{h}") if offload_cols else None,
            )
            for h in headers
        ]
        parsed[fname] = _combine(fs, headers, per_col, n)
        for pc in per_col:
            placeholders[fname] += pc.placeholders
            value_rejects.extend((fname, rej) for rej in pc.rejects)
    used = {h for _, hs in resolved.values() for h in hs} | {
        h for c in link_columns | target_key_columns if (h := resolve_column(c, table.headers))
    }
    um = _unmapped(ctx, table.name, table, used, spec.ignore_columns, spec.unmapped, data_pos)
    stats["unmapped_columns"] = um.headers

    def get(fname: str, default: Any = None) -> list:
        return parsed.get(fname) or [default] * n

    names = get("organisation_name")
    if "organisation_name" in parsed and resolved["organisation_name"][0].parser != "text":
        # The text parser already gives None for placeholders (its clean text is never one).
        placeholder_names = {x for x in set(names) if x is not None and nz.is_placeholder(x)}
        if placeholder_names:
            names = [None if x in placeholder_names else x for x in names]

    t_parsed = clock()
    # 2. Links and row-level decisions.
    link_ids: list[str | None] = [None] * n
    link_methods: list[str | None] = [None] * n
    linked_counts: Counter = Counter()
    if spec.link is not None:
        _link_rows(ctx, spec, table, data_pos, link_ids, link_methods, linked_counts)
    own_org = spec.link is not None and spec.link.on_unlinked == "organisation"
    if is_org_sheet:
        record_kind: list[str | None] = ["organisation" if x else None for x in names]
    else:
        record_kind = [
            "attribute" if lid is not None else ("organisation" if own_org and nm else None)
            for lid, nm in zip(link_ids, names, strict=True)
        ]
    row_rejected = [k is None for k in record_kind]
    rejected_rows = [i for i, r in enumerate(row_rejected) if r]

    n_missing = n_unlinked = 0
    name_col = resolved["organisation_name"][1][0] if "organisation_name" in resolved else None
    for i in rejected_rows:
        pos = data_pos[i]
        if is_org_sheet or not _has_link_key(spec.link, table, pos):
            n_missing += 1
            if is_org_sheet:
                raw_name = table.columns[name_col][pos] if name_col else None
                why = (
                    "organisation name is a placeholder"
                    if raw_name is not None
                    else "row has values but no organisation name"
                )
            else:
                why = "row has values but no value in any join column"
            ctx.reject(
                table.name,
                rownums[i],
                name_col,
                "organisation_name",
                "missing_organisation_name",
                why,
                _row_json(table, pos),
            )
        else:
            n_unlinked += 1
            ctx.reject(
                table.name,
                rownums[i],
                None,
                None,
                "unlinked_row",
                _unlinked_reason(spec.link, table, pos),
                _row_json(table, pos),
            )

    field_order = {f: k for k, f in enumerate(resolved)}
    value_rejects.sort(key=lambda fr: (fr[1][0], field_order[fr[0]]))
    # 3. Value rejects of captured rows (a rejected row keeps all its values in its reject).
    #    Person cells without a person (a desk, a bare role) are kept in the row's notes.
    rejected_values: Counter = Counter()
    non_person: dict[int, list[str]] = defaultdict(list)
    n_non_person = 0
    for fname, (i, header, raw, code, reason) in value_rejects:
        if row_rejected[i]:
            continue
        if code == "unparsed_person":
            non_person[i].append(f"{header}: {nz.clean_text(raw) or raw}")
            n_non_person += 1
            continue
        rejected_values[fname] += 1
        ctx.reject(table.name, rownums[i], header, fname, code, reason, raw)

    t_linked = clock()
    # 4. Contacts (one source row: name, role, e-mails, phones stay together).
    full = get("full_name")
    first = get("first_name")
    last = get("last_name")
    role = get("role")
    c_emails = get("contact_emails", ())
    c_phones = get("contact_phones", ())
    invalid = get("contact_invalid")
    interaction = get("interaction_date")
    full_is_people = (
        "full_name" in resolved and resolved["full_name"][0].parser == "person_with_role"
    )
    has_person_fields = any(f in resolved for f in _PERSON_FIELDS)
    has_contact_fields = (
        has_person_fields or "contact_emails" in resolved or "contact_phones" in resolved
    )
    org_emails_extra: dict[int, tuple] = {}
    org_phones_extra: dict[int, tuple] = {}
    pairing_notes: dict[int, str] = {}
    captured = [False] * n
    person_src = {
        f: hs
        for f, (_, hs) in resolved.items()
        if f in _PERSON_FIELDS
        or f in ("contact_phones", "contact_emails", "contact_invalid", "interaction_date")
    }
    contact_source_columns = _columns_json(person_src)
    cc = ctx.contact_cols
    candidates: list[int] = []
    if has_contact_fields:
        filled: set[int] = set()
        for f in (*_PERSON_FIELDS, "contact_emails", "contact_phones"):
            if f in parsed:
                filled.update([i for i, x in enumerate(parsed[f]) if x])
        candidates = sorted(filled)
        if rejected_rows:
            candidates = [i for i in candidates if not row_rejected[i]]
    # Contact columns, one entry per person found.
    c_row: list[int] = []  # data row position of the person's source row
    c_num: list[int] = []  # the person's number within the row (1, 2, ...)
    c_org: list[str | None] = []
    c_method: list[str | None] = []
    c_full: list[str | None] = []
    c_first: list[str | None] = []
    c_last: list[str | None] = []
    c_role: list[str | None] = []
    c_em: list[list[str]] = []
    c_ph: list[list[str]] = []
    simple_people = full_is_people and not any(f in resolved for f in _PERSON_FIELDS[1:])
    no_people: tuple = ()
    for i in candidates:
        if simple_people:
            row_people, full_text = full[i] or no_people, None
            if len(row_people) == 1 and record_kind[i] == "organisation":
                # One person named in a "Name (Role)" cell of a listing: every value is theirs.
                person = row_people[0]
                c_row.append(i)
                c_num.append(1)
                c_org.append(None)  # the row's own record id, filled below
                c_method.append(None if is_org_sheet else "own_row")
                c_full.append(person.full_name)
                c_first.append(person.first_name)
                c_last.append(person.last_name)
                c_role.append(person.role)
                c_em.append(list(c_emails[i] or no_people))
                c_ph.append(list(c_phones[i] or no_people))
                captured[i] = True
                continue
        elif full_is_people:
            row_people, full_text = full[i] or no_people, None
        else:
            row_people, full_text = no_people, full[i]
        emails_i = c_emails[i] or no_people
        phones_i = c_phones[i] or no_people
        if record_kind[i] == "organisation":
            org_rid, method = None, (None if is_org_sheet else "own_row")
        else:
            org_rid, method = link_ids[i], link_methods[i]
        if not (row_people or full_text or first[i] or last[i] or role[i]):
            if not (emails_i or phones_i):
                continue
            if is_org_sheet:
                org_emails_extra[i] = tuple(emails_i)
                org_phones_extra[i] = tuple(phones_i)
                continue
            people = [{"full_name": None, "first_name": None, "last_name": None, "role": None}]
        else:
            people = _people(row_people, first[i], last[i], full_text, role[i])
        pairs, note = _pair(people, tuple(emails_i), tuple(phones_i))
        if note:
            pairing_notes[i] = note
        for k, (person, (e, p)) in enumerate(zip(people, pairs, strict=True), start=1):
            c_row.append(i)
            c_num.append(k)
            c_org.append(org_rid)
            c_method.append(method)
            c_full.append(person["full_name"])
            c_first.append(person["first_name"])
            c_last.append(person["last_name"])
            c_role.append(person["role"])
            c_em.append(e)
            c_ph.append(p)
        captured[i] = True
    n_contacts = len(c_row)
    if n_contacts:
        own_ids = [f"{prefix}{rownums[i]}" for i in c_row]
        cc["contact_record_id"].extend(
            [f"{rid}#{k}" for rid, k in zip(own_ids, c_num, strict=True)]
        )
        # A person of a row that is an organisation record of its own belongs to that record.
        cc["organisation_record_id"].extend(
            [own if org is None else org for org, own in zip(c_org, own_ids, strict=True)]
        )
        cc["link_method"].extend(c_method)
        cc["source_sheet"].extend([table.name] * n_contacts)
        cc["source_row"].extend([rownums[i] for i in c_row])
        cc["full_name"].extend(c_full)
        cc["first_name"].extend(c_first)
        cc["last_name"].extend(c_last)
        cc["role"].extend(c_role)
        cc["emails"].extend(c_em)
        cc["phones"].extend(c_ph)
        cc["is_invalid"].extend([bool(invalid[i]) for i in c_row])
        cc["interaction_date"].extend([interaction[i] for i in c_row])
        cc["source_columns"].extend([contact_source_columns] * n_contacts)

    t_contacts = clock()
    # 5. Organisation and attribute records, built column by column.
    notes = get("notes")
    extra_notes = [(i, x) for i, x in enumerate(um.notes) if x]
    if extra_notes or pairing_notes or n_non_person:
        notes = list(notes)
        for i in range(n):
            parts = (
                notes[i],
                um.notes[i],
                NOTE_SEPARATOR.join(non_person[i]) if i in non_person else None,
                pairing_notes.get(i),
            )
            if any(parts[1:]):
                notes[i] = _join_notes(*parts)
    org_level_fields = [
        f
        for f in resolved
        if f not in _PERSON_FIELDS
        and f not in ("contact_phones", "contact_emails", "contact_invalid", "organisation_name")
    ]
    # A contact row adds an attribute record only when it carries organisation values.
    idx = [
        i
        for i in range(n)
        if not row_rejected[i]
        and not (
            record_kind[i] == "attribute"
            and captured[i]
            and not _carries_org_values(i, notes, um, parsed, org_level_fields)
        )
    ]
    m = len(idx)
    every_row = m == n  # idx is range(n): columns are taken as they are

    def take(values: list) -> list:
        return values if every_row else [values[i] for i in idx]

    oc = ctx.org_cols
    record_ids = [f"{prefix}{r}" for r in take(rownums)]
    kinds = take(record_kind)
    rec_names = list(take(names))
    target_index = ctx.indexes.get(spec.link.sheet) if spec.link else None
    source_json = _columns_json(
        {
            f: hs
            for f, hs in stats["mapped_columns"].items()
            if f not in person_src or f == "interaction_date"
        }
    )
    sources = [source_json] * m
    if target_index is not None:
        linked_json = _columns_json(
            {
                **{f: hs for f, hs in stats["mapped_columns"].items() if f not in person_src},
                "organisation_name": f"link:{spec.link.sheet}",
            }
        )
        for j, i in enumerate(idx):
            if not rec_names[j] and kinds[j] == "attribute":
                rec_names[j] = target_index.name_of(link_ids[i])
                sources[j] = linked_json
    rec_keys = nz.organisation_keys_of_clean_text(rec_names)

    oc["record_id"].extend(record_ids)
    oc["source_sheet"].extend([table.name] * m)
    oc["source_row"].extend(take(rownums))
    oc["record_kind"].extend(kinds)
    if "attribute" in kinds:
        oc["link_record_id"].extend(
            [link_ids[i] if k == "attribute" else None for i, k in zip(idx, kinds, strict=True)]
        )
        oc["link_method"].extend(
            [link_methods[i] if k == "attribute" else None for i, k in zip(idx, kinds, strict=True)]
        )
    else:
        oc["link_record_id"].extend([None] * m)
        oc["link_method"].extend([None] * m)
    oc["organisation_name"].extend(rec_names)
    oc["name_key"].extend(rec_keys)
    for f in _ORG_TEXT_FIELDS:
        if f in parsed:
            vals = take(parsed[f])
            if f == "country" and ctx.country:
                vals = [v or ctx.country for v in vals]
            oc[f].extend(vals)
        else:
            oc[f].extend([ctx.country if f == "country" else None] * m)
    if "province" in parsed and m:
        provinces, raw_provinces = zip(*take(parsed["province"]), strict=True)
        oc["province"].extend(provinces)
        oc["province_raw"].extend(raw_provinces)
    else:
        oc["province"].extend([None] * m)
        oc["province_raw"].extend([None] * m)
    if "website" in parsed and m:
        urls, domains = zip(*take(parsed["website"]), strict=True)
        oc["website"].extend(urls)
        oc["domain"].extend(domains)
    else:
        oc["website"].extend([None] * m)
        oc["domain"].extend([None] * m)
    aircraft = parsed.get("aircraft_types")
    oc["aircraft_types"].extend([list(aircraft[i]) for i in idx] if aircraft else [[] for _ in idx])
    oc["notes"].extend(take(notes))
    oc["emails"].extend(_merge_lists(idx, parsed.get("emails"), org_emails_extra, um.emails))
    oc["phones"].extend(_merge_lists(idx, parsed.get("phones"), org_phones_extra, um.phones))
    oc["interaction_date"].extend(take(interaction))
    oc["last_order_date"].extend(take(get("last_order_date")))
    counts = get("order_count")
    oc["order_count"].extend(
        [
            counts[i]
            if counts[i] is not None
            else (1 if spec.role == "orders" and record_kind[i] == "organisation" else None)
            for i in idx
        ]
    )
    oc["source_columns"].extend(sources)
    if every_row:
        captured = [True] * n
    else:
        for i in idx:
            captured[i] = True
    n_org = kinds.count("organisation")
    n_attr = m - n_org
    if is_org_sheet:
        ctx.indexes[spec.sheet] = _OrgIndex(
            table, [data_pos[i] for i in idx], record_ids, rec_names
        )
    if spec.role == "orders":
        _roll_up_orders(
            ctx, target_index, link_ids, get("last_order_date"), row_rejected, record_kind
        )

    uncaptured = [i for i in range(n) if not captured[i] and not row_rejected[i]]
    for i in uncaptured:  # cannot happen by construction; a guard against silent loss
        ctx.reject(
            table.name,
            rownums[i],
            None,
            None,
            "uncaptured_row",
            "row produced no record",
            _row_json(table, data_pos[i]),
        )
    stats.update(
        {
            "rows_captured": sum(captured),
            "rows_rejected": sum(row_rejected) + len(uncaptured),
            "rows_skipped": table.empty_rows + table.formula_rows,
            "records_captured": m + n_contacts,
            "organisation_records": n_org,
            "attribute_records": n_attr,
            "contact_records": n_contacts,
            "rows_missing_organisation_name": n_missing,
            "rows_unlinked": n_unlinked,
            "linked_by": dict(linked_counts),
            "values_rejected": dict(rejected_values),
            "non_person_values": n_non_person,
            "placeholders": {k: v for k, v in placeholders.items() if v},
            "ambiguous_contact_pairings": len(pairing_notes),
            "offloaded_columns": len(offload_cols),
            "timings": {
                "parse_s": round(t_parsed - t_start, 4),
                "link_s": round(t_linked - t_parsed, 4),
                "contacts_s": round(t_contacts - t_linked, 4),
                "records_s": round(clock() - t_contacts, 4),
            },
        }
    )
    if target_index is not None:
        dups = {h: d for h, d in target_index.duplicates.items() if d}
        if dups:
            stats["duplicate_target_keys"] = dups
    return stats


def _carries_org_values(
    i: int, notes: list, um: _Unmapped, parsed: dict[str, list], fields: list[str]
) -> bool:
    return bool(
        notes[i]
        or um.emails[i]
        or um.phones[i]
        or any(_present(parsed[f][i]) for f in fields if f != "notes")
    )


def _start_offload(
    resolved: dict[str, tuple[FieldSpec, list[str]]],
    column: Callable[[str], list],
    region: str,
) -> tuple[list[str], Callable[[], list | None] | None]:
    """Send the distinct values of the slow per-value parsers (phones, people) to a second
    process when there are enough of them.

    Organisation keys, e-mails, websites and text are computed column-wide in this process:
    they cost less than the fork, the copy-on-write faults it causes and the transfer back.
    """
    if not any(fs.parser in _OFFLOAD_PARSERS for fs, _ in resolved.values()):
        return [], None
    if not _parallel_enabled():
        return [], None
    jobs: list[tuple[Callable[[str], Any], list[str]]] = []
    keys: list[str] = []
    total = 0
    for fname, (fs, headers) in resolved.items():
        if fs.parser not in _OFFLOAD_PARSERS:
            continue
        parse = _value_parser(fs, region)
        for h in headers:
            uniques = [v for v in dict.fromkeys(column(h)) if v]
            jobs.append((parse, uniques))
            keys.append(f"{fname}\x00{h}")
            total += len(uniques)
    if total < PARALLEL_MIN_VALUES:
        return [], None
    waiter = _offload(jobs)
    return (keys, waiter) if waiter is not None else ([], None)


def _columns_json(mapping: dict[str, Any]) -> str:
    return json.dumps(
        {f: (hs[0] if isinstance(hs, list) and len(hs) == 1 else hs) for f, hs in mapping.items()},
        ensure_ascii=False,
    )


def _merge_lists(
    idx: list[int], own: list | None, extra: dict[int, tuple], found: list[tuple]
) -> list[list[str]]:
    """Per record: the field's own values, then organisation-level contact values, then values
    found in unmapped cells, without duplicates."""
    empty: tuple = ()
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


def _has_link_key(link: LinkSpec | None, table: SheetTable, pos: int) -> bool:
    if link is None:
        return False
    for key in link.keys:
        h = resolve_column(key.column, table.headers)
        if h is not None and table.columns[h][pos] is not None:
            return True
    return False


def _unlinked_reason(link: LinkSpec, table: SheetTable, pos: int) -> str:
    parts = []
    for key in link.keys:
        h = resolve_column(key.column, table.headers)
        v = table.columns[h][pos] if h else None
        if v is None:
            parts.append(f"{key.column} is empty")
        else:
            parts.append(f"no {link.sheet} row with {key.target} = {v!r} ({key.label})")
    return "no organisation to link to: " + "; ".join(parts)


def _link_rows(
    ctx: _Ctx,
    spec: SheetSpec,
    table: SheetTable,
    data_pos: list[int],
    link_ids: list,
    link_methods: list,
    counts: Counter,
) -> None:
    from rapidfuzz import fuzz, process

    link = spec.link
    index = ctx.indexes.get(link.sheet)
    if index is None:
        return
    for key in link.keys:
        src = resolve_column(key.column, table.headers)
        tgt = resolve_column(key.target, index.table.headers)
        if src is None or tgt is None:
            if tgt is None:
                ctx.structural_error(
                    link.sheet,
                    key.target,
                    "missing_join_column",
                    f"join target column {key.target!r} is missing on sheet {link.sheet!r}",
                )
            continue
        exact = index.exact(tgt, key.method)
        keyed = index.keyed(tgt) if key.method != "id" else {}
        threshold = None if key.method == "id" else (key.fuzzy_threshold or link.fuzzy_threshold)
        fuzzy_keys = list(keyed) if threshold else []
        col = table.columns[src]
        memo: dict[str, tuple[str | None, str | None]] = {}
        for i, pos in enumerate(data_pos):
            if link_ids[i] is not None:
                continue
            v = col[pos]
            if v is None:
                continue
            if v not in memo:
                memo[v] = _match_one(v, key, exact, keyed, fuzzy_keys, threshold, fuzz, process)
            rid, method = memo[v]
            if rid is not None:
                link_ids[i] = rid
                link_methods[i] = method
                counts[method] += 1


def _match_one(v, key: LinkKey, exact, keyed, fuzzy_keys, threshold, fuzz, process):
    """Record id and link method of one join value, or ``(None, None)``.

    Name keys try the exact clean text, then the organisation key, then (with a threshold) the
    fuzzy ratio of the keys: the best candidate must reach the threshold and be unique (every
    other candidate scoring as high points at the same record).
    """
    label = key.label
    if key.method == "id":
        rid = exact.get(_id_key(v))
        return (rid, label) if rid else (None, None)
    clean = nz.clean_text(v)
    if clean is None:
        return None, None
    if clean in exact:
        return exact[clean], label
    k = nz.organisation_key(clean)
    if k and k in keyed:
        return keyed[k], f"{label}_key"
    if k and fuzzy_keys and threshold:
        hits = process.extract(k, fuzzy_keys, scorer=fuzz.ratio, limit=2, score_cutoff=threshold)
        if hits:
            best = keyed[hits[0][0]]
            if len(hits) == 1 or hits[1][1] < hits[0][1] or keyed[hits[1][0]] == best:
                return best, f"{label}_fuzzy"
    return None, None


def _roll_up_orders(
    ctx: _Ctx,
    target: _OrgIndex | None,
    link_ids: list,
    last_order: list,
    row_rejected: list[bool],
    record_kind: list,
) -> None:
    """Order count and latest order date of each master record from its linked order rows."""
    oc = ctx.org_cols
    org_pos = {rid: k for k, rid in enumerate(oc["record_id"])}
    if target is not None:  # masters of an order history without orders have 0 orders
        for rid in target.record_ids:
            pos = org_pos.get(rid)
            if pos is not None and oc["order_count"][pos] is None:
                oc["order_count"][pos] = 0
    counts: Counter = Counter()
    latest: dict[str, date] = {}
    for i, rid in enumerate(link_ids):
        if rid is None or row_rejected[i] or record_kind[i] != "attribute":
            continue
        counts[rid] += 1
        d = last_order[i]
        if isinstance(d, date) and (rid not in latest or d > latest[rid]):
            latest[rid] = d
    for rid, c in counts.items():
        pos = org_pos.get(rid)
        if pos is None:
            continue
        oc["order_count"][pos] = (oc["order_count"][pos] or 0) + c
        d = latest.get(rid)
        own = oc["last_order_date"][pos]
        if d is not None and (own is None or d > own):
            oc["last_order_date"][pos] = d


# --- generic profile -----------------------------------------------------------------------------


def _generic_specs(
    book: Workbook, spec: GenericSpec
) -> tuple[list[tuple[SheetSpec, SheetTable]], dict, list[dict]]:
    """Sheets the generic profile reads (with their tables), the mapping metadata and skips."""
    from hotpass_assets.lib.profiles import FieldSpec as _FS

    plans: list[tuple[SheetSpec, SheetTable]] = []
    mapping: dict[str, dict] = {}
    skipped: list[dict] = []
    hints = spec.hints()
    for name in book.sheet_names:
        if any(re.search(p, name) for p in spec.ignore_sheets):
            skipped.append({"sheet": name, "reason": "sheet name matches ignore_sheets"})
            continue
        table = book.read_sheet(name, header_row="auto", hints=hints)
        if not table.headers:
            skipped.append({"sheet": name, "reason": "sheet is empty"})
            continue
        hm = map_headers(table.headers, spec)
        mapping[name] = {"header_row": table.header_row, **hm.as_metadata()}
        fields_map = hm.fields()
        if "organisation_name" not in fields_map:
            skipped.append(
                {"sheet": name, "reason": "no column maps to organisation_name", "table": table}
            )
            continue
        fspecs = {
            f: _FS(f, tuple(hs), spec.parser_for(f), label=(f == "notes" and len(hs) > 1))
            for f, hs in fields_map.items()
        }
        sheet_spec = SheetSpec(
            sheet=name,
            role="organisations",
            fields=fspecs,
            header_row="auto",
            unmapped=spec.unmapped,
        )
        plans.append((sheet_spec, table))
    return plans, mapping, skipped


# --- entry point -------------------------------------------------------------------------------


@contextlib.contextmanager
def _gc_paused():
    """Pause the cyclic garbage collector while capture allocates many small objects.

    Capture creates no reference cycles of note; with the collector running, its repeated full
    passes over the sheet's cells cost a third of the capture time on large sheets.
    """
    import gc

    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _ignored_stats(book: Workbook, sheet: str, role: str, reason: str) -> dict:
    non_empty = book.non_empty_rows(sheet)
    book.forget(sheet)
    return {
        "sheet": sheet,
        "role": role,
        "rows_read": 0,
        "non_empty_rows": non_empty,
        "ignored_reason": reason,
    }


def _empty_frame(columns: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})


def capture_workbook(
    path: str | Path,
    *,
    partition_key: str,
    content_hash: str,
    source_file: str,
    profile: str | None = None,
) -> CaptureResult:
    """Capture one workbook (see the module docstring for the rules).

    ``profile`` forces a profile (``"aviation"``), a profile kind (``"aviation:sacaa"``) or
    ``"generic"``; by default the shipped named profiles' recognisers choose, else generic.
    Raises :class:`~hotpass_assets.lib.reading.WorkbookReadError` when the file cannot be read;
    structural problems (missing sheets or columns) do not raise: they are returned in
    ``structural_errors`` and the rest is captured.
    """
    t0 = time.perf_counter()
    timings: dict[str, float] = {}
    with _gc_paused(), open_workbook(path, source_file) as book:
        prof, kind_name = select_profile(book, force=profile, file_name=source_file)
        timings["select_s"] = time.perf_counter() - t0
        if prof.is_generic:
            g = prof.generic
            assert g is not None
            file_slug = sheet_slug(Path(source_file).stem)
            source_dataset = g.source_dataset.format(file_slug=file_slug)
            trust, region, country = g.trust, g.phone_region, g.country
        else:
            kind = prof.kind(kind_name)
            source_dataset, trust, region, country = (
                kind.source_dataset,
                kind.trust,
                kind.phone_region,
                kind.country,
            )
        ctx = _Ctx(
            path=Path(path),
            partition_key=partition_key,
            content_hash=content_hash,
            source_file=source_file,
            source_dataset=source_dataset,
            trust=trust,
            region=region,
            country=country,
            book=book,
        )
        sheet_stats: list[dict] = []
        mapping: dict | None = None
        if prof.is_generic:
            plans, mapping, skipped = _generic_specs(book, prof.generic)
            t1 = time.perf_counter()
            timings["read_s"] = t1 - t0 - timings["select_s"]
            for spec, table in plans:
                sheet_stats.append(_process_sheet(ctx, spec, table, set(), set()))
            for s in skipped:
                table = s.get("table")
                stat = {
                    "sheet": s["sheet"],
                    "role": "ignore",
                    "ignored_reason": s["reason"],
                    "rows_read": 0,
                    "non_empty_rows": int((~table.empty_mask).sum()) + 1 if table else 0,
                }
                sheet_stats.append(stat)
            if not plans:
                ctx.structural_error(
                    None,
                    None,
                    "no_organisation_column",
                    f"no sheet of file {source_file!r} has a column that maps to "
                    f"organisation_name (sheets: {len(book.sheet_names)})",
                )
            timings["capture_s"] = time.perf_counter() - t1
        else:
            sheet_stats = _capture_kind(ctx, book, prof, kind, timings)
        org = _frame(ctx, ctx.org_cols, CAPTURE_ORGANISATION_COLUMNS, "record_id")
        contacts = _frame(ctx, ctx.contact_cols, CAPTURE_CONTACT_COLUMNS, "contact_record_id")
        rejects = (
            pd.DataFrame.from_records(ctx.rejects, columns=list(REJECT_COLUMNS))
            if ctx.rejects
            else _empty_frame(REJECT_COLUMNS)
        )
        if len(rejects):
            rejects["source_row"] = rejects["source_row"].astype("Int64")
        order = {s: i for i, s in enumerate(book.sheet_names)}
        sheet_stats.sort(key=lambda s: order.get(s["sheet"], len(order)))
    timings["total_s"] = time.perf_counter() - t0
    return CaptureResult(
        organisations=org,
        contacts=contacts,
        rejects=rejects,
        profile_name=prof.name,
        workbook_kind=kind_name,
        source_dataset=source_dataset,
        source_trust=trust,
        sheets=sheet_stats,
        mapping=mapping,
        structural_errors=ctx.structural,
        timings=timings,
    )


def _capture_kind(
    ctx: _Ctx, book: Workbook, prof: Profile, kind: Kind, timings: dict
) -> list[dict]:
    stats: list[dict] = []
    read_s = 0.0
    listed: set[str] = set()
    # Columns used as join keys, per sheet (sources and targets).
    link_cols: dict[str, set[str]] = defaultdict(set)
    target_cols: dict[str, set[str]] = defaultdict(set)
    for s in kind.sheets:
        if s.link:
            link_cols[s.sheet] |= {k.column for k in s.link.keys}
            target_cols[s.link.sheet] |= {k.target for k in s.link.keys}
    ordered = [s for s in kind.sheets if s.role == "organisations"] + [
        s for s in kind.sheets if s.role != "organisations"
    ]
    for spec in ordered:
        found = book.find_sheet(spec.sheet)
        if found is None:
            ctx.structural_error(
                spec.sheet,
                None,
                "missing_sheet",
                f"file {ctx.source_file!r} has no sheet {spec.sheet!r} (kind {kind.kind!r}, "
                f"role {spec.role})",
                "warning" if spec.optional else "error",
            )
            stats.append(
                {
                    "sheet": spec.sheet,
                    "role": spec.role,
                    "rows_read": 0,
                    "ignored_reason": "sheet missing from the workbook",
                }
            )
            continue
        listed.add(found)
        if spec.link and spec.link.sheet not in ctx.indexes:
            ctx.structural_error(
                spec.sheet,
                None,
                "missing_link_target",
                f"sheet {spec.sheet!r} links to {spec.link.sheet!r}, which was not read; "
                "its rows cannot be linked",
            )
        r0 = time.perf_counter()
        hints = [c for fs in spec.fields.values() for c in fs.columns]
        expected = set(spec.required_columns) | {
            c for fs in spec.fields.values() if fs.required for c in fs.columns
        }
        table = book.read_sheet(
            found,
            header_row=spec.header_row,
            hints=hints,
            id_columns=spec.id_columns,
            expected=sorted(expected),
        )
        book.forget(found)
        read_s += time.perf_counter() - r0
        stats.append(
            _process_sheet(ctx, spec, table, link_cols[spec.sheet], target_cols[spec.sheet])
        )
    for ign in kind.ignore:
        found = book.find_sheet(ign.sheet)
        if found is None:
            continue
        listed.add(found)
        stats.append(_ignored_stats(book, found, "ignore", ign.reason))
    for name in book.sheet_names:
        if name in listed:
            continue
        stat = _ignored_stats(book, name, "unlisted", "sheet not listed in the profile")
        stats.append(stat)
        if stat["non_empty_rows"]:
            ctx.structural_error(
                name,
                None,
                "unlisted_sheet",
                f"sheet {name!r} ({stat['non_empty_rows']} non-empty rows) is neither read nor "
                f"ignored by kind {kind.kind!r}",
                "warning",
            )
    timings["read_s"] = read_s
    return stats


#: Columns of capture frames that are not object columns, and their dtypes.
_INT_COLUMNS = frozenset({"source_row", "order_count"})
_BOOL_COLUMNS = frozenset({"is_invalid"})


def _object_array(values: Sequence) -> np.ndarray:
    """1-D object array of ``values`` (list values stay lists; nothing is inferred)."""
    return np.fromiter(values, dtype=object, count=len(values))


def _frame(ctx: _Ctx, cols: dict[str, list], columns: Sequence[str], id_col: str) -> pd.DataFrame:
    n = len(cols.get(id_col, []))
    if n == 0:
        return _empty_frame(columns)
    constants = {
        "partition_key": ctx.partition_key,
        "source_dataset": ctx.source_dataset,
        "source_file": ctx.source_file,
    }
    data: dict[str, Any] = {}
    for c in columns:
        if c in _INT_COLUMNS and c in cols:
            values = cols[c]
            if values.count(None) == len(values):  # no value at all: an all-NA column
                data[c] = pd.arrays.IntegerArray(np.zeros(n, np.int64), np.ones(n, dtype=bool))
            else:
                data[c] = pd.array(values, dtype="Int64")
        elif c in _BOOL_COLUMNS and c in cols:
            data[c] = np.asarray(cols[c], dtype=bool)
        elif c in cols:
            data[c] = _object_array(cols[c])
        elif c == "source_trust":
            data[c] = pd.array(np.full(n, ctx.trust, dtype=np.int64), dtype="Int64")
        else:
            data[c] = np.full(n, constants.get(c), dtype=object)
    return pd.DataFrame(data, columns=list(columns))

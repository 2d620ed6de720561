"""Per-value normalisation of spreadsheet cells: text, phones, e-mails, websites, provinces,
people, organisation names and dates.

Every function takes one cell value, which is usually ``str`` (workbooks are read as text) but may
also be ``None``, a float ``NaN``, an ``int``, a ``float`` or a ``datetime``; none of them raises on
odd input. The rules follow the domain reference, section 3:

- text: strip, Unicode NFKC (a non-breaking space becomes a space), collapse whitespace runs, drop
  zero-width characters; empty values and placeholders (``-``, ``—``, ``n/a``, ``none``, ``tbc``,
  ``unknown`` ...) become ``None``.
- phone: several numbers per cell, float damage repaired (``27821234567.0``, ``2.7821234567E10``,
  a lost leading ``0``), parsed with ``phonenumbers`` and kept as E.164; invalid pieces are
  returned with a reason, never dropped.
- e-mail: several addresses per cell, lower-cased, checked against an address pattern; URLs and
  junk are returned with a reason.
- website: canonical URL plus the registrable domain used for matching.
- province: the nine South African provinces with aliases and city hints.
- person: ``First Last (Role)`` / ``First Last — Role`` cells, several people per cell.
- organisation name: a matching key (folded, punctuation and legal suffixes removed) and its
  noise-free tokens.
- dates: ISO dates, day-first text dates, optional Excel serial day numbers.

The functions are called once per cell over large sheets, so they use precompiled patterns, fast
paths for empty values and bounded caches for the expensive lookups. Nothing costly happens at
import time: the public-suffix extractor is built on first use.
"""

from __future__ import annotations

import datetime as _dt
import functools
import math
import re
import unicodedata
from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

from hotpass_assets.lib.records import PROVINCES
from hotpass_assets.lib.vocabulary import PROFILE_NOISE_WORDS

__all__ = [
    "FREE_MAIL_DOMAINS",
    "ORGANISATION_NOISE_WORDS",
    "PLACEHOLDERS",
    "PLACEHOLDER_MAX_LEN",
    "PROVINCES",
    "SHARED_WEBSITE_DOMAINS",
    "EmailResult",
    "Person",
    "PhoneResult",
    "ProvinceResult",
    "WebsiteResult",
    "clean_text",
    "clean_text_many",
    "email_domain",
    "is_placeholder",
    "normalise_province",
    "normalise_website",
    "organisation_key",
    "organisation_keys",
    "organisation_keys_of_clean_text",
    "organisation_tokens",
    "parse_date",
    "parse_emails",
    "parse_phones",
    "registrable_domain",
    "split_list",
    "split_multi",
    "split_people",
]

# --- text --------------------------------------------------------------------------------------

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

#: Marks a value that a column-wide fast path left to the per-value function.
_PENDING = object()

# Zero-width characters and the byte-order mark: invisible, never meaningful in a cell.
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")


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
    """Strip, NFKC-normalise and collapse whitespace; keeps placeholders, may return ``""``."""
    if text.isascii():
        if text.isprintable() and "  " not in text and text == text.strip():
            return text
        return " ".join(text.split())
    text = _ZERO_WIDTH.sub("", text)
    text = unicodedata.normalize("NFKC", text)
    return " ".join(text.split())


def _raw_clean(value: object) -> str | None:
    """Cleaned text of a value without placeholder handling; ``None`` when empty."""
    text = _to_text(value)
    if not text:
        return None
    cleaned = _clean_str(text)
    return cleaned or None


def is_placeholder(value: object) -> bool:
    """True when a value carries no information: missing, blank, or a placeholder such as ``-``,
    ``—``, ``n/a``, ``none``, ``tbc`` or ``unknown``."""
    text = _raw_clean(value)
    return text is None or text.casefold() in PLACEHOLDERS


def clean_text(value: object) -> str | None:
    """Clean one text cell: strip, Unicode NFKC, collapse whitespace runs, drop zero-width
    characters; empty values and placeholders give ``None``.

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
    out: list = [
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


# --- phones ------------------------------------------------------------------------------------


class PhoneResult(NamedTuple):
    """Phones of one cell: unique valid E.164 numbers in order, and ``(raw piece, reason)``
    for every piece that did not give a valid number."""

    valid: list[str]
    rejected: list[tuple[str, str]]


_PHONE_SPLIT = re.compile(r"\s*([;,/|&\n\\]|\bor\b|\band\b|\bof\b)\s*", re.IGNORECASE)
_PHONE_EXTENSION = re.compile(r"\s*(?:ext\.?|extn\.?|extension|x)\s*:?\s*\d{1,6}\s*$", re.I)
_PHONE_TRUNK_ZERO = re.compile(r"\(\s*0\s*\)")
_PHONE_FLOAT_TAIL = re.compile(r"^(\+?\d+)\.0+$")
_PHONE_SCIENTIFIC = re.compile(r"^\+?(\d)(?:\.(\d+))?[eE]\+?(\d{1,2})$")
_NON_PHONE_CHARS = re.compile(r"[^\d+]")
_DIGITS_ONLY = re.compile(r"^\d+$")
_HAS_DIGIT = re.compile(r"\d")
_PHONE_FIRST = re.compile(r"[\d+]")
_PHONE_REASONS = {
    1: "invalid country code",
    2: "too short",
    3: "too long",
    4: "invalid length",
    5: "too short",
}


def _phone_float_repair(piece: str) -> tuple[str, bool, str | None]:
    """Undo float renderings of a number: ``27821234567.0`` and ``2.7821234567E10``.

    Returns ``(text, numeric, error)``: ``numeric`` is true when the piece was a bare machine
    rendering of a number (a reader's float), ``error`` is set when digits were lost.
    """
    match = _PHONE_FLOAT_TAIL.match(piece)
    if match:
        return match.group(1), True, None
    match = _PHONE_SCIENTIFIC.match(piece)
    if match:
        fraction = match.group(2) or ""
        exponent = int(match.group(3))
        if len(fraction) > exponent:
            return piece, False, "not a phone number"
        if len(fraction) < exponent:
            # Fewer significant digits than the number has: the rendering may have rounded it.
            return piece, False, "digits may be lost in a float rendering"
        try:
            number = Decimal(piece.lstrip("+"))
        except InvalidOperation:
            return piece, False, "not a phone number"
        text = str(int(number))
        return ("+" + text if piece.startswith("+") else text), True, None
    return piece, bool(_DIGITS_ONLY.match(piece)), None


_NUMBER_TYPE_DESCS = (
    "premium_rate",
    "toll_free",
    "shared_cost",
    "voip",
    "personal_number",
    "pager",
    "uan",
    "voicemail",
    "fixed_line",
    "mobile",
)


@functools.lru_cache(maxsize=256)
def _fast_region(region: str) -> tuple[int, str, Callable[[str], bool]] | None:
    """Country code and a validity test for a region whose national numbers are written with a
    plain ``0`` trunk prefix (ZA, DE, NA ...) and whose country code serves no other region.

    The test applies the region's metadata exactly as ``phonenumbers.is_valid_number`` does (the
    general pattern, then any number type's length and pattern), with the patterns compiled once.
    """
    import phonenumbers

    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if (
        metadata is None
        or not metadata.country_code
        or metadata.national_prefix != "0"
        or metadata.national_prefix_for_parsing not in (None, "0")
        or metadata.national_prefix_transform_rule
        or phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(metadata.country_code) != (region,)
    ):
        return None

    general = metadata.general_desc
    if general is None or not general.national_number_pattern:
        return None
    general_lengths = frozenset(general.possible_length or ())
    general_pattern = re.compile(general.national_number_pattern)
    # One alternation per number length of the type patterns that allow that length.
    by_length: dict[int, list[str]] = {}
    open_patterns: list[str] = []  # types without their own lengths
    for name in _NUMBER_TYPE_DESCS:
        desc = getattr(metadata, name, None)
        if desc is None or not desc.national_number_pattern:
            continue
        if desc.possible_length:
            for size in desc.possible_length:
                by_length.setdefault(size, []).append(desc.national_number_pattern)
        else:
            open_patterns.append(desc.national_number_pattern)
    sizes = set(by_length) | set(general_lengths)
    type_patterns = {
        size: re.compile("|".join(f"(?:{p})" for p in by_length.get(size, []) + open_patterns))
        for size in sizes
        if by_length.get(size) or open_patterns
    }
    fallback = re.compile("|".join(f"(?:{p})" for p in open_patterns)) if open_patterns else None

    def is_valid(national: str) -> bool:
        size = len(national)
        if general_lengths and size not in general_lengths:
            return False
        if not general_pattern.fullmatch(national):
            return False
        pattern = type_patterns.get(size, fallback)
        return pattern is not None and pattern.fullmatch(national) is not None

    return metadata.country_code, str(metadata.country_code), is_valid


def _fast_e164(digits: str, plus: bool, region: str) -> str | None:
    """E.164 of a valid home-region number in ``+CC...`` or ``0...`` form, else ``None``.

    Anything else (foreign numbers, repairs, invalid numbers) takes the full parse.
    """
    info = _fast_region(region)
    if info is None:
        return None
    code, code_text, is_valid = info
    if plus:
        if not digits.startswith(code_text) or digits[len(code_text) : len(code_text) + 1] in (
            "",
            "0",
        ):
            return None
        national = digits[len(code_text) :]
    elif len(digits) > 1 and digits[0] == "0" and digits[1] != "0":
        national = digits[1:]
    else:
        return None
    if len(national) > 14 or not is_valid(national):
        return None
    return f"+{code}{national}"


@functools.lru_cache(maxsize=65536)
def _parse_phone_piece(piece: str, region: str) -> tuple[str | None, str | None]:
    """Parse one phone piece to ``(e164, None)`` or ``(None, reason)``; ``(None, None)`` means
    the piece holds no number at all and is not worth reporting."""
    import phonenumbers

    text = _PHONE_EXTENSION.sub("", piece)
    text = _PHONE_TRUNK_ZERO.sub("", text).strip()
    text, numeric, error = _phone_float_repair(text)
    if error:
        return None, error
    first = _PHONE_FIRST.search(text)
    if first is None or (first.group() == "+" and not _HAS_DIGIT.search(text)):
        return None, "no digits"
    plus = first.group() == "+"  # "Tel: +27 ..." keeps its "+"
    digits = _NON_PHONE_CHARS.sub("", text).replace("+", "")
    if not digits.strip("0"):
        return None, None  # "0", "000": a formula's empty result, not a number
    fast = _fast_e164(digits, plus, region)
    if fast is None and numeric and not plus and digits[0] != "0":
        # A float reading lost the "+" or the trunk "0": take the reading that is valid.
        lost_plus = _fast_e164(digits, True, region)
        lost_zero = _fast_e164("0" + digits, False, region)
        if (lost_plus is None) != (lost_zero is None):
            fast = lost_plus or lost_zero
    if fast is not None:
        return fast, None
    candidates = ["+" + digits] if plus else [digits]
    if not plus:
        if digits.startswith("00"):
            candidates.append("+" + digits[2:])
        elif numeric and not digits.startswith("0"):
            # A number read as a float lost its "+" (or its trunk "0": handled by the parser).
            candidates.append("+" + digits)
    reason = "not a valid number"
    for candidate in candidates:
        try:
            number = phonenumbers.parse(candidate, region)
        except phonenumbers.NumberParseException as exc:
            reason = {
                phonenumbers.NumberParseException.INVALID_COUNTRY_CODE: "invalid country code",
                phonenumbers.NumberParseException.TOO_SHORT_NSN: "too short",
                phonenumbers.NumberParseException.TOO_SHORT_AFTER_IDD: "too short",
                phonenumbers.NumberParseException.TOO_LONG: "too long",
            }.get(exc.error_type, "not a phone number")
            continue
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), None
        if candidate is candidates[0]:
            possible = phonenumbers.is_possible_number_with_reason(number)
            reason = _PHONE_REASONS.get(possible, "not a valid number")
    return None, reason


def _split_run_on(piece: str, region: str) -> list[str] | None:
    """Split a space-separated run of several numbers (``082 123 4567 083 765 4321``).

    Tokens are grouped greedily: a group ends when it is a valid number and the next token starts
    a new one (``+`` or ``0``) or the run ends. Returns ``None`` unless every group is valid.
    """
    tokens = piece.split()
    if len(tokens) < 2:
        return None
    out: list[str] = []
    group: list[str] = []
    for i, token in enumerate(tokens):
        group.append(token)
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if nxt is not None and not nxt.startswith(("+", "0", "(")):
            continue
        e164, _ = _parse_phone_piece(" ".join(group), region)
        if e164 is not None:
            out.append(e164)
            group = []
    if group or len(out) < 2:
        return None
    return out


def parse_phones(value: object, region: str = "ZA") -> PhoneResult:
    """Parse every phone number in a cell.

    The cell is split on ``;``, ``,``, ``/``, ``|``, ``&``, newlines and the words ``or``,
    ``and`` and ``of`` (Afrikaans "or"); a run of numbers separated by spaces only is split
    where each number is valid. Each piece is
    stripped to digits and ``+`` (extensions and a ``(0)`` trunk prefix removed, a trailing
    ``.0`` or a float's exponent notation undone) and parsed with ``phonenumbers`` in ``region``.
    A number read as a float that lost its ``+`` or its leading ``0`` is repaired when that gives
    a valid number. A short digit group after a number (``011 123 4567/8``) replaces the last
    digits of that number. Returns the unique E.164 numbers in order and, for every piece that
    did not give one, ``(raw piece, reason)``. Placeholders give an empty result.
    """
    if value is None:
        return PhoneResult([], [])
    if isinstance(value, (_dt.date, _dt.time)):
        text = _raw_clean(value)
        return PhoneResult([], [(text, "not a phone number")] if text else [])
    if isinstance(value, float):
        if math.isnan(value):
            return PhoneResult([], [])
        if value.is_integer() and abs(value) < 1e17:
            value = int(value)
    text = _to_text(value)
    if not text:
        return PhoneResult([], [])
    region = (region or "ZA").upper()
    if isinstance(value, int) and not isinstance(value, bool):
        e164, reason = _parse_phone_piece(text, region)
        if e164:
            return PhoneResult([e164], [])
        return PhoneResult([], [(text, reason)] if reason else [])
    valid, rejected = _parse_phones_text(text, region)
    return PhoneResult(list(valid), list(rejected))


@functools.lru_cache(maxsize=65536)
def _parse_phones_text(
    text: str, region: str
) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    if "\n" in text or "\r" in text:
        text = text.replace("\r", "\n").replace("\n", ";")
    cleaned = _raw_clean(text)
    if cleaned is None or cleaned.casefold() in PLACEHOLDERS:
        return (), ()
    valid: list[str] = []
    rejected: list[tuple[str, str]] = []
    previous: str | None = None
    parts = _PHONE_SPLIT.split(cleaned)  # pieces with the separators between them
    for index in range(0, len(parts), 2):
        piece = parts[index].strip()
        if not piece or piece.casefold() in PLACEHOLDERS:
            continue
        separator = parts[index - 1] if index else ""
        if previous is not None and separator == "/" and piece.isdigit() and len(piece) <= 3:
            # "011 123 4567/8": the alternative differs in the last digits only.
            e164, reason = _parse_phone_piece(previous[: -len(piece)] + piece, region)
            if e164 is None:
                reason = "too short"
        else:
            e164, reason = _parse_phone_piece(piece, region)
            if e164 is None and reason is not None:
                several = _split_run_on(piece, region)
                if several:
                    for number in several:
                        if number not in valid:
                            valid.append(number)
                    previous = several[-1]
                    continue
        if e164 is not None:
            if e164 not in valid:
                valid.append(e164)
            previous = e164
        elif reason is not None:
            rejected.append((piece, reason))
    return tuple(valid), tuple(rejected)


# --- e-mails -----------------------------------------------------------------------------------


class EmailResult(NamedTuple):
    """E-mail addresses of one cell: unique valid lower-case addresses in order, and
    ``(raw piece, reason)`` for every piece that is not one."""

    valid: list[str]
    rejected: list[tuple[str, str]]


_EMAIL_SPLIT = re.compile(r"[;,|\s]+")
_EMAIL_DISPLAY = re.compile(r"[^<>;,|]*<([^<>]*)>")
_EMAIL_LABEL = re.compile(r"^\s*(?:e-?mail(?:\s+address)?|mail)\s*:\s*", re.IGNORECASE)
_EMAIL_MAILTO = re.compile(r"^mailto:", re.IGNORECASE)
_URL_LIKE = re.compile(
    r"^(?:[a-z][a-z0-9+.-]*://|www\.|(?:[a-z0-9-]+\.)*(?:facebook|fb|instagram|linkedin|twitter|"
    r"x|youtube|tiktok|wa)\.(?:com|me)(?:/|$))",
    re.IGNORECASE,
)
_EMAIL_STRIP = "\"'`()[]{}<>.:;,!?*"
_EMAIL_PATTERN = re.compile(
    r"^[a-z0-9_](?:[a-z0-9_%+=!#$&*?^{}~'-]|\.(?!\.))*"
    r"(?<!\.)@"
    r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+"
    r"(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$"
)


def _email_reason(token: str) -> str:
    if _URL_LIKE.match(token) or "/" in token:
        return "URL, not an e-mail address"
    if token.count("@") > 1:
        return "several @ in one address"
    if "@" not in token:
        return "not an e-mail address"
    if not token.isascii():
        return "non-ASCII characters in address"
    return "malformed e-mail address"


def parse_emails(value: object) -> EmailResult:
    """Parse every e-mail address in a cell.

    The cell is split on ``;``, ``,``, ``|``, ``/`` and whitespace (``Name <address>`` forms,
    ``mailto:`` and an ``E-mail:`` label are unwrapped first); each piece is trimmed of
    surrounding quotes and brackets and lower-cased. A piece is valid when it matches
    ``local@domain.tld``. URLs (a Facebook page in an e-mail cell, say) are rejected whole, with
    a reason, as is any other junk. Placeholders give an empty result.
    """
    text = _to_text(value)
    if not text:
        return EmailResult([], [])
    valid, rejected = _parse_emails_text(text)
    return EmailResult(list(valid), list(rejected))


@functools.lru_cache(maxsize=65536)
def _parse_emails_text(text: str) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    cleaned = _raw_clean(text)
    if cleaned is None or cleaned.casefold() in PLACEHOLDERS:
        return (), ()
    if "<" in cleaned:
        cleaned = _EMAIL_DISPLAY.sub(r" \1 ", cleaned)
    cleaned = _EMAIL_LABEL.sub("", cleaned)
    valid: list[str] = []
    rejected: list[tuple[str, str]] = []
    for raw_token in _EMAIL_SPLIT.split(cleaned):
        if not raw_token:
            continue
        token = _EMAIL_MAILTO.sub("", raw_token)
        if not token.strip(_EMAIL_STRIP + "/"):
            continue
        if "://" in token or ("@" not in token and (_URL_LIKE.match(token) or "/" in token)):
            rejected.append((raw_token, "URL, not an e-mail address"))
            continue
        for part in token.split("/") if "/" in token else (token,):
            address = part.strip(_EMAIL_STRIP).lower()
            if not address:
                continue
            if address.casefold() in PLACEHOLDERS:
                continue
            if _EMAIL_PATTERN.match(address):
                if address not in valid:
                    valid.append(address)
            else:
                rejected.append((part, _email_reason(address)))
    return tuple(valid), tuple(rejected)


# --- websites and domains ----------------------------------------------------------------------


class WebsiteResult(NamedTuple):
    """A website cell: canonical URL, registrable domain for matching, and the reason when a
    value was present but unusable."""

    url: str | None
    domain: str | None
    rejected: str | None


#: Free-mail and ISP mailbox domains: an address there says nothing about its organisation.
FREE_MAIL_DOMAINS: frozenset[str] = frozenset(
    [
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "yahoo.co.za",
        "yahoo.co.uk",
        "ymail.com",
        "rocketmail.com",
        "hotmail.com",
        "hotmail.co.za",
        "hotmail.co.uk",
        "outlook.com",
        "outlook.co.za",
        "live.com",
        "live.co.za",
        "live.co.uk",
        "msn.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "aol.com",
        "gmx.com",
        "gmx.net",
        "mail.com",
        "email.com",
        "protonmail.com",
        "proton.me",
        "pm.me",
        "zoho.com",
        "yandex.com",
        "tutanota.com",
        "mweb.co.za",
        "telkomsa.net",
        "webmail.co.za",
        "vodamail.co.za",
        "iafrica.com",
        "absamail.co.za",
        "lantic.net",
        "worldonline.co.za",
        "polka.co.za",
        "tiscali.co.za",
        "xsinet.co.za",
        "netactive.co.za",
        "afrihost.co.za",
        "cybersmart.co.za",
        "axxess.co.za",
        "mtnloaded.co.za",
        "wol.co.za",
        "saol.com",
        "mighty.co.za",
        "iburst.co.za",
        "global.co.za",
        "intekom.co.za",
        "icon.co.za",
        "imaginet.co.za",
    ]
)

#: Hosts shared by many organisations: a page there is a website, but the registrable domain is
#: no evidence of the organisation, so no domain is kept for matching.
SHARED_WEBSITE_DOMAINS: frozenset[str] = frozenset(
    [
        "facebook.com",
        "fb.com",
        "fb.me",
        "instagram.com",
        "linkedin.com",
        "twitter.com",
        "x.com",
        "youtube.com",
        "youtu.be",
        "tiktok.com",
        "wa.me",
        "whatsapp.com",
        "google.com",
        "goo.gl",
        "maps.app.goo.gl",
        "linktr.ee",
    ]
)

#: Site builders that give every customer a sub-domain: the full host is the domain.
_SUBDOMAIN_HOSTS: frozenset[str] = frozenset(
    [
        "wixsite.com",
        "wordpress.com",
        "blogspot.com",
        "weebly.com",
        "webnode.com",
        "webnode.page",
        "site123.me",
        "godaddysites.com",
        "squarespace.com",
        "business.site",
        "github.io",
        "netlify.app",
        "vercel.app",
    ]
)

_URL_PARTS = re.compile(
    r"^(?:(?P<scheme>[a-z][a-z0-9+.-]*):)?(?://)?(?P<host>[^/?#]*)(?P<path>[^?#]*)", re.I
)
_HOST_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_EMAIL_LIKE = re.compile(r"^[^/@\s]+@[^/@\s]+\.[a-z]{2,}$", re.IGNORECASE)
_WEBSITE_SPLIT = re.compile(r"[;,|\s]+")
_WEBSITE_STRIP = "\"'`()[]{}<>,;"
_IPV4 = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")


@functools.cache
def _extractor():
    import tldextract

    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


@functools.lru_cache(maxsize=32768)
def registrable_domain(host: str) -> str | None:
    """The registrable domain (``acme.co.za``) of a lower-case host, or ``None`` when the host
    has no known public suffix."""
    if not host or _IPV4.match(host):
        return None
    result = _extractor()(host)
    domain = result.top_domain_under_public_suffix
    if not domain:
        return None
    if domain in _SUBDOMAIN_HOSTS and result.subdomain:
        sub = result.subdomain.split(".")[-1]
        return f"{sub}.{domain}" if sub and sub != "www" else domain
    return domain


@functools.lru_cache(maxsize=32768)
def _normalise_website_text(text: str) -> WebsiteResult:
    reason = "not a website"
    for token in _WEBSITE_SPLIT.split(text):
        token = token.strip(_WEBSITE_STRIP)
        if not token or token.casefold() in PLACEHOLDERS:
            continue
        if _EMAIL_LIKE.match(token) or token.lower().startswith("mailto:"):
            reason = "e-mail address, not a website"
            continue
        result = _website_token(token)
        if isinstance(result, str):
            reason = result
            continue
        return result
    return WebsiteResult(None, None, reason)


def _website_token(token: str) -> WebsiteResult | str:
    """Canonical form of one URL-like token, or the reason it is unusable."""
    match = _URL_PARTS.match(token)
    if match is None:
        return "not a website"
    scheme = (match.group("scheme") or "").lower()
    host = match.group("host")
    path = match.group("path")
    if scheme and "//" not in token[: len(scheme) + 3]:
        # "acme.co.za:8080/x" parsed as scheme "acme.co.za"; re-read without a scheme.
        match = _URL_PARTS.match("//" + token)
        if match is None:
            return "not a website"
        scheme, host, path = "", match.group("host"), match.group("path")
    if scheme and scheme not in ("http", "https"):
        return f"unsupported scheme {scheme}"
    scheme = scheme or "https"
    if "@" in host:
        return "credentials in URL"
    port = ""
    if ":" in host:
        host, _, port = host.partition(":")
        if not port.isdigit():
            return "not a website"
        if (scheme, port) in (("http", "80"), ("https", "443")):
            port = ""
    host = host.lower().rstrip(".")
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            return "invalid host name"
    while host.startswith("www."):
        host = host[4:]
    labels = host.split(".")
    if len(labels) < 2:
        return "not a website"
    if not all(_HOST_LABEL.match(label) for label in labels):
        return "invalid host name"
    domain = registrable_domain(host)
    if domain is None and not _IPV4.match(host):
        return "unknown top-level domain"
    if domain in SHARED_WEBSITE_DOMAINS:
        domain = None
    path = path.rstrip("/" + _WEBSITE_STRIP)
    url = f"{scheme}://{host}{':' + port if port else ''}{path}"
    return WebsiteResult(url, domain, None)


def normalise_website(value: object) -> WebsiteResult:
    """Normalise a website cell to a canonical URL and its registrable domain.

    Adds ``https://`` when there is no scheme, lower-cases scheme and host, strips a leading
    ``www.``, drops query, fragment, default port and trailing ``/``. ``domain`` is the
    registrable domain (``acme.co.za``); it is ``None`` for shared hosts such as social networks
    (the URL is kept) and the full host for site builders that give customers sub-domains.
    When a cell holds several tokens the first usable one is taken. A present but unusable value
    (an e-mail address, an unknown suffix, junk) gives ``url=None`` and the reason in
    ``rejected``; missing values and placeholders give three ``None``.
    """
    text = _raw_clean(value)
    if text is None or text.casefold() in PLACEHOLDERS:
        return WebsiteResult(None, None, None)
    return _normalise_website_text(text)


def email_domain(email: str | None) -> str | None:
    """The registrable domain of an e-mail address (``jane@mail.acme.co.za`` →
    ``acme.co.za``), the bare host when it has no known suffix, ``None`` without an ``@``."""
    if not email or not isinstance(email, str) or "@" not in email:
        return None
    host = email.rsplit("@", 1)[1].strip().strip(".").lower()
    if not host:
        return None
    return registrable_domain(host) or host


# --- provinces ---------------------------------------------------------------------------------


class ProvinceResult(NamedTuple):
    """A province cell: the canonical province, and the cleaned source text when it did not map
    (including ``Unknown``)."""

    province: str | None
    raw: str | None


_EC, _FS, _GP, _KZN, _LP, _MP, _NW, _NC, _WC = PROVINCES

# Keys are lower-case with every non-alphanumeric character removed.
_PROVINCE_ALIASES: dict[str, str] = {
    **{re.sub(r"[^a-z0-9]", "", p.lower()): p for p in PROVINCES},
    # Eastern Cape
    "ec": _EC,
    "ecape": _EC,
    "eastcape": _EC,
    "easterncapeprovince": _EC,
    "ooskaap": _EC,
    # Free State
    "fs": _FS,
    "ofs": _FS,
    "orangefreestate": _FS,
    "freestateprovince": _FS,
    "vrystaat": _FS,
    # Gauteng
    "gp": _GP,
    "gt": _GP,
    "gau": _GP,
    "gtg": _GP,
    "gauteng": _GP,
    "gautengprovince": _GP,
    "pwv": _GP,
    # KwaZulu-Natal
    "kzn": _KZN,
    "kn": _KZN,
    "natal": _KZN,
    "kwazulu": _KZN,
    "kwazulunatalprovince": _KZN,
    "kwazulunatall": _KZN,
    # Limpopo
    "lp": _LP,
    "lim": _LP,
    "limpopoprovince": _LP,
    "northernprovince": _LP,
    # Mpumalanga
    "mp": _MP,
    "mpu": _MP,
    "mpumalangaprovince": _MP,
    # North West
    "nw": _NW,
    "northwestprovince": _NW,
    "nwest": _NW,
    "noordwes": _NW,
    # Northern Cape
    "nc": _NC,
    "ncape": _NC,
    "northcape": _NC,
    "northerncapeprovince": _NC,
    "noordkaap": _NC,
    # Western Cape
    "wc": _WC,
    "wcape": _WC,
    "westcape": _WC,
    "westerncapeprovince": _WC,
    "weskaap": _WC,
}

# Words and word pairs (lower-case, space-separated) that place a value in one province.
_PROVINCE_HINTS: dict[str, str] = {
    # Gauteng
    "pretoria": _GP,
    "tshwane": _GP,
    "johannesburg": _GP,
    "joburg": _GP,
    "jozi": _GP,
    "jhb": _GP,
    "jnb": _GP,
    "pta": _GP,
    "midrand": _GP,
    "centurion": _GP,
    "sandton": _GP,
    "randburg": _GP,
    "roodepoort": _GP,
    "benoni": _GP,
    "boksburg": _GP,
    "germiston": _GP,
    "kempton": _GP,
    "kempton park": _GP,
    "lanseria": _GP,
    "krugersdorp": _GP,
    "springs": _GP,
    "vereeniging": _GP,
    "vanderbijlpark": _GP,
    "soweto": _GP,
    "ekurhuleni": _GP,
    "grand central": _GP,
    "wonderboom": _GP,
    "rand airport": _GP,
    "east rand": _GP,
    "west rand": _GP,
    # Western Cape
    "cape town": _WC,
    "stellenbosch": _WC,
    "paarl": _WC,
    "worcester": _WC,
    "oudtshoorn": _WC,
    "george": _WC,
    "mossel bay": _WC,
    "plettenberg bay": _WC,
    "knysna": _WC,
    "somerset west": _WC,
    "durbanville": _WC,
    "bellville": _WC,
    "hermanus": _WC,
    "saldanha": _WC,
    "langebaan": _WC,
    "beaufort west": _WC,
    # KwaZulu-Natal
    "durban": _KZN,
    "pietermaritzburg": _KZN,
    "pmb": _KZN,
    "richards bay": _KZN,
    "margate": _KZN,
    "ballito": _KZN,
    "umhlanga": _KZN,
    "newcastle": _KZN,
    "ladysmith": _KZN,
    "umhlali": _KZN,
    # Eastern Cape
    "port elizabeth": _EC,
    "gqeberha": _EC,
    "east london": _EC,
    "mthatha": _EC,
    "umtata": _EC,
    "makhanda": _EC,
    "grahamstown": _EC,
    "jeffreys bay": _EC,
    # Free State
    "bloemfontein": _FS,
    "welkom": _FS,
    "bethlehem": _FS,
    "sasolburg": _FS,
    "parys": _FS,
    "kroonstad": _FS,
    # Limpopo
    "polokwane": _LP,
    "pietersburg": _LP,
    "tzaneen": _LP,
    "hoedspruit": _LP,
    "phalaborwa": _LP,
    "thohoyandou": _LP,
    "mokopane": _LP,
    "bela bela": _LP,
    "lephalale": _LP,
    # Mpumalanga
    "nelspruit": _MP,
    "mbombela": _MP,
    "white river": _MP,
    "witbank": _MP,
    "emalahleni": _MP,
    "secunda": _MP,
    "ermelo": _MP,
    "malelane": _MP,
    # North West
    "rustenburg": _NW,
    "brits": _NW,
    "potchefstroom": _NW,
    "klerksdorp": _NW,
    "mahikeng": _NW,
    "mafikeng": _NW,
    "hartbeespoort": _NW,
    "pilanesberg": _NW,
    # Northern Cape
    "kimberley": _NC,
    "upington": _NC,
    "springbok": _NC,
    "kuruman": _NC,
}

# Canonical names as word sequences, for values such as "Gauteng (Pretoria)".
_PROVINCE_PHRASES: dict[str, str] = {
    **{re.sub(r"[^a-z0-9]+", " ", p.lower()).strip(): p for p in PROVINCES},
    "kwazulu natal": _KZN,
    "kwa zulu natal": _KZN,
    "kzn": _KZN,
    "w cape": _WC,
    "e cape": _EC,
    "n cape": _NC,
    "gp": _GP,
}
_PROVINCE_PHRASES.update(_PROVINCE_HINTS)

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def _fold(text: str) -> str:
    """Lower-case ASCII fold: accents removed, other non-ASCII letters dropped."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD_TABLE))
    return decomposed.encode("ascii", "ignore").decode("ascii").lower()


@functools.lru_cache(maxsize=4096)
def _province_lookup(text: str) -> str | None:
    folded = _fold(text)
    compact = _NON_ALNUM.sub("", folded)
    province = _PROVINCE_ALIASES.get(compact)
    if province is not None:
        return province
    words = _NON_ALNUM.sub(" ", folded).split()
    found: set[str] = set()
    for size in (3, 2, 1):
        for i in range(len(words) - size + 1):
            hit = _PROVINCE_PHRASES.get(" ".join(words[i : i + size]))
            if hit is not None:
                found.add(hit)
    if len(found) == 1:
        return found.pop()
    if len(found) > 1:
        # Several provinces hinted: one named in full wins over city hints.
        padded = f" {' '.join(words)} "
        named = {p for p in found if f" {_NON_ALNUM.sub(' ', p.lower()).strip()} " in padded}
        if len(named) == 1:
            return named.pop()
    return None


def normalise_province(value: object) -> ProvinceResult:
    """Map a province cell to one of the nine South African provinces.

    Accepts the canonical names in any case and punctuation, abbreviations (``KZN``, ``GP``,
    ``WC``, ``W Cape``, ``WCape`` ...), old and Afrikaans names, and city hints (``Pretoria``,
    ``Johannesburg``, ``Cape Town``, ``Durban`` ...) when they point to one province only.
    ``Unknown`` and anything that does not map give ``(None, cleaned text)``; missing values
    give ``(None, None)``.
    """
    text = _raw_clean(value)
    if text is None:
        return ProvinceResult(None, None)
    if text in PROVINCES:
        return ProvinceResult(text, None)
    province = _province_lookup(text)
    if province is None:
        return ProvinceResult(None, text)
    return ProvinceResult(province, None)


# --- people ------------------------------------------------------------------------------------


class Person(NamedTuple):
    """One person found in a contact cell."""

    full_name: str
    first_name: str | None
    last_name: str | None
    role: str | None


_PEOPLE_SPLIT = re.compile(r"\s*[;\n|]\s*")
_PERSON_CONNECTOR = re.compile(r"(\s*&\s*|\s+and\s+|\s*\+\s*|\s*/\s*|\s*,\s*)", re.IGNORECASE)
_ROLE_DASH = re.compile(r"\s+[-‐‑–—]+\s+|\s*[–—]+\s*|\s+-+$|^-+\s+")
_QUOTED = re.compile(r"\"[^\"]*\"|“[^”]*”|„[^“”]*[“”]|(?<!\w)'[^']*'(?!\w)|‘[^’]*’")
_PAREN = re.compile(r"\(([^()]*)\)|\[([^\[\]]*)\]")
_HONORIFICS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "miss",
        "mx",
        "dr",
        "prof",
        "professor",
        "capt",
        "captain",
        "cpt",
        "sir",
        "dame",
        "rev",
        "adv",
        "col",
        "colonel",
        "maj",
        "major",
        "gen",
        "lt",
        "lieut",
        "cmdr",
        "cdr",
        "brig",
        "mnr",
        "mev",
        "mej",
        "ds",
    ]
)
_SURNAME_PARTICLES = frozenset(
    [
        "van",
        "von",
        "de",
        "du",
        "der",
        "den",
        "le",
        "la",
        "da",
        "di",
        "del",
        "della",
        "dos",
        "das",
        "ter",
        "ten",
        "st",
        "janse",
    ]
)
_ROLE_WORDS = frozenset(
    [
        "ceo",
        "cfo",
        "coo",
        "cto",
        "cio",
        "md",
        "gm",
        "hr",
        "pa",
        "ops",
        "owner",
        "coowner",
        "co-owner",
        "founder",
        "cofounder",
        "co-founder",
        "director",
        "directors",
        "manager",
        "managers",
        "management",
        "managing",
        "head",
        "chief",
        "principal",
        "president",
        "vice",
        "chair",
        "chairman",
        "chairperson",
        "chairwoman",
        "partner",
        "partners",
        "proprietor",
        "member",
        "members",
        "officer",
        "executive",
        "admin",
        "administrator",
        "administration",
        "administrative",
        "secretary",
        "reception",
        "receptionist",
        "sales",
        "marketing",
        "accounts",
        "accountant",
        "accounting",
        "finance",
        "financial",
        "bookings",
        "booking",
        "operations",
        "operational",
        "office",
        "assistant",
        "coordinator",
        "co-ordinator",
        "supervisor",
        "lead",
        "controller",
        "dispatcher",
        "consultant",
        "representative",
        "rep",
        "agent",
        "broker",
        "underwriter",
        "planner",
        "technician",
        "mechanic",
        "engineer",
        "engineers",
        "engineering",
        "instructor",
        "instructors",
        "flying",
        "flight",
        "ground",
        "school",
        "training",
        "pilot",
        "pilots",
        "captain",
        "examiner",
        "dpe",
        "cfi",
        "hot",
        "ato",
        "ame",
        "amo",
        "aocm",
        "qm",
        "qa",
        "quality",
        "safety",
        "compliance",
        "accountable",
        "maintenance",
        "technical",
        "training",
        "student",
        "students",
        "senior",
        "junior",
        "assistant",
        "deputy",
        "acting",
        "general",
        "customer",
        "service",
        "services",
        "support",
        "enquiries",
        "enquiry",
        "info",
        "contact",
        "person",
        "main",
        "primary",
        "sole",
    ]
)
_NOTE_WORDS = frozenset(["of", "the", "for", "in", "at", "to", "is", "no", "not", "via", "see"])
_ROLE_FILLERS = frozenset(["of", "the", "for", "and", "&", "in", "at", "to"])
_NAME_JUNK = re.compile(r"\S*@\S*|\+?\d[\d\s()-]{5,}\d|https?://\S+|www\.\S+", re.IGNORECASE)
_HAS_LETTER = re.compile(r"[^\W\d_]")
_BRACKETS_TO_SPACE = str.maketrans(dict.fromkeys("()[]{}<>", " "))


def _words(text: str) -> list[str]:
    return [w.strip(".,:'\"").casefold() for w in text.split()]


def _is_role_text(text: str) -> bool:
    """True when every word is a role word or filler and at least one is a role word."""
    words = [w for w in _words(text) if w]
    if not words:
        return False
    has_role = False
    for word in words:
        if word in _ROLE_WORDS:
            has_role = True
        elif word not in _ROLE_FILLERS and word not in _ROLE_WORDS:
            return False
    return has_role


def _strip_name(text: str) -> tuple[str, bool]:
    """Remove quoted nicknames, contact details and honorifics; returns (name, had_honorific)."""
    text = _QUOTED.sub(" ", text)
    text = _NAME_JUNK.sub(" ", text)
    tokens = text.translate(_BRACKETS_TO_SPACE).split()
    tokens = [t.strip(",:;\"'") for t in tokens]
    tokens = [t for t in tokens if t and _HAS_LETTER.search(t)]
    honorific = False
    while tokens and tokens[0].rstrip(".").casefold() in _HONORIFICS and len(tokens) > 1:
        tokens.pop(0)
        honorific = True
    if len(tokens) == 1 and tokens[0].rstrip(".").casefold() in _HONORIFICS:
        return "", True
    return " ".join(tokens), honorific


def _is_name(name: str) -> bool:
    """False for text that reads as a note rather than a name (``of``, ``the``, ``for`` ...)."""
    return not any(word in _NOTE_WORDS for word in _words(name))


def _name_parts(name: str, honorific: bool) -> tuple[str | None, str | None]:
    tokens = name.split()
    if not tokens:
        return None, None
    if len(tokens) == 1:
        return (None, tokens[0]) if honorific else (tokens[0], None)
    start = len(tokens) - 1
    for i in range(1, len(tokens) - 1):
        if tokens[i].casefold() in _SURNAME_PARTICLES:
            start = i
            break
    return " ".join(tokens[:start]), " ".join(tokens[start:])


def _split_name_role(piece: str) -> tuple[str, str | None]:
    """Split one person's text into (name text, role text)."""
    role: str | None = None
    text = piece
    # "Name (Role)" and "First (Nick) Last"
    for match in reversed(list(_PAREN.finditer(text))):
        inner = (match.group(1) or match.group(2) or "").strip()
        after = text[match.end() :].strip()
        before = text[: match.start()].strip()
        if not after and not before.strip(":-–— ") and inner:
            text = inner  # the whole piece in brackets
            continue
        if not after and _is_role_text(before) and not _is_role_text(inner):
            # "Chief Flying Instructor (Jane Doe)": the name is in the brackets.
            role = before if role is None else f"{before}, {role}"
            text = inner
            continue
        if not after or _is_role_text(inner) or _ROLE_DASH.search(after):
            if inner:
                role = inner if role is None else f"{inner}, {role}"
            text = f"{before} {after}".strip()
        else:
            text = f"{before} {after}".strip()  # a nickname in brackets
    # "Name — Role", "Name - Role"
    dash = _ROLE_DASH.search(text)
    if dash:
        left, right = text[: dash.start()].strip(), text[dash.end() :].strip()
        if left and right:
            if _is_role_text(left) and not _is_role_text(right):
                left, right = right, left
            role = right if role is None else f"{right}, {role}"
            text = left
        else:
            text = left or right
    # "Role: Name" and "Name: Role"
    if ":" in text:
        left, _, right = text.partition(":")
        left, right = left.strip(), right.strip()
        if _is_role_text(left) and right:
            role = left if role is None else f"{left}, {role}"
            text = right
        elif _is_role_text(right) and left:
            role = right if role is None else f"{right}, {role}"
            text = left
    return text, role


def _join_role(a: str | None, connector: str, b: str) -> str:
    if not a:
        return b
    sep = connector.strip() or " "
    if sep == ",":
        return f"{a}, {b}"
    if sep == "/":
        return f"{a}/{b}"
    return f"{a} {sep} {b}"


def _inside_brackets(text: str) -> list[bool]:
    """For every position, whether it lies inside brackets or double quotes."""
    flags: list[bool] = []
    depth = 0
    quoted = False
    for char in text:
        if char in "([{":
            depth += 1
        elif char in ")]}" and depth:
            depth -= 1
        elif char in '"“”':
            quoted = not quoted
        flags.append(depth > 0 or quoted)
    if depth or quoted:
        return [False] * len(text)  # unbalanced: brackets give no structure
    return flags


def _split_outside_brackets(text: str, pattern: re.Pattern[str]) -> list[str]:
    """Split ``text`` on ``pattern`` where the match does not lie inside brackets or quotes."""
    if not pattern.search(text):
        return [text]
    inside = _inside_brackets(text)
    parts: list[str] = []
    last = 0
    for match in pattern.finditer(text):
        if inside[match.start()]:
            continue
        parts.append(text[last : match.start()])
        last = match.end()
    parts.append(text[last:])
    return parts


def _people_in_chunk(chunk: str) -> list[tuple[str, str | None, bool]]:
    """People of one ``;``/newline-separated chunk as (name, role, had_honorific)."""
    # Split on connectors outside brackets and quotes.
    inside = _inside_brackets(chunk)
    pieces: list[str] = []
    connectors: list[str] = []
    last = 0
    for match in _PERSON_CONNECTOR.finditer(chunk):
        if inside[match.start()] or match.start() < last:
            continue
        pieces.append(chunk[last : match.start()])
        connectors.append(match.group(1))
        last = match.end()
    pieces.append(chunk[last:])

    people: list[list] = []  # [name, role, honorific, role_open]
    pending_role: str | None = None
    for index, piece in enumerate(pieces):
        connector = connectors[index - 1] if index else ""
        piece = piece.strip()
        if not piece:
            continue
        name, role = _split_name_role(piece)
        name, honorific = _strip_name(name)
        if name and not _is_name(name):
            continue
        if not name and not honorific:
            role_text = role or (piece if _is_role_text(piece) else None)
            if role_text is None:
                continue
            if people and (people[-1][3] or people[-1][1] is None):
                people[-1][1] = _join_role(people[-1][1], connector, role_text)
                people[-1][3] = True
            else:
                pending_role = _join_role(pending_role, connector, role_text)
            continue
        if _is_role_text(name):
            if role:
                name = f"{name} ({role})"
            if people and people[-1][3]:
                people[-1][1] = _join_role(people[-1][1], connector, name)
                continue
            if people and people[-1][1] is None and connector.strip() in (",", ""):
                people[-1][1] = name
                people[-1][3] = True
                continue
            pending_role = _join_role(pending_role, connector, name)
            continue
        if (
            people
            and connector.strip() == ","
            and role is None
            and len(name.split()) == 1
            and len(people[-1][0].split()) == 1
            and people[-1][1] is None
        ):
            # "Doe, Jane": last name first.
            people[-1][0] = f"{name} {people[-1][0]}"
            continue
        if role is None and pending_role:
            role, pending_role = pending_role, None
        role_open = role is not None and not piece.rstrip().endswith((")", "]"))
        people.append([name, role, honorific, role_open])

    # "Jane & John Smith": a lone first name borrows the next surname.
    for i in range(len(people) - 1):
        if len(people[i][0].split()) <= 1:
            following = people[i + 1][0].split()
            if len(following) >= 2:
                _, last_name = _name_parts(people[i + 1][0], people[i + 1][2])
                if people[i][0] and last_name:
                    people[i][0] = f"{people[i][0]} {last_name}"
    if pending_role and people:
        people[-1][1] = _join_role(people[-1][1], ",", pending_role)
    return [(p[0], p[1], p[2]) for p in people if p[0]]


def split_people(value: object) -> list[Person]:
    """Split a contact-person cell into people with names and roles.

    Handles ``First Last (Role)``, ``First Last — Role`` (em dash, en dash or a spaced hyphen),
    ``Role: First Last``, quoted nicknames (``John "JJ" Smith``), honorifics (Mr, Mrs, Ms, Dr,
    Capt, ... are dropped from the name), and several people separated by ``;``, newlines,
    ``|``, ``&``, ``and``, ``/`` or ``,``. Connectors inside a role (``Owner & CFI``) stay in the
    role. A lone first name takes the surname of the next person (``Jane & John Smith``). The last
    word is the surname unless a particle (``van``, ``du``, ``de`` ...) starts it earlier. Roles
    without a name (``Reception``), notes (text with ``not``, ``of``, ``see`` ...) and contact
    details give no person. Duplicates are dropped.
    """
    text = _to_text(value)
    if not text:
        return []
    return list(_split_people_text(text))


@functools.lru_cache(maxsize=16384)
def _split_people_text(text: str) -> tuple[Person, ...]:
    if is_placeholder(text):
        return ()
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    people: list[Person] = []
    seen: set[tuple[str, str]] = set()
    for raw_chunk in _split_outside_brackets(text, _PEOPLE_SPLIT):
        chunk = clean_text(raw_chunk)
        if not chunk:
            continue
        for name, role, honorific in _people_in_chunk(chunk):
            first, last = _name_parts(name, honorific)
            role_clean = clean_text(role.strip(" ,-:")) if role else None
            key = (name.casefold(), (role_clean or "").casefold())
            if key in seen:
                continue
            seen.add(key)
            people.append(Person(name, first, last, role_clean))
    return tuple(people)


# --- organisation names ------------------------------------------------------------------------

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
_TRADING_AS = re.compile(r"\b(?:t/a|trading\s+as|h/a|handeldrywend\s+as)\b\s*", re.IGNORECASE)
_REG_NUMBER = re.compile(r"\(?\b\d{4}\s*/\s*\d{4,7}\s*/\s*\d{2}\b\)?")
_INITIALISM = re.compile(r"\b(?:[a-z]\.){1,}[a-z]\b\.?")
_APOSTROPHES = re.compile(r"['’`´]")
_KEY_PUNCT = re.compile(r"[^a-z0-9]+")

_LEGAL_SUFFIXES = frozenset(
    [
        "pty",
        "ptd",
        "ltd",
        "limited",
        "proprietary",
        "cc",
        "inc",
        "incorporated",
        "npc",
        "nfp",
        "npo",
        "soc",
        "rf",
        "llc",
        "plc",
        "corp",
        "gmbh",
        "bv",
    ]
)
_INNER_LEGAL_WORDS = frozenset({"pty", "ptd", "ltd", "proprietary"})
_KEY_SYNONYMS: dict[str, str] = {
    "intl": "international",
    "internat": "international",
    "internatl": "international",
    "avn": "aviation",
    "aviatn": "aviation",
    "svc": "services",
    "svcs": "services",
    "servs": "services",
    "acad": "academy",
    "trg": "training",
    "maint": "maintenance",
    "mnt": "maintenance",
    "engg": "engineering",
    "mgmt": "management",
    "center": "centre",
    "organization": "organisation",
}

#: Words that say what kind of organisation it is rather than which one: dropped from tokens.
#: One vocabulary for capture and matching (``lib.vocabulary``).
ORGANISATION_NOISE_WORDS: frozenset[str] = PROFILE_NOISE_WORDS


@functools.lru_cache(maxsize=65536)
def _organisation_key_text(text: str) -> str | None:
    trading = _TRADING_AS.split(text, maxsplit=1)
    if len(trading) == 2 and _HAS_LETTER.search(trading[1]):
        text = trading[1]
    text = _fold(text)
    if "/" in text:
        text = _REG_NUMBER.sub(" ", text)
    if "'" in text or "`" in text:
        text = _APOSTROPHES.sub("", text)
    if "." in text:
        text = _INITIALISM.sub(lambda m: m.group(0).replace(".", ""), text)
    if "&" in text or "+" in text:
        text = text.replace("&", " and ").replace("+", " and ")
    tokens = _KEY_PUNCT.sub(" ", text).split()
    tokens = [_KEY_SYNONYMS.get(t, t) for t in tokens]
    while len(tokens) > 1 and tokens[-1] in _LEGAL_SUFFIXES:
        tokens.pop()
    # "(Pty) Ltd" in the middle of a name, before a branch or division name.
    tokens = [t for i, t in enumerate(tokens) if i == 0 or t not in _INNER_LEGAL_WORDS]
    while len(tokens) > 1 and tokens[-1] in _LEGAL_SUFFIXES:
        tokens.pop()
    key = " ".join(tokens)
    if not key or key in PLACEHOLDERS:
        return None
    return key


def organisation_key(name: object) -> str | None:
    """The matching key of an organisation name.

    Lower-case, ASCII-folded, punctuation removed (initialisms such as ``S.A.`` closed up),
    ``&`` written ``and``, abbreviations unified (``Intl`` → ``international``, ``Avn`` →
    ``aviation`` ...), trailing legal suffixes removed (``(Pty) Ltd``, ``Pty Ltd``, ``Ltd``,
    ``Limited``, ``CC``, ``Inc``, ``NPC``, ``SOC``, ``RF`` ...), whitespace collapsed. A trading
    name (``X Holdings t/a Y``) keys on the trading name. ``Flying`` and ``Flight`` stay distinct
    here; :func:`organisation_tokens` drops such noise words. Empty names give ``None``.
    """
    text = clean_text(name)
    if text is None:
        return None
    return _organisation_key_text(text)


# Column-wide form of the key rules, for lower-case ASCII names without the characters and words
# that need the full per-value rules (trading names, registration numbers, apostrophes,
# initialisms, ``&``/``+``): punctuation becomes spaces for all names at once, and the token rules
# (synonyms, legal suffixes) run per name on plain token lists.
_KEY_RULE_CHARS = ("/", "'", "`", ".", "&", "+")
_KEY_RULE_WORDS = ("trading", "handeldrywend")
_KEY_TRANSLATE = str.maketrans(
    {c: " " for c in map(chr, range(128)) if c != "\n" and not (c.isdigit() or c.islower())}
)
_KEY_SYNONYM_WORDS = frozenset(_KEY_SYNONYMS)


def _key_tokens(tokens: list[str]) -> str | None:
    """Key of a name's tokens (lower-case ASCII words) by the rules of ``_organisation_key_text``."""
    if not _KEY_SYNONYM_WORDS.isdisjoint(tokens):
        tokens = [_KEY_SYNONYMS.get(t, t) for t in tokens]
    while len(tokens) > 1 and tokens[-1] in _LEGAL_SUFFIXES:
        tokens.pop()
    if len(tokens) > 1 and not _INNER_LEGAL_WORDS.isdisjoint(tokens[1:]):
        tokens = [t for i, t in enumerate(tokens) if i == 0 or t not in _INNER_LEGAL_WORDS]
        while len(tokens) > 1 and tokens[-1] in _LEGAL_SUFFIXES:
            tokens.pop()
    key = " ".join(tokens)
    return key if key and key not in PLACEHOLDERS else None


def _lines_needing_rules(joined: str) -> set[int]:
    """Indices of the lines of ``joined`` that hold a character or word of the per-value key
    rules (non-ASCII text, ``/``, ``'``, `````, ``.``, ``&``, ``+``, trading-name words)."""
    needles = [x for x in _KEY_RULE_CHARS + _KEY_RULE_WORDS if x in joined]
    ascii_only = joined.isascii()
    if not needles and ascii_only:
        return set()
    lines = joined.split("\n")
    slow: set[int] = set()
    if not ascii_only:
        slow.update(i for i, x in enumerate(lines) if not x.isascii())
    for needle in needles:
        slow.update(i for i, x in enumerate(lines) if needle in x)
    return slow


_KEY_TOKEN_RULE_WORDS = _KEY_SYNONYM_WORDS | _LEGAL_SUFFIXES | _INNER_LEGAL_WORDS


def organisation_keys(values: Iterable[object]) -> list[str | None]:
    """``[organisation_key(v) for v in values]``, for whole columns.

    Each distinct value is keyed once. Names whose clean text is ASCII without ``/``, ``'``,
    `````, ``.``, ``&``, ``+`` or a trading-name phrase (most names) are keyed with the
    punctuation rule applied to all of them at once and the token rules only where a synonym or
    legal word occurs; the others take :func:`organisation_key`.
    """
    values = values if isinstance(values, list) else list(values)
    if not set(map(type, values)) <= {str, type(None)}:
        # Other cell types (numbers, dates) may compare equal across types (1 == 1.0 == True)
        # while giving different keys: key each value on its own.
        return [organisation_key(v) for v in values]
    return _keys_of_texts(values, clean=False)


def organisation_keys_of_clean_text(texts: Iterable[str | None]) -> list[str | None]:
    """:func:`organisation_keys` of values that are already :func:`clean_text` output (or
    ``None``), without cleaning them again."""
    return _keys_of_texts(texts if isinstance(texts, list) else list(texts), clean=True)


def _keys_of_texts(values: list[str | None], *, clean: bool) -> list[str | None]:
    distinct = list(dict.fromkeys(values))
    texts = distinct if clean else clean_text_many(distinct)
    present: list[int] | None = None
    originals = texts
    if None in texts:
        present = [i for i, t in enumerate(texts) if t is not None]
        originals = [texts[i] for i in present]
    joined = "\n".join(originals).lower()
    lines = joined.translate(_KEY_TRANSLATE).split("\n")
    if len(lines) != len(originals):  # pragma: no cover - clean text holds no line break
        keyed = [_organisation_key_text(t) for t in originals]
    else:
        rules = _KEY_TOKEN_RULE_WORDS
        keyed = [
            _key_tokens(tokens)
            if not rules.isdisjoint(tokens := line.split())
            else (key if (key := " ".join(tokens)) and key not in PLACEHOLDERS else None)
            for line in lines
        ]
        for j in _lines_needing_rules(joined):
            keyed[j] = _organisation_key_text(originals[j])
    if present is None:
        keys = keyed
    else:
        keys = [None] * len(distinct)
        for j, i in enumerate(present):
            keys[i] = keyed[j]
    if len(distinct) == len(values):
        return keys
    by_value = dict(zip(distinct, keys, strict=True))
    return [by_value[v] for v in values]


def organisation_tokens(name: object) -> list[str]:
    """The key's tokens without noise words (aviation, flight, flying, school, academy, aero,
    club, training, centre, services, the, and ...), in order, for blocking and scoring.

    When every token is a noise word the key's tokens are returned unchanged, so that a name
    such as ``Aero Club`` still has tokens.
    """
    key = organisation_key(name)
    if key is None:
        return []
    tokens = key.split()
    core = [t for t in tokens if t not in ORGANISATION_NOISE_WORDS]
    return core or tokens


# --- dates -------------------------------------------------------------------------------------

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

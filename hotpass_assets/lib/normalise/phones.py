"""Phone cells: several numbers per cell, float damage repaired (``27821234567.0``,
``2.7821234567E10``, a lost leading ``0``), parsed with ``phonenumbers`` and kept as E.164;
invalid pieces are returned with a reason, never dropped."""

from __future__ import annotations

import datetime as _dt
import functools
import math
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

from hotpass_assets.lib.normalise.text import PLACEHOLDERS, _raw_clean, _to_text

__all__ = ["PhoneResult", "parse_phones"]


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

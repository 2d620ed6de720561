"""E-mail cells: several addresses per cell, lower-cased, checked against an address pattern;
URLs and junk are returned with a reason."""

from __future__ import annotations

import functools
import re
from typing import NamedTuple

from hotpass_assets.lib.normalise.text import PLACEHOLDERS, _raw_clean, _to_text

__all__ = ["EmailResult", "parse_emails"]


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

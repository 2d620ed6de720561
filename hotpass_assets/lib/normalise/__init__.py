"""Per-value normalisation of spreadsheet cells: text, phones, e-mails, websites, provinces,
people, organisation names and dates.

Every function takes one cell value, which is usually ``str`` (workbooks are read as text) but may
also be ``None``, a float ``NaN``, an ``int``, a ``float`` or a ``datetime``; none of them raises on
odd input. The rules, one module each:

- :mod:`.text`: strip, Unicode NFKC (a non-breaking space becomes a space), collapse whitespace
  runs, drop zero-width characters; empty values and placeholders (``-``, ``—``, ``n/a``,
  ``none``, ``tbc``, ``unknown`` ...) become ``None``.
- :mod:`.phones`: several numbers per cell, float damage repaired (``27821234567.0``,
  ``2.7821234567E10``, a lost leading ``0``), parsed with ``phonenumbers`` and kept as E.164;
  invalid pieces are returned with a reason, never dropped.
- :mod:`.emails`: several addresses per cell, lower-cased, checked against an address pattern;
  URLs and junk are returned with a reason.
- :mod:`.websites`: canonical URL plus the registrable domain used for matching.
- :mod:`.provinces`: the nine South African provinces with aliases and city hints.
- :mod:`.people`: ``First Last (Role)`` / ``First Last — Role`` cells, several people per cell.
- :mod:`.organisations`: a matching key (folded, punctuation and legal suffixes removed) and its
  noise-free tokens.
- :mod:`.dates`: ISO dates, day-first text dates, optional Excel serial day numbers.

The word lists shared with the matcher (noise words, legal forms, abbreviations, free-mail
domains) live in :mod:`hotpass_assets.lib.vocabulary`.

The functions are called once per cell over large sheets, so they use precompiled patterns, fast
paths for empty values and bounded caches for the expensive lookups. Nothing costly happens at
import time: the public-suffix extractor is built on first use.
"""

from hotpass_assets.lib.normalise.dates import parse_date
from hotpass_assets.lib.normalise.emails import EmailResult, parse_emails
from hotpass_assets.lib.normalise.organisations import (
    ORGANISATION_NOISE_WORDS,
    organisation_key,
    organisation_keys,
    organisation_keys_of_clean_text,
    organisation_tokens,
)
from hotpass_assets.lib.normalise.people import Person, split_people
from hotpass_assets.lib.normalise.phones import PhoneResult, parse_phones

# The phone fast path, which the phone tests compare with the full parse.
from hotpass_assets.lib.normalise.phones import _fast_e164 as _fast_e164
from hotpass_assets.lib.normalise.provinces import PROVINCES, ProvinceResult, normalise_province
from hotpass_assets.lib.normalise.text import (
    PLACEHOLDER_MAX_LEN,
    PLACEHOLDERS,
    clean_text,
    clean_text_many,
    is_blank,
    is_placeholder,
    split_list,
    split_multi,
)
from hotpass_assets.lib.normalise.websites import (
    SHARED_WEBSITE_DOMAINS,
    WebsiteResult,
    email_domain,
    normalise_website,
    registrable_domain,
)
from hotpass_assets.lib.vocabulary import FREE_MAIL_DOMAINS

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
    "is_blank",
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

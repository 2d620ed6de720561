"""Organisation names: a matching key (folded, punctuation and legal suffixes removed) and its
noise-free tokens, per value and for whole columns."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence

from hotpass_assets.lib.normalise.text import (
    _HAS_LETTER,
    PLACEHOLDERS,
    _fold,
    clean_text,
    clean_text_many,
)
from hotpass_assets.lib.vocabulary import LEGAL_FORM_WORDS, NAME_ABBREVIATIONS, PROFILE_NOISE_WORDS

__all__ = [
    "ORGANISATION_NOISE_WORDS",
    "organisation_key",
    "organisation_keys",
    "organisation_keys_of_clean_text",
    "organisation_tokens",
]

_TRADING_AS = re.compile(r"\b(?:t/a|trading\s+as|h/a|handeldrywend\s+as)\b\s*", re.IGNORECASE)
_REG_NUMBER = re.compile(r"\(?\b\d{4}\s*/\s*\d{4,7}\s*/\s*\d{2}\b\)?")
_INITIALISM = re.compile(r"\b(?:[a-z]\.){1,}[a-z]\b\.?")
_APOSTROPHES = re.compile(r"['’`´]")
_KEY_PUNCT = re.compile(r"[^a-z0-9]+")

#: Legal-form words removed from the end of a key: the shared list, plus "ptd" (a frequent
#: misspelling of "pty") and "npo" (non-profit organisation).
_LEGAL_SUFFIXES: frozenset[str] = LEGAL_FORM_WORDS | {"ptd", "npo"}
_INNER_LEGAL_WORDS = frozenset({"pty", "ptd", "ltd", "proprietary"})
#: Spellings unified in the key: the shared abbreviations, plus the capture stage's own (which
#: writes "centre", where the matcher's key writes "center").
_KEY_SYNONYMS: dict[str, str] = {
    **NAME_ABBREVIATIONS,
    "internat": "international",
    "internatl": "international",
    "avn": "aviation",
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
    distinct = list(dict.fromkeys(values))
    return _spread(values, distinct, _keys_of_distinct(clean_text_many(distinct)))


def organisation_keys_of_clean_text(texts: Iterable[str | None]) -> list[str | None]:
    """:func:`organisation_keys` of values that are already :func:`clean_text` output (or
    ``None``), without cleaning them again."""
    values = texts if isinstance(texts, list) else list(texts)
    distinct = list(dict.fromkeys(values))
    return _spread(values, distinct, _keys_of_distinct(distinct))


def _spread(
    values: Sequence[object], distinct: Sequence[object], keys: list[str | None]
) -> list[str | None]:
    """Keys of ``values`` from the keys of their ``distinct`` values (in first-seen order)."""
    if len(distinct) == len(values):
        return keys
    by_value = dict(zip(distinct, keys, strict=True))
    return [by_value[v] for v in values]


def _keys_of_distinct(texts: list[str | None]) -> list[str | None]:
    """Keys of distinct clean texts (``None`` gives ``None``)."""
    present: list[int] | None = None
    if None in texts:
        present = [i for i, t in enumerate(texts) if t is not None]
    originals = [t for t in texts if t is not None]
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
        return keyed
    keys: list[str | None] = [None] * len(texts)
    for j, i in enumerate(present):
        keys[i] = keyed[j]
    return keys


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

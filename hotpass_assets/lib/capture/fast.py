"""Fast paths of the e-mail and website parsers.

Canonical values that the full normaliser would return unchanged are recognised by one regular
expression each. They are checked against the normaliser on a sample of every column (and their
suffix table once per process); any disagreement switches the fast path off (``fast_state``).

The column-wide forms (:func:`fast_emails`, :func:`fast_websites`) run one RE2 match over all
distinct values (pyarrow), then plain string operations on the matching ones. They give exactly
what the per-value fast paths give (a Hypothesis test compares them).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import compress
from typing import Any, TypedDict

from hotpass_assets.lib import normalise as nz
from hotpass_assets.lib.normalise.websites import SUBDOMAIN_HOSTS

__all__ = [
    "FAST_MANY",
    "FAST_SAMPLE",
    "ManyFastPath",
    "fast_email",
    "fast_emails",
    "fast_state",
    "fast_website",
    "fast_websites",
]

_SIMPLE_EMAIL = re.compile(r"[a-z0-9][a-z0-9_+.-]*@([a-z0-9-]{1,63}\.)+[a-z]{2,63}")
_FAST_SUFFIXES = ("co.za", "org.za", "net.za", "ac.za", "gov.za", "com", "net", "org", "africa",
                  "aero", "co.uk", "info", "biz", "io", "edu")  # fmt: skip
_SECOND_LEVEL = frozenset({"co", "com", "org", "net", "ac", "gov", "edu", "mil", "nom", "web"})


class _FastState(TypedDict):
    emails: bool
    website: bool
    suffix_re: re.Pattern[str] | None
    suffixes: frozenset[str]


#: Which fast paths are on (per parser name), and the website suffix table once it is checked.
fast_state: _FastState = {
    "emails": True,
    "website": True,
    "suffix_re": None,
    "suffixes": frozenset(),
}
#: How many fast-path results of a column are compared with the full parser.
FAST_SAMPLE = 8

_SHARED: frozenset[str] = nz.SHARED_WEBSITE_DOMAINS
_SUBDOMAIN_HOSTS: frozenset[str] = SUBDOMAIN_HOSTS

#: The parsed value and value rejects of a fast path (it never rejects).
FastResult = tuple[tuple[str] | tuple[str, str], list[tuple[str, str, str]]]


def is_on(parser: str) -> bool:
    """Is the fast path of ``parser`` (``emails``, ``website``) still on."""
    return bool(fast_state.get(parser))


def switch_off(parser: str) -> None:
    """A fast path disagreed with the full parser: use the full parser from now on."""
    if parser == "emails":
        fast_state["emails"] = False
    elif parser == "website":
        fast_state["website"] = False


def website_fast_re() -> re.Pattern[str] | None:
    """The website fast path's pattern, built (and its suffixes checked) on first use."""
    if fast_state["suffix_re"] is None:
        ok = [s for s in _FAST_SUFFIXES if nz.registrable_domain(f"example.{s}") == f"example.{s}"]
        if not ok:
            fast_state["website"] = False
            return None
        alt = "|".join(re.escape(s) for s in sorted(ok, key=len, reverse=True))
        fast_state["suffixes"] = frozenset(ok)
        fast_state["suffix_re"] = re.compile(
            r"(?:(https?)://)?(?:www\.)*([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)\.(" + alt + r")"
            r"(/[A-Za-z0-9_.~%/-]*)?"
        )
    return fast_state["suffix_re"]


def fast_email(v: str) -> FastResult | None:
    if _SIMPLE_EMAIL.fullmatch(v) is None:
        return None
    local, _, domain = v.partition("@")
    if ".." in local or local[-1] == "." or ".-" in domain or "-." in domain or domain[0] == "-":
        return None
    return (v,), []


def fast_website(v: str) -> FastResult | None:
    pattern = website_fast_re()
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
    matched: list[bool] = hits.to_numpy(zero_copy_only=False).tolist()
    return matched


def fast_emails(values: list[str]) -> list[tuple[str] | None]:
    """Per value: the parsed value :func:`fast_email` gives (it has no rejects), else ``None``."""
    return [
        (v,) if ok else None
        for v, ok in zip(values, _re2_matches(values, _SIMPLE_EMAIL_RE2), strict=True)
    ]


def fast_websites(values: list[str]) -> list[tuple[str, str] | None]:
    """Per value: the parsed value :func:`fast_website` gives (it has no rejects), else
    ``None``."""
    pattern = website_fast_re()
    out: list[tuple[str, str] | None] = [None] * len(values)
    if pattern is None:
        return out
    suffixes = fast_state["suffixes"]
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


#: Column-wide fast path: per value its parsed value, or ``None`` for the full parser.
ManyFastPath = Callable[[list[str]], list[Any]]
#: Column-wide fast path per parser name.
FAST_MANY: dict[str, ManyFastPath] = {"emails": fast_emails, "website": fast_websites}

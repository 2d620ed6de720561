"""Website cells and domains: a canonical URL plus the registrable domain used for matching.

The public-suffix extractor is built on first use, not at import time.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    import tldextract

from hotpass_assets.lib.normalise.text import PLACEHOLDERS, _raw_clean

__all__ = [
    "SHARED_WEBSITE_DOMAINS",
    "WebsiteResult",
    "email_domain",
    "normalise_website",
    "registrable_domain",
]


class WebsiteResult(NamedTuple):
    """A website cell: canonical URL, registrable domain for matching, and the reason when a
    value was present but unusable."""

    url: str | None
    domain: str | None
    rejected: str | None


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
SUBDOMAIN_HOSTS: frozenset[str] = frozenset(
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
def _extractor() -> tldextract.TLDExtract:
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
    if domain in SUBDOMAIN_HOSTS and result.subdomain:
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


def _canonical_host(host: str) -> tuple[str, str | None]:
    """``(host, None)``: the host lower-cased, IDNA-encoded, without a leading ``www.``; or
    ``(host, reason)`` when it is not a usable host name."""
    host = host.lower().rstrip(".")
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            return host, "invalid host name"
    while host.startswith("www."):
        host = host[4:]
    labels = host.split(".")
    if len(labels) < 2:
        return host, "not a website"
    if not all(_HOST_LABEL.match(label) for label in labels):
        return host, "invalid host name"
    return host, None


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
    host, reason = _canonical_host(host)
    if reason is not None:
        return reason
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

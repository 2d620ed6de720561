"""How sources spell organisations and people: name variants, web addresses, person cells.

A name variant *kind* is one of ``base`` (as is), ``legal`` (a legal suffix added), ``flying``
("Flight School" written "Flying School"), ``intl`` ("International" as "Intl"), ``amp`` ("and" as
"&"), ``upper`` (upper case), ``typo`` (one letter swapped or dropped) and ``abbrev`` (initials).
``typo`` and ``abbrev`` are used only where the row carries other evidence of the organisation
(a website or an e-mail at its domain), since the name alone could not be matched.
"""

from __future__ import annotations

import random

from hotpass_assets.lib.synthetic.text import name_key
from hotpass_assets.lib.synthetic.universe import Org, Person, Universe
from hotpass_assets.lib.synthetic.vocab import LEGAL_SUFFIXES, WEB_STYLES


def web_url(rng: random.Random, domain: str) -> str:
    return rng.choice(WEB_STYLES).format(d=domain)


def describe_person(p: Person, style: str) -> str:
    """A person cell: ``bare`` name, ``dash`` (name — role) or ``paren`` (name (role))."""
    name = f'{p.first} "{p.nick}" {p.last}' if p.nick else p.full_name
    if not p.role or style == "bare":
        return name
    if style == "dash":
        return f"{name} — {p.role}"
    return f"{name} ({p.role})"


def _applies(kind: str, name: str, evidence: bool) -> bool:
    """Whether the variant ``kind`` can spell ``name`` (with or without other evidence)."""
    if kind == "flying":
        return "Flight School" in name
    if kind == "intl":
        return "International" in name
    if kind == "amp":
        return " and " in name
    if kind == "typo":
        return evidence
    if kind == "abbrev":
        return evidence and len(name.split()) >= 3
    return True


def _spell(kind: str, rng: random.Random, uni: Universe, org: Org) -> str:
    if kind == "legal":
        return f"{org.name} {rng.choice(LEGAL_SUFFIXES)}"
    if kind == "flying":
        return org.name.replace("Flight School", "Flying School")
    if kind == "intl":
        return org.name.replace("International", "Intl")
    if kind == "amp":
        return org.name.replace(" and ", " & ")
    if kind == "upper":
        return org.name.upper()
    if kind == "typo":
        return uni.typo(org.name, avoid_label=org.label)
    if kind == "abbrev":
        abbrev = "".join(w[0] for w in org.name.split() if w[0].isalpha()).upper()
        if name_key(abbrev) in uni.name_keys:
            return org.name
        return abbrev
    return org.name


def name_form(
    rng: random.Random,
    uni: Universe,
    org: Org,
    weights: dict[str, float],
    *,
    evidence: bool,
    force: str | None = None,
) -> str:
    """Pick how a source spells ``org``: a variant kind drawn by ``weights`` among those that apply.

    ``force`` names a kind to use whenever it applies (keeps each kind present at small sizes).
    """
    if force:
        weights = {force: 1.0}
        evidence = True
    options = [(kind, w) for kind, w in weights.items() if _applies(kind, org.name, evidence)]
    if not options:
        return org.name
    kind = rng.choices([k for k, _ in options], weights=[w for _, w in options], k=1)[0]
    return _spell(kind, rng, uni, org)

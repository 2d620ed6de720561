"""What scoring knows about the sources, read from the capture profiles.

Each workbook kind of the shipped profiles (``lib/profiles/*.yaml``) is a source family named by
its ``source_dataset``, with its survivorship ``trust``. A kind *observes orders* when it maps
order evidence (a sheet with role ``orders``, or one of the fields ``last_order_date``,
``order_count``, ``order_status``): customer labels can only be seen for organisations such a
source lists, so training restricts itself to them. A new workbook kind therefore needs only its
YAML profile to take part in scoring.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

#: Fields that carry order evidence (the label rules read them).
ORDER_FIELDS = frozenset({"last_order_date", "order_count", "order_status"})


@dataclass(frozen=True)
class Source:
    family: str
    trust: int
    observes_orders: bool
    #: The kind's file-name pattern: a source file name that matches it belongs to the family.
    file_pattern: str | None


def _stamp() -> tuple[tuple[str, int], ...]:
    from hotpass_assets.lib import profiles

    return profiles.profiles_stamp()


@cache
def _sources(_stamp: tuple[tuple[str, int], ...]) -> tuple[Source, ...]:
    from hotpass_assets.lib.profiles import load_profiles

    out: dict[str, Source] = {}
    for profile in load_profiles():
        for kind in profile.kinds:
            observes = any(s.role == "orders" or ORDER_FIELDS & set(s.fields) for s in kind.sheets)
            out.setdefault(
                kind.source_dataset,
                Source(kind.source_dataset, kind.trust, observes, kind.recognise.file_name),
            )
    return tuple(out.values())


def sources() -> tuple[Source, ...]:
    """The source families of every kind of the shipped profiles, highest priority first."""
    return _sources(_stamp())


def source_trust() -> Mapping[str, int]:
    """Source family -> survivorship trust (higher wins)."""
    return {s.family: s.trust for s in sources()}


def order_families() -> frozenset[str]:
    """Families where orders, hence customer labels, are observable."""
    return frozenset(s.family for s in sources() if s.observes_orders)


def family_of(name: str) -> str:
    """The family of a source dataset (or source file) name: the kind whose ``source_dataset``
    it is, else the kind whose file-name pattern it matches, else the name itself (lower case).
    """
    text = name.strip().lower()
    known = sources()
    for s in known:
        if text == s.family:
            return s.family
    for s in known:
        if s.file_pattern and re.search(s.file_pattern, name):
            return s.family
    return text

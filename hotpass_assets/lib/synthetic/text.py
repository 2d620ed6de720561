"""Small text and random helpers shared by the synthetic generators."""

from __future__ import annotations

import datetime as dt
import random
import re
import unicodedata

from hotpass_assets.lib.synthetic.vocab import PROVINCE_WEIGHTS


def to_ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", to_ascii(text).lower())


def name_key(name: str) -> str:
    """Loose comparison key: lower-case alphanumerics only (used to keep names apart)."""
    return re.sub(r"[^a-z0-9]", "", to_ascii(name).lower())


def spaced(e164: str) -> str:
    return f"{e164[:3]} {e164[3:5]} {e164[5:8]} {e164[8:]}"


def national(e164: str) -> str:
    return f"0{e164[3:5]} {e164[5:8]} {e164[8:]}"


def dmy(d: dt.date) -> str:
    return f"{d.day:02d}/{d.month:02d}/{d.year}"


def rand_date(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randrange((end - start).days + 1))


def weighted(rng: random.Random, items: tuple[str, ...], weights: tuple[int, ...]) -> str:
    return rng.choices(items, weights=weights, k=1)[0]


def pick_province(rng: random.Random) -> str:
    names = tuple(PROVINCE_WEIGHTS)
    return weighted(rng, names, tuple(PROVINCE_WEIGHTS.values()))

"""Province cells: the nine South African provinces, with abbreviations, old and Afrikaans names,
and city hints."""

from __future__ import annotations

import functools
import re
from typing import NamedTuple

from hotpass_assets.lib.normalise.text import _fold, _raw_clean
from hotpass_assets.lib.records import PROVINCES

__all__ = ["PROVINCES", "ProvinceResult", "normalise_province"]


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

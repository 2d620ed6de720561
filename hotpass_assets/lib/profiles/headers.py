"""Generic header mapping: sheet headers to canonical fields by name, synonym, then similarity."""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hotpass_assets.lib.profiles.model import FIELDS, LIST_FIELDS, GenericSpec
from hotpass_assets.lib.reading import header_key

__all__ = ["HeaderMapping", "HeaderMatch", "map_headers"]


@dataclass(frozen=True)
class HeaderMatch:
    header: str
    field: str
    score: float
    method: str  # "exact", "synonym" or "fuzzy"
    matched: str  # the field name or synonym the header matched


@dataclass
class HeaderMapping:
    matches: list[HeaderMatch]
    unmapped: list[str]

    def fields(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for m in self.matches:
            out.setdefault(m.field, []).append(m.header)
        return out

    def as_metadata(self) -> dict[str, Any]:
        return {
            "mapped": [
                {
                    "header": m.header,
                    "field": m.field,
                    "score": round(m.score, 1),
                    "method": m.method,
                }
                for m in self.matches
            ],
            "unmapped": list(self.unmapped),
        }


def _spaced(text: str) -> str:
    import unicodedata

    text = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"[\W_]+", " ", text).strip()


def map_headers(headers: Sequence[str], spec: GenericSpec) -> HeaderMapping:
    """Map sheet headers to canonical fields by field name, synonym, then fuzzy similarity.

    Scalar fields take one column (the best score, then the leftmost); list fields (phones,
    e-mails, aircraft types) and notes take every matching column. Synthetic ``column_<n>``
    headers never match.
    """
    from rapidfuzz import fuzz

    exact = {header_key(f): f for f in FIELDS}
    synonyms: dict[str, str] = {}
    spaced_syn: list[tuple[str, str, str]] = []
    for f, syns in spec.synonyms.items():
        for s in syns:
            synonyms.setdefault(header_key(s), f)
            spaced_syn.append((_spaced(s), f, s))
    candidates: list[HeaderMatch] = []
    for h in headers:
        if re.fullmatch(r"column_\d+", h):
            continue
        key = header_key(re.sub(r"_\d+$", "", h)) if re.search(r"_\d+$", h) else header_key(h)
        if not key:
            continue
        if key in exact:
            candidates.append(HeaderMatch(h, exact[key], 100.0, "exact", exact[key]))
        elif key in synonyms:
            candidates.append(HeaderMatch(h, synonyms[key], 100.0, "synonym", synonyms[key]))
        else:
            sp = _spaced(h)
            best: tuple[float, str, str] | None = None
            for syn_sp, f, syn in spaced_syn:
                score = max(fuzz.ratio(sp, syn_sp), fuzz.token_sort_ratio(sp, syn_sp))
                if best is None or score > best[0]:
                    best = (score, f, syn)
            if best and best[0] >= spec.fuzzy_threshold:
                candidates.append(HeaderMatch(h, best[1], float(best[0]), "fuzzy", best[2]))
    multi = LIST_FIELDS | {"notes"}
    chosen: list[HeaderMatch] = []
    taken: set[str] = set()
    order = {h: i for i, h in enumerate(headers)}
    rank = {"exact": 0, "synonym": 1, "fuzzy": 2}
    for m in sorted(candidates, key=lambda m: (rank[m.method], -m.score, order[m.header])):
        if m.field in taken and m.field not in multi:
            continue
        taken.add(m.field)
        chosen.append(m)
    chosen.sort(key=lambda m: order[m.header])
    used = {m.header for m in chosen}
    return HeaderMapping(chosen, [h for h in headers if h not in used])

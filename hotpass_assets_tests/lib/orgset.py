"""An organisation-set generator written apart from the project's own
(``hotpass_assets.lib.matching.synthetic``), to test entity resolution on data shaped unlike it.

Entities are organisations with a name drawn from a small vocabulary (so many share words), a
website, a phone, an e-mail address and a province. Each has one to four records; a record may
carry a legal-suffix, case, typo, abbreviation or word-order variant of the name, the website
written as ``X.CO.ZA``, ``www.x.co.za`` or ``https://www.x.co.za/contact``, the phone in one of
several formats, and any field missing. Some brands have branches in other provinces: same
name and website, their own phone and e-mail: distinct entities.

Flat table: ``rid, organisation, web, tel, mail, region``; ``truth`` gives the entity per row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

PLACES = [
    "Karoo", "Orion", "Falcon", "Table Bay", "Blue Crane", "Highveld", "Lowveld", "Vaal",
    "Summit", "Atlas", "Coastal", "Eagle", "Kestrel", "Protea", "Baobab", "Zambezi",
    "Drakensberg", "Limpopo", "Kalahari", "Mopani", "Springbok", "Marula", "Aloe", "Fynbos",
]  # fmt: skip
KINDS = [
    "Aviation", "Flight School", "Aero Club", "Air Charter", "Helicopters", "Flying Academy",
    "Air Services", "Aero Engineering", "Pilot Training",
]  # fmt: skip
ABBREVIATIONS = {
    "Aviation": "Avn",
    "Flight": "Flt",
    "Academy": "Acad",
    "Services": "Svcs",
    "Engineering": "Eng",
    "Helicopters": "Heli",
}
SUFFIXES = ["", "", " CC", " (Pty) Ltd", " Pty Ltd", " Ltd", " PTY LTD"]
PROVINCES = ["Gauteng", "Western Cape", "KwaZulu-Natal", "Free State", "Limpopo", "Mpumalanga"]


def _typo(rng: np.random.Generator, s: str) -> str:
    letters = [i for i, c in enumerate(s) if c.isalpha()]
    if len(letters) < 4:
        return s
    i = int(rng.choice(letters[1:]))
    op = rng.integers(0, 3)
    if op == 0:
        return s[:i] + s[i + 1 :]
    if op == 1 and i + 1 < len(s):
        return s[:i] + s[i + 1] + s[i] + s[i + 2 :]
    return s[:i] + "aeiou"[int(rng.integers(0, 5))] + s[i + 1 :]


def _name_variant(rng: np.random.Generator, name: str) -> str:
    kind = rng.integers(0, 6)
    if kind == 0:
        name = name.upper()
    elif kind == 1:
        name = name.lower()
    elif kind == 2:
        name = _typo(rng, name)
    elif kind == 3:
        words = name.split()
        name = " ".join(ABBREVIATIONS.get(w, w) for w in words)
    elif kind == 4:
        words = name.split()
        if len(words) >= 3:  # "Karoo Flight School" -> "Flight School Karoo"
            name = " ".join(words[1:] + words[:1])
    return name + str(rng.choice(SUFFIXES))


def _phone(rng: np.random.Generator, digits: str) -> str:
    area, a, b = digits[:2], digits[2:5], digits[5:]
    style = rng.integers(0, 5)
    return [
        f"0{area} {a} {b}",
        f"+27 {area} {a} {b}",
        f"(0{area}) {a}-{b}",
        f"0{area}{a}{b}",
        f"+27{area}{a}{b}",
    ][style]


def _website(rng: np.random.Generator, slug: str) -> str:
    style = rng.integers(0, 4)
    return [
        f"{slug}.co.za",
        f"{slug.upper()}.CO.ZA",
        f"www.{slug}.co.za",
        f"https://www.{slug}.co.za/contact",
    ][style]


def generate(n_entities: int = 600, seed: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    """(records, entity of each record)."""
    rng = np.random.default_rng(seed)
    seen: set[str] = set()
    entities = []
    while len(entities) < n_entities:
        # one or two words for small sets; three when those run out (about 5,000 names)
        most = 3 if len(seen) < 4000 else 4
        words = list(rng.choice(PLACES, size=int(rng.integers(1, most)), replace=False))
        name = " ".join([*words, str(rng.choice(KINDS))])
        if name in seen:
            continue
        seen.add(name)
        slug = name.lower().replace(" ", "")
        brand = {"name": name, "slug": slug}
        n_branches = 1 if rng.random() > 0.08 else int(rng.integers(2, 4))
        provinces = rng.choice(PROVINCES, size=n_branches, replace=False)
        for b, province in enumerate(provinces):
            if len(entities) >= n_entities:
                break
            entities.append(
                {
                    **brand,
                    "province": str(province),
                    "phone": f"{rng.integers(10, 90)}{rng.integers(1000000, 9999999)}",
                    "mail": f"{['info', 'ops', 'admin', 'bookings'][b % 4]}{b or ''}@{slug}.co.za",
                }
            )
    rows, truth = [], []
    for e, ent in enumerate(entities):
        for k in range(int(rng.choice([1, 1, 2, 2, 3, 4]))):
            miss = rng.random(4) < 0.25
            rows.append(
                {
                    "organisation": ent["name"] if k == 0 else _name_variant(rng, ent["name"]),
                    "web": None if miss[0] else _website(rng, ent["slug"]),
                    "tel": None if miss[1] else _phone(rng, ent["phone"]),
                    "mail": None
                    if miss[2]
                    else (ent["mail"].upper() if rng.random() < 0.2 else ent["mail"]),
                    "region": None if miss[3] else ent["province"],
                }
            )
            truth.append(e)
    df = pd.DataFrame(rows)
    order = rng.permutation(len(df))
    df = df.iloc[order].reset_index(drop=True)
    df.insert(0, "rid", [f"o{i}" for i in range(len(df))])
    return df, pd.Series(np.asarray(truth)[order], name="entity")

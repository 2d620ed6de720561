"""Synthetic organisation records with ground truth, for tests and benchmarks of the matcher.

The generator imitates the capture records of South African aviation organisations (the
refinement stage's input, see ``docs/entity-resolution.md``) without any real value: names are
built from invented words, and every phone number, domain and address is made up. Each
organisation ("entity") yields one or more records; the variants between records of one entity
cover:

- legal-suffix variants and dropped suffixes ("X Aviation" / "X Aviation (Pty) Ltd"),
- one-character typos, swapped words, "&"/"and", upper case, type-word variants
  ("Flight School" / "Flying School", "Aviation" / "Avn"), initials for the name words
  ("Blue Crane Aviation" / "BC Aviation"),
- a website domain that is present, missing, or only visible through an e-mail domain; free-mail
  addresses that say nothing; phones shared, missing, or a different number of the same entity,
- missing or (rarely) wrong provinces, reformatted or missing addresses,
- must-link rows (``link_record_id``) as the capture stage emits for joined attribute rows.

Hard negatives are generated too: branches (a second, distinct organisation with the same name
words, in another province, sometimes sharing the parent's website domain) and unrelated
organisations whose names share common words ("Eagle", "Sky", "Cape", …).

Everything is drawn with numpy in bulk; only the per-record typo and initials edits run as list
comprehensions over the affected rows. One million records take about 25 s on an idle 2-core
machine.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from hotpass_assets.lib.records import PROVINCES

_COMMON_WORDS = np.array(
    [
        "eagle",
        "falcon",
        "sky",
        "blue",
        "cape",
        "durban",
        "highveld",
        "lowveld",
        "karoo",
        "star",
        "sun",
        "aqua",
        "vulcan",
        "phoenix",
        "summit",
        "kestrel",
        "heron",
        "crane",
        "zulu",
        "table",
        "bay",
        "coastal",
        "atlantic",
        "indian",
        "southern",
        "northern",
        "african",
        "golden",
        "silver",
        "rand",
        "lion",
        "springbok",
        "impala",
        "kudu",
        "orion",
        "titan",
        "apex",
        "vector",
        "delta",
        "echo",
    ]
)
_TYPE_PHRASES = np.array(
    [
        "Aviation",
        "Flight School",
        "Flying Club",
        "Air Charter",
        "Aero Club",
        "Helicopters",
        "Aircraft Maintenance",
        "Flight Training",
        "Airways",
        "Aero Services",
        "Aviation Academy",
        "Air Services",
        "Aviation Brokers",
        "Avionics",
        "Aviation Insurance",
    ]
)
#: Variant spellings a type phrase takes in another source.
_TYPE_VARIANTS: dict[str, list[str]] = {
    "Aviation": ["Avn", "Aviation"],
    "Flight School": ["Flying School", "Flight Academy"],
    "Flying Club": ["Flight Club", "Flying Club"],
    "Air Charter": ["Air Charters", "Charter"],
    "Aero Club": ["Aeroclub", "Aero Club"],
    "Helicopters": ["Helicopter Services", "Heli"],
    "Aircraft Maintenance": ["AMO", "Aircraft Maintenance Org"],
    "Flight Training": ["Flight Training Centre", "Flying Training"],
    "Airways": ["Air", "Airways"],
    "Aero Services": ["Aero Svcs", "Aero"],
    "Aviation Academy": ["Aviation Training Academy", "Academy"],
    "Air Services": ["Air Svcs", "Air Service"],
    "Aviation Brokers": ["Aviation Insurance Brokers", "Brokers"],
    "Avionics": ["Avionics Services", "Avionics"],
    "Aviation Insurance": ["Aviation Underwriters", "Insurance"],
}
_SUFFIXES = np.array(["", "", "(Pty) Ltd", "Pty Ltd", "CC", "Ltd", "NPC", "Inc", "(PTY) LTD"])
_STREET_TYPES = np.array(["Street", "Road", "Avenue", "Drive", "Lane", "Crescent", "Way"])
_TOWNS = np.array(
    [
        "Johannesburg",
        "Pretoria",
        "Centurion",
        "Germiston",
        "Durban",
        "Pietermaritzburg",
        "Cape-Town",
        "Stellenbosch",
        "George",
        "Gqeberha",
        "East-London",
        "Bloemfontein",
        "Welkom",
        "Polokwane",
        "Nelspruit",
        "Rustenburg",
        "Kimberley",
        "Upington",
        "Mossel-Bay",
        "Oudtshoorn",
        "Margate",
        "Lanseria",
        "Krugersdorp",
        "Vereeniging",
    ]
)
_TLDS = np.array([".co.za", ".co.za", ".co.za", ".com", ".aero", ".org.za"])
_FREE_MAIL = np.array(["gmail.com", "yahoo.com", "hotmail.com", "outlook.com", "mweb.co.za"])
_LOCALS = np.array(["info", "admin", "ops", "bookings", "office", "training", "enquiries"])
_SOURCES = np.array(["sacaa", "reachout", "contact_db"])
_ONSETS = np.array([*list("bcdfghjklmnprstvwz"), "br", "kr", "st", "th", "sh", "tr", "gr"])
_VOWELS = np.array(["a", "e", "i", "o", "u", "a", "e", "o", "ia", "ou"])
_CODAS = np.array(["", "", "", "n", "r", "s", "l", "m", "x", "nd", "rt"])
_cap = np.vectorize(str.capitalize, otypes=[object])
#: ``None`` as a 0-d object array: the "absent" branch of ``np.where``.
_NONE = np.array(None, dtype=object)


def _pseudo_words(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` distinct invented words of two or three syllables."""
    out: list[str] = []
    seen: set[str] = set()
    while len(out) < n:
        m = (n - len(out)) * 2
        syl = rng.integers(2, 4, m)
        parts = [
            _ONSETS[rng.integers(0, len(_ONSETS), m)].astype(object)
            + _VOWELS[rng.integers(0, len(_VOWELS), m)].astype(object)
            for _ in range(3)
        ]
        words = parts[0] + parts[1] + np.where(syl == 3, parts[2], "")
        words = words + _CODAS[rng.integers(0, len(_CODAS), m)].astype(object)
        for w in words:
            if w not in seen and len(w) >= 4:
                seen.add(w)
                out.append(w)
                if len(out) == n:
                    break
    return np.array(out, dtype=object)


def _typo(word: str, r: float, c: str) -> str:
    """One edit (substitution, deletion, insertion, transposition) chosen by ``r`` in [0, 1)."""
    if len(word) < 4:
        return word
    pos = 1 + int(r * 1000) % (len(word) - 2)
    kind = int(r * 4)
    if kind == 0:
        return word[:pos] + c + word[pos + 1 :]
    if kind == 1:
        return word[:pos] + word[pos + 1 :]
    if kind == 2:
        return word[:pos] + c + word[pos:]
    return word[:pos] + word[pos + 1] + word[pos] + word[pos + 2 :]


@dataclass
class _Entities:
    """True organisations: name parts, province, domain, phones and address of each."""

    n_words: np.ndarray  # words in the name core (1-3)
    core: np.ndarray  # name without type phrase and legal suffix
    type_i: np.ndarray  # index into _TYPE_PHRASES
    province_i: np.ndarray  # index into PROVINCES
    is_branch: np.ndarray
    suffix_i: np.ndarray  # index into _SUFFIXES
    slug: pd.Series  # core, lower-case alphanumerics
    domain: np.ndarray  # website domain or None
    phones: np.ndarray  # two E.164 numbers per entity
    n_phones: np.ndarray  # how many of them the entity uses (0-2)
    address: np.ndarray


def _name_cores(
    rng: np.random.Generator, n_entities: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The invented vocabulary, and each entity's number of name words and name core."""
    vocab = _pseudo_words(rng, max(2000, int(n_entities * 0.6)))
    n_words = rng.choice([1, 2, 3], n_entities, p=[0.35, 0.55, 0.10])
    word_idx = rng.integers(0, len(vocab), (n_entities, 3))
    words = vocab[word_idx]
    common = rng.random((n_entities, 3)) < 0.25
    words = np.where(
        common, _COMMON_WORDS[rng.integers(0, len(_COMMON_WORDS), (n_entities, 3))], words
    )
    # An entity never repeats a word.
    words[:, 1] = np.where(
        words[:, 1] == words[:, 0], vocab[(word_idx[:, 1] + 1) % len(vocab)], words[:, 1]
    )
    words[:, 2] = np.where(
        (words[:, 2] == words[:, 0]) | (words[:, 2] == words[:, 1]),
        vocab[(word_idx[:, 2] + 7) % len(vocab)],
        words[:, 2],
    )
    w0, w1, w2 = _cap(words[:, 0]), _cap(words[:, 1]), _cap(words[:, 2])
    core = np.where(
        n_words == 1, w0, np.where(n_words == 2, w0 + " " + w1, w0 + " " + w1 + " " + w2)
    )
    return vocab, n_words, core


def _branches(
    rng: np.random.Generator,
    core: np.ndarray,
    type_i: np.ndarray,
    province_i: np.ndarray,
    town: np.ndarray,
    branch_rate: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Make some entities branches of an earlier one: its name words (and maybe its town) in
    another province. Edits ``core``, ``type_i`` and ``province_i`` in place; returns the branch
    mask and the (child, parent) indexes.
    """
    n_entities = len(core)
    is_branch = np.zeros(n_entities, dtype=bool)
    n_branch = int(n_entities * branch_rate)
    if not (n_branch and n_entities > 2):
        return is_branch, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    child = rng.choice(np.arange(1, n_entities), n_branch, replace=False)
    parent = (child - 1 - rng.integers(0, np.minimum(child, 1000))).clip(0)
    parent = np.where(parent == child, 0, parent)
    is_branch[child] = True
    core[child] = core[parent]
    type_i[child] = type_i[parent]
    province_i[child] = (province_i[parent] + rng.integers(1, len(PROVINCES), n_branch)) % len(
        PROVINCES
    )
    with_town = rng.random(n_branch) < 0.7
    core[child] = np.where(
        with_town,
        core[parent] + " " + np.char.replace(town[child].astype(str), "-", " ").astype(object),
        core[parent],
    )
    return is_branch, child, parent


def _domains(
    rng: np.random.Generator,
    core: np.ndarray,
    type_i: np.ndarray,
    child: np.ndarray,
    parent: np.ndarray,
) -> tuple[pd.Series, np.ndarray]:
    """Name slugs, and website domains (unique, or None); some branches share the parent's."""
    n_entities = len(core)
    slug = pd.Series(core).str.lower().str.replace(r"[^a-z0-9]", "", regex=True)
    type_slug = pd.Series(_TYPE_PHRASES[type_i]).str.split().str[0].str.lower()
    dom: np.ndarray = (slug + np.where(rng.random(n_entities) < 0.5, type_slug, "")).to_numpy(
        dtype=object
    )
    dom = dom + _TLDS[rng.integers(0, len(_TLDS), n_entities)].astype(object)
    dom_s = pd.Series(dom)
    dup = dom_s.groupby(dom_s).cumcount().to_numpy()
    dom = np.where(
        dup > 0,
        (
            dom_s.str.split(".", n=1).str[0]
            + dup.astype(str)
            + "."
            + dom_s.str.split(".", n=1).str[1]
        ).to_numpy(dtype=object),
        dom,
    )
    has_domain = rng.random(n_entities) < 0.8
    if len(child):
        share = rng.random(len(child)) < 0.3
        dom[child] = np.where(share, dom[parent], dom[child])
        has_domain[child] = np.where(share, has_domain[parent], has_domain[child])
    return slug, np.where(has_domain, dom, _NONE)


def _entities(rng: np.random.Generator, n_entities: int, branch_rate: float) -> _Entities:
    vocab, n_words, core = _name_cores(rng, n_entities)
    type_i = rng.integers(0, len(_TYPE_PHRASES), n_entities)
    province_i = rng.integers(0, len(PROVINCES), n_entities)
    town = _TOWNS[rng.integers(0, len(_TOWNS), n_entities)].astype(object)
    is_branch, child, parent = _branches(rng, core, type_i, province_i, town, branch_rate)
    suffix_i = rng.integers(0, len(_SUFFIXES), n_entities)
    slug, domain = _domains(rng, core, type_i, child, parent)
    phones = np.stack(
        [
            "+27"
            + pd.Series(rng.integers(100_000_000, 900_000_000, n_entities))
            .astype(str)
            .to_numpy(dtype=object)
            for _ in range(2)
        ],
        axis=1,
    )
    n_phones = rng.choice([0, 1, 2], n_entities, p=[0.1, 0.6, 0.3])
    street_no = rng.integers(1, 400, n_entities).astype(str).astype(object)
    street = (
        _cap(vocab[rng.integers(0, len(vocab), n_entities)])
        + " "
        + _STREET_TYPES[rng.integers(0, len(_STREET_TYPES), n_entities)].astype(object)
    )
    address = (
        street_no + " " + street + ", " + np.char.replace(town.astype(str), "-", " ").astype(object)
    )
    return _Entities(
        n_words=n_words,
        core=core,
        type_i=type_i,
        province_i=province_i,
        is_branch=is_branch,
        suffix_i=suffix_i,
        slug=slug,
        domain=domain,
        phones=phones,
        n_phones=n_phones,
        address=address,
    )


def _typo_names(names: np.ndarray, r: np.ndarray, letters: np.ndarray) -> list[str]:
    """One typo in the first (``r`` < 0.5) or last word of each name."""
    out = []
    for name, x, c in zip(names, r, letters, strict=True):
        words = name.split(" ")
        k_edit = 0 if x < 0.5 else len(words) - 1
        out.append(" ".join(_typo(w, x, c) if k == k_edit else w for k, w in enumerate(words)))
    return out


def _record_names(
    rng: np.random.Generator, ents: _Entities, ent: np.ndarray, dupl: np.ndarray, u: np.ndarray
) -> np.ndarray:
    """Organisation names as each record writes them; ``dupl`` marks records after an entity's
    first, whose names vary."""
    n = len(ent)
    tname = _TYPE_PHRASES[ents.type_i[ent]].astype(object)
    variant = np.array(
        [
            _TYPE_VARIANTS[t][int(x * 2)]
            for t, x in zip(_TYPE_PHRASES[ents.type_i[ent]], u[:, 0], strict=True)
        ],
        dtype=object,
    )
    tname = np.where(dupl & (u[:, 1] < 0.25), variant, tname)
    cname = ents.core[ent].copy()
    # swapped name words
    sw = dupl & (u[:, 2] < 0.08) & (ents.n_words[ent] >= 2)
    if sw.any():
        cname[sw] = [" ".join(reversed(c.split(" ", 1))) for c in cname[sw]]
    # typos in the name words
    ty = dupl & (u[:, 3] < 0.22)
    if ty.any():
        letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))[rng.integers(0, 26, int(ty.sum()))]
        cname[ty] = _typo_names(cname[ty], u[ty, 4], letters)
    # initials for multi-word names
    ini = dupl & (u[:, 5] < 0.05) & (ents.n_words[ent] >= 2) & ~ents.is_branch[ent]
    if ini.any():
        cname[ini] = ["".join(w[0].upper() for w in c.split(" ")) for c in cname[ini]]
    suffix = np.where(
        dupl & (u[:, 6] < 0.6),
        _SUFFIXES[rng.integers(0, len(_SUFFIXES), n)],
        _SUFFIXES[ents.suffix_i[ent]],
    ).astype(object)
    name = cname + " " + tname + np.where(suffix == "", "", " " + suffix)
    amp = u[:, 7] < 0.05
    name = np.where(amp, pd.Series(name).str.replace(" ", " & ", n=1).to_numpy(dtype=object), name)
    upper = dupl & (u[:, 8] < 0.07)
    written = pd.Series(name, dtype=object)
    return np.where(upper, written.str.upper().to_numpy(dtype=object), name)


def _record_web(
    rng: np.random.Generator, ents: _Entities, ent: np.ndarray, u: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Website, its domain and the e-mail of each record (None when absent)."""
    n = len(ent)
    # website domain: shown on 70 % of records of an entity that has one
    edom = ents.domain[ent]
    show_site = (u[:, 9] < 0.7) & (edom != None)  # noqa: E711
    domain = np.where(show_site, edom, _NONE)
    site = "https://www." + domain.astype(str).astype(object)
    site = np.where(u[:, 10] < 0.3, site + "/contact", site)
    website = np.where(show_site, site, _NONE)
    # e-mails: organisation domain, free-mail, or none
    mail_kind = np.where(u[:, 11] < 0.5, 1, np.where(u[:, 11] < 0.7, 2, 0))
    mail_kind = np.where((mail_kind == 1) & (edom == None), 2, mail_kind)  # noqa: E711
    local = _LOCALS[rng.integers(0, len(_LOCALS), n)].astype(object)
    free_local = ents.slug.to_numpy(dtype=object)[ent] + rng.integers(1, 99, n).astype(str).astype(
        object
    )
    free_dom = _FREE_MAIL[rng.integers(0, len(_FREE_MAIL), n)].astype(object)
    email = np.where(
        mail_kind == 1,
        local + "@" + edom.astype(str).astype(object),
        np.where(mail_kind == 2, free_local + "@" + free_dom, _NONE),
    )
    return website, domain, email


def _record_phones(
    rng: np.random.Generator, ents: _Entities, ent: np.ndarray, u: np.ndarray
) -> list[list[str]]:
    """Phones of each record: one of the entity's numbers, both, none, or a contact's cell."""
    n = len(ent)
    n_ent_phones = ents.n_phones[ent]
    pick = np.where(u[:, 12] < 0.5, 0, 1)
    pick = np.where(n_ent_phones == 1, 0, pick)
    ph = ents.phones[ent, pick]
    ph_kind = np.where(u[:, 13] < 0.20, 0, np.where(u[:, 13] < 0.93, 1, 2))
    ph_kind = np.where(n_ent_phones == 0, np.where(u[:, 13] < 0.6, 0, 2), ph_kind)
    fresh = "+27" + pd.Series(rng.integers(600_000_000, 900_000_000, n)).astype(str).to_numpy(
        dtype=object
    )
    phone = np.where(ph_kind == 1, ph, np.where(ph_kind == 2, fresh, _NONE))
    two = (ph_kind == 1) & (n_ent_phones == 2) & (u[:, 14] < 0.2)
    return [
        ([p, ents.phones[e, 1 - k]] if t else [p]) if p is not None else []
        for p, e, k, t in zip(phone, ent, pick, two, strict=True)
    ]


def _record_places(
    ents: _Entities, ent: np.ndarray, dupl: np.ndarray, u: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Province (missing 15 %, wrong on 2 % of later records) and address (missing 35 %,
    reformatted 30 %) of each record."""
    prov_i = ents.province_i[ent]
    wrong = dupl & (u[:, 15] < 0.02)
    prov_i = np.where(wrong, (prov_i + 1) % len(PROVINCES), prov_i)
    province = np.where(u[:, 16] < 0.15, _NONE, np.array(PROVINCES, dtype=object)[prov_i])
    addr = ents.address[ent]
    addr = np.where(
        u[:, 17] < 0.3,
        pd.Series(addr).str.replace(",", "", regex=False).str.upper().to_numpy(dtype=object),
        addr,
    )
    return province, np.where(u[:, 18] < 0.35, _NONE, addr)


def generate_organisations(
    n_records: int,
    *,
    seed: int = 0,
    branch_rate: float = 0.06,
    link_rate: float = 0.02,
) -> pd.DataFrame:
    """About ``n_records`` capture-like organisation records with a ``true_entity`` column.

    Columns: ``record_id``, ``source_dataset``, ``organisation_name``, ``website``, ``domain``,
    ``emails`` (list), ``phones`` (list, E.164), ``province``, ``address``, ``link_record_id``,
    ``true_entity``. Rows are shuffled; ``record_id`` is unique and sortable.
    """
    rng = np.random.default_rng(seed)
    # Records per entity: 1 (55 %), 2 (25 %), 3 (11 %), 4 (5 %), 5-8 (4 %); mean about 1.75.
    n_entities = max(1, int(n_records / 1.75))
    sizes = rng.choice(
        [1, 2, 3, 4, 5, 6, 7, 8], n_entities, p=[0.55, 0.25, 0.11, 0.05, 0.02, 0.01, 0.005, 0.005]
    )
    ents = _entities(rng, n_entities, branch_rate)

    # records, in entity order: every draw below is one per record
    ent = np.repeat(np.arange(n_entities), sizes)
    n = len(ent)
    first = np.r_[True, ent[1:] != ent[:-1]]
    dupl = ~first
    u = rng.random((n, 24))
    name = _record_names(rng, ents, ent, dupl, u)
    website, domain, email = _record_web(rng, ents, ent, u)
    phones = _record_phones(rng, ents, ent, u)
    province, addr = _record_places(ents, ent, dupl, u)

    order = rng.permutation(n)
    rid = np.array([f"r{i:08d}" for i in range(n)], dtype=object)
    rid_of_pos = np.empty(n, dtype=object)
    rid_of_pos[order] = rid  # record at generation position p gets id rid[rank]
    first_pos = np.maximum.accumulate(np.where(first, np.arange(n), 0))
    link = np.where(dupl & (u[:, 19] < link_rate), rid_of_pos[first_pos], _NONE)
    df = pd.DataFrame(
        {
            "record_id": rid_of_pos,
            "source_dataset": _SOURCES[rng.integers(0, len(_SOURCES), n)],
            "organisation_name": name,
            "website": website,
            "domain": domain,
            "emails": [[e] if e is not None else [] for e in email],
            "phones": phones,
            "province": province,
            "address": addr,
            "link_record_id": link,
            "true_entity": np.array([f"e{i:08d}" for i in range(n_entities)], dtype=object)[ent],
        }
    )
    return df.sort_values("record_id", kind="stable").reset_index(drop=True)


def pairwise_scores(
    predicted: pd.Series | np.ndarray, truth: pd.Series | np.ndarray
) -> dict[str, float]:
    """Pairwise precision, recall and F1 of a clustering against true labels (same order).

    Pairs are all within-cluster record pairs; counts come from cluster-size sums, so it is
    linear in the number of records.
    """
    p = pd.factorize(pd.Series(predicted).to_numpy())[0].astype(np.int64)
    t = pd.factorize(pd.Series(truth).to_numpy())[0].astype(np.int64)

    def pairs(counts: np.ndarray) -> int:
        counts = counts.astype(np.int64)
        return int((counts * (counts - 1) // 2).sum())

    pred_pairs = pairs(np.bincount(p))
    true_pairs = pairs(np.bincount(t))
    joint = np.unique(p * (t.max() + 1) + t, return_inverse=True, return_counts=True)[2]
    tp = pairs(joint)
    precision = tp / pred_pairs if pred_pairs else 1.0
    recall = tp / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "true_pairs": true_pairs,
        "predicted_pairs": pred_pairs,
        "true_positive_pairs": tp,
    }

"""Synthetic organisation records with ground truth, for tests and benchmarks of the matcher.

The generator imitates the capture records of South African aviation organisations (see the
domain reference, section 5) without any real value: names are built from invented words, and
every phone number, domain and address is made up. Each organisation ("entity") yields one or more
records; the variants between records of one entity cover:

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
    vocab = _pseudo_words(rng, max(2000, int(n_entities * 0.6)))

    # --- entities ------------------------------------------------------------------------
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
    cap = np.vectorize(str.capitalize, otypes=[object])
    w0, w1, w2 = cap(words[:, 0]), cap(words[:, 1]), cap(words[:, 2])
    core = np.where(
        n_words == 1, w0, np.where(n_words == 2, w0 + " " + w1, w0 + " " + w1 + " " + w2)
    )
    type_i = rng.integers(0, len(_TYPE_PHRASES), n_entities)
    province_i = rng.integers(0, len(PROVINCES), n_entities)
    town = _TOWNS[rng.integers(0, len(_TOWNS), n_entities)].astype(object)

    # Branches: a copy of an earlier entity's name words in another province, own phone/address.
    is_branch = np.zeros(n_entities, dtype=bool)
    n_branch = int(n_entities * branch_rate)
    if n_branch and n_entities > 2:
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
    else:
        child = parent = np.zeros(0, dtype=np.int64)

    suffix_i = rng.integers(0, len(_SUFFIXES), n_entities)
    core + " " + _TYPE_PHRASES[type_i].astype(object)
    slug = pd.Series(core).str.lower().str.replace(r"[^a-z0-9]", "", regex=True)
    type_slug = pd.Series(_TYPE_PHRASES[type_i]).str.split().str[0].str.lower()
    dom = (slug + np.where(rng.random(n_entities) < 0.5, type_slug, "")).to_numpy(dtype=object)
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
    entity_domain = np.where(has_domain, dom, None)
    ent_phones = np.stack(
        [
            "+27"
            + pd.Series(rng.integers(100_000_000, 900_000_000, n_entities))
            .astype(str)
            .to_numpy(dtype=object)
            for _ in range(2)
        ],
        axis=1,
    )
    n_ent_phones = rng.choice([0, 1, 2], n_entities, p=[0.1, 0.6, 0.3])
    street_no = rng.integers(1, 400, n_entities).astype(str).astype(object)
    street = (
        cap(vocab[rng.integers(0, len(vocab), n_entities)])
        + " "
        + _STREET_TYPES[rng.integers(0, len(_STREET_TYPES), n_entities)].astype(object)
    )
    address = (
        street_no + " " + street + ", " + np.char.replace(town.astype(str), "-", " ").astype(object)
    )

    # --- records -------------------------------------------------------------------------
    ent = np.repeat(np.arange(n_entities), sizes)
    n = len(ent)
    first = np.r_[True, ent[1:] != ent[:-1]]
    dupl = ~first
    u = rng.random((n, 24))

    tname = _TYPE_PHRASES[type_i[ent]].astype(object)
    variant = np.array(
        [
            _TYPE_VARIANTS[t][int(x * 2)]
            for t, x in zip(_TYPE_PHRASES[type_i[ent]], u[:, 0], strict=True)
        ],
        dtype=object,
    )
    tname = np.where(dupl & (u[:, 1] < 0.25), variant, tname)
    cname = core[ent].copy()
    # swapped name words
    sw = dupl & (u[:, 2] < 0.08) & (n_words[ent] >= 2)
    if sw.any():
        cname[sw] = [" ".join(reversed(c.split(" ", 1))) for c in cname[sw]]
    # typos in the name words
    ty = dupl & (u[:, 3] < 0.22)
    if ty.any():
        letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))[rng.integers(0, 26, int(ty.sum()))]
        cname[ty] = [
            " ".join(_typo(w, r, c) if k == 0 else w for k, w in enumerate(name.split(" ")))
            if r < 0.5
            else " ".join(
                _typo(w, r, c) if k == len(name.split(" ")) - 1 else w
                for k, w in enumerate(name.split(" "))
            )
            for name, r, c in zip(cname[ty], u[ty, 4], letters, strict=True)
        ]
    # initials for multi-word names
    ini = dupl & (u[:, 5] < 0.05) & (n_words[ent] >= 2) & ~is_branch[ent]
    if ini.any():
        cname[ini] = ["".join(w[0].upper() for w in c.split(" ")) for c in cname[ini]]
    suffix = np.where(
        dupl & (u[:, 6] < 0.6),
        _SUFFIXES[rng.integers(0, len(_SUFFIXES), n)],
        _SUFFIXES[suffix_i[ent]],
    ).astype(object)
    name = cname + " " + tname + np.where(suffix == "", "", " " + suffix)
    amp = u[:, 7] < 0.05
    name = np.where(amp, pd.Series(name).str.replace(" ", " & ", n=1).to_numpy(dtype=object), name)
    upper = dupl & (u[:, 8] < 0.07)
    name = np.where(upper, pd.Series(name).str.upper().to_numpy(dtype=object), name)

    # website domain: shown on 70 % of records of an entity that has one
    edom = entity_domain[ent]
    show_site = (u[:, 9] < 0.7) & (edom != None)  # noqa: E711
    domain = np.where(show_site, edom, None)
    site = "https://www." + domain.astype(str).astype(object)
    site = np.where(u[:, 10] < 0.3, site + "/contact", site)
    website = np.where(show_site, site, None)
    # e-mails: organisation domain, free-mail, or none
    mail_kind = np.where(u[:, 11] < 0.5, 1, np.where(u[:, 11] < 0.7, 2, 0))
    mail_kind = np.where((mail_kind == 1) & (edom == None), 2, mail_kind)  # noqa: E711
    local = _LOCALS[rng.integers(0, len(_LOCALS), n)].astype(object)
    free_local = slug.to_numpy(dtype=object)[ent] + rng.integers(1, 99, n).astype(str).astype(
        object
    )
    free_dom = _FREE_MAIL[rng.integers(0, len(_FREE_MAIL), n)].astype(object)
    email = np.where(
        mail_kind == 1,
        local + "@" + edom.astype(str).astype(object),
        np.where(mail_kind == 2, free_local + "@" + free_dom, None),
    )
    # phones: one of the entity's numbers, both, none, or a new one (a contact's cell)
    pick = np.where(u[:, 12] < 0.5, 0, 1)
    pick = np.where(n_ent_phones[ent] == 1, 0, pick)
    ph = ent_phones[ent, pick]
    ph_kind = np.where(u[:, 13] < 0.20, 0, np.where(u[:, 13] < 0.93, 1, 2))
    ph_kind = np.where(n_ent_phones[ent] == 0, np.where(u[:, 13] < 0.6, 0, 2), ph_kind)
    fresh = "+27" + pd.Series(rng.integers(600_000_000, 900_000_000, n)).astype(str).to_numpy(
        dtype=object
    )
    phone = np.where(ph_kind == 1, ph, np.where(ph_kind == 2, fresh, None))
    two = (ph_kind == 1) & (n_ent_phones[ent] == 2) & (u[:, 14] < 0.2)
    # province: missing 15 %, wrong 2 % of duplicate rows
    prov_i = province_i[ent]
    wrong = dupl & (u[:, 15] < 0.02)
    prov_i = np.where(wrong, (prov_i + 1) % len(PROVINCES), prov_i)
    province = np.where(u[:, 16] < 0.15, None, np.array(PROVINCES, dtype=object)[prov_i])
    # address: missing 35 %, reformatted 30 %
    addr = address[ent]
    addr = np.where(
        u[:, 17] < 0.3,
        pd.Series(addr).str.replace(",", "", regex=False).str.upper().to_numpy(dtype=object),
        addr,
    )
    addr = np.where(u[:, 18] < 0.35, None, addr)

    order = rng.permutation(n)
    rid = np.array([f"r{i:08d}" for i in range(n)], dtype=object)
    rid_of_pos = np.empty(n, dtype=object)
    rid_of_pos[order] = rid  # record at generation position p gets id rid[rank]
    first_pos = np.maximum.accumulate(np.where(first, np.arange(n), 0))
    link = np.where(dupl & (u[:, 19] < link_rate), rid_of_pos[first_pos], None)
    emails = [[e] if e is not None else [] for e in email]
    phones = [
        ([p, ent_phones[e, 1 - k]] if t else [p]) if p is not None else []
        for p, e, k, t in zip(phone, ent, pick, two, strict=True)
    ]
    df = pd.DataFrame(
        {
            "record_id": rid_of_pos,
            "source_dataset": _SOURCES[rng.integers(0, len(_SOURCES), n)],
            "organisation_name": name,
            "website": website,
            "domain": domain,
            "emails": emails,
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

"""Workbook B: a second SACAA-shaped drop that repeats, adds and bridges organisations of a base.

Used to test that entity ids stay stable across drops and that a row naming one organisation
while carrying another's evidence does not merge the two.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from hotpass_assets.lib.synthetic.cells import write_xlsx
from hotpass_assets.lib.synthetic.phones import Phones
from hotpass_assets.lib.synthetic.sacaa import sacaa_row, sacaa_sheets
from hotpass_assets.lib.synthetic.text import name_key
from hotpass_assets.lib.synthetic.truth import DemoTruth, Recorder
from hotpass_assets.lib.synthetic.universe import Org, Universe
from hotpass_assets.lib.synthetic.vocab import LEGAL_SUFFIXES

#: (organisation named, name as written, organisation whose evidence the row carries or None)
_Entry = tuple[Org, str, Org | None]


def org_from_truth(entity: dict[str, Any]) -> Org:
    domain = entity.get("domain")
    emails = entity.get("emails") or []
    generic = next((e for e in emails if domain and e.endswith("@" + domain)), None)
    generic = generic or (emails[0] if emails else None)
    name = entity["name"]
    return Org(
        label=entity["entity"],
        name=name,
        stem=name.split()[0],
        suffix="",
        aviation=True,
        category=entity.get("category") or "Flight School",
        org_type=None,
        province=entity.get("province"),
        city="",
        domain=domain,
        has_website=bool(domain),
        phones=list(entity.get("phones") or []),
        generic_email=generic,
        people=[],
        planes=[],
        address="",
        description="",
    )


def _universe_around(rng: random.Random, phones: Phones, base: DemoTruth) -> Universe:
    """A universe whose new organisations avoid the base's names, stems, domains and e-mails."""
    uni = Universe(rng, phones)
    for e in base.entities:
        uni.name_keys[name_key(e["name"])] = e["entity"]
        for form in e.get("names") or []:
            uni.name_keys.setdefault(name_key(form), e["entity"])
        if e.get("domain"):
            uni.domains.add(e["domain"])
    uni.emails.update(base.valid_emails)
    for e in base.entities:
        words = e["name"].split()
        for n in (1, 2, 3):
            uni.stems.add(" ".join(words[:n]))
    return uni


def _repeated(rng: random.Random, base: DemoTruth, repeat_fraction: float) -> list[_Entry]:
    """Base organisations listed again, under their name or with a legal suffix."""
    candidates = [e for e in base.entities if e.get("phones") or e.get("domain")]
    n_repeat = round(repeat_fraction * len(candidates))
    repeated = rng.sample(candidates, min(n_repeat, len(candidates)))
    repeated.sort(key=lambda e: e["entity"])
    entries: list[_Entry] = []
    for e in repeated:
        o = org_from_truth(e)
        name = o.name if rng.random() < 0.6 else f"{o.name} {rng.choice(LEGAL_SUFFIXES)}"
        entries.append((o, name, None))
    return entries


def _bridged(rng: random.Random, base: DemoTruth, bridge_pairs: int) -> list[_Entry]:
    """Rows naming one base organisation and carrying another's evidence (never a branch's)."""
    branch_members = {x for pair in base.branch_pairs for x in pair}
    pool = [
        e
        for e in base.entities
        if e.get("domain") and e.get("phones") and e["entity"] not in branch_members
    ]
    chosen: list[_Entry] = []
    rng.shuffle(pool)
    while len(chosen) < bridge_pairs and len(pool) >= 2:
        x, y = org_from_truth(pool.pop()), org_from_truth(pool.pop())
        chosen.append((x, x.name, y))
    return chosen


def _variant_entities(
    rec: Recorder, entries: list[_Entry], new_labels: set[str]
) -> list[dict[str, Any]]:
    """One truth entity per organisation listed, in row order; ``new`` marks the added ones."""
    sources = rec.sources()
    entities = []
    seen: set[str] = set()
    for o, _, _ in entries:
        if o.label in seen:
            continue
        seen.add(o.label)
        entities.append({**rec.entity(o, sources, is_customer=False), "new": o.label in new_labels})
    return entities


def write_variant(
    path: Path,
    base: DemoTruth,
    *,
    seed: int,
    repeat_fraction: float = 0.5,
    bridge_pairs: int = 1,
) -> DemoTruth:
    """Write "workbook B": an SACAA-shaped drop that overlaps ``base``.

    It repeats ``repeat_fraction`` of the base organisations (same or legal-suffix name, the same
    domain and phone seen in the base), adds new organisations (labels continue after the base's)
    and adds ``bridge_pairs`` rows that name one base organisation X while carrying the website,
    phone and e-mail of another base organisation Y. ``bridges`` in the returned truth lists
    ``{"file","sheet","row","name_entity": X,"evidence_entity": Y}``; such rows map to X in
    ``record_entity``.
    """
    path = Path(path)
    rng = random.Random(seed)
    phones = Phones(rng, used=set(base.valid_phones))
    uni = _universe_around(rng, phones, base)
    rec = Recorder()
    rec.file = path.name
    entries = _repeated(rng, base, repeat_fraction)
    top = max((int(e["entity"][1:]) for e in base.entities), default=0)
    n_new = max(2, round(len(entries) * 0.5))
    new_labels: set[str] = set()
    for k in range(n_new):
        o = uni.make_org(f"E{top + k + 1:03d}", aviation=True, category="Flight School")
        new_labels.add(o.label)
        entries.append((o, o.name, None))
    entries += _bridged(rng, base, bridge_pairs)

    entries.sort(key=lambda t: (t[1].casefold(), t[0].label))
    rows, issues = [], []
    bridges: list[dict[str, Any]] = []
    for i, (o, name, ev) in enumerate(entries):
        r = i + 2
        row, found = sacaa_row(rec, rng, phones, o, name=name, row=r, evidence_org=ev)
        if ev is None and o.phones and not row[5] and o.label not in new_labels:
            row[5] = rec.phone(o.phones[0], o)  # a repeated organisation keeps its phone
        if ev is not None:
            bridges.append(
                {
                    "file": path.name,
                    "sheet": "Cleaned",
                    "row": r,
                    "name_entity": o.label,
                    "evidence_entity": ev.label,
                }
            )
        rows.append(row)
        issues.append(found)
    write_xlsx(path, sacaa_sheets(rows, issues, rng))
    return DemoTruth(
        entities=_variant_entities(rec, entries, new_labels),
        record_entity=dict(rec.record_entity),
        valid_phones=sorted(rec.phones),
        valid_emails=sorted(rec.emails),
        invalid_phones=rec.invalid_phones,
        junk_emails=rec.junk_emails,
        contacts=rec.contacts,
        customers=[],
        files=[path.name],
        seed=seed,
        bridges=bridges,
    )

"""Ground truth of generated workbooks: the recorder that registers what a builder writes, and
the :class:`DemoTruth` it produces.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hotpass_assets.lib.synthetic.universe import Org, Person


class Recorder:
    """Registers every value written into a data sheet and which entity each row belongs to."""

    def __init__(self) -> None:
        self.file = ""
        self.phones: dict[str, None] = {}
        self.emails: dict[str, None] = {}
        self.invalid_phones = 0
        self.junk_emails = 0
        self.phone_placeholders = 0
        self.email_placeholders = 0
        self.record_entity: dict[str, str] = {}
        self.contacts: list[dict[str, Any]] = []
        self.names: dict[str, list[str]] = {}
        self.entity_phones: dict[str, list[str]] = {}
        self.entity_emails: dict[str, list[str]] = {}
        self.domain_seen: set[str] = set()
        self.province_seen: set[str] = set()
        self.website_seen: set[str] = set()

    def row(self, sheet: str, row: int, org: Org, name: str | None = None) -> None:
        self.record_entity[f"{self.file}|{sheet}|{row}"] = org.label
        if name is not None:
            forms = self.names.setdefault(org.label, [])
            clean = " ".join(name.split())
            if clean not in forms:
                forms.append(clean)

    def phone(self, e164: str, org: Org | None) -> str:
        self.phones.setdefault(e164, None)
        if org is not None:
            lst = self.entity_phones.setdefault(org.label, [])
            if e164 not in lst:
                lst.append(e164)
        return e164

    def email(self, address: str, org: Org | None) -> str:
        low = address.lower()
        self.emails.setdefault(low, None)
        if org is not None:
            lst = self.entity_emails.setdefault(org.label, [])
            if low not in lst:
                lst.append(low)
            if org.domain and low.endswith("@" + org.domain):
                self.domain_seen.add(org.label)
        return address

    def website(self, org: Org) -> None:
        self.domain_seen.add(org.label)
        self.website_seen.add(org.label)

    def contact(
        self,
        org: Org,
        person: Person,
        sheet: str,
        row: int,
        *,
        emails: list[str],
        phones: list[str],
        role: str | None,
        invalid: bool = False,
    ) -> None:
        self.contacts.append(
            {
                "entity": org.label,
                "person": person.pid,
                "full_name": person.full_name,
                "role": role,
                "emails": [e.lower() for e in emails],
                "phones": list(phones),
                "file": self.file,
                "sheet": sheet,
                "row": row,
                "invalid": invalid,
            }
        )

    def sources(self) -> dict[str, list[dict[str, Any]]]:
        """The recorded rows of each entity label, as ``{"file","sheet","row"}`` dicts."""
        sources: dict[str, list[dict[str, Any]]] = {}
        for key, label in self.record_entity.items():
            file, sheet, row = key.rsplit("|", 2)
            sources.setdefault(label, []).append({"file": file, "sheet": sheet, "row": int(row)})
        return sources

    def entity(
        self, o: Org, sources: dict[str, list[dict[str, Any]]], *, is_customer: bool
    ) -> dict[str, Any]:
        """The truth entry of ``o``: what the recorded rows show of it (see :class:`DemoTruth`)."""
        return {
            "entity": o.label,
            "name": o.name,
            "names": self.names.get(o.label, []),
            "province": o.province if o.label in self.province_seen else None,
            "domain": o.domain if o.label in self.domain_seen else None,
            "website": o.website if o.label in self.website_seen else None,
            "category": o.category,
            "is_customer": is_customer,
            "accounting_name": o.accounting_name,
            "branch_of": o.branch_of,
            "phones": self.entity_phones.get(o.label, []),
            "emails": self.entity_emails.get(o.label, []),
            "sources": sources.get(o.label, []),
        }


@dataclass
class DemoTruth:
    """Ground truth of a generated drop. JSON-serialisable through :meth:`to_dict`.

    ``entities`` has one dict per true organisation with at least ``entity``, ``name``,
    ``province`` (canonical, or None when no source shows it), ``domain`` (registrable domain, or
    None when no source shows it), ``is_customer`` and ``sources`` (``{"file","sheet","row"}``);
    plus ``category``, ``names`` (display forms used), ``website``, ``phones`` and ``emails`` seen
    in its rows, ``accounting_name`` and ``branch_of`` (label of a distinct organisation with a
    near-identical name, which must not be merged with it); variant drops add ``new``.

    ``contacts`` has one dict per person named in a source row: ``entity``, ``person`` (a stable
    id of the true person, shared by the rows that list the same person), ``full_name`` (without
    nickname), ``role`` as written, the ``emails`` and ``phones`` of that person present in the
    row (not the organisation's generic ones), ``file``, ``sheet``, ``row`` and ``invalid`` (the
    source flags the contact as bad). Rows that name no person (a desk, accounts) are not contacts.

    ``record_entity`` covers every organisation-bearing row of the data sheets; ``Order Dates``
    rows count when their accounting name is in ``Company_Cat`` (the rest are
    ``unmatched_order_rows``).
    """

    entities: list[dict[str, Any]] = field(default_factory=list)
    record_entity: dict[str, str] = field(default_factory=dict)
    valid_phones: list[str] = field(default_factory=list)
    valid_emails: list[str] = field(default_factory=list)
    invalid_phones: int = 0
    junk_emails: int = 0
    contacts: list[dict[str, Any]] = field(default_factory=list)
    customers: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    seed: int | None = None
    phone_placeholders: int = 0
    email_placeholders: int = 0
    #: pairs of entity labels with near-identical names that are distinct organisations
    branch_pairs: list[list[str]] = field(default_factory=list)
    #: variant drops only: rows whose name is one entity's and whose evidence is another's
    bridges: list[dict[str, Any]] = field(default_factory=list)
    #: order rows whose accounting name matches no Company_Cat row (not linked to any entity)
    unmatched_order_rows: int = 0

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def write_json(self, path: Path | str) -> Path:
        path = Path(path)
        path.write_text(json.dumps(self.to_dict(), indent=2, sort_keys=True, ensure_ascii=False))
        return path

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DemoTruth:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

    @classmethod
    def read_json(cls, path: Path | str) -> DemoTruth:
        return cls.from_dict(json.loads(Path(path).read_text()))

    def entity(self, label: str) -> dict[str, Any]:
        for e in self.entities:
            if e["entity"] == label:
                return e
        raise KeyError(label)

"""The state of one sheet's capture, handed from phase to phase (see :mod:`.sheet`)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from hotpass_assets.lib.capture.context import Ctx
from hotpass_assets.lib.capture.rows import Resolved, Unmapped
from hotpass_assets.lib.profiles import SheetSpec
from hotpass_assets.lib.reading import SheetTable

__all__ = ["Contacts", "Decisions", "SheetWork", "ValueRejects"]

#: Person fields of a contact.
PERSON_FIELDS = ("full_name", "first_name", "last_name", "role")
#: Fields that feed contact records only (with the person fields).
CONTACT_FIELDS = ("contact_phones", "contact_emails", "contact_invalid", "interaction_date")


@dataclass
class SheetWork:
    """One read sheet, its resolved fields and what the parse phase made of them."""

    ctx: Ctx
    spec: SheetSpec
    table: SheetTable
    resolved: Resolved
    #: Positions (into the table's columns) of the data rows.
    data_pos: list[int]
    #: Excel row number of each data row.
    rownums: list[int]
    #: Record id prefix (content hash and sheet slug).
    prefix: str
    stats: dict[str, Any]
    #: Field → per data row value.
    parsed: dict[str, list[Any]] = field(default_factory=dict)
    #: Organisation name per data row (placeholders removed).
    names: list[Any] = field(default_factory=list)
    unmapped: Unmapped = field(default_factory=lambda: Unmapped([], [], [], []))

    @property
    def n(self) -> int:
        return len(self.data_pos)

    @property
    def is_org_sheet(self) -> bool:
        return self.spec.role == "organisations"

    def column(self, header: str) -> list[str | None]:
        """A column's values of the data rows."""
        col = self.table.columns[header]
        if len(self.data_pos) == self.table.rows_read:
            return col
        return [col[p] for p in self.data_pos]

    def get(self, fname: str, default: Any = None) -> list[Any]:
        """A parsed field's values, or ``default`` per row when the sheet does not map it."""
        return self.parsed.get(fname) or [default] * len(self.data_pos)


@dataclass
class Decisions:
    """Per data row: link, record kind and whether the row is rejected as a whole."""

    link_ids: list[str | None]
    link_methods: list[str | None]
    linked_counts: Counter[str]
    record_kind: list[str | None]
    row_rejected: list[bool]
    rejected_rows: list[int]
    n_missing: int = 0
    n_unlinked: int = 0


@dataclass
class ValueRejects:
    """Value rejects of captured rows by field; person cells without a person, kept in notes."""

    by_field: Counter[str] = field(default_factory=Counter)
    non_person: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    n_non_person: int = 0


@dataclass
class Contacts:
    """What the contacts phase leaves for the organisation records."""

    captured: list[bool]
    org_emails_extra: dict[int, tuple[str, ...]] = field(default_factory=dict)
    org_phones_extra: dict[int, tuple[str, ...]] = field(default_factory=dict)
    pairing_notes: dict[int, str] = field(default_factory=dict)
    #: Fields whose columns are the contacts' sources.
    person_src: dict[str, list[str]] = field(default_factory=dict)
    n_contacts: int = 0

"""Profile model: the dataclasses a loaded profile is made of, and its field tables.

The field tables (which canonical fields a profile may map, each field's default and allowed
parsers, which fields hold lists) are derived from the field registry
(:mod:`hotpass_assets.lib.fields`); :func:`field_tables` derives them from any registry.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from hotpass_assets.lib import fields as registry

PROFILE_DIR = Path(__file__).resolve().parent
GENERIC = "generic"
ROLES: tuple[str, ...] = ("organisations", "contacts", "addresses", "orders", "notes")


class FieldTables(NamedTuple):
    """What a profile may map, from a field registry."""

    organisation_fields: tuple[str, ...]
    contact_fields: tuple[str, ...]
    default_parsers: dict[str, str]
    allowed_parsers: dict[str, frozenset[str]]
    list_fields: frozenset[str]

    @property
    def fields(self) -> tuple[str, ...]:
        return self.organisation_fields + self.contact_fields


def field_tables(rows: Sequence[registry.Field] | None = None) -> FieldTables:
    """Profile field tables of the registry ``rows`` (default: the project's registry)."""
    mapped = registry.profile_fields(rows)
    return FieldTables(
        organisation_fields=tuple(f.name for f in mapped if f.entity == "organisation"),
        contact_fields=tuple(f.name for f in mapped if f.entity == "contact"),
        default_parsers={f.name: f.default_parser for f in mapped},
        allowed_parsers={f.name: frozenset(f.parsers) for f in mapped},
        list_fields=frozenset(f.name for f in mapped if f.is_list),
    )


_TABLES = field_tables()
#: Canonical organisation fields a profile may map (capture organisation columns).
ORGANISATION_FIELDS: tuple[str, ...] = _TABLES.organisation_fields
#: Canonical contact fields a profile may map (one source row → one or more people).
CONTACT_FIELDS: tuple[str, ...] = _TABLES.contact_fields
FIELDS: tuple[str, ...] = _TABLES.fields
#: Parser each field uses unless the profile names another.
DEFAULT_PARSERS: dict[str, str] = _TABLES.default_parsers
#: Parsers each field accepts.
ALLOWED_PARSERS: dict[str, frozenset[str]] = _TABLES.allowed_parsers
#: Fields whose values are lists (several columns or several values per cell are unioned).
LIST_FIELDS: frozenset[str] = _TABLES.list_fields


class ProfileError(ValueError):
    """A profile that cannot be used; names the profile file, the JSON path and the problem."""

    def __init__(self, file: str | Path, path: str, message: str, problems: Sequence[str] = ()):
        self.file = str(file)
        self.path = path
        self.problem = message
        self.problems = list(problems) or [f"{path}: {message}"]
        text = f"profile {self.file}: {path}: {message}"
        if len(self.problems) > 1:
            text += f" (and {len(self.problems) - 1} more: " + "; ".join(self.problems[1:]) + ")"
        super().__init__(text)


@dataclass(frozen=True)
class FieldSpec:
    """One canonical field fed by one or more source columns."""

    field: str
    columns: tuple[str, ...]
    parser: str
    separators: str | None = None
    allow_serial: bool = False
    match: str | None = None
    label: bool = False
    required: bool = False

    @property
    def is_list(self) -> bool:
        return self.field in LIST_FIELDS or self.parser in {"list", "multi"}


@dataclass(frozen=True)
class LinkKey:
    method: str  # "id", "name" or "accounting_name"
    column: str  # column of the joined sheet
    target: str  # column of the target (organisations) sheet
    #: Fuzzy ratio threshold of this key; ``None``: the link's ``fuzzy_threshold``.
    fuzzy_threshold: float | None = None
    #: What ``link_method`` records for this key (``_key``/``_fuzzy`` appended by those rules).
    link_method: str | None = None

    @property
    def label(self) -> str:
        return self.link_method or self.method


@dataclass(frozen=True)
class LinkSpec:
    sheet: str
    keys: tuple[LinkKey, ...]
    fuzzy_threshold: float | None = None
    on_unlinked: str = "reject"


@dataclass(frozen=True)
class UnmappedSpec:
    to: str = "notes"
    extract: tuple[str, ...] = ()


@dataclass(frozen=True)
class SheetSpec:
    sheet: str
    role: str
    fields: dict[str, FieldSpec]
    header_row: int | str = 1
    optional: bool = False
    required_columns: tuple[str, ...] = ()
    #: Columns the source fills on every data row (the source contract requires them too).
    key_columns: tuple[str, ...] = ()
    id_columns: tuple[str, ...] = ()
    ignore_columns: dict[str, str] = field(default_factory=dict)
    unmapped: UnmappedSpec = field(default_factory=UnmappedSpec)
    link: LinkSpec | None = None
    description: str = ""

    def columns(self) -> list[str]:
        """Every column this sheet spec names (fields, link keys)."""
        cols = [c for spec in self.fields.values() for c in spec.columns]
        if self.link:
            cols += [k.column for k in self.link.keys]
        return list(dict.fromkeys(cols))


@dataclass(frozen=True)
class IgnoredSheet:
    sheet: str
    reason: str


@dataclass(frozen=True)
class Recogniser:
    file_name: str | None = None
    sheets: dict[str, tuple[str, ...]] = field(default_factory=dict)
    mode: str = "any"


@dataclass(frozen=True)
class Kind:
    kind: str
    source_dataset: str
    trust: int
    phone_region: str
    country: str | None
    recognise: Recogniser
    sheets: tuple[SheetSpec, ...]
    ignore: tuple[IgnoredSheet, ...] = ()
    description: str = ""

    def sheet(self, name: str) -> SheetSpec | None:
        return next((s for s in self.sheets if s.sheet == name), None)


@dataclass(frozen=True)
class GenericSpec:
    source_dataset: str
    trust: int
    phone_region: str
    country: str | None
    header_scan_rows: int
    fuzzy_threshold: float
    synonyms: dict[str, tuple[str, ...]]
    parsers: dict[str, str]
    unmapped: UnmappedSpec
    ignore_sheets: tuple[str, ...] = ()

    def parser_for(self, field_name: str) -> str:
        return self.parsers.get(field_name, DEFAULT_PARSERS[field_name])

    def hints(self) -> list[str]:
        """Every known header (synonyms and field names), for header-row detection."""
        return [*FIELDS, *(s for syns in self.synonyms.values() for s in syns)]


@dataclass(frozen=True)
class Profile:
    name: str
    file: str
    description: str
    priority: int
    kinds: tuple[Kind, ...] = ()
    generic: GenericSpec | None = None

    @property
    def is_generic(self) -> bool:
        return self.generic is not None

    def kind(self, name: str) -> Kind:
        for k in self.kinds:
            if k.kind == name:
                return k
        raise KeyError(f"profile {self.name!r} has no kind {name!r}")

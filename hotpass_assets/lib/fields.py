"""The field registry: one row per canonical field of the organisation and contact records.

Every column that flows from a workbook through capture to the refined snapshot is described
once here: the layers it appears in (``profile``: a key a capture profile may map; ``capture``:
a column of the ``contact_capture`` tables; ``refined``: a column of the ``refined_organisations``
tables), its logical type, the parsers a profile may use for it, how survivorship fills it, its
weight in a record's completeness, its privacy class and its description per layer.

Derived from the registry, never restated elsewhere:

* the column tuples of :mod:`hotpass_assets.lib.records` (names and order);
* the profile field and parser tables and the field lists of the profile JSON Schema
  (:mod:`hotpass_assets.lib.profiles`);
* the survivorship, completeness and quality lists (:mod:`hotpass_assets.lib.survivorship`);
* the column order, types and descriptions of the capture and refined Pandera models, hence the
  ``dagster/column_schema`` metadata and the JSON Schemas under ``schemas/``;
* the ordered column lists of the Great Expectations suites.

Rows are in column order: a table's columns are the rows of its entity that appear in its layer,
in registry order. Adding a column to a table is adding one row (then regenerating the exported
files: ``hotpass contracts export`` and ``python -m hotpass_assets.lib.profiles``).

Nothing here imports pandas or the contract layer.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "DATASET_TABLES",
    "FIELDS",
    "LAYERS",
    "LIST_TYPE",
    "Field",
    "columns",
    "completeness_weights",
    "get",
    "list_columns",
    "profile_fields",
    "quality_fields",
    "quality_items",
    "rows",
    "survivor_fields",
]

Layer = Literal["profile", "capture", "refined"]
Entity = Literal["organisation", "contact"]
LogicalType = Literal["string", "integer", "number", "boolean", "date", "list<string>", "json"]
#: ``public``: no personal data; ``business``: contact points of an organisation as a business;
#: ``personal``: personal information of a natural person (POPIA).
Privacy = Literal["public", "business", "personal"]
#: How the refined value is made from the entity's capture records.
Survivorship = Literal[
    "ranked",  # value of the best-ranked record carrying it (trust, completeness, recency, id)
    "name_record",  # taken from the record (or person row) that supplied the survivor name
    "first_present",  # first record in rank order that carries it
    "union",  # union of list items over records (and contacts), rank order, first spelling kept
    "joined",  # distinct texts over records, one per line
    "latest",  # latest date over records
    "sum",  # sum over records
    "derived",  # computed by the snapshot (ids, counts, provenance, quality)
]

LAYERS: tuple[Layer, ...] = ("profile", "capture", "refined")
LIST_TYPE: LogicalType = "list<string>"

_ORG: Entity = "organisation"
_CONTACT: Entity = "contact"
_P: frozenset[Layer] = frozenset({"profile"})
_C: frozenset[Layer] = frozenset({"capture"})
_R: frozenset[Layer] = frozenset({"refined"})
_CR: frozenset[Layer] = frozenset({"capture", "refined"})
_PC: frozenset[Layer] = frozenset({"profile", "capture"})
_PCR: frozenset[Layer] = frozenset({"profile", "capture", "refined"})


@dataclass(frozen=True)
class Field:
    """One canonical field.

    ``descriptions`` maps a layer to the field's description there; a layer without its own
    entry uses the first one given. ``parsers``: the parsers a profile may name for the field,
    the first being its default (profile fields only). ``quality``: ``(position, item)`` when
    the field's presence is one of the data-quality items (``missing_<item>`` flags, in
    position order).
    """

    name: str
    entity: Entity
    layers: frozenset[Layer]
    type: LogicalType
    descriptions: Mapping[Layer, str]
    privacy: Privacy = "public"
    parsers: tuple[str, ...] = ()
    survivorship: Survivorship | None = None
    completeness: int = 0
    quality: tuple[int, str] | None = None
    feeds: str | None = None  # profile-only key: the capture column it fills
    extra: Mapping[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.descriptions:
            raise ValueError(f"field {self.name!r}: needs a description")
        if ("profile" in self.layers) != bool(self.parsers):
            raise ValueError(f"field {self.name!r}: profile fields, and only they, name parsers")
        if ("refined" in self.layers) != (self.survivorship is not None):
            raise ValueError(f"field {self.name!r}: refined fields, and only they, name a rule")

    @property
    def is_list(self) -> bool:
        return self.type == LIST_TYPE

    @property
    def default_parser(self) -> str:
        return self.parsers[0]

    def describe(self, layer: Layer) -> str:
        """The description of the field in ``layer``."""
        return self.descriptions.get(layer) or next(iter(self.descriptions.values()))


def _d(
    capture: str | None = None, refined: str | None = None, profile: str | None = None
) -> dict[Layer, str]:
    out: dict[Layer, str] = {}
    if capture:
        out["capture"] = capture
    if refined:
        out["refined"] = refined
    if profile:
        out["profile"] = profile
    return out


_TEXT = ("text",)

_PRIMARY_CONTACT: tuple[tuple[str, str, Privacy], ...] = (
    ("id", "contact_id of the primary contact (one person).", "public"),
    ("name", "Primary contact's name (personal data).", "personal"),
    ("role", "Primary contact's role.", "public"),
    ("email", "Primary contact's first e-mail (personal data).", "personal"),
    ("phone", "Primary contact's first phone (personal data).", "personal"),
)

# --- organisation ---------------------------------------------------------------------------

_ORGANISATION: tuple[Field, ...] = (
    Field(
        "record_id",
        _ORG,
        _C,
        "string",
        _d("Stable id of the capture record: `<content hash 12>:<sheet slug>:<Excel row>`."),
    ),
    Field("partition_key", _ORG, _C, "string", _d("Workbook drop partition the record came from.")),
    Field(
        "source_dataset",
        _ORG,
        _C,
        "string",
        _d("Profile source name (`sacaa`, `reachout`, `contact_db`, `generic_<file>`)."),
    ),
    Field(
        "source_trust",
        _ORG,
        _C,
        "integer",
        _d(
            "Trust of the source in survivorship; higher wins (SACAA 3, Reachout 2, Contact "
            "Database 1)."
        ),
    ),
    Field("source_file", _ORG, _C, "string", _d("File name of the drop (no directories).")),
    Field("source_sheet", _ORG, _C, "string", _d("Sheet the row was read from.")),
    Field("source_row", _ORG, _C, "integer", _d("1-based Excel row number of the source row.")),
    Field(
        "record_kind",
        _ORG,
        _C,
        "string",
        _d(
            "`organisation` (a listing that names an organisation) or `attribute` (a joined row "
            "that only adds attributes: address, note, order)."
        ),
    ),
    Field(
        "link_record_id",
        _ORG,
        _C,
        "string",
        _d("record_id of the organisation record this row was joined to; null for listings."),
    ),
    Field(
        "link_method",
        _ORG,
        _C,
        "string",
        _d(
            "Rule that made the join: `id`, `name`, `name_key`, `name_fuzzy`, `accounting_name`, "
            "`own_row`; null for listings."
        ),
    ),
    Field(
        "entity_id",
        _ORG,
        _R,
        "string",
        _d(refined="Stable id of the resolved organisation; kept across snapshots unless merged."),
        survivorship="derived",
    ),
    Field(
        "snapshot_date",
        _ORG,
        _R,
        "date",
        _d(refined="Snapshot day (the partition key)."),
        survivorship="derived",
    ),
    Field(
        "organisation_name",
        _ORG,
        _PCR,
        "string",
        _d(
            "Display name of the organisation (clean text); always present on listings.",
            "Survivor display name.",
        ),
        parsers=_TEXT,
        survivorship="ranked",
        completeness=1,
    ),
    Field(
        "name_key",
        _ORG,
        _CR,
        "string",
        _d(
            "Matching key of the name: lower-case, ASCII-folded, punctuation and legal suffixes "
            "removed.",
            "Matching key of the survivor name.",
        ),
        survivorship="name_record",
    ),
    Field(
        "accounting_name",
        _ORG,
        _PCR,
        "string",
        _d("Name in the accounting system (QuickBooks).", "Name in the accounting system."),
        parsers=_TEXT,
        survivorship="ranked",
    ),
    Field(
        "province",
        _ORG,
        _PCR,
        "string",
        _d(
            "One of the 9 South African provinces; null when unknown or unmapped.",
            "One of the 9 South African provinces; null when unknown.",
        ),
        parsers=("province", "text"),
        survivorship="ranked",
        completeness=1,
        quality=(3, "province"),
    ),
    Field(
        "province_raw",
        _ORG,
        _C,
        "string",
        _d("The source province text when it did not map to a province."),
    ),
    Field(
        "country",
        _ORG,
        _PCR,
        "string",
        _d("Country of the organisation.", "Country."),
        parsers=_TEXT,
        survivorship="ranked",
    ),
    Field(
        "address",
        _ORG,
        _PCR,
        "string",
        _d("Address text.", "Survivor address."),
        parsers=_TEXT,
        survivorship="ranked",
        completeness=1,
        quality=(4, "address"),
    ),
    Field(
        "category",
        _ORG,
        _PCR,
        "string",
        _d("Business category (Flight School, AMO, Brokers, ...).", "Business category."),
        parsers=_TEXT,
        survivorship="ranked",
        completeness=1,
    ),
    Field(
        "org_type",
        _ORG,
        _PCR,
        "string",
        _d("Type of operation (Fixed-wing, Helicopter, ...).", "Type of operation."),
        parsers=_TEXT,
        survivorship="ranked",
        completeness=1,
    ),
    Field(
        "status",
        _ORG,
        _PCR,
        "string",
        _d(
            "Status as the source states it (licence or CRM status).",
            "Survivor status (licence or CRM).",
        ),
        parsers=_TEXT,
        survivorship="ranked",
    ),
    Field(
        "website",
        _ORG,
        _PCR,
        "string",
        _d(
            "Canonical website URL (`https://host/path`, no `www.`, query or trailing `/`).",
            "Canonical website URL.",
        ),
        parsers=("website",),
        survivorship="ranked",
        completeness=1,
        quality=(2, "website"),
    ),
    Field(
        "domain",
        _ORG,
        _CR,
        "string",
        _d(
            "Registrable domain of the website, for matching.", "Registrable domain of the website."
        ),
        survivorship="first_present",
    ),
    Field(
        "aircraft_types",
        _ORG,
        _PCR,
        LIST_TYPE,
        _d("Aircraft types flown or serviced.", "Union of aircraft types over all sources."),
        parsers=("list", "multi"),
        survivorship="union",
    ),
    Field(
        "description",
        _ORG,
        _PCR,
        "string",
        _d("Free-text description of the organisation.", "Survivor description."),
        parsers=_TEXT,
        survivorship="ranked",
    ),
    Field(
        "notes",
        _ORG,
        _PCR,
        "string",
        _d(
            "Notes, including labelled text of source columns the profile does not map.",
            "Notes of all sources, one per line.",
        ),
        parsers=_TEXT,
        survivorship="joined",
    ),
    Field(
        "emails",
        _ORG,
        _PCR,
        LIST_TYPE,
        _d(
            "Organisation-level e-mail addresses (lower-case); contacts carry their own.",
            "Union of organisation and contact e-mail addresses (personal data).",
        ),
        privacy="personal",
        parsers=("emails",),
        survivorship="union",
        completeness=1,
        quality=(0, "email"),
    ),
    Field(
        "phones",
        _ORG,
        _PCR,
        LIST_TYPE,
        _d(
            "Organisation-level phone numbers in E.164.",
            "Union of organisation and contact phone numbers, E.164 (personal data).",
        ),
        privacy="personal",
        parsers=("phones",),
        survivorship="union",
        completeness=1,
        quality=(1, "phone"),
    ),
    *(
        Field(
            f"primary_contact_{part}",
            _ORG,
            _R,
            "string",
            _d(refined=text),
            privacy=privacy,
            survivorship="derived",
        )
        for part, text, privacy in _PRIMARY_CONTACT
    ),
    Field(
        "contact_count",
        _ORG,
        _R,
        "integer",
        _d(refined="Resolved contacts of the organisation."),
        survivorship="derived",
    ),
    Field(
        "email_count",
        _ORG,
        _R,
        "integer",
        _d(refined="Number of e-mail addresses in `emails`."),
        survivorship="derived",
    ),
    Field(
        "phone_count",
        _ORG,
        _R,
        "integer",
        _d(refined="Number of phone numbers in `phones`."),
        survivorship="derived",
    ),
    Field(
        "source_datasets",
        _ORG,
        _R,
        LIST_TYPE,
        _d(refined="Source datasets that contributed records."),
        survivorship="derived",
    ),
    Field(
        "source_record_ids",
        _ORG,
        _R,
        LIST_TYPE,
        _d(refined="Capture record ids merged into the organisation (provenance)."),
        survivorship="derived",
    ),
    Field(
        "source_count",
        _ORG,
        _R,
        "integer",
        _d(refined="Distinct drops that contributed records."),
        survivorship="derived",
    ),
    Field(
        "data_quality_score",
        _ORG,
        _R,
        "number",
        _d(refined="Share present of e-mail, phone, website, province and address (0-1)."),
        survivorship="derived",
    ),
    Field(
        "data_quality_flags",
        _ORG,
        _R,
        LIST_TYPE,
        _d(refined="One `missing_<item>` flag per quality item that is absent."),
        survivorship="derived",
    ),
    Field(
        "privacy_basis",
        _ORG,
        _R,
        "string",
        _d(refined="POPIA processing basis of the record."),
        survivorship="derived",
    ),
    Field(
        "interaction_date",
        _ORG,
        _PC,
        "date",
        _d("Date of the last outreach recorded on the row."),
        parsers=("date",),
    ),
    Field(
        "last_interaction_date",
        _ORG,
        _R,
        "date",
        _d(refined="Latest outreach date over all sources."),
        survivorship="latest",
    ),
    Field(
        "last_order_date",
        _ORG,
        _PCR,
        "date",
        _d("Date of the latest order known for the row.", "Latest order date over all sources."),
        parsers=("date",),
        survivorship="latest",
    ),
    Field(
        "order_count",
        _ORG,
        _PCR,
        "integer",
        _d("Orders attached from an order-history sheet.", "Orders recorded for the organisation."),
        parsers=("integer",),
        survivorship="sum",
    ),
    Field(
        "order_status",
        _ORG,
        _PC,
        "string",
        _d("Raw CRM status when it signals an order (`Last Order`)."),
        parsers=_TEXT,
    ),
    Field(
        "is_customer",
        _ORG,
        _R,
        "boolean",
        _d(
            refined="The Contact Database shows an order (order row, last order date or "
            "`Last Order`)."
        ),
        survivorship="derived",
    ),
    Field(
        "selection_provenance",
        _ORG,
        _R,
        "json",
        _d(
            refined="JSON object: field -> chosen value's file, sheet, row, column, rule and "
            "other candidates."
        ),
        survivorship="derived",
    ),
    Field(
        "source_columns",
        _ORG,
        _C,
        "json",
        _d("JSON object: canonical field -> source column header(s) the value came from."),
    ),
)

# --- contact --------------------------------------------------------------------------------

_CONTACT_ROWS: tuple[Field, ...] = (
    Field(
        "contact_record_id",
        _CONTACT,
        _C,
        "string",
        _d("Id of the person record: `<record_id>#<n>` for the n-th person in the row."),
    ),
    Field(
        "organisation_record_id",
        _CONTACT,
        _C,
        "string",
        _d("record_id of the capture organisation record the person belongs to."),
    ),
    Field(
        "link_method",
        _CONTACT,
        _C,
        "string",
        _d("How the person's row was linked to its organisation; null when on the same row."),
    ),
    Field("partition_key", _CONTACT, _C, "string", _d("Workbook drop partition.")),
    Field("source_dataset", _CONTACT, _C, "string", _d("Profile source name.")),
    Field("source_trust", _CONTACT, _C, "integer", _d("Trust of the source.")),
    Field("source_file", _CONTACT, _C, "string", _d("File name of the drop.")),
    Field("source_sheet", _CONTACT, _C, "string", _d("Sheet the row was read from.")),
    Field("source_row", _CONTACT, _C, "integer", _d("1-based Excel row number.")),
    Field(
        "contact_id",
        _CONTACT,
        _R,
        "string",
        _d(refined="Stable id of the resolved person."),
        survivorship="derived",
    ),
    Field(
        "entity_id",
        _CONTACT,
        _R,
        "string",
        _d(refined="entity_id of the organisation."),
        survivorship="derived",
    ),
    Field(
        "snapshot_date",
        _CONTACT,
        _R,
        "date",
        _d(refined="Snapshot day."),
        survivorship="derived",
    ),
    Field(
        "full_name",
        _CONTACT,
        _PCR,
        "string",
        _d("Full name as written (personal data).", "Full name (personal data)."),
        privacy="personal",
        parsers=("text", "person_with_role"),
        survivorship="name_record",
    ),
    Field(
        "first_name",
        _CONTACT,
        _PCR,
        "string",
        _d("First name (personal data)."),
        privacy="personal",
        parsers=_TEXT,
        survivorship="name_record",
    ),
    Field(
        "last_name",
        _CONTACT,
        _PCR,
        "string",
        _d("Last name (personal data)."),
        privacy="personal",
        parsers=_TEXT,
        survivorship="name_record",
    ),
    Field(
        "role",
        _CONTACT,
        _PCR,
        "string",
        _d("Role or position at the organisation.", "Role or position."),
        parsers=_TEXT,
        survivorship="first_present",
    ),
    Field(
        "contact_phones",
        _CONTACT,
        _P,
        LIST_TYPE,
        _d(profile="The person's phone numbers (fills the contact's `phones`)."),
        privacy="personal",
        parsers=("phones",),
        feeds="phones",
    ),
    Field(
        "contact_emails",
        _CONTACT,
        _P,
        LIST_TYPE,
        _d(profile="The person's e-mail addresses (fills the contact's `emails`)."),
        privacy="personal",
        parsers=("emails",),
        feeds="emails",
    ),
    Field(
        "contact_invalid",
        _CONTACT,
        _P,
        "boolean",
        _d(profile="The source marks the person as known bad (fills `is_invalid`)."),
        parsers=("flag",),
        feeds="is_invalid",
    ),
    Field(
        "emails",
        _CONTACT,
        _CR,
        LIST_TYPE,
        _d(
            "The person's e-mail addresses (lower-case; personal data).",
            "E-mail addresses from the person's source rows (personal data).",
        ),
        privacy="personal",
        survivorship="union",
    ),
    Field(
        "phones",
        _CONTACT,
        _CR,
        LIST_TYPE,
        _d(
            "The person's phone numbers in E.164 (personal data).",
            "Phone numbers in E.164 from the person's source rows (personal data).",
        ),
        privacy="personal",
        survivorship="union",
    ),
    Field("is_invalid", _CONTACT, _C, "boolean", _d("The source marks the contact as known bad.")),
    Field("interaction_date", _CONTACT, _C, "date", _d("Date of the last outreach to the person.")),
    Field(
        "source_columns",
        _CONTACT,
        _C,
        "json",
        _d("JSON object: field -> source column header(s)."),
    ),
    Field(
        "source_datasets",
        _CONTACT,
        _R,
        LIST_TYPE,
        _d(refined="Source datasets that listed the person."),
        survivorship="derived",
    ),
    Field(
        "source_record_ids",
        _CONTACT,
        _R,
        LIST_TYPE,
        _d(refined="Capture contact record ids merged into the person (provenance)."),
        survivorship="derived",
    ),
    Field(
        "is_valid",
        _CONTACT,
        _R,
        "boolean",
        _d(refined="Reachable and not marked invalid in any source."),
        survivorship="derived",
    ),
    Field(
        "validity_flags",
        _CONTACT,
        _R,
        LIST_TYPE,
        _d(
            refined="Reasons the contact is not valid (`marked_invalid_in_source`, `unreachable`, ...)."
        ),
        survivorship="derived",
    ),
)

#: The registry, organisation rows then contact rows, each in column order.
FIELDS: tuple[Field, ...] = _ORGANISATION + _CONTACT_ROWS

#: Dataset tables whose columns are registry fields: ``(dataset, table) -> (layer, entity)``.
DATASET_TABLES: dict[tuple[str, str], tuple[Layer, Entity]] = {
    ("contact_capture", "organisations"): ("capture", "organisation"),
    ("contact_capture", "contacts"): ("capture", "contact"),
    ("refined_organisations", "organisations"): ("refined", "organisation"),
    ("refined_organisations", "contacts"): ("refined", "contact"),
}


def rows(
    layer: Layer, entity: Entity, registry: Iterable[Field] | None = None
) -> tuple[Field, ...]:
    """Rows of ``entity`` that appear in ``layer``, in column order."""
    source = FIELDS if registry is None else registry
    return tuple(f for f in source if f.entity == entity and layer in f.layers)


def columns(
    layer: Layer, entity: Entity, registry: Iterable[Field] | None = None
) -> tuple[str, ...]:
    """Column (or profile key) names of ``entity`` in ``layer``, in order."""
    return tuple(f.name for f in rows(layer, entity, registry))


def get(name: str, entity: Entity, registry: Iterable[Field] | None = None) -> Field:
    """The row of ``entity`` named ``name``; :class:`KeyError` naming it when there is none."""
    for f in FIELDS if registry is None else registry:
        if f.name == name and f.entity == entity:
            return f
    raise KeyError(f"no {entity} field {name!r} in the field registry")


def profile_fields(registry: Iterable[Field] | None = None) -> tuple[Field, ...]:
    """Fields a capture profile may map: organisation fields, then contact fields."""
    return rows("profile", _ORG, registry) + rows("profile", _CONTACT, registry)


def list_columns(registry: Iterable[Field] | None = None) -> frozenset[str]:
    """Names of list-valued capture and refined columns (of either entity)."""
    source = FIELDS if registry is None else registry
    return frozenset(f.name for f in source if f.is_list and f.layers & _CR)


def survivor_fields(registry: Iterable[Field] | None = None) -> tuple[str, ...]:
    """Refined organisation fields chosen by ranked survivorship, in column order."""
    return tuple(f.name for f in rows("refined", _ORG, registry) if f.survivorship == "ranked")


def completeness_weights(registry: Iterable[Field] | None = None) -> dict[str, int]:
    """Capture organisation field -> weight of its presence in a record's completeness."""
    return {f.name: f.completeness for f in rows("capture", _ORG, registry) if f.completeness}


def quality_fields(registry: Iterable[Field] | None = None) -> tuple[Field, ...]:
    """Refined organisation fields whose presence is a data-quality item, in flag order."""
    found = [f for f in rows("refined", _ORG, registry) if f.quality]
    return tuple(sorted(found, key=lambda f: f.quality or (0, "")))


def quality_items(registry: Iterable[Field] | None = None) -> tuple[str, ...]:
    """Data-quality items (``missing_<item>`` flags) in flag order."""
    return tuple(f.quality[1] for f in quality_fields(registry) if f.quality)

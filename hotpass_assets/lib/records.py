"""Canonical column sets of every Hotpass dataset.

This module is the single place that names the columns flowing between stages. Capture writes
them, refinement reads and writes them, contracts describe them and scoring reads them. The
Pandera contracts in :mod:`hotpass_assets.lib.contracts` add types and descriptions; this module
only fixes names and order so pure code can build frames without importing the contract layer.

List-valued columns hold Python lists of strings (Arrow ``list<string>``). Provenance columns
(``source_*``) always name the file, sheet, 1-based Excel row and column a value came from.
"""

# --- contact_capture -------------------------------------------------------------------------

#: One row per source row that describes an organisation or contributes attributes to one.
CAPTURE_ORGANISATION_COLUMNS: tuple[str, ...] = (
    "record_id",  # stable id of this capture record: "<content hash 12>:<sheet slug>:<row>"
    "partition_key",  # workbook drop partition the record came from
    "source_dataset",  # profile source name, e.g. "sacaa", "reachout", "contact_db"
    "source_trust",  # int, higher wins in survivorship
    "source_file",  # file name of the drop (no directories)
    "source_sheet",
    "source_row",  # 1-based Excel row number
    "record_kind",  # "organisation" (a primary listing) or "attribute" (joined attributes only)
    "link_record_id",  # record_id of the organisation record this row was joined to (or null)
    "link_method",  # how the link was made: "id", "name", "accounting_name" or null
    "organisation_name",  # display form (clean text)
    "name_key",  # matching key: folded, suffix-free
    "accounting_name",
    "province",  # one of the 9 SA provinces or null
    "province_raw",  # the source value when it did not map
    "country",
    "address",
    "category",
    "org_type",
    "status",
    "website",
    "domain",
    "aircraft_types",  # list<string>
    "description",
    "notes",
    "emails",  # list<string>, organisation-level (contacts carry their own)
    "phones",  # list<string>, E.164
    "interaction_date",  # date of the last outreach/touch recorded on the row
    "last_order_date",
    "order_count",  # int, orders attached from an order history sheet
    "order_status",  # raw CRM status when it signals an order (e.g. "Last Order")
    "source_columns",  # JSON object: canonical field -> source column header
)

#: One row per person found in a source row. Name, role, e-mails and phones share one source row.
CAPTURE_CONTACT_COLUMNS: tuple[str, ...] = (
    "contact_record_id",  # "<record_id>#<n>" for the n-th person in the row
    "organisation_record_id",  # capture organisation record the person belongs to
    "link_method",
    "partition_key",
    "source_dataset",
    "source_trust",
    "source_file",
    "source_sheet",
    "source_row",
    "full_name",
    "first_name",
    "last_name",
    "role",
    "emails",  # list<string>
    "phones",  # list<string>, E.164
    "is_invalid",  # bool: the source marks the contact as known bad
    "interaction_date",
    "source_columns",
)

#: Everything that did not make it, with where it came from and why. Keeps the raw value.
REJECT_COLUMNS: tuple[str, ...] = (
    "partition_key",
    "source_file",
    "source_sheet",
    "source_row",  # null for sheet- or file-level rejects
    "source_column",  # null for row-level rejects
    "field",  # canonical field the value was meant for
    "reason_code",  # short machine code, e.g. "invalid_phone", "unlinked_row"
    "reason",  # human sentence
    "raw_value",  # the rejected value as text (stays in the local warehouse, never in metadata)
)

# --- refined ---------------------------------------------------------------------------------

REFINED_ORGANISATION_COLUMNS: tuple[str, ...] = (
    "entity_id",
    "snapshot_date",
    "organisation_name",
    "name_key",
    "accounting_name",
    "province",
    "country",
    "address",
    "category",
    "org_type",
    "status",
    "website",
    "domain",
    "aircraft_types",
    "description",
    "notes",
    "emails",
    "phones",
    "primary_contact_id",
    "primary_contact_name",
    "primary_contact_role",
    "primary_contact_email",
    "primary_contact_phone",
    "contact_count",
    "email_count",
    "phone_count",
    "source_datasets",
    "source_record_ids",
    "source_count",
    "data_quality_score",
    "data_quality_flags",
    "privacy_basis",
    "last_interaction_date",
    "last_order_date",
    "order_count",
    "is_customer",
    "selection_provenance",  # JSON: field -> {value, file, sheet, row, column, rule, candidates}
)

REFINED_CONTACT_COLUMNS: tuple[str, ...] = (
    "contact_id",
    "entity_id",
    "snapshot_date",
    "full_name",
    "first_name",
    "last_name",
    "role",
    "emails",
    "phones",
    "source_datasets",
    "source_record_ids",
    "is_valid",
    "validity_flags",
)

CONFLICT_COLUMNS: tuple[str, ...] = (
    "entity_id",
    "snapshot_date",
    "field",
    "chosen_value",
    "chosen_record_id",
    "other_value",
    "other_record_id",
    "rule",
)

#: Fields whose presence makes up the data-quality score (domain reference, section 4).
QUALITY_FIELDS: tuple[str, ...] = ("email", "phone", "website", "province", "address")

#: The nine South African provinces, the closed vocabulary of ``province``.
PROVINCES: tuple[str, ...] = (
    "Eastern Cape",
    "Free State",
    "Gauteng",
    "KwaZulu-Natal",
    "Limpopo",
    "Mpumalanga",
    "North West",
    "Northern Cape",
    "Western Cape",
)

LIST_COLUMNS: frozenset[str] = frozenset(
    {
        "aircraft_types",
        "emails",
        "phones",
        "source_datasets",
        "source_record_ids",
        "data_quality_flags",
        "validity_flags",
    }
)

"""Canonical column sets of every Hotpass dataset.

This module is the single place pure code takes column names from: capture writes them,
refinement reads and writes them, contracts describe them and scoring reads them. The columns of
the organisation and contact tables are derived from the field registry
(:mod:`hotpass_assets.lib.fields`), which also holds their types and descriptions; the Pandera
contracts in :mod:`hotpass_assets.lib.contracts` add the rules. Reject and conflict tables are
bookkeeping, not canonical fields, and are listed here.

List-valued columns hold Python lists of strings (Arrow ``list<string>``). Provenance columns
(``source_*``) always name the file, sheet, 1-based Excel row and column a value came from.
"""

from hotpass_assets.lib import fields

# --- contact_capture -------------------------------------------------------------------------

#: One row per source row that describes an organisation or contributes attributes to one.
CAPTURE_ORGANISATION_COLUMNS: tuple[str, ...] = fields.columns("capture", "organisation")

#: One row per person found in a source row. Name, role, e-mails and phones share one source row.
CAPTURE_CONTACT_COLUMNS: tuple[str, ...] = fields.columns("capture", "contact")

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

REFINED_ORGANISATION_COLUMNS: tuple[str, ...] = fields.columns("refined", "organisation")

REFINED_CONTACT_COLUMNS: tuple[str, ...] = fields.columns("refined", "contact")

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

#: Items whose presence makes up the data-quality score, in ``missing_<item>`` flag order.
QUALITY_FIELDS: tuple[str, ...] = fields.quality_items()

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

#: List-valued columns of the capture and refined tables.
LIST_COLUMNS: frozenset[str] = fields.list_columns()

"""Pandera models of every Hotpass dataset: the single statement of columns, types and rules.

Each model is a :class:`pandera.pandas.DataFrameModel` whose fields carry a description and, in
``metadata["type"]``, the logical type shown in the Dagster UI and written to the JSON Schema
(``string``, ``integer``, ``number``, ``boolean``, ``date``, ``list<string>``, ``json``). Column
names come from :mod:`hotpass_assets.lib.records` and tests keep both in step.

The models hold the rules Pandera can decide on one frame: presence of columns, dtypes,
nullability, uniqueness, closed vocabularies, ranges, formats of list items and cross-column
consistency. Rules that need more than one frame (references between tables, partition keys) or
a previous partition (drift) live in :mod:`hotpass_assets.lib.contracts.datasets`; value formats
of scalar columns are Great Expectations suites (``suites/*.json``).

Source-sheet models describe a sheet as the reader returns it (every cell text, header names as
in the workbook, blank headers named ``column_<n>``): the columns a sheet must have, and the key
columns that the source fills on every data row. They allow extra columns.
"""

from __future__ import annotations

import json
from datetime import date, datetime

import pandas as pd
import pandera.pandas as pa
from pandera.api.extensions import register_check_method
from pandera.typing.pandas import Series

from hotpass_assets.lib.records import PROVINCES, QUALITY_FIELDS

__all__ = [
    "DOMAIN_PATTERN",
    "EMAIL_PATTERN",
    "PHONE_PATTERN",
    "PRIVACY_BASES",
    "PROVINCES",
    "RECORD_KINDS",
    "WEBSITE_PATTERN",
]

# --- shared vocabularies and formats --------------------------------------------------------

#: E.164: a plus sign and 7 to 15 digits, the first not zero.
PHONE_PATTERN = r"^\+[1-9][0-9]{6,14}$"
#: Lower-case ``local@domain.tld`` (or an IDNA top-level domain).
EMAIL_PATTERN = r"^[^@\sA-Z]+@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]+)$"
#: Canonical website: http(s), lower-case host without ``www.``, no query, fragment or final ``/``.
WEBSITE_PATTERN = (
    r"^https?://(?!www\.)[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?(?::[0-9]+)?(?:/[^\s?#]*)?(?<!/)$"
)
#: Registrable domain (lower-case, at least two labels).
DOMAIN_PATTERN = r"^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z0-9-]{2,}$"
RECORD_KINDS: tuple[str, ...] = ("organisation", "attribute")
#: POPIA section 11 grounds for processing personal information.
PRIVACY_BASES: tuple[str, ...] = (
    "consent",
    "contract",
    "legal_obligation",
    "legitimate_interest",
    "public_law_duty",
    "vital_interest",
)
QUALITY_FLAGS: tuple[str, ...] = tuple(f"missing_{f}" for f in QUALITY_FIELDS)

# --- registered checks (usable as Field keywords; their statistics feed the exporter) -------


def _is_list(value: object) -> bool:
    return isinstance(value, list | tuple) or (
        hasattr(value, "tolist") and getattr(value, "ndim", 0) == 1
    )


def _items(value: object) -> list:
    return list(value.tolist() if hasattr(value, "tolist") else value)


def _register(fn, **kwargs):
    if not hasattr(pa.Check, fn.__name__):
        register_check_method(fn, **kwargs)
    return fn


def list_of_strings(value: object, *, item_pattern: str | None) -> bool:
    """A list of non-empty strings, each matching ``item_pattern`` when given."""
    import re

    if not _is_list(value):
        return False
    rx = re.compile(item_pattern) if item_pattern else None
    for item in _items(value):
        if not isinstance(item, str) or not item.strip():
            return False
        if rx is not None and not rx.match(item):
            return False
    return True


def list_not_empty(value: object, *, flag: bool) -> bool:
    """A list with at least one item (``flag`` is a placeholder statistic)."""
    return _is_list(value) and len(_items(value)) > 0


def list_items_in(value: object, *, allowed: tuple[str, ...]) -> bool:
    """Every item of a list is one of ``allowed``."""
    return _is_list(value) and all(item in allowed for item in _items(value))


def iso_date(value: object, *, flag: bool) -> bool:
    """A date: a ``date`` object or ISO ``YYYY-MM-DD`` text (a midnight timestamp is accepted)."""
    if isinstance(value, datetime | pd.Timestamp):
        return value.hour == value.minute == value.second == 0
    if isinstance(value, date):
        return True
    if isinstance(value, str) and len(value) == 10:
        try:
            date.fromisoformat(value)
        except ValueError:
            return False
        return True
    return False


def json_object(value: object, *, flag: bool) -> bool:
    """JSON text whose top level is an object."""
    if not isinstance(value, str):
        return False
    try:
        return isinstance(json.loads(value), dict)
    except ValueError:
        return False


_register(list_of_strings, statistics=["item_pattern"], check_type="element_wise")
_register(list_not_empty, statistics=["flag"], check_type="element_wise")
_register(list_items_in, statistics=["allowed"], check_type="element_wise")
_register(iso_date, statistics=["flag"], check_type="element_wise")
_register(json_object, statistics=["flag"], check_type="element_wise")

# --- field helpers ------------------------------------------------------------------------------


def text(
    description: str,
    *,
    nullable: bool = True,
    unique: bool = False,
    isin: tuple[str, ...] | None = None,
    required: bool = True,
    title: str | None = None,
):
    kwargs: dict = {}
    if isin is not None:
        kwargs["isin"] = list(isin)
    return pa.Field(
        description=description,
        nullable=nullable,
        unique=unique,
        required=required,
        title=title,
        metadata={"type": "string"},
        **kwargs,
    )


def integer(description: str, *, nullable: bool = False, ge: int | None = None, unique=False):
    kwargs = {} if ge is None else {"ge": ge}
    return pa.Field(
        description=description,
        nullable=nullable,
        unique=unique,
        coerce=True,
        metadata={"type": "integer"},
        **kwargs,
    )


def number(description: str, *, nullable: bool = False, lo: float = 0.0, hi: float = 1.0):
    return pa.Field(
        description=description,
        nullable=nullable,
        coerce=True,
        in_range={"min_value": lo, "max_value": hi},
        metadata={"type": "number"},
    )


def boolean(description: str):
    """A non-null flag; numpy ``bool`` and pandas ``boolean`` (also empty object) columns pass."""
    return pa.Field(
        description=description, nullable=False, coerce=True, metadata={"type": "boolean"}
    )


def a_date(description: str, *, nullable: bool = True):
    return pa.Field(
        description=description,
        nullable=nullable,
        iso_date={"flag": True},
        metadata={"type": "date"},
    )


def json_text(description: str, *, nullable: bool = True):
    return pa.Field(
        description=description,
        nullable=nullable,
        json_object={"flag": True},
        metadata={"type": "json"},
    )


def string_list(
    description: str,
    *,
    item_pattern: str | None = None,
    non_empty: bool = False,
    allowed: tuple[str, ...] | None = None,
    nullable: bool = False,
):
    kwargs: dict = {"list_of_strings": {"item_pattern": item_pattern}}
    if non_empty:
        kwargs["list_not_empty"] = {"flag": True}
    if allowed is not None:
        kwargs["list_items_in"] = {"allowed": tuple(allowed)}
    return pa.Field(
        description=description, nullable=nullable, metadata={"type": "list<string>"}, **kwargs
    )


def source_column(header: str, description: str, *, key: bool = False, required: bool = False):
    """A column of a source sheet as read (text).

    ``required``: the sheet must have the column. ``key``: the source fills it on every data row
    (implies ``required``). Other columns are expected: a missing one is drift, not a breach.
    """
    return pa.Field(
        alias=header,
        description=description,
        nullable=not key,
        required=required or key,
        metadata={"type": "string", "key": key, "required": required or key},
    )


# --- contact_capture ------------------------------------------------------------------------


class CaptureOrganisations(pa.DataFrameModel):
    """One row per source row that lists an organisation or adds attributes to one."""

    record_id: Series[str] = text(
        "Stable id of the capture record: `<content hash 12>:<sheet slug>:<Excel row>`.",
        nullable=False,
        unique=True,
    )
    partition_key: Series[str] = text(
        "Workbook drop partition the record came from.", nullable=False
    )
    source_dataset: Series[str] = text(
        "Profile source name (`sacaa`, `reachout`, `contact_db`, `generic_<file>`).",
        nullable=False,
    )
    source_trust: Series[pd.Int64Dtype] = integer(
        "Trust of the source in survivorship; higher wins (SACAA 3, Reachout 2, Contact "
        "Database 1).",
        ge=0,
    )
    source_file: Series[str] = text("File name of the drop (no directories).", nullable=False)
    source_sheet: Series[str] = text("Sheet the row was read from.", nullable=False)
    source_row: Series[pd.Int64Dtype] = integer("1-based Excel row number of the source row.", ge=1)
    record_kind: Series[str] = text(
        "`organisation` (a listing that names an organisation) or `attribute` (a joined row "
        "that only adds attributes: address, note, order).",
        nullable=False,
        isin=RECORD_KINDS,
    )
    link_record_id: Series[str] = text(
        "record_id of the organisation record this row was joined to; null for listings."
    )
    link_method: Series[str] = text(
        "Rule that made the join: `id`, `name`, `name_key`, `name_fuzzy`, `accounting_name`, "
        "`own_row`; null for listings."
    )
    organisation_name: Series[str] = text(
        "Display name of the organisation (clean text); always present on listings."
    )
    name_key: Series[str] = text(
        "Matching key of the name: lower-case, ASCII-folded, punctuation and legal suffixes "
        "removed."
    )
    accounting_name: Series[str] = text("Name in the accounting system (QuickBooks).")
    province: Series[str] = text(
        "One of the 9 South African provinces; null when unknown or unmapped.", isin=PROVINCES
    )
    province_raw: Series[str] = text("The source province text when it did not map to a province.")
    country: Series[str] = text("Country of the organisation.")
    address: Series[str] = text("Address text.")
    category: Series[str] = text("Business category (Flight School, AMO, Brokers, ...).")
    org_type: Series[str] = text("Type of operation (Fixed-wing, Helicopter, ...).")
    status: Series[str] = text("Status as the source states it (licence or CRM status).")
    website: Series[str] = text(
        "Canonical website URL (`https://host/path`, no `www.`, query or trailing `/`)."
    )
    domain: Series[str] = text("Registrable domain of the website, for matching.")
    aircraft_types: Series[object] = string_list("Aircraft types flown or serviced.")
    description: Series[str] = text("Free-text description of the organisation.")
    notes: Series[str] = text(
        "Notes, including labelled text of source columns the profile does not map."
    )
    emails: Series[object] = string_list(
        "Organisation-level e-mail addresses (lower-case); contacts carry their own.",
        item_pattern=EMAIL_PATTERN,
    )
    phones: Series[object] = string_list(
        "Organisation-level phone numbers in E.164.", item_pattern=PHONE_PATTERN
    )
    interaction_date: Series[object] = a_date("Date of the last outreach recorded on the row.")
    last_order_date: Series[object] = a_date("Date of the latest order known for the row.")
    order_count: Series[pd.Int64Dtype] = integer(
        "Orders attached from an order-history sheet.", nullable=True, ge=0
    )
    order_status: Series[str] = text("Raw CRM status when it signals an order (`Last Order`).")
    source_columns: Series[str] = json_text(
        "JSON object: canonical field -> source column header(s) the value came from."
    )

    class Config:
        name = "contact_capture.organisations"
        description = "Capture records of organisations with file/sheet/row provenance."
        strict = True

    @pa.dataframe_check(name="listing_named")
    def _listing_named(cls, df: pd.DataFrame) -> Series[bool]:
        """Organisation listings carry a name."""
        return ~(df["record_kind"].eq("organisation") & df["organisation_name"].isna())

    @pa.dataframe_check(name="attribute_linked")
    def _attribute_linked(cls, df: pd.DataFrame) -> Series[bool]:
        """Attribute rows name the record they were joined to and how."""
        attr = df["record_kind"].eq("attribute")
        return ~(attr & (df["link_record_id"].isna() | df["link_method"].isna()))


class CaptureContacts(pa.DataFrameModel):
    """One row per person found in a source row; name, role, e-mails and phones share the row."""

    contact_record_id: Series[str] = text(
        "Id of the person record: `<record_id>#<n>` for the n-th person in the row.",
        nullable=False,
        unique=True,
    )
    organisation_record_id: Series[str] = text(
        "record_id of the capture organisation record the person belongs to.", nullable=False
    )
    link_method: Series[str] = text(
        "How the person's row was linked to its organisation; null when on the same row."
    )
    partition_key: Series[str] = text("Workbook drop partition.", nullable=False)
    source_dataset: Series[str] = text("Profile source name.", nullable=False)
    source_trust: Series[pd.Int64Dtype] = integer("Trust of the source.", ge=0)
    source_file: Series[str] = text("File name of the drop.", nullable=False)
    source_sheet: Series[str] = text("Sheet the row was read from.", nullable=False)
    source_row: Series[pd.Int64Dtype] = integer("1-based Excel row number.", ge=1)
    full_name: Series[str] = text("Full name as written (personal data).")
    first_name: Series[str] = text("First name (personal data).")
    last_name: Series[str] = text("Last name (personal data).")
    role: Series[str] = text("Role or position at the organisation.")
    emails: Series[object] = string_list(
        "The person's e-mail addresses (lower-case; personal data).", item_pattern=EMAIL_PATTERN
    )
    phones: Series[object] = string_list(
        "The person's phone numbers in E.164 (personal data).", item_pattern=PHONE_PATTERN
    )
    is_invalid: Series[pd.BooleanDtype] = boolean("The source marks the contact as known bad.")
    interaction_date: Series[object] = a_date("Date of the last outreach to the person.")
    source_columns: Series[str] = json_text("JSON object: field -> source column header(s).")

    class Config:
        name = "contact_capture.contacts"
        description = "Capture records of contact people with provenance."
        strict = True

    @pa.dataframe_check(name="contact_has_content")
    def _has_content(cls, df: pd.DataFrame) -> Series[bool]:
        """A person record carries a name, a role, an e-mail or a phone."""
        named = df[["full_name", "first_name", "last_name", "role"]].notna().any(axis=1)
        reach = df["emails"].map(_len) + df["phones"].map(_len)
        return named | reach.gt(0)


class CaptureRejects(pa.DataFrameModel):
    """Every value or row that did not make it, where it came from and why."""

    partition_key: Series[str] = text("Workbook drop partition.", nullable=False)
    source_file: Series[str] = text("File name of the drop.", nullable=False)
    source_sheet: Series[str] = text("Sheet of the rejected value; null for file-level rejects.")
    source_row: Series[pd.Int64Dtype] = integer(
        "1-based Excel row; null for sheet- or file-level rejects.", nullable=True, ge=1
    )
    source_column: Series[str] = text("Source column header; null for row-level rejects.")
    field: Series[str] = text("Canonical field the value was meant for.")
    reason_code: Series[str] = text(
        "Short machine code of the reason (`invalid_phone`, `unlinked_row`, ...).",
        nullable=False,
    )
    reason: Series[str] = text("Human-readable reason.", nullable=False)
    raw_value: Series[str] = text(
        "The rejected value as text; stays in the local warehouse, never in run metadata."
    )

    class Config:
        name = "contact_capture.rejects"
        description = "Quarantine of rejected values and rows."
        strict = True


# --- refined --------------------------------------------------------------------------------


class RefinedOrganisations(pa.DataFrameModel):
    """The single source of truth: one row per resolved organisation."""

    entity_id: Series[str] = text(
        "Stable id of the resolved organisation; kept across snapshots unless merged.",
        nullable=False,
        unique=True,
    )
    snapshot_date: Series[object] = a_date("Snapshot day (the partition key).", nullable=False)
    organisation_name: Series[str] = text("Survivor display name.", nullable=False)
    name_key: Series[str] = text("Matching key of the survivor name.")
    accounting_name: Series[str] = text("Name in the accounting system.")
    province: Series[str] = text(
        "One of the 9 South African provinces; null when unknown.", isin=PROVINCES
    )
    country: Series[str] = text("Country.")
    address: Series[str] = text("Survivor address.")
    category: Series[str] = text("Business category.")
    org_type: Series[str] = text("Type of operation.")
    status: Series[str] = text("Survivor status (licence or CRM).")
    website: Series[str] = text("Canonical website URL.")
    domain: Series[str] = text("Registrable domain of the website.")
    aircraft_types: Series[object] = string_list("Union of aircraft types over all sources.")
    description: Series[str] = text("Survivor description.")
    notes: Series[str] = text("Notes of all sources, one per line.")
    emails: Series[object] = string_list(
        "Union of organisation and contact e-mail addresses (personal data).",
        item_pattern=EMAIL_PATTERN,
    )
    phones: Series[object] = string_list(
        "Union of organisation and contact phone numbers, E.164 (personal data).",
        item_pattern=PHONE_PATTERN,
    )
    primary_contact_id: Series[str] = text("contact_id of the primary contact (one person).")
    primary_contact_name: Series[str] = text("Primary contact's name (personal data).")
    primary_contact_role: Series[str] = text("Primary contact's role.")
    primary_contact_email: Series[str] = text("Primary contact's first e-mail (personal data).")
    primary_contact_phone: Series[str] = text("Primary contact's first phone (personal data).")
    contact_count: Series[pd.Int64Dtype] = integer("Resolved contacts of the organisation.", ge=0)
    email_count: Series[pd.Int64Dtype] = integer("Number of e-mail addresses in `emails`.", ge=0)
    phone_count: Series[pd.Int64Dtype] = integer("Number of phone numbers in `phones`.", ge=0)
    source_datasets: Series[object] = string_list(
        "Source datasets that contributed records.", non_empty=True
    )
    source_record_ids: Series[object] = string_list(
        "Capture record ids merged into the organisation (provenance).", non_empty=True
    )
    source_count: Series[pd.Int64Dtype] = integer("Distinct drops that contributed records.", ge=1)
    data_quality_score: Series[float] = number(
        "Share present of e-mail, phone, website, province and address (0-1)."
    )
    data_quality_flags: Series[object] = string_list(
        "One `missing_<item>` flag per quality item that is absent.", allowed=QUALITY_FLAGS
    )
    privacy_basis: Series[str] = text(
        "POPIA processing basis of the record.", nullable=False, isin=PRIVACY_BASES
    )
    last_interaction_date: Series[object] = a_date("Latest outreach date over all sources.")
    last_order_date: Series[object] = a_date("Latest order date over all sources.")
    order_count: Series[pd.Int64Dtype] = integer("Orders recorded for the organisation.", ge=0)
    is_customer: Series[pd.BooleanDtype] = boolean(
        "The Contact Database shows an order (order row, last order date or `Last Order`)."
    )
    selection_provenance: Series[str] = json_text(
        "JSON object: field -> chosen value's file, sheet, row, column, rule and other candidates.",
        nullable=False,
    )

    class Config:
        name = "refined_organisations.organisations"
        description = "Resolved organisations with survivor values and provenance."
        strict = True

    @pa.dataframe_check(name="count_matches_list")
    def _counts(cls, df: pd.DataFrame) -> Series[bool]:
        """email_count and phone_count equal the lengths of emails and phones."""
        emails = df["emails"].map(_len)
        phones = df["phones"].map(_len)
        return emails.eq(pd.to_numeric(df["email_count"], errors="coerce")) & phones.eq(
            pd.to_numeric(df["phone_count"], errors="coerce")
        )

    @pa.dataframe_check(name="quality_score_matches_flags")
    def _quality(cls, df: pd.DataFrame) -> Series[bool]:
        """The quality score is the share of quality items without a `missing_` flag."""
        expected = 1 - df["data_quality_flags"].map(_len) / len(QUALITY_FIELDS)
        score = pd.to_numeric(df["data_quality_score"], errors="coerce")
        return (score - expected).abs().le(0.001)

    @pa.dataframe_check(name="customer_has_order_evidence")
    def _customer(cls, df: pd.DataFrame) -> Series[bool]:
        """An organisation with orders or an order date is a customer."""
        orders = pd.to_numeric(df["order_count"], errors="coerce").fillna(0).gt(0)
        evidence = orders | df["last_order_date"].notna()
        return ~evidence | df["is_customer"].astype(bool)


class RefinedContacts(pa.DataFrameModel):
    """One row per resolved person per organisation."""

    contact_id: Series[str] = text("Stable id of the resolved person.", nullable=False, unique=True)
    entity_id: Series[str] = text("entity_id of the organisation.", nullable=False)
    snapshot_date: Series[object] = a_date("Snapshot day.", nullable=False)
    full_name: Series[str] = text("Full name (personal data).")
    first_name: Series[str] = text("First name (personal data).")
    last_name: Series[str] = text("Last name (personal data).")
    role: Series[str] = text("Role or position.")
    emails: Series[object] = string_list(
        "E-mail addresses from the person's source rows (personal data).",
        item_pattern=EMAIL_PATTERN,
    )
    phones: Series[object] = string_list(
        "Phone numbers in E.164 from the person's source rows (personal data).",
        item_pattern=PHONE_PATTERN,
    )
    source_datasets: Series[object] = string_list(
        "Source datasets that listed the person.", non_empty=True
    )
    source_record_ids: Series[object] = string_list(
        "Capture contact record ids merged into the person (provenance).", non_empty=True
    )
    is_valid: Series[pd.BooleanDtype] = boolean("Reachable and not marked invalid in any source.")
    validity_flags: Series[object] = string_list(
        "Reasons the contact is not valid (`marked_invalid_in_source`, `unreachable`, ...)."
    )

    class Config:
        name = "refined_organisations.contacts"
        description = "Resolved contact people."
        strict = True


class Conflicts(pa.DataFrameModel):
    """Every field where sources disagree, and how survivorship decided."""

    entity_id: Series[str] = text("Organisation the conflict belongs to.", nullable=False)
    snapshot_date: Series[object] = a_date("Snapshot day.", nullable=False)
    field: Series[str] = text("Field in conflict.", nullable=False)
    chosen_value: Series[str] = text("Survivor value (may be personal data).")
    chosen_record_id: Series[str] = text("Capture record that supplied it.", nullable=False)
    other_value: Series[str] = text("The competing value (may be personal data).")
    other_record_id: Series[str] = text("Capture record of the competing value.", nullable=False)
    rule: Series[str] = text(
        "Survivorship rule that decided (source trust, completeness, recency).", nullable=False
    )

    class Config:
        name = "refined_organisations.conflicts"
        description = "Survivorship conflicts."
        strict = True


# --- lead scoring ---------------------------------------------------------------------------


class LeadScores(pa.DataFrameModel):
    """One lead score per refined organisation."""

    entity_id: Series[str] = text("Scored organisation.", nullable=False, unique=True)
    lead_score: Series[float] = number(
        "Model score: probability of being a recorded customer (0-1)."
    )
    rank: Series[pd.Int64Dtype] = integer("1 = best; ties broken by entity_id.", ge=1, unique=True)
    top_features: Series[str] = text(
        "Up to three features that raise the row's score most, separated by `; `."
    )
    model_version: Series[str] = text(
        "Registered model version that produced the score; `baseline` while no model has "
        "been trained (the fixed formula).",
        nullable=False,
        required=False,
    )
    snapshot_date: Series[object] = pa.Field(
        description="Snapshot day the scores belong to.",
        nullable=False,
        required=False,
        iso_date={"flag": True},
        metadata={"type": "date"},
    )

    class Config:
        name = "lead_scores.scores"
        description = "Lead scores of every organisation of a snapshot."
        strict = True

    @pa.dataframe_check(name="rank_follows_score")
    def _rank_order(cls, df: pd.DataFrame) -> Series[bool]:
        """Along increasing rank the score never increases."""
        return _rank_follows(df)


class CallList(pa.DataFrameModel):
    """The top organisations by lead score with a reachable primary contact."""

    rank: Series[pd.Int64Dtype] = integer("Position in the call list, from 1.", ge=1, unique=True)
    entity_id: Series[str] = text("Organisation to call.", nullable=False, unique=True)
    organisation_name: Series[str] = text("Organisation display name.", nullable=False)
    province: Series[str] = text("Province, when known.", isin=PROVINCES)
    category: Series[str] = text("Business category.")
    primary_contact_name: Series[str] = text("Person to ask for (personal data).")
    primary_contact_role: Series[str] = text("Their role.")
    primary_contact_phone: Series[str] = text("Their phone, E.164 (personal data).")
    primary_contact_email: Series[str] = text("Their e-mail address (personal data).")
    lead_score: Series[float] = number("Model score (0-1).")
    model_version: Series[str] = text(
        "Model version that scored the list (`baseline`: the fixed formula)."
    )
    top_features: Series[str] = text("Features that raise the score most.")

    class Config:
        name = "call_list.call_list"
        description = "Call list for the sales team."
        strict = True

    @pa.dataframe_check(name="rank_follows_score")
    def _rank_order(cls, df: pd.DataFrame) -> Series[bool]:
        """Along increasing rank the score never increases."""
        return _rank_follows(df)


# --- raw workbook -----------------------------------------------------------------------------


class SheetInventory(pa.DataFrameModel):
    """Per sheet of a dropped workbook: size of the used range and non-empty rows."""

    sheet: Series[str] = text("Sheet name.", nullable=False, unique=True)
    rows: Series[pd.Int64Dtype] = integer("Rows of the used range, header included.", ge=0)
    columns: Series[pd.Int64Dtype] = integer("Columns of the used range.", ge=0)
    non_empty_rows: Series[pd.Int64Dtype] = integer("Rows with at least one value.", ge=0)

    class Config:
        name = "raw_workbook.inventory"
        description = "Sheet inventory of the archived workbook."
        strict = True

    @pa.dataframe_check(name="non_empty_within_rows")
    def _within(cls, df: pd.DataFrame) -> Series[bool]:
        """A sheet has no more non-empty rows than rows."""
        return pd.to_numeric(df["non_empty_rows"]).le(pd.to_numeric(df["rows"]))


# Source sheets as read. Class names are `<Kind><Sheet>`; `Config.name` is
# `raw_workbook.<kind>.<sheet slug>`.


class _SourceSheet(pa.DataFrameModel):
    class Config:
        strict = False


class SacaaCleaned(_SourceSheet):
    """SACAA list of flight schools, sheet `Cleaned` (the regulator's list, highest trust)."""

    name_of_organisation: Series[str] = source_column(
        "Name of Organisation", "Flight school name; filled on every data row.", key=True
    )
    province: Series[str] = source_column("Province", "Province text (`Unknown` when unknown).")
    status: Series[str] = source_column("Status", "Licence status: Active or Invalid.")
    website_url: Series[str] = source_column("Website URL", "Website.")
    contact_person: Series[str] = source_column(
        "Contact Person", "People as `First Last (Role)`, several separated by `;`."
    )
    contact_number: Series[str] = source_column("Contact Number", "Phone numbers.")
    contact_email_address: Series[str] = source_column(
        "Contact Email Address", "E-mail addresses, several separated by `; `."
    )

    class Config:
        name = "raw_workbook.sacaa.cleaned"
        description = "SACAA workbook, sheet `Cleaned`, as read (every cell text)."


class ReachoutOrganisation(_SourceSheet):
    """Reachout tracker, sheet `Organisation`; rows holding only an `=ROW()` id are not data."""

    organisation_name: Series[str] = source_column(
        "Organisation Name", "Organisation name; filled on every data row.", key=True
    )
    id: Series[str] = source_column(
        "ID", "Row id (`=ROW()`), the key `Contact Info` rows link by.", required=True
    )
    reachout_date: Series[str] = source_column("Reachout Date", "Date of the last outreach.")
    recent_touch_ind: Series[str] = source_column("Recent_Touch_Ind", "Recent touch marker.")
    area: Series[str] = source_column("Area", "Province text (aliases such as `Kwa-Zulu Natal`).")
    distance: Series[str] = source_column("Distance", "Distance note.")
    type: Series[str] = source_column("Type", "Fixed-wing, Helicopter, ...")
    website: Series[str] = source_column("Website", "Website, some with paths and queries.")
    address: Series[str] = source_column("Address", "Address text.")
    planes: Series[str] = source_column("Planes", "Aircraft types separated by `;` or `,`.")
    description_type: Series[str] = source_column("Description Type", "Description.")
    notes: Series[str] = source_column("Notes", "Free-text notes.")
    open_questions: Series[str] = source_column("Open Questions", "Free-text questions.")

    class Config:
        name = "raw_workbook.reachout.organisation"
        description = "Reachout workbook, sheet `Organisation`, as read."


class ReachoutContactInfo(_SourceSheet):
    """Reachout tracker, sheet `Contact Info`: the people contacted."""

    organisation_name: Series[str] = source_column(
        "Organisation Name", "Organisation name; filled on every data row.", key=True
    )
    id: Series[str] = source_column("ID", "Link to `Organisation.ID` (often empty).")
    reachout_date: Series[str] = source_column("Reachout Date", "Date of the outreach.")
    firstname: Series[str] = source_column("Firstname", "First name.")
    surname: Series[str] = source_column("Surname", "Last name.")
    position: Series[str] = source_column("Position", "Role.")
    phone: Series[str] = source_column("Phone", "Phone number as text.")
    whatsapp: Series[str] = source_column("WhatsApp", "WhatsApp number.")
    email: Series[str] = source_column("Email", "E-mail address(es).")
    invalid: Series[str] = source_column("Invalid", "1 = contact known bad.")

    class Config:
        name = "raw_workbook.reachout.contact_info"
        description = "Reachout workbook, sheet `Contact Info`, as read."


class ContactDbCompanyCat(_SourceSheet):
    """Contact Database, sheet `Company_Cat`: the company master."""

    c_id: Series[str] = source_column("C_ID", "Company id of this sheet.", key=True)
    company: Series[str] = source_column(
        "Company", "Company name; the join key of the other sheets.", key=True
    )
    quicknooks_name: Series[str] = source_column(
        "QuickNooks_Name", "[sic] accounting (QuickBooks) name; joins `Order Dates`."
    )
    last_order_date: Series[str] = source_column("Last_Order_Date", "Date of the last order.")
    category: Series[str] = source_column("Category", "Business category.")
    strat: Series[str] = source_column("Strat", "Strategy note.")
    priority: Series[str] = source_column("Priority", "Priority.")
    status: Series[str] = source_column("Status", "CRM status (`Last Order` signals an order).")
    loaddate: Series[str] = source_column("LoadDate", "Date loaded (some `dd/mm/yyyy` text).")
    checked: Series[str] = source_column("Checked", "Checked marker.")
    website: Series[str] = source_column("Website", "Website.")

    class Config:
        name = "raw_workbook.contact_db.company_cat"
        description = "Contact Database workbook, sheet `Company_Cat`, as read."


class ContactDbCompanyContacts(_SourceSheet):
    """Contact Database, sheet `Company_Contacts`; joins `Company_Cat` on `Company`."""

    company: Series[str] = source_column(
        "Company", "Company name, equal to a `Company_Cat.Company`.", key=True
    )
    c_id: Series[str] = source_column("C_ID", "Broken lookup (accounting name or 0); unused.")
    status: Series[str] = source_column("Status", "Contact status.")
    firstname: Series[str] = source_column("FirstName", "First name.")
    surname: Series[str] = source_column("Surname", "Last name.")
    position: Series[str] = source_column("Position", "Role.")
    cellnumber: Series[str] = source_column("Cellnumber", "Mobile number (digits).")
    email: Series[str] = source_column("Email", "E-mail address.")
    landline: Series[str] = source_column("Landline", "Landline number.")

    class Config:
        name = "raw_workbook.contact_db.company_contacts"
        description = "Contact Database workbook, sheet `Company_Contacts`, as read."


class ContactDbCompanyAddresses(_SourceSheet):
    """Contact Database, sheet `Company_Addresses`; the address is in the unnamed 5th column."""

    company: Series[str] = source_column("Company", "Company name (join key).", key=True)
    address: Series[str] = source_column(
        "column_5", "Address text (blank header, 5th column).", required=True
    )
    type: Series[str] = source_column("Type", "Postal, Head, ...")
    airport: Series[str] = source_column("Airport", "Airport of the address.")

    class Config:
        name = "raw_workbook.contact_db.company_addresses"
        description = "Contact Database workbook, sheet `Company_Addresses`, as read."


class ContactDbCapture(_SourceSheet):
    """Contact Database, sheet `10-10-25 Capture`: hand-captured outreach log of flight schools."""

    school: Series[str] = source_column("School", "Flight school name.", key=True)
    contact_person_role: Series[str] = source_column(
        "Contact person (role)", "`First Last — Role` or `First Last (Role)`."
    )
    phone: Series[str] = source_column("Phone", "Phone numbers.")
    email: Series[str] = source_column("Email", "E-mail addresses.")
    addresses: Series[str] = source_column("Addresses", "Address text.")
    planes: Series[str] = source_column("Planes", "Aircraft types.")
    website: Series[str] = source_column("Website", "Website.")
    description: Series[str] = source_column("Description", "Description.")
    type: Series[str] = source_column("Type", "Type of school.")

    class Config:
        name = "raw_workbook.contact_db.10_10_25_capture"
        description = "Contact Database workbook, sheet `10-10-25 Capture`, as read."


class ContactDbFlightSchools(_SourceSheet):
    """Contact Database, sheet `Flight schools` (capture-sheet shape with spill-over columns)."""

    school: Series[str] = source_column("School", "Flight school name.", key=True)
    contact_person_role: Series[str] = source_column("Contact person (role)", "People with roles.")
    phone: Series[str] = source_column("Phone", "Phone numbers.")
    email: Series[str] = source_column("Email", "E-mail addresses.")
    addresses: Series[str] = source_column("Addresses", "Address text.")
    planes: Series[str] = source_column("Planes", "Aircraft types.")
    website: Series[str] = source_column("Website", "Website.")
    description_type: Series[str] = source_column("Description type", "Description.")

    class Config:
        name = "raw_workbook.contact_db.flight_schools"
        description = "Contact Database workbook, sheet `Flight schools`, as read."


class ContactDbOrderDates(_SourceSheet):
    """Contact Database, sheet `Order Dates`: order history keyed by accounting name."""

    company_quickbooks: Series[str] = source_column(
        "Company_QuickBooks+", "Accounting name; joins `Company_Cat.QuickNooks_Name`.", key=True
    )
    order_dates: Series[str] = source_column("Order_Dates", "Order date.", key=True)
    once_off: Series[str] = source_column("Once-Off", "Once-off order marker.")
    captured: Series[str] = source_column("Captured", "Copy of the name when captured.")

    class Config:
        name = "raw_workbook.contact_db.order_dates"
        description = "Contact Database workbook, sheet `Order Dates`, as read."


class ContactDbCompanyNotes(_SourceSheet):
    """Contact Database, sheet `Company_Notes`: notes per company."""

    company: Series[str] = source_column("Company", "Company name (join key).", key=True)
    notes: Series[str] = source_column("Notes", "Note text.", required=True)
    order: Series[str] = source_column("Order", "Order note.")

    class Config:
        name = "raw_workbook.contact_db.company_notes"
        description = "Contact Database workbook, sheet `Company_Notes`, as read."


def _len(value: object) -> int:
    if value is None or (isinstance(value, float) and value != value):
        return 0
    if _is_list(value):
        return len(_items(value))
    return 0


def _rank_follows(df: pd.DataFrame) -> pd.Series:
    ranks = pd.to_numeric(df["rank"], errors="coerce")
    scores = pd.to_numeric(df["lead_score"], errors="coerce")
    order = ranks.sort_values(kind="mergesort").index
    ordered = scores.loc[order]
    ok = ordered.diff().fillna(0).le(1e-9)
    return ok.reindex(df.index).fillna(True).astype(bool)

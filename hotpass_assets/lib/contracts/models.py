"""Pandera models of every Hotpass dataset: the single statement of columns, types and rules.

Each model is a :class:`pandera.pandas.DataFrameModel` whose fields carry a description and, in
``metadata["type"]``, the logical type shown in the Dagster UI and written to the JSON Schema
(``string``, ``integer``, ``number``, ``boolean``, ``date``, ``list<string>``, ``json``).

The models of the organisation and contact tables (capture and refined) are built from the field
registry (:mod:`hotpass_assets.lib.fields`) by :func:`registry_model`: the registry gives the
columns, their order, logical types and descriptions; this module adds each column's rules
(nullability, uniqueness, vocabularies, ranges, item formats) and the checks across columns.
A registry field without rules here gets the defaults of its type.

The models hold the rules Pandera can decide on one frame: presence of columns, dtypes,
nullability, uniqueness, closed vocabularies, ranges, formats of list items and cross-column
consistency. Rules that need more than one frame (references between tables, partition keys) or
a previous partition (drift) live in :mod:`hotpass_assets.lib.contracts.datasets`; value formats
of scalar columns are Great Expectations suites (``suites/*.json``). Field helpers and formats
live in :mod:`.columns`, the raw workbook models in :mod:`.sheet_models`; both are re-exported
here.
"""

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import pandera.pandas as pa
from pandera.typing.pandas import Series

from hotpass_assets.lib import fields
from hotpass_assets.lib.contracts.columns import (
    DOMAIN_PATTERN,
    EMAIL_PATTERN,
    FIELD_FOR_TYPE,
    PHONE_PATTERN,
    PRIVACY_BASES,
    QUALITY_FLAGS,
    RECORD_KINDS,
    SERIES_FOR_TYPE,
    WEBSITE_PATTERN,
    a_date,
    boolean,
    integer,
    json_text,
    list_lengths,
    number,
    row_check,
    source_column,
    string_list,
    text,
)
from hotpass_assets.lib.contracts.sheet_models import (
    ContactDbCapture,
    ContactDbCompanyAddresses,
    ContactDbCompanyCat,
    ContactDbCompanyContacts,
    ContactDbCompanyNotes,
    ContactDbFlightSchools,
    ContactDbOrderDates,
    ReachoutContactInfo,
    ReachoutOrganisation,
    SacaaCleaned,
    SheetInventory,
)
from hotpass_assets.lib.records import PROVINCES, QUALITY_FIELDS

__all__ = [
    "DOMAIN_PATTERN",
    "EMAIL_PATTERN",
    "PHONE_PATTERN",
    "PRIVACY_BASES",
    "PROVINCES",
    "QUALITY_FLAGS",
    "RECORD_KINDS",
    "WEBSITE_PATTERN",
    "CallList",
    "CaptureContacts",
    "CaptureOrganisations",
    "CaptureRejects",
    "Conflicts",
    "ContactDbCapture",
    "ContactDbCompanyAddresses",
    "ContactDbCompanyCat",
    "ContactDbCompanyContacts",
    "ContactDbCompanyNotes",
    "ContactDbFlightSchools",
    "ContactDbOrderDates",
    "LeadScores",
    "ReachoutContactInfo",
    "ReachoutOrganisation",
    "RefinedContacts",
    "RefinedOrganisations",
    "SacaaCleaned",
    "SheetInventory",
    "a_date",
    "boolean",
    "integer",
    "json_text",
    "number",
    "registry_model",
    "source_column",
    "string_list",
    "text",
]

_len = list_lengths

Rules = Mapping[str, Mapping[str, Any]]


def registry_model(
    name: str,
    base: type[pa.DataFrameModel],
    layer: fields.Layer,
    entity: fields.Entity,
    rules: Rules,
    registry: Sequence[fields.Field] | None = None,
) -> type[pa.DataFrameModel]:
    """A model named ``name`` whose columns are the registry fields of ``entity`` in ``layer``.

    ``base`` carries the docstring, ``Config`` and the checks across columns; ``rules`` maps a
    column to the keywords of its field helper (those not given keep the helper's defaults).
    """
    annotations: dict[str, Any] = {}
    namespace: dict[str, Any] = {
        "__module__": __name__,
        "__qualname__": name,
        "__doc__": base.__doc__,
        "__annotations__": annotations,
        # A subclass without its own Config would be named after the class.
        "Config": type("Config", (base.Config,), {"name": base.Config.name}),
    }
    for f in fields.rows(layer, entity, registry):
        annotations[f.name] = SERIES_FOR_TYPE[f.type]
        namespace[f.name] = FIELD_FOR_TYPE[f.type](f.describe(layer), **rules.get(f.name, {}))
    return type(name, (base,), namespace)


# --- contact_capture ------------------------------------------------------------------------

_REQUIRED: dict[str, Any] = {"nullable": False}
_KEY: dict[str, Any] = {"nullable": False, "unique": True}
_EMAILS: dict[str, Any] = {"item_pattern": EMAIL_PATTERN}
_PHONES: dict[str, Any] = {"item_pattern": PHONE_PATTERN}
#: Rules of the columns every capture table shares (provenance of the source row).
_CAPTURE_SOURCE: dict[str, dict[str, Any]] = {
    "partition_key": _REQUIRED,
    "source_dataset": _REQUIRED,
    "source_trust": {"ge": 0},
    "source_file": _REQUIRED,
    "source_sheet": _REQUIRED,
    "source_row": {"ge": 1},
}

CAPTURE_ORGANISATION_RULES: Rules = {
    "record_id": _KEY,
    **_CAPTURE_SOURCE,
    "record_kind": {"nullable": False, "isin": RECORD_KINDS},
    "province": {"isin": PROVINCES},
    "emails": _EMAILS,
    "phones": _PHONES,
    "order_count": {"nullable": True, "ge": 0},
}


class _CaptureOrganisationsChecks(pa.DataFrameModel):
    """One row per source row that lists an organisation or adds attributes to one."""

    class Config:
        name = "contact_capture.organisations"
        description = "Capture records of organisations with file/sheet/row provenance."
        strict = True

    @row_check("listing_named")
    def _listing_named(cls, df: pd.DataFrame) -> "pd.Series[bool]":
        """Organisation listings carry a name."""
        return ~(df["record_kind"].eq("organisation") & df["organisation_name"].isna())

    @row_check("attribute_linked")
    def _attribute_linked(cls, df: pd.DataFrame) -> "pd.Series[bool]":
        """Attribute rows name the record they were joined to and how."""
        attr = df["record_kind"].eq("attribute")
        return ~(attr & (df["link_record_id"].isna() | df["link_method"].isna()))


CaptureOrganisations = registry_model(
    "CaptureOrganisations",
    _CaptureOrganisationsChecks,
    "capture",
    "organisation",
    CAPTURE_ORGANISATION_RULES,
)

CAPTURE_CONTACT_RULES: Rules = {
    "contact_record_id": _KEY,
    "organisation_record_id": _REQUIRED,
    **_CAPTURE_SOURCE,
    "emails": _EMAILS,
    "phones": _PHONES,
}


class _CaptureContactsChecks(pa.DataFrameModel):
    """One row per person found in a source row; name, role, e-mails and phones share the row."""

    class Config:
        name = "contact_capture.contacts"
        description = "Capture records of contact people with provenance."
        strict = True

    @row_check("contact_has_content")
    def _has_content(cls, df: pd.DataFrame) -> "pd.Series[bool]":
        """A person record carries a name, a role, an e-mail or a phone."""
        named = df[["full_name", "first_name", "last_name", "role"]].notna().any(axis=1)
        reach = _len(df["emails"]) + _len(df["phones"])
        return named | reach.gt(0)


CaptureContacts = registry_model(
    "CaptureContacts", _CaptureContactsChecks, "capture", "contact", CAPTURE_CONTACT_RULES
)


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

REFINED_ORGANISATION_RULES: Rules = {
    "entity_id": _KEY,
    "snapshot_date": _REQUIRED,
    "organisation_name": _REQUIRED,
    "province": {"isin": PROVINCES},
    "emails": _EMAILS,
    "phones": _PHONES,
    "contact_count": {"ge": 0},
    "email_count": {"ge": 0},
    "phone_count": {"ge": 0},
    "source_datasets": {"non_empty": True},
    "source_record_ids": {"non_empty": True},
    "source_count": {"ge": 1},
    "data_quality_flags": {"allowed": QUALITY_FLAGS},
    "privacy_basis": {"nullable": False, "isin": PRIVACY_BASES},
    "order_count": {"ge": 0},
    "selection_provenance": _REQUIRED,
}


class _RefinedOrganisationsChecks(pa.DataFrameModel):
    """The single source of truth: one row per resolved organisation."""

    class Config:
        name = "refined_organisations.organisations"
        description = "Resolved organisations with survivor values and provenance."
        strict = True

    @row_check("count_matches_list")
    def _counts(cls, df: pd.DataFrame) -> "pd.Series[bool]":
        """email_count and phone_count equal the lengths of emails and phones."""
        emails = _len(df["emails"])
        phones = _len(df["phones"])
        return emails.eq(pd.to_numeric(df["email_count"], errors="coerce")) & phones.eq(
            pd.to_numeric(df["phone_count"], errors="coerce")
        )

    @row_check("quality_score_matches_flags")
    def _quality(cls, df: pd.DataFrame) -> "pd.Series[bool]":
        """The quality score is the share of quality items without a `missing_` flag."""
        expected = 1 - _len(df["data_quality_flags"]) / len(QUALITY_FIELDS)
        score = pd.to_numeric(df["data_quality_score"], errors="coerce")
        return (score - expected).abs().le(0.001)

    @row_check("customer_has_order_evidence")
    def _customer(cls, df: pd.DataFrame) -> "pd.Series[bool]":
        """An organisation with orders or an order date is a customer."""
        orders = pd.to_numeric(df["order_count"], errors="coerce").fillna(0).gt(0)
        evidence = orders | df["last_order_date"].notna()
        return ~evidence | df["is_customer"].astype(bool)


RefinedOrganisations = registry_model(
    "RefinedOrganisations",
    _RefinedOrganisationsChecks,
    "refined",
    "organisation",
    REFINED_ORGANISATION_RULES,
)

REFINED_CONTACT_RULES: Rules = {
    "contact_id": _KEY,
    "entity_id": _REQUIRED,
    "snapshot_date": _REQUIRED,
    "emails": _EMAILS,
    "phones": _PHONES,
    "source_datasets": {"non_empty": True},
    "source_record_ids": {"non_empty": True},
}


class _RefinedContactsChecks(pa.DataFrameModel):
    """One row per resolved person per organisation."""

    class Config:
        name = "refined_organisations.contacts"
        description = "Resolved contact people."
        strict = True


RefinedContacts = registry_model(
    "RefinedContacts", _RefinedContactsChecks, "refined", "contact", REFINED_CONTACT_RULES
)


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

    @row_check("rank_follows_score")
    def _rank_order(cls, df: pd.DataFrame) -> "pd.Series[bool]":
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

    @row_check("rank_follows_score")
    def _rank_order(cls, df: pd.DataFrame) -> "pd.Series[bool]":
        """Along increasing rank the score never increases."""
        return _rank_follows(df)


def _rank_follows(df: pd.DataFrame) -> "pd.Series[bool]":
    ranks = pd.to_numeric(df["rank"], errors="coerce")
    scores = pd.to_numeric(df["lead_score"], errors="coerce")
    order = ranks.sort_values(kind="mergesort").index
    ordered = scores.loc[order]
    ok = ordered.diff().fillna(0).le(1e-9)
    return ok.reindex(df.index).fillna(True).astype(bool)

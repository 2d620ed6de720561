"""Lineage facts that do not depend on Dagster: dataset names, stable run ids, column lineage.

OpenLineage receivers (Marquez) key runs by ``runId`` and datasets by ``(namespace, name)``. Both
must be stable so that emitting the same Dagster run twice updates the same run and the same
edges instead of adding new ones:

* a Dagster run id is a UUID; each asset materialised in it becomes its own OpenLineage job run
  whose id is ``uuid5(<dagster run id>, <asset key>)``; the same run always maps to the same ids.
* datasets are named after what they are, never after when they were made: the archived
  workbook by its content hash (``archive/<sha256>.xlsx``), each sheet read inside it
  (``archive/<sha256>.xlsx/<sheet>``), and every table by its asset key (``contact_capture``,
  ``contact_capture/contacts``, ``refined_organisations``, ``lead_scores``, ...). Partitions
  (drops, snapshot days) are versions of those datasets, carried in run facets.

Column lineage is published on each materialisation as ``dagster/column_lineage``:

* capture columns come from the workbook columns the profile mapped them from; each record keeps
  that mapping in ``source_columns`` (canonical field -> header), so the lineage of one drop is
  read from its own records. A workbook column is named ``<sheet>!<header>`` (Excel's own
  notation for "on that sheet").
* refined columns come from capture columns by fixed rules (this module's two tables), written
  next to the refinement code's survivorship rules they describe.

Nothing here holds row values: headers, sheet names and column names only.
"""

import json
import os
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

DEFAULT_NAMESPACE = "hotpass"
#: Separator between a sheet name and a header in a workbook column name (``Sheet1!Email``).
SHEET_SEP = "!"
#: Prefix of capture columns that live in the capture's contacts table.
CONTACTS_PREFIX = "contacts."


def namespace_from_env(env: Mapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    return env.get("OPENLINEAGE_NAMESPACE") or DEFAULT_NAMESPACE


def lineage_configured(
    env: Mapping[str, str] | None = None, cwd: Path | None = None, user_home: Path | None = None
) -> bool:
    """True when the standard OpenLineage configuration asks for events to go somewhere.

    The openlineage client falls back to printing every event on the console when nothing is
    configured; Hotpass emits nothing instead, so no event leaves the process unasked. What
    counts as configured is what the client itself reads: ``OPENLINEAGE_URL``,
    ``OPENLINEAGE_CONFIG``, ``openlineage.yml`` in the working directory or ``~/.openlineage``,
    or ``OPENLINEAGE__TRANSPORT__*`` variables. ``OPENLINEAGE_DISABLED=true`` wins over all.
    """
    env = os.environ if env is None else env
    if env.get("OPENLINEAGE_DISABLED", "").strip().lower() == "true":
        return False
    if env.get("OPENLINEAGE_URL") or env.get("OPENLINEAGE_CONFIG"):
        return True
    if any(k.startswith("OPENLINEAGE__TRANSPORT") for k in env):
        return True
    cwd = Path.cwd() if cwd is None else cwd
    user_home = Path.home() if user_home is None else user_home
    return (cwd / "openlineage.yml").is_file() or (
        user_home / ".openlineage" / "openlineage.yml"
    ).is_file()


def stable_run_id(dagster_run_id: str, *parts: str) -> str:
    """OpenLineage run id of one part (an asset, an asset's checks) of a Dagster run."""
    try:
        base = uuid.UUID(dagster_run_id)
    except ValueError:
        base = uuid.uuid5(uuid.NAMESPACE_URL, f"dagster-run:{dagster_run_id}")
    return str(uuid.uuid5(base, "/".join(parts))) if parts else str(base)


def workbook_dataset(sha256: str) -> str:
    return f"archive/{sha256}.xlsx"


def sheet_dataset(sha256: str, sheet: str) -> str:
    return f"{workbook_dataset(sha256)}/{sheet}"


def workbook_column(sheet: str, header: str) -> str:
    return f"{sheet}{SHEET_SEP}{header}"


def split_workbook_column(column: str) -> tuple[str, str]:
    sheet, _, header = column.partition(SHEET_SEP)
    return sheet, header


def table_dataset(asset: str, column: str) -> tuple[str, str]:
    """(dataset name, field) of a column named on an asset (``contacts.x`` on the capture)."""
    if asset == "contact_capture" and column.startswith(CONTACTS_PREFIX):
        return f"{asset}/contacts", column.removeprefix(CONTACTS_PREFIX)
    return asset, column


# --- capture columns <- workbook columns ---------------------------------------------------------


def _headers(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, Iterable):
        return [str(v) for v in value if v is not None]
    return [str(value)]


def capture_column_lineage(
    organisations: pd.DataFrame, contacts: pd.DataFrame
) -> dict[str, list[str]]:
    """Capture column -> the workbook columns (``sheet!header``) it was read from in this drop.

    Read from the records' own ``source_columns`` (the profile's mapping as applied), one
    distinct (sheet, mapping) pair at a time, so a large drop costs a few hundred JSON parses.
    """
    deps: dict[str, set[str]] = {}
    for frame, prefix in ((organisations, ""), (contacts, CONTACTS_PREFIX)):
        if frame is None or frame.empty or "source_columns" not in frame:
            continue
        pairs = frame[["source_sheet", "source_columns"]].dropna().drop_duplicates()
        for sheet, mapping in pairs.itertuples(index=False):
            try:
                fields = json.loads(mapping) if isinstance(mapping, str) else dict(mapping)
            except (TypeError, ValueError):
                continue
            for fld, headers in fields.items():
                for header in _headers(headers):
                    deps.setdefault(prefix + str(fld), set()).add(
                        workbook_column(str(sheet), header)
                    )
    return {col: sorted(cols) for col, cols in sorted(deps.items())}


# --- refined columns <- capture columns ---------------------------------------------------------

_ORG_FIELDS = (
    "organisation_name",
    "accounting_name",
    "country",
    "address",
    "category",
    "org_type",
    "status",
    "website",
    "description",
    "notes",
    "aircraft_types",
    "last_order_date",
    "order_count",
)
_PERSON = {
    "name": ("contacts.full_name",),
    "role": ("contacts.role",),
    "email": ("contacts.emails",),
    "phone": ("contacts.phones",),
}

#: refined_organisations column -> capture columns it is computed from (see lib/refine.py).
REFINED_ORGANISATION_LINEAGE: dict[str, tuple[str, ...]] = {
    **{f: (f,) for f in _ORG_FIELDS},
    "entity_id": ("record_id", "name_key", "domain", "emails", "phones"),
    "name_key": ("name_key",),
    "province": ("province", "province_raw"),
    "domain": ("domain", "website"),
    "emails": ("emails", "contacts.emails"),
    "phones": ("phones", "contacts.phones"),
    "primary_contact_id": ("contacts.contact_record_id",),
    **{f"primary_contact_{k}": v for k, v in _PERSON.items()},
    "contact_count": ("contacts.contact_record_id",),
    "email_count": ("emails", "contacts.emails"),
    "phone_count": ("phones", "contacts.phones"),
    "source_datasets": ("source_dataset",),
    "source_record_ids": ("record_id",),
    "source_count": ("record_id",),
    "data_quality_score": ("emails", "phones", "website", "province", "address"),
    "data_quality_flags": ("emails", "phones", "website", "province", "address"),
    "last_interaction_date": ("interaction_date", "contacts.interaction_date"),
    "is_customer": ("order_count", "last_order_date", "order_status"),
    "selection_provenance": (
        "source_file",
        "source_sheet",
        "source_row",
        "source_columns",
        "source_trust",
    ),
}

#: refined contacts column -> capture columns (see lib/refine.py, people resolution).
REFINED_CONTACT_LINEAGE: dict[str, tuple[str, ...]] = {
    "contact_id": ("contacts.contact_record_id",),
    "entity_id": ("contacts.organisation_record_id", "record_id"),
    **{
        f: (f"contacts.{f}",)
        for f in ("full_name", "first_name", "last_name", "role", "emails", "phones")
    },
    "source_datasets": ("contacts.source_dataset",),
    "source_record_ids": ("contacts.contact_record_id",),
    "is_valid": ("contacts.is_invalid", "contacts.emails", "contacts.phones"),
    "validity_flags": ("contacts.is_invalid", "contacts.emails", "contacts.phones"),
}

#: Published assets whose column lineage is fixed: asset -> (upstream asset, column map).
STATIC_COLUMN_LINEAGE: dict[str, tuple[str, dict[str, tuple[str, ...]]]] = {
    "refined_organisations": ("contact_capture", REFINED_ORGANISATION_LINEAGE),
    "contacts": ("contact_capture", REFINED_CONTACT_LINEAGE),
}

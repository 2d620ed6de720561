"""The tables of every dataset and the Pandera model and row-id column of each.

``raw_workbook`` has the sheet inventory and one table per source sheet of every workbook kind
the capture profiles declare (see :mod:`.sources`), so the tables are built on first use, not
at import.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandera.pandas as pa

from hotpass_assets.lib.contracts import models as m


@dataclass(frozen=True)
class TableContract:
    dataset: str
    table: str
    model: type[pa.DataFrameModel]
    id_column: str | None


def all_tables() -> dict[str, dict[str, TableContract]]:
    """Dataset -> table -> contract, datasets in pipeline order (the source sheets' from the
    profiles as they are now)."""
    from hotpass_assets.lib.contracts.sources import all_sheet_contracts

    def tc(
        dataset: str, table: str, model: type[pa.DataFrameModel], id_column: str | None
    ) -> TableContract:
        return TableContract(dataset, table, model, id_column)

    out: dict[str, dict[str, TableContract]] = {
        "raw_workbook": {"inventory": tc("raw_workbook", "inventory", m.SheetInventory, "sheet")},
        "contact_capture": {
            "organisations": tc(
                "contact_capture", "organisations", m.CaptureOrganisations, "record_id"
            ),
            "contacts": tc("contact_capture", "contacts", m.CaptureContacts, "contact_record_id"),
            "rejects": tc("contact_capture", "rejects", m.CaptureRejects, None),
        },
        "refined_organisations": {
            "organisations": tc(
                "refined_organisations", "organisations", m.RefinedOrganisations, "entity_id"
            ),
            "contacts": tc("refined_organisations", "contacts", m.RefinedContacts, "contact_id"),
            "conflicts": tc("refined_organisations", "conflicts", m.Conflicts, "entity_id"),
        },
        "lead_scores": {"scores": tc("lead_scores", "scores", m.LeadScores, "entity_id")},
        "call_list": {"call_list": tc("call_list", "call_list", m.CallList, "entity_id")},
    }
    for c in all_sheet_contracts():
        out["raw_workbook"][c.table] = tc("raw_workbook", c.table, c.model, None)
    return out


def table_contract(dataset: str, table: str) -> TableContract:
    tables = all_tables()
    try:
        return tables[dataset][table]
    except KeyError:
        known = ", ".join(f"{d}.{t}" for d in tables for t in tables[d])
        raise KeyError(f"no contract for {dataset}.{table}; known: {known}") from None

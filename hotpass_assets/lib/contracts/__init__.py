"""Data contracts of every Hotpass dataset, for the Dagster layer, the CLI and the docs.

The interface the asset layer calls:

* :data:`DATASETS` and :func:`check_specs` declare the checks of each dataset up front;
* :func:`evaluate` runs them on a partition's frames and returns one
  :class:`~hotpass_assets.lib.checks.CheckOutcome` per declared check, in order;
* :func:`partition_stats` returns the counts and rates the next partition compares against
  (stored by the caller and passed back as :attr:`ContractContext.previous`);
* :func:`pandera_model` and :func:`column_schema` describe each table for Dagster types and the
  ``dagster/column_schema`` metadata.

The rules themselves live in :mod:`.models` (Pandera), :mod:`.sources` (source sheets, from
the capture profiles), ``suites/*.json`` (Great Expectations) and :mod:`.checks` (every check,
one module per dataset, declared by a decorator on its body; checks across tables and
partitions); :mod:`.export` writes JSON Schema files and the reference page from them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandera.pandas as pa

from hotpass_assets.lib.contracts.datasets import (
    DATASETS,
    SPECS,
    ContractContext,
    Thresholds,
    check_specs,
    evaluate,
    partition_stats,
    table_contract,
)

__all__ = [
    "DATASETS",
    "SPECS",
    "TABLES",
    "ContractContext",
    "Thresholds",
    "check_specs",
    "column_schema",
    "columns",
    "evaluate",
    "pandera_model",
    "partition_stats",
    "tables",
]


def __getattr__(name: str) -> Any:
    # ``TABLES`` holds a table per source sheet of every profile kind: built on first use.
    if name == "TABLES":
        from hotpass_assets.lib.contracts.table_contracts import all_tables

        return all_tables()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def tables(dataset: str) -> list[str]:
    """Table names of ``dataset`` that have a contract."""
    from hotpass_assets.lib.contracts.table_contracts import all_tables

    check_specs(dataset)
    return list(all_tables()[dataset])


def pandera_model(dataset: str, table: str) -> type[pa.DataFrameModel]:
    """The Pandera ``DataFrameModel`` of ``dataset.table`` (for the Dagster type)."""
    return table_contract(dataset, table).model


def columns(dataset: str, table: str) -> list[dict[str, Any]]:
    """Per column of ``dataset.table``: name, type, nullable, required, unique, description and
    the rules that apply to it (from the Pandera model)."""
    from hotpass_assets.lib.contracts.export import model_columns

    return model_columns(pandera_model(dataset, table))


def column_schema(dataset: str, table: str) -> list[tuple[str, str, str]]:
    """``(column, type, description)`` per column, from the Pandera model."""
    return [(c["name"], c["type"], c["description"]) for c in columns(dataset, table)]

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
in registry order. Adding a column to a table is adding one row, then regenerating the exported
files with ``hotpass contracts export`` (``make contracts``): the JSON Schemas, the reference page
and the field lists of the profile ``schema.json``.

The rows live in :mod:`.organisation` and :mod:`.contact`, the row type in :mod:`.model`; every
name is importable from here. Nothing here imports pandas or the contract layer.
"""

from collections.abc import Sequence

from hotpass_assets.lib.fields.contact import CONTACT
from hotpass_assets.lib.fields.model import (
    LAYERS,
    LIST_TYPE,
    Entity,
    Field,
    Layer,
    LogicalType,
    Privacy,
    Survivorship,
)
from hotpass_assets.lib.fields.organisation import ORGANISATION

__all__ = [
    "DATASET_TABLES",
    "FIELDS",
    "LAYERS",
    "LIST_TYPE",
    "Entity",
    "Field",
    "Layer",
    "LogicalType",
    "Privacy",
    "Survivorship",
    "columns",
    "completeness_weights",
    "list_columns",
    "profile_fields",
    "quality_fields",
    "quality_items",
    "rows",
    "survivor_fields",
]

_ORG: Entity = "organisation"
_CONTACT: Entity = "contact"
_CR: frozenset[Layer] = frozenset({"capture", "refined"})

#: The registry, organisation rows then contact rows, each in column order.
FIELDS: tuple[Field, ...] = ORGANISATION + CONTACT

#: Dataset tables whose columns are registry fields: ``(dataset, table) -> (layer, entity)``.
DATASET_TABLES: dict[tuple[str, str], tuple[Layer, Entity]] = {
    ("contact_capture", "organisations"): ("capture", "organisation"),
    ("contact_capture", "contacts"): ("capture", "contact"),
    ("refined_organisations", "organisations"): ("refined", "organisation"),
    ("refined_organisations", "contacts"): ("refined", "contact"),
}


def rows(
    layer: Layer, entity: Entity, registry: Sequence[Field] | None = None
) -> tuple[Field, ...]:
    """Rows of ``entity`` that appear in ``layer``, in column order."""
    source = FIELDS if registry is None else registry
    return tuple(f for f in source if f.entity == entity and layer in f.layers)


def columns(
    layer: Layer, entity: Entity, registry: Sequence[Field] | None = None
) -> tuple[str, ...]:
    """Column (or profile key) names of ``entity`` in ``layer``, in order."""
    return tuple(f.name for f in rows(layer, entity, registry))


def profile_fields(registry: Sequence[Field] | None = None) -> tuple[Field, ...]:
    """Fields a capture profile may map: organisation fields, then contact fields."""
    return rows("profile", _ORG, registry) + rows("profile", _CONTACT, registry)


def list_columns(registry: Sequence[Field] | None = None) -> frozenset[str]:
    """Names of list-valued capture and refined columns (of either entity)."""
    source = FIELDS if registry is None else registry
    return frozenset(f.name for f in source if f.is_list and f.layers & _CR)


def survivor_fields(registry: Sequence[Field] | None = None) -> tuple[str, ...]:
    """Refined organisation fields chosen by ranked survivorship, in column order."""
    return tuple(f.name for f in rows("refined", _ORG, registry) if f.survivorship == "ranked")


def completeness_weights(registry: Sequence[Field] | None = None) -> dict[str, int]:
    """Capture organisation field -> weight of its presence in a record's completeness."""
    return {f.name: f.completeness for f in rows("capture", _ORG, registry) if f.completeness}


def quality_fields(registry: Sequence[Field] | None = None) -> tuple[Field, ...]:
    """Refined organisation fields whose presence is a data-quality item, in flag order."""
    found = [f for f in rows("refined", _ORG, registry) if f.quality]
    return tuple(sorted(found, key=lambda f: f.quality or (0, "")))


def quality_items(registry: Sequence[Field] | None = None) -> tuple[str, ...]:
    """Data-quality items (``missing_<item>`` flags) in flag order."""
    return tuple(f.quality[1] for f in quality_fields(registry) if f.quality)

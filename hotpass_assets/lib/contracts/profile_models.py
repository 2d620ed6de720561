"""The Pandera model of a source sheet, for the source-sheet contract of a profile kind.

The profile is the one statement of a sheet's required and key columns (``required_columns``,
``key_columns``). A sheet with a hand-written model in :mod:`.models` (``Config.name``
``raw_workbook.<table>``) keeps that model's columns and descriptions (for the reference page)
and takes its roles from the profile: :func:`with_roles`. Any other sheet, such as one of a
workbook kind added by a new YAML profile, gets a model built from the profile: every column
the sheet spec names (fields, link keys, id, required, key and ignored columns), text, required
when listed in ``required_columns`` or ``key_columns``, not null when a key column. Extra columns
are allowed.
"""

from __future__ import annotations

import re
from functools import cache

import pandera.pandas as pa
from pandera.typing import Series

from hotpass_assets.lib.contracts import models as m
from hotpass_assets.lib.profiles import Kind, SheetSpec


@cache
def _hand_written() -> dict[str, type[pa.DataFrameModel]]:
    out: dict[str, type[pa.DataFrameModel]] = {}
    for value in vars(m).values():
        if isinstance(value, type) and issubclass(value, pa.DataFrameModel):
            name = str(getattr(value.Config, "name", "") or "")
            if name.startswith("raw_workbook.") and name != "raw_workbook.inventory":
                out[name] = value
    return out


def _columns(spec: SheetSpec) -> list[str]:
    cols = [*spec.key_columns, *spec.required_columns, *spec.id_columns, *spec.columns()]
    cols += list(spec.ignore_columns)
    return list(dict.fromkeys(cols))


def _attribute(header: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "_", header.lower()).strip("_") or "column"
    if base[0].isdigit():
        base = f"c_{base}"
    name, n = base, 2
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    taken.add(name)
    return name


def build_model(kind: Kind, spec: SheetSpec, table: str) -> type[pa.DataFrameModel]:
    """A source-sheet model built from the profile's sheet spec alone."""
    required = set(spec.required_columns) | set(spec.key_columns)
    taken: set[str] = set()
    annotations: dict[str, object] = {}
    namespace: dict[str, object] = {"__annotations__": annotations, "__module__": __name__}
    for header in _columns(spec):
        attr = _attribute(header, taken)
        key = header in spec.key_columns
        role = "key column" if key else "required column" if header in required else "column"
        annotations[attr] = Series[str]
        namespace[attr] = m.source_column(
            header,
            f"{role.capitalize()} of sheet `{spec.sheet}` (declared by the capture profile).",
            key=key,
            required=header in required,
        )
    description = kind.description or f"Workbook kind `{kind.kind}`"
    namespace["Config"] = type(
        "Config",
        (),
        {
            "name": f"raw_workbook.{table}",
            "description": f"{description}, sheet `{spec.sheet}`, as read.",
            "strict": False,
        },
    )
    model = type(f"Profile_{table.replace('.', '_')}", (pa.DataFrameModel,), namespace)
    return model


def with_roles(model: type[pa.DataFrameModel], spec: SheetSpec) -> type[pa.DataFrameModel]:
    """``model`` (same name, docstring, ``Config`` and column order) with the required and key
    columns of the profile's sheet ``spec``; a listed column the model does not describe is
    added after its own."""
    required = set(spec.required_columns) | set(spec.key_columns)
    annotations: dict[str, object] = {}
    namespace: dict[str, object] = {
        "__module__": model.__module__,
        "__qualname__": model.__qualname__,
        "__doc__": model.__doc__,
        "__annotations__": annotations,
        # A subclass without its own Config would be named after the class.
        "Config": type("Config", (model.Config,), {"name": model.Config.name}),
    }
    taken: set[str] = set()
    described: dict[str, tuple[str, str]] = {}
    for header, (_, info) in model.__fields__.items():
        taken.add(info.original_name)
        described[header] = (info.original_name, info.description or "")
    for header in dict.fromkeys([*spec.key_columns, *spec.required_columns]):
        attr, description = described.get(header) or (
            _attribute(header, taken),
            f"Required column of sheet `{spec.sheet}` (declared by the capture profile).",
        )
        annotations[attr] = Series[str]
        namespace[attr] = m.source_column(
            header, description, key=header in spec.key_columns, required=header in required
        )
    return type(model.__name__, (model,), namespace)


def model_for(kind: Kind, spec: SheetSpec, table: str) -> type[pa.DataFrameModel]:
    """The hand-written model of ``raw_workbook.<table>`` with the profile's required and key
    columns, else a model built from the profile."""
    hand_written = _hand_written().get(f"raw_workbook.{table}")
    if hand_written is None:
        return build_model(kind, spec, table)
    return with_roles(hand_written, spec)

"""The Pandera model of a source sheet, for the source-sheet contract of a profile kind.

A sheet with a hand-written model in :mod:`.models` (``Config.name`` ``raw_workbook.<table>``)
uses it: its columns carry descriptions for the reference page. Any other sheet, such as one of
a workbook kind added by a new YAML profile, gets a model built from the profile: every column
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
    namespace: dict[str, object] = {"__annotations__": {}, "__module__": __name__}
    for header in _columns(spec):
        attr = _attribute(header, taken)
        key = header in spec.key_columns
        role = "key column" if key else "required column" if header in required else "column"
        namespace["__annotations__"][attr] = Series[str]  # type: ignore[index]
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


def model_for(kind: Kind, spec: SheetSpec, table: str) -> type[pa.DataFrameModel]:
    """The hand-written model of ``raw_workbook.<table>``, else one built from the profile."""
    return _hand_written().get(f"raw_workbook.{table}") or build_model(kind, spec, table)

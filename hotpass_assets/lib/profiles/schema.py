"""The profile JSON Schema (``schema.json``): hand-written structure, field lists from the registry.

``schema.json`` is committed so editors and other tools can validate profile YAML. Its structure
(keys, parsers, sheet roles, links) is written by hand in that file; the parts that list
canonical fields (the field enums, the keys of a sheet's ``fields`` and of the generic
``synonyms``) are generated from the field registry by :func:`with_fields`. Regenerate with
``hotpass contracts export`` (with the other generated files; ``--check`` fails when any is out
of date) or, for this file alone, ``python -m hotpass_assets.lib.profiles [--check]``.
"""

import json
import re
from collections.abc import Sequence
from functools import cache
from typing import Any

from hotpass_assets.lib import fields as registry
from hotpass_assets.lib.profiles.model import PROFILE_DIR, field_tables

__all__ = ["SCHEMA_PATH", "profile_schema", "render_schema", "with_fields"]

SCHEMA_PATH = PROFILE_DIR / "schema.json"
#: Line width of the rendered file: containers that fit stay on one line.
WIDTH = 100


def with_fields(
    schema: dict[str, Any], rows: Sequence[registry.Field] | None = None
) -> dict[str, Any]:
    """``schema`` with its canonical-field lists taken from the registry ``rows``."""
    tables = field_tables(rows)
    out: dict[str, Any] = json.loads(json.dumps(schema))
    defs = out["$defs"]
    defs["organisationField"]["enum"] = list(tables.organisation_fields)
    defs["contactField"]["enum"] = list(tables.contact_fields)
    defs["fields"]["properties"] = {f: {"$ref": "#/$defs/fieldSpec"} for f in tables.fields}
    synonyms = defs["generic"]["properties"]["synonyms"]
    (value,) = synonyms["patternProperties"].values()
    pattern = "^(" + "|".join(re.escape(f) for f in tables.fields) + ")$"
    synonyms["patternProperties"] = {pattern: value}
    return out


def profile_schema(rows: Sequence[registry.Field] | None = None) -> dict[str, Any]:
    """The profile JSON Schema with the field lists of ``rows`` (default: the registry)."""
    base: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return with_fields(base, rows)


@cache
def cached_schema() -> dict[str, Any]:
    """:func:`profile_schema` of the project's registry, read once."""
    return profile_schema()


def _compact(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def _scalars(items: list[Any], indent: int) -> str:
    """A list of scalars, wrapped at :data:`WIDTH`."""
    pad = " " * (indent + 2)
    lines: list[str] = []
    line = ""
    for item in items:
        piece = _compact(item)
        if line and len(pad) + len(line) + len(piece) + 2 > WIDTH:
            lines.append(line + ",")
            line = piece
        else:
            line = f"{line}, {piece}" if line else piece
    lines.append(line)
    return "[\n" + "\n".join(pad + text for text in lines) + "\n" + " " * indent + "]"


def _render(value: object, indent: int, lead: int) -> str:
    compact = _compact(value)
    if not isinstance(value, dict | list) or not value or indent + lead + len(compact) <= WIDTH:
        return compact
    pad = " " * (indent + 2)
    if isinstance(value, dict):
        items = [
            f"{pad}{_compact(k)}: {_render(v, indent + 2, len(_compact(k)) + 2)}"
            for k, v in value.items()
        ]
        return "{\n" + ",\n".join(items) + "\n" + " " * indent + "}"
    if all(not isinstance(v, dict | list) for v in value):
        return _scalars(value, indent)
    inner = ",\n".join(pad + _render(v, indent + 2, 0) for v in value)
    return "[\n" + inner + "\n" + " " * indent + "]"


def render_schema(schema: dict[str, Any]) -> str:
    """The file text of ``schema``: two-space indent, containers that fit kept on one line."""
    return _render(schema, 0, 0) + "\n"

"""Export one snapshot table for people and other tools: Parquet, CSV + CSVW metadata, or XLSX.

* ``.parquet``: the table as stored (list columns stay lists).
* ``.csv``: UTF-8 (with a byte-order mark, for spreadsheet programs), list values joined with
  ``"; "``, text neutralised against formula injection, and a W3C CSVW metadata sidecar
  (``<file>-metadata.json``: column names, datatypes, descriptions, list separators, the snapshot)
  so the file can be read back with its types.
* ``.xlsx``: a formatted, inert workbook (:mod:`hotpass_assets.lib.xlsx`) with a ``summary``
  sheet of completeness per column.
"""

import csv
import json
from pathlib import Path
from typing import Any

import pandas as pd

from hotpass_assets.lib.inert import neutralise
from hotpass_assets.lib.warehouse import write_table
from hotpass_assets.lib.xlsx import (
    Sheet,
    cell_text,
    completeness,
    is_empty,
    python_value,
    write_workbook,
)

FORMATS = (".parquet", ".csv", ".xlsx")
LIST_SEPARATOR = "; "
#: Contract column type -> CSVW datatype.
_CSVW_TYPES = {
    "string": "string",
    "json": "json",
    "date": "date",
    "integer": "integer",
    "number": "number",
    "boolean": "boolean",
    "list<string>": "string",
}


def metadata_path(csv_path: Path) -> Path:
    """Where the CSVW sidecar of ``csv_path`` goes (the CSVW convention ``<file>-metadata.json``)."""
    return csv_path.with_name(csv_path.name + "-metadata.json")


def _csv_cell(value: object) -> str:
    value = python_value(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if is_empty(value):
        return ""
    if isinstance(value, int | float):
        return repr(value) if isinstance(value, float) else str(value)
    return str(neutralise(cell_text(value)))


def _inferred_type(series: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(series):
        return "boolean"
    if pd.api.types.is_integer_dtype(series):
        return "integer"
    if pd.api.types.is_float_dtype(series):
        return "number"
    return "string"


def csvw_metadata(
    frame: pd.DataFrame, csv_name: str, title: str, columns: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """CSVW table description of ``frame`` as written by :func:`write_csv`."""
    known = {c["name"]: c for c in columns or []}
    described = []
    for name in frame.columns:
        spec = known.get(str(name), {})
        kind = spec.get("type") or _inferred_type(frame[name])
        column = {
            "name": str(name),
            "titles": str(name),
            "datatype": _CSVW_TYPES.get(kind, "string"),
            "required": bool(spec.get("required") and not spec.get("nullable", True)),
        }
        if spec.get("description"):
            column["dc:description"] = spec["description"]
        is_list = kind == "list<string>" or frame[name].map(lambda v: isinstance(v, list)).any()
        if is_list:
            column["separator"] = LIST_SEPARATOR
        described.append(column)
    return {
        "@context": "http://www.w3.org/ns/csvw",
        "url": csv_name,
        "dc:title": title,
        "dialect": {"encoding": "utf-8", "header": True, "delimiter": ","},
        "tableSchema": {"columns": described},
        "notes": [
            "Text cells that a spreadsheet would read as a formula start with an apostrophe."
        ],
    }


def write_csv(
    frame: pd.DataFrame, path: Path, title: str, columns: list[dict[str, Any]] | None
) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([str(neutralise(str(c))) for c in frame.columns])
        for record in frame.itertuples(index=False, name=None):
            writer.writerow([_csv_cell(v) for v in record])
    meta = metadata_path(path)
    meta.write_text(
        json.dumps(csvw_metadata(frame, path.name, title, columns), indent=2, ensure_ascii=False)
        + "\n",
        encoding="utf-8",
    )
    return meta


def export_frame(
    frame: pd.DataFrame,
    path: Path,
    *,
    table: str,
    title: str,
    columns: list[dict[str, Any]] | None = None,
) -> list[Path]:
    """Write ``frame`` to ``path`` in the format its suffix names; returns the files written."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"{path}: unsupported output type {suffix!r}; use {', '.join(FORMATS)}")
    if suffix == ".parquet":
        write_table(frame, path)
        return [path]
    if suffix == ".csv":
        return [path, write_csv(frame, path, title, columns)]
    summary = completeness(frame)
    write_workbook(path, [Sheet(table, frame), Sheet("summary", summary)])
    return [path]

"""Write a warehouse table for people: Parquet as is, CSV and XLSX inert in a spreadsheet.

List columns become ``"; "``-joined text. CSV and XLSX go through :mod:`hotpass_assets.lib.inert`:
text a spreadsheet could read as a formula is neutralised with a leading apostrophe (OWASP's
CSV-injection guidance), and XLSX cells are written by type (text as string cells), so no
formula, array formula or hyperlink comes from data.
"""

from pathlib import Path

import pandas as pd

from hotpass_assets.lib.inert import write_csv, write_xlsx
from hotpass_assets.lib.records import LIST_COLUMNS
from hotpass_assets.lib.warehouse import write_table


def flatten(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for name in out.columns:
        if name in LIST_COLUMNS or out[name].map(lambda v: isinstance(v, list | tuple)).any():
            out[name] = out[name].map(
                lambda v: "; ".join(map(str, v)) if isinstance(v, list | tuple) else v
            )
    return out


def export_table(frame: pd.DataFrame, path: Path) -> None:
    suffix = path.suffix.lower()
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".parquet":
        write_table(frame, path)
        return
    flat = flatten(frame)
    columns = [str(c) for c in flat.columns]
    rows = flat.itertuples(index=False, name=None)
    if suffix == ".csv":
        write_csv(path, columns, rows)
    elif suffix == ".xlsx":
        write_xlsx(path, columns, rows, sheet_name="data")
    else:
        raise ValueError(f"{path}: unsupported output type {suffix!r} (parquet, csv or xlsx)")

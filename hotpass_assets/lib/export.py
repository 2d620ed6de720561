"""Write a warehouse table for people: Parquet as is, CSV and XLSX safe to open in a spreadsheet.

List columns become ``"; "``-joined text. Every text cell that a spreadsheet would read as a
formula (leading ``=``, ``+``, ``-``, ``@``, tab or carriage return) is neutralised with a leading
apostrophe, as OWASP's CSV-injection guidance recommends.
"""

from pathlib import Path

import pandas as pd

from hotpass_assets.lib.records import LIST_COLUMNS
from hotpass_assets.lib.scoring.calllist import neutralise
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
    safe = flatten(frame).map(neutralise)
    if suffix == ".csv":
        safe.to_csv(path, index=False)
    elif suffix == ".xlsx":
        with pd.ExcelWriter(path, engine="xlsxwriter") as writer:
            safe.to_excel(writer, index=False, sheet_name="data")
            sheet = writer.sheets["data"]
            sheet.freeze_panes(1, 0)
            sheet.autofilter(0, 0, len(safe), max(len(safe.columns) - 1, 0))
    else:
        raise ValueError(f"{path}: unsupported output type {suffix!r} (parquet, csv or xlsx)")

"""The match review queue as a workbook a person works in, and its decisions read back.

:func:`review_frame` lays each candidate pair of ``match_review_queue`` out as one row: a
``decision`` column (a drop-down of ``match`` / ``no-match``, empty = undecided), a free ``note``,
the model's probability and the per-field evidence, then both source records side by side
(``a: organisation_name`` next to ``b: organisation_name``, ...) and their ids. The workbook
holds contact details; it is a working file for a person allowed to see them and stays local.

:func:`read_review_sheet` reads a filled workbook back and returns the decisions in the shape of
:mod:`hotpass_assets.lib.review` decision files (``record_id_a``/``record_id_b``,
``natural_key_a``/``natural_key_b``, ``decision``); written into ``review/decisions/`` they are
applied as must-link / cannot-link constraints by every later snapshot. A malformed sheet raises
:class:`ReviewSheetError` naming the file, sheet, row and column of every problem.
"""

from pathlib import Path

import pandas as pd

from hotpass_assets.lib.inert import FORMULA_TRIGGERS
from hotpass_assets.lib.review import MATCH, NO_MATCH
from hotpass_assets.lib.xlsx import Sheet, write_workbook

SHEET = "review"
DECISIONS = ("match", "no-match")
#: Record fields shown side by side (capture organisation columns).
SIDE_BY_SIDE = (
    "organisation_name",
    "province",
    "address",
    "website",
    "emails",
    "phones",
    "category",
    "source_dataset",
    "source_file",
    "source_sheet",
    "source_row",
)
ID_COLUMNS = ("record_id_a", "record_id_b", "natural_key_a", "natural_key_b")
REQUIRED = ("decision", "record_id_a", "record_id_b")
INSTRUCTIONS = (
    "How to work this review queue",
    "",
    "Each row of the 'review' sheet is a pair of source records the matcher was unsure about. "
    "Columns 'a: ...' and 'b: ...' show both records side by side; 'probability' and the "
    "'evidence: ...' columns show how each field compared.",
    "",
    "Set 'decision' to 'match' (the same organisation: merge them) or 'no-match' (different "
    "organisations: never merge them). Leave it empty to decide later. 'note' is for you.",
    "",
    "Then: hotpass review import <this file>. Decisions apply to every later snapshot (the next "
    "refine, or the next snapshot run in Dagster) and survive new versions of the same workbook.",
    "",
    "Do not rename the sheet or the columns, and do not edit the id columns at the right.",
)


def review_frame(
    queue: pd.DataFrame, records: pd.DataFrame, natural_keys: dict[str, str]
) -> pd.DataFrame:
    """One row per queued pair; ``records`` are capture organisation rows (by ``record_id``)."""
    by_id = records.drop_duplicates("record_id").set_index("record_id") if len(records) else None
    evidence = [c for c in queue.columns if c.startswith("cmp_")]
    rows = []
    for n, pair in enumerate(queue.to_dict("records"), start=1):
        a, b = str(pair["left_record_id"]), str(pair["right_record_id"])
        row: dict[str, object] = {
            "pair": n,
            "decision": "",
            "note": "",
            "probability": round(float(pair.get("match_probability") or 0.0), 4),
            "model": pair.get("decision", ""),
        }
        for col in evidence:
            row[f"evidence: {col.removeprefix('cmp_')}"] = pair.get(col)
        for field in SIDE_BY_SIDE:
            for side, rid in (("a", a), ("b", b)):
                value = None
                if by_id is not None and rid in by_id.index and field in by_id.columns:
                    value = by_id.at[rid, field]
                row[f"{side}: {field}"] = value
        row.update(
            record_id_a=a,
            record_id_b=b,
            natural_key_a=natural_keys.get(a, ""),
            natural_key_b=natural_keys.get(b, ""),
        )
        rows.append(row)
    return pd.DataFrame(rows)


def write_review_workbook(frame: pd.DataFrame, path: Path, snapshot: str) -> None:
    notes = (*INSTRUCTIONS, "", f"Snapshot: {snapshot}; {len(frame)} pair(s).")
    write_workbook(
        path,
        [
            Sheet(SHEET, frame, dropdowns={"decision": DECISIONS}, highlight=("decision", "note")),
            Sheet("instructions", pd.DataFrame(), notes=notes, filters=False),
        ],
    )


class ReviewSheetError(ValueError):
    """A filled review workbook that cannot be read; the message lists every problem."""


def _clean(value: object) -> str:
    """Cell text as written: ``None`` -> ``""``; the export's protective apostrophe removed."""
    if value is None:
        return ""
    text = str(value).strip()
    if text.startswith("'") and text[1:].startswith(FORMULA_TRIGGERS):
        text = text[1:]
    return text


def read_review_sheet(path: Path) -> pd.DataFrame:
    """Decided pairs of a filled review workbook (undecided rows are left out)."""
    from openpyxl import load_workbook

    path = Path(path)
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # not a workbook, encrypted, missing: say which file
        raise ReviewSheetError(f"{path.name}: cannot open as a workbook ({exc})") from exc
    try:
        if SHEET not in book.sheetnames:
            raise ReviewSheetError(
                f"{path.name}: no sheet {SHEET!r} (sheets: {', '.join(book.sheetnames)}); "
                "export a fresh one with `hotpass review export`"
            )
        rows = list(book[SHEET].iter_rows(values_only=True))
    finally:
        book.close()
    where = f"{path.name}, sheet {SHEET!r}"
    if not rows:
        raise ReviewSheetError(f"{where}: the sheet is empty (no header row)")
    header = [_clean(h) for h in rows[0]]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ReviewSheetError(f"{where}, row 1: missing column(s) {', '.join(missing)}")
    col = {name: i for i, name in enumerate(header) if name}
    problems: list[str] = []
    decided = []
    for excel_row, values in enumerate(rows[1:], start=2):
        cells = {name: _clean(values[i]) if i < len(values) else "" for name, i in col.items()}
        decision = cells["decision"].casefold()
        if not decision:
            continue
        if decision not in MATCH | NO_MATCH:
            problems.append(
                f"{where}, row {excel_row}, column 'decision': {cells['decision']!r} is not "
                "'match' or 'no-match'"
            )
            continue
        for name in ("record_id_a", "record_id_b"):
            if not cells[name]:
                problems.append(f"{where}, row {excel_row}, column {name!r}: empty")
        decided.append(
            {
                **{name: cells.get(name, "") for name in ID_COLUMNS},
                "decision": "match" if decision in MATCH else "no-match",
                "sheet_row": excel_row,
            }
        )
    if problems:
        shown = problems[:20]
        more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
        raise ReviewSheetError(
            f"{len(problems)} problem(s), nothing imported:\n  " + "\n  ".join(shown) + more
        )
    return pd.DataFrame(decided, columns=[*ID_COLUMNS, "decision", "sheet_row"])

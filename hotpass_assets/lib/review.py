"""Reviewer decisions on candidate pairs: must-link and cannot-link constraints.

A reviewer copies rows of ``match_review_queue`` into a CSV or Parquet file, adds a ``decision``
column (``match`` or ``no-match``) and drops the file into ``<HOTPASS_HOME>/review/decisions/``.
Every later snapshot applies every decision file found there, so decisions persist.

A decision names its records by ``record_id_a``/``record_id_b`` and, to survive a new version of
the same workbook (record ids embed the file's content hash), by ``natural_key_a``/``natural_key_b``
(source dataset, sheet and organisation key), which the review queue carries too.
"""

from pathlib import Path

import pandas as pd

MATCH = {"match", "yes", "same", "must-link", "must_link", "1", "true"}
NO_MATCH = {
    "no-match",
    "no_match",
    "nomatch",
    "no",
    "different",
    "cannot-link",
    "cannot_link",
    "0",
    "false",
}


class DecisionFileError(ValueError):
    """A decisions file that cannot be applied; the message names the file and the problem."""


def read_decision_files(folder: Path) -> pd.DataFrame:
    frames = []
    if folder.exists():
        for path in sorted(folder.iterdir()):
            if path.name.startswith((".", "~$")):
                continue
            if path.suffix.lower() == ".csv":
                frame = pd.read_csv(path, dtype=str, keep_default_na=False)
            elif path.suffix.lower() == ".parquet":
                frame = pd.read_parquet(path).astype(str)
            else:
                continue
            if "decision" not in frame.columns:
                raise DecisionFileError(f"{path.name}: no 'decision' column")
            has_ids = {"record_id_a", "record_id_b"} <= set(frame.columns)
            has_keys = {"natural_key_a", "natural_key_b"} <= set(frame.columns)
            if not (has_ids or has_keys):
                raise DecisionFileError(
                    f"{path.name}: needs record_id_a/record_id_b or natural_key_a/natural_key_b"
                )
            decisions = frame["decision"].str.strip().str.casefold()
            unknown = sorted(set(decisions) - MATCH - NO_MATCH - {""})
            if unknown:
                raise DecisionFileError(
                    f"{path.name}: unknown decision value(s) {unknown}; use 'match' or 'no-match'"
                )
            frame = frame.assign(decision=decisions, decision_file=path.name)
            frames.append(frame[decisions != ""])
    if not frames:
        return pd.DataFrame(columns=["record_id_a", "record_id_b", "decision"])
    return pd.concat(frames, ignore_index=True).fillna("")


def load_decisions(
    folder: Path, records: pd.DataFrame
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Must-link and cannot-link record-id pairs for the current ``records``.

    Later files win over earlier ones for the same pair (files are read in name order).
    """
    decisions = read_decision_files(folder)
    if decisions.empty or records.empty:
        return [], []
    present = set(records["record_id"])
    by_natural: dict[str, str] = {}
    if "natural_key" in records.columns:
        for nk, rid in sorted(zip(records["natural_key"], records["record_id"], strict=True)):
            by_natural.setdefault(nk, rid)
    else:
        from hotpass_assets.lib.refine import natural_key

        for row in sorted(records.to_dict("records"), key=lambda r: r["record_id"]):
            by_natural.setdefault(natural_key(row), row["record_id"])

    def resolve(row: pd.Series, side: str) -> str | None:
        rid: str = row.get(f"record_id_{side}", "")
        if rid in present:
            return rid
        return by_natural.get(row.get(f"natural_key_{side}", ""))

    final: dict[tuple[str, str], str] = {}
    for _, decision in decisions.iterrows():
        a, b = resolve(decision, "a"), resolve(decision, "b")
        if a is None or b is None or a == b:
            continue
        final[(a, b) if a <= b else (b, a)] = decision["decision"]
    must = sorted(pair for pair, d in final.items() if d in MATCH)
    cannot = sorted(pair for pair, d in final.items() if d in NO_MATCH)
    return must, cannot

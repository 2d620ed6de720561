"""The result of a capture and its frames (columns exactly those of
:mod:`hotpass_assets.lib.records`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from hotpass_assets.lib.capture.context import Ctx
from hotpass_assets.lib.records import REJECT_COLUMNS

__all__ = ["CaptureResult", "empty_frame", "frame", "rejects_frame"]

#: Columns of capture frames that are not object columns, and their dtypes.
_INT_COLUMNS = frozenset({"source_row", "order_count"})
_BOOL_COLUMNS = frozenset({"is_invalid"})


@dataclass
class CaptureResult:
    """Everything :func:`~hotpass_assets.lib.capture.capture_workbook` produced for one
    workbook."""

    organisations: pd.DataFrame
    contacts: pd.DataFrame
    rejects: pd.DataFrame
    profile_name: str
    workbook_kind: str
    source_dataset: str
    source_trust: int
    #: Per sheet of the workbook: role, row accounting, rejects by field, ignored reason.
    sheets: list[dict[str, Any]]
    #: Generic profile only: per read sheet, header → field mapping and unmapped headers.
    mapping: dict[str, Any] | None
    #: Dicts with sheet, column, rule, message, severity ("error" or "warning").
    structural_errors: list[dict[str, Any]]
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def blocking_errors(self) -> list[dict[str, Any]]:
        return [e for e in self.structural_errors if e.get("severity") == "error"]

    def summary(self) -> dict[str, Any]:
        """Counts only (safe for run metadata)."""
        orgs = self.organisations
        return {
            "profile": self.profile_name,
            "workbook_kind": self.workbook_kind,
            "source_dataset": self.source_dataset,
            "organisation_records": int((orgs["record_kind"] == "organisation").sum())
            if len(orgs)
            else 0,
            "attribute_records": int((orgs["record_kind"] == "attribute").sum())
            if len(orgs)
            else 0,
            "contact_records": len(self.contacts),
            "rejects": len(self.rejects),
            "rejects_by_reason": dict(Counter(self.rejects["reason_code"]))
            if len(self.rejects)
            else {},
            "structural_errors": len(self.blocking_errors),
            "structural_warnings": len(self.structural_errors) - len(self.blocking_errors),
            "sheets_read": sum(
                1 for s in self.sheets if s.get("role") not in ("ignore", "unlisted")
            ),
            "sheets_ignored": sum(
                1 for s in self.sheets if s.get("role") in ("ignore", "unlisted")
            ),
        }


def empty_frame(columns: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})


def _object_array(values: Sequence[Any]) -> np.ndarray[Any, np.dtype[np.object_]]:
    """1-D object array of ``values`` (list values stay lists; nothing is inferred)."""
    return np.fromiter(values, dtype=object, count=len(values))


def frame(
    ctx: Ctx, cols: dict[str, list[Any]], columns: Sequence[str], id_col: str
) -> pd.DataFrame:
    """The frame of captured record columns, with the capture's constant columns."""
    n = len(cols.get(id_col, []))
    if n == 0:
        return empty_frame(columns)
    constants = {
        "partition_key": ctx.partition_key,
        "source_dataset": ctx.source_dataset,
        "source_file": ctx.source_file,
    }
    data: dict[str, Any] = {}
    for c in columns:
        if c in _INT_COLUMNS and c in cols:
            values = cols[c]
            if values.count(None) == len(values):  # no value at all: an all-NA column
                data[c] = pd.arrays.IntegerArray(np.zeros(n, np.int64), np.ones(n, dtype=bool))
            else:
                data[c] = pd.array(values, dtype="Int64")
        elif c in _BOOL_COLUMNS and c in cols:
            data[c] = np.asarray(cols[c], dtype=bool)
        elif c in cols:
            data[c] = _object_array(cols[c])
        elif c == "source_trust":
            data[c] = pd.array(np.full(n, ctx.trust, dtype=np.int64), dtype="Int64")
        else:
            data[c] = np.full(n, constants.get(c), dtype=object)
    return pd.DataFrame(data, columns=list(columns))


def rejects_frame(ctx: Ctx) -> pd.DataFrame:
    """The capture's rejects (columns of ``REJECT_COLUMNS``)."""
    if not ctx.rejects:
        return empty_frame(REJECT_COLUMNS)
    rejects = pd.DataFrame.from_records(ctx.rejects, columns=list(REJECT_COLUMNS))
    rejects["source_row"] = rejects["source_row"].astype("Int64")
    return rejects

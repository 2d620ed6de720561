"""What one capture collects across sheets: record columns, rejects, structural problems, and the
captured organisation records of each organisations sheet (join targets)."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hotpass_assets.lib import normalise as nz
from hotpass_assets.lib.reading import SheetTable, Workbook

__all__ = ["Ctx", "OrgIndex", "id_key", "sheet_slug"]

#: One rejects row (the columns of ``records.REJECT_COLUMNS``, in order).
RejectRow = tuple[str, str, str | None, int | None, str | None, str | None, str, str, str | None]

_INTEGRAL = re.compile(r"^(\d+)\.0+$")


def sheet_slug(name: str) -> str:
    """Stable slug of a sheet name for record ids: lower-case ``[a-z0-9_]``."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", folded.lower()).strip("_") or "sheet"


def id_key(value: str) -> str:
    """Join key of an id cell: trimmed, ``12.0`` written ``12``."""
    text = value.strip()
    m = _INTEGRAL.match(text)
    return m.group(1) if m else text


def _columns() -> dict[str, list[Any]]:
    return defaultdict(list)


@dataclass
class Ctx:
    """One capture: the workbook's ids and profile settings, the record columns and rejects
    collected so far, structural problems, and the join targets of the sheets captured."""

    path: Path
    partition_key: str
    content_hash: str
    source_file: str
    source_dataset: str
    trust: int
    region: str
    country: str | None
    book: Workbook
    org_cols: dict[str, list[Any]] = field(default_factory=_columns)
    contact_cols: dict[str, list[Any]] = field(default_factory=_columns)
    rejects: list[RejectRow] = field(default_factory=list)
    structural: list[dict[str, Any]] = field(default_factory=list)
    #: organisations sheet name → index of its captured records
    indexes: dict[str, OrgIndex] = field(default_factory=dict)
    slugs: dict[str, str] = field(default_factory=dict)

    def slug(self, sheet: str) -> str:
        if sheet not in self.slugs:
            base = sheet_slug(sheet)
            slug, k = base, 1
            while slug in self.slugs.values():
                k += 1
                slug = f"{base}_{k}"
            self.slugs[sheet] = slug
        return self.slugs[sheet]

    def structural_error(
        self,
        sheet: str | None,
        column: str | None,
        rule: str,
        message: str,
        severity: str = "error",
    ) -> None:
        if any(
            (e["sheet"], e["column"], e["rule"]) == (sheet, column, rule) for e in self.structural
        ):
            return
        self.structural.append(
            {
                "sheet": sheet,
                "column": column,
                "rule": rule,
                "message": message,
                "severity": severity,
            }
        )

    def reject(
        self,
        sheet: str | None,
        row: int | None,
        column: str | None,
        fld: str | None,
        code: str,
        reason: str,
        raw: str | None,
    ) -> None:
        self.rejects.append(
            (self.partition_key, self.source_file, sheet, row, column, fld, code, reason, raw)
        )


@dataclass
class OrgIndex:
    """Captured organisation records of one organisations sheet, for joins."""

    table: SheetTable
    positions: list[int]  # data row positions (into table columns) of captured records
    record_ids: list[str]
    names: list[str | None]
    _exact: dict[str, dict[str, str]] = field(default_factory=dict)
    _keyed: dict[str, dict[str, str]] = field(default_factory=dict)
    duplicates: dict[str, int] = field(default_factory=dict)
    _pos: dict[str, int] = field(default_factory=dict)

    def name_of(self, record_id: str | None) -> str | None:
        if record_id is None:
            return None
        if not self._pos:
            self._pos.update((rid, k) for k, rid in enumerate(self.record_ids))
        k = self._pos.get(record_id)
        return None if k is None else self.names[k]

    def exact(self, header: str, method: str) -> dict[str, str]:
        cache_key = f"{header}\x00id" if method == "id" else header
        if cache_key not in self._exact:
            col = self.table.columns.get(header, [])
            out: dict[str, str] = {}
            dup = 0
            for pos, rid in zip(self.positions, self.record_ids, strict=True):
                v = col[pos] if col else None
                if v is None:
                    continue
                k = id_key(v) if method == "id" else nz.clean_text(v)
                if k is None:
                    continue
                if k in out:
                    dup += 1
                    continue
                out[k] = rid
            self._exact[cache_key] = out
            self.duplicates[header] = dup
        return self._exact[cache_key]

    def keyed(self, header: str) -> dict[str, str]:
        if header not in self._keyed:
            col = self.table.columns.get(header, [])
            out: dict[str, str] = {}
            for pos, rid in zip(self.positions, self.record_ids, strict=True):
                v = col[pos] if col else None
                k = nz.organisation_key(v) if v is not None else None
                if k and k not in out:
                    out[k] = rid
            self._keyed[header] = out
        return self._keyed[header]

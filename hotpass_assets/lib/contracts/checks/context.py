"""What every contract check receives besides the frames: the context and the drift limits."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any


@dataclass
class ContractContext:
    """What a check needs besides the frames."""

    partition_key: str
    source_file: str | None = None
    #: ``partition_stats`` of the previous partition of the same dataset; None on the first.
    previous: dict[str, Any] | None = None
    #: Dataset-specific inputs: capture's ``sheets``, ``structural_errors``, ``workbook_kind``,
    #: ``profile_name``; the raw ``inventory``, ``path``, ``read_error``, ``source_report``
    #: (optional: the source-sheet report when the caller read it already); ``gx_docs_dir``;
    #: ``thresholds`` (overrides of :class:`Thresholds`); ``entity_ids`` (lead scores);
    #: ``requested_size``, ``csv_path``, ``xlsx_path`` (call list).
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Thresholds:
    """Limits of the drift (WARN) checks; override per run with ``ctx.extra["thresholds"]``."""

    #: Rejected rows / data rows of a sheet, by sheet role (``default`` for the others). Order
    #: history lists customers the company master does not have, so many order rows stay unlinked.
    reject_rate_max: Mapping[str, float] = field(
        default_factory=lambda: {"default": 0.5, "orders": 0.85}
    )
    #: Rejected values / data rows of a sheet.
    value_reject_rate_max: float = 0.9
    #: Increase of a sheet's row reject rate over the previous partition.
    reject_rate_jump: float = 0.10
    #: Relative change of a row count against the previous partition ...
    row_count_change: float = 0.5
    #: ... ignored when the absolute change is smaller than this.
    row_count_min_delta: int = 10
    #: Relative change of the number of refined organisations against the previous snapshot.
    entity_count_change: float = 0.2
    #: Increase of a column's null rate against the previous partition.
    null_rate_jump: float = 0.15
    #: Drop of the mean data-quality score against the previous snapshot.
    quality_drop: float = 0.05
    #: Shift of the mean lead score against the previous snapshot.
    score_mean_shift: float = 0.15

    @classmethod
    def from_context(cls, ctx: ContractContext) -> Thresholds:
        overrides = ctx.extra.get("thresholds") or {}
        known = {f.name for f in fields(cls)}
        return replace(cls(), **{k: v for k, v in overrides.items() if k in known})

    def reject_rate_for(self, role: str | None) -> float:
        return float(self.reject_rate_max.get(role or "", self.reject_rate_max["default"]))

"""Gated publication: a dataset's contracts decide whether its partition is published or
quarantined.

Every asset publishes the same way (see ``docs/architecture.md``, "Contracts and quarantine"):

1. its contracts run on the frames it is about to publish;
2. when a blocking (ERROR) check fails, what was read goes to
   ``<quarantine>/<dataset>/<partition>/`` for inspection (one Parquet file per table, files the
   asset already wrote moved there, and ``checks.json`` with the outcomes), nothing is published
   and the previous good version stays intact;
3. otherwise the asset's own ``write`` publishes the partition.

This module is pure (no Dagster): it also runs inside the isolated reading process of a capture.
The Dagster layer turns a :class:`Published` or :class:`Blocked` partition into check results and
a materialisation, or a step failure (``hotpass_assets.defs.common``).
"""

import json
import os
import shutil
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeAlias, TypeVar

import pandas as pd

from hotpass_assets.lib import contracts
from hotpass_assets.lib.checks import CheckOutcome

T = TypeVar("T")

#: Name of the outcome summary written beside the quarantined tables.
CHECKS_FILE = "checks.json"


@dataclass(frozen=True)
class Published(Generic[T]):
    """A partition its contracts let through, and what ``write`` returned."""

    outcomes: list[CheckOutcome]
    value: T


@dataclass(frozen=True)
class Blocked:
    """A partition a blocking check stopped: nothing was published; its data is kept in
    ``quarantined``."""

    outcomes: list[CheckOutcome]
    quarantined: Path


#: A partition after its contracts.
Gated: TypeAlias = Published[T] | Blocked


def quarantine_dir(root: Path, dataset: str, partition_key: str) -> Path:
    """``<root>/<dataset>/<partition key>/``: where a blocked partition's data is kept."""
    return root / dataset / partition_key


def quarantine(
    target: Path,
    outcomes: Iterable[CheckOutcome],
    tables: Mapping[str, tuple[pd.DataFrame, Iterable[str] | None]] | None = None,
    files: Mapping[str, Path] | None = None,
) -> Path:
    """Keep a blocked partition for inspection: ``tables`` as ``<name>.parquet``, ``files``
    (already written by the asset) moved in under their new name, and the outcomes (names,
    severities, messages, counts, ids; never values) as ``checks.json``. Returns ``target``."""
    from hotpass_assets.lib.warehouse import write_tables

    target.mkdir(parents=True, exist_ok=True)
    write_tables(
        (frame, target / f"{name}.parquet", columns)
        for name, (frame, columns) in (tables or {}).items()
    )
    for name, path in (files or {}).items():
        if path.exists():
            shutil.move(os.fspath(path), os.fspath(target / name))
    summary = [
        {"check": o.name, "severity": o.spec.severity, "passed": o.passed, **o.to_metadata()}
        for o in outcomes
    ]
    (target / CHECKS_FILE).write_text(
        json.dumps(summary, indent=2, sort_keys=True, default=str), encoding="utf-8"
    )
    return target


def gate(
    dataset: str,
    frames: Mapping[str, pd.DataFrame],
    ctx: contracts.ContractContext,
    *,
    write: Callable[[], T],
    quarantine_root: Path,
    columns: Mapping[str, Iterable[str] | None] | None = None,
    files: Mapping[str, Path] | None = None,
    keep: Mapping[str, pd.DataFrame] | None = None,
) -> Gated[T]:
    """Evaluate ``dataset``'s contracts on ``frames``; quarantine them when a blocking check
    fails, else publish them with ``write``.

    ``columns`` fixes the column order of a quarantined table (as its published layout does);
    ``files`` are files the asset wrote before its checks (checked as delivered), moved to the
    quarantine when blocked; ``keep`` are further tables worth inspecting that the contracts do
    not read (a workbook's sheet inventory).
    """
    outcomes = contracts.evaluate(dataset, dict(frames), ctx)
    if any(o.blocks for o in outcomes):
        where = quarantine(
            quarantine_dir(quarantine_root, dataset, ctx.partition_key),
            outcomes,
            {
                name: (frame, (columns or {}).get(name))
                for name, frame in {**frames, **(keep or {})}.items()
            },
            files,
        )
        return Blocked(outcomes=outcomes, quarantined=where)
    return Published(outcomes=outcomes, value=write())

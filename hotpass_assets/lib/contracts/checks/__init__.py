"""Contract checks, one module per dataset; each check's declaration sits on its body.

Importing this package registers every check (see :mod:`.registry`).
"""

from __future__ import annotations

from hotpass_assets.lib.contracts.checks import (  # noqa: F401 - imported to register checks
    capture,
    model,
    raw_workbook,
    refined,
    scores,
)
from hotpass_assets.lib.contracts.checks.context import ContractContext, Thresholds
from hotpass_assets.lib.contracts.checks.model import (
    BASELINE_CHECK,
    GATE_CHECK,
    MODEL_DATASET,
    TRAINED_CHECK,
)
from hotpass_assets.lib.contracts.checks.registry import (
    CheckBody,
    E,
    RegisteredCheck,
    StatsBody,
    W,
    bodies,
    check,
    declare,
    partition_stats_of,
    registered,
    specs_by_dataset,
    stats_bodies,
)

__all__ = [
    "BASELINE_CHECK",
    "GATE_CHECK",
    "MODEL_DATASET",
    "TRAINED_CHECK",
    "CheckBody",
    "ContractContext",
    "E",
    "RegisteredCheck",
    "StatsBody",
    "Thresholds",
    "W",
    "bodies",
    "check",
    "declare",
    "partition_stats_of",
    "registered",
    "specs_by_dataset",
    "stats_bodies",
]

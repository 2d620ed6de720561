"""The contract checks of every dataset: the interface the asset layer and the CLI call.

Each dataset declares a fixed list of :class:`~hotpass_assets.lib.checks.CheckSpec` (Dagster
declares check names before running). :func:`evaluate` returns exactly one outcome per spec, in
spec order. ``ERROR`` checks guard structure (missing sheets or columns, unreadable files, ids
that are not unique, values outside a closed vocabulary, missing provenance, unsafe call-list
cells); ``WARN`` checks report drift (reject rates, null rates, row counts against the previous
partition of the same dataset).

The checks themselves live in :mod:`hotpass_assets.lib.contracts.checks`, one module per
dataset, each declared by a decorator on its body; :data:`SPECS` is derived from that registry.

Outcome metadata holds counts, rule names, sheet/column names and record ids only. Cell values
never leave the checks: Pandera failure cases and GX unexpected values are reduced to counts and
the ids of failing rows before anything is returned.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

from hotpass_assets.lib import inert
from hotpass_assets.lib.checks import CheckOutcome, CheckSpec, outcome
from hotpass_assets.lib.contracts.checks import (
    CheckBody,
    ContractContext,
    E,
    Thresholds,
    W,
    bodies,
    specs_by_dataset,
    stats_bodies,
)
from hotpass_assets.lib.contracts.checks.capture import CAPTURE_NULL_COLUMNS
from hotpass_assets.lib.contracts.checks.common import null_rate, plain, where
from hotpass_assets.lib.contracts.checks.refined import REFINED_NULL_COLUMNS
from hotpass_assets.lib.contracts.checks.scores import is_formula_like
from hotpass_assets.lib.contracts.table_contracts import TableContract, all_tables, table_contract

__all__ = [
    "CAPTURE_NULL_COLUMNS",
    "DATASETS",
    "FORMULA_TRIGGERS",
    "REFINED_NULL_COLUMNS",
    "SPECS",
    "ContractContext",
    "E",
    "Evaluator",
    "TableContract",
    "Thresholds",
    "W",
    "check_specs",
    "evaluate",
    "is_formula_like",
    "null_rate",
    "partition_stats",
    "table_contract",
]

#: Datasets whose checks run on frames, in pipeline order (each has tables and statistics).
DATASETS: tuple[str, ...] = (
    "raw_workbook",
    "contact_capture",
    "refined_organisations",
    "lead_scores",
    "call_list",
)

#: Characters that make a spreadsheet read a cell as a formula (OWASP CSV injection).
FORMULA_TRIGGERS = inert.FORMULA_TRIGGERS

#: Dataset -> its checks, in the order :func:`evaluate` returns their outcomes. Also holds the
#: checks of ``lead_score_model``, which its asset evaluates.
_REGISTERED = specs_by_dataset()
SPECS: dict[str, tuple[CheckSpec, ...]] = {
    **{d: _REGISTERED[d] for d in DATASETS},
    **{d: specs for d, specs in _REGISTERED.items() if d not in DATASETS},
}

#: Check name -> body (looked up at each evaluation).
_CHECKS: dict[str, CheckBody] = bodies()


def __getattr__(name: str) -> dict[str, dict[str, TableContract]]:
    # TABLES includes a table per source sheet of every profile kind: built on first use.
    if name == "TABLES":
        return all_tables()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def check_specs(dataset: str) -> list[CheckSpec]:
    """The checks of ``dataset``, in the order :func:`evaluate` returns their outcomes."""
    if dataset not in SPECS:
        raise KeyError(f"unknown dataset {dataset!r}; known: {', '.join(SPECS)}")
    return list(SPECS[dataset])


# --- evaluation -----------------------------------------------------------------------------

Evaluator = Callable[
    [Mapping[str, pd.DataFrame], ContractContext, dict[str, Any]], dict[str, CheckOutcome]
]


def evaluate(
    dataset: str, frames: Mapping[str, pd.DataFrame], ctx: ContractContext
) -> list[CheckOutcome]:
    """Run every check of ``dataset``: exactly one outcome per declared spec, in spec order.

    A check that raises does not stop the others: its outcome fails and names the exception
    type (not its message, which could quote a value).
    """
    specs = check_specs(dataset)
    if dataset not in DATASETS:
        raise KeyError(f"the checks of {dataset!r} are evaluated by its asset, not on frames")
    state: dict[str, Any] = {"thresholds": Thresholds.from_context(ctx)}
    results: dict[str, CheckOutcome] = {}
    for spec in specs:
        fn = _CHECKS[spec.name]
        try:
            results[spec.name] = fn(spec, frames, ctx, state)
        except Exception as exc:
            results[spec.name] = outcome(
                spec,
                rows_checked=0,
                failures={f"check_error:{type(exc).__name__}": 1},
                message=f"{where(ctx)}: check {spec.name} could not run ({type(exc).__name__})",
                passed=False,
            )
    return [_finalise(results[s.name]) for s in specs]


def _finalise(o: CheckOutcome) -> CheckOutcome:
    o.metadata = {k: plain(v) for k, v in o.metadata.items()}
    return o


# --- partition statistics -------------------------------------------------------------------------


def partition_stats(
    dataset: str, frames: Mapping[str, pd.DataFrame], ctx: ContractContext
) -> dict[str, Any]:
    """Counts and rates of this partition; the next partition's ``ctx.previous``.

    Plain JSON (ints, floats, strings, dicts); no values of any record.
    """
    check_specs(dataset)
    stats: dict[str, Any] = {"dataset": dataset, "partition_key": ctx.partition_key}
    body = stats_bodies().get(dataset)
    if body is not None:
        stats.update(body(frames, ctx))
    out: dict[str, Any] = plain(stats)
    return out

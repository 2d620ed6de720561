"""The registry of contract checks: each check is declared by a decorator on its body.

Adding a check is one edit: write its body in the module of its dataset and put
``@check(dataset, name, severity, description)`` on it. The order of the checks of a dataset is
the order of their definitions (Dagster declares check names before running; :func:`evaluate`
returns one outcome per check in that order). Checks whose evaluation needs more than the
dataset's frames (the lead-score model's, which read the model registry) are declared with
:func:`declare` and evaluated by their asset.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from hotpass_assets.lib.checks import CheckOutcome, CheckSpec, Severity
from hotpass_assets.lib.contracts.checks.context import ContractContext

E: Severity = "ERROR"
W: Severity = "WARN"

#: A check body: the spec it runs under, the dataset's frames, the context and a state shared
#: by the checks of one evaluation (thresholds, results other checks reuse).
CheckBody = Callable[
    [CheckSpec, Mapping[str, pd.DataFrame], ContractContext, dict[str, Any]], CheckOutcome
]
#: Counts and rates of one partition of a dataset (the next partition's ``ctx.previous``).
StatsBody = Callable[[Mapping[str, pd.DataFrame], ContractContext], dict[str, Any]]


@dataclass(frozen=True)
class RegisteredCheck:
    dataset: str
    spec: CheckSpec
    #: None when the dataset's asset evaluates the check itself.
    body: CheckBody | None


_CHECKS: dict[str, RegisteredCheck] = {}
_STATS: dict[str, StatsBody] = {}


def _add(dataset: str, spec: CheckSpec, body: CheckBody | None) -> None:
    if spec.name in _CHECKS:
        raise ValueError(
            f"contract check {spec.name!r} is registered twice "
            f"({_CHECKS[spec.name].dataset} and {dataset})"
        )
    _CHECKS[spec.name] = RegisteredCheck(dataset, spec, body)


def check(
    dataset: str, name: str, severity: Severity, description: str
) -> Callable[[CheckBody], CheckBody]:
    """Register the decorated function as the body of check ``name`` of ``dataset``."""

    def register(body: CheckBody) -> CheckBody:
        _add(dataset, CheckSpec(name, severity, description), body)
        return body

    return register


def declare(dataset: str, name: str, severity: Severity, description: str) -> CheckSpec:
    """Register a check that the dataset's asset evaluates itself; returns its spec."""
    spec = CheckSpec(name, severity, description)
    _add(dataset, spec, None)
    return spec


def partition_stats_of(dataset: str) -> Callable[[StatsBody], StatsBody]:
    """Register the decorated function as the partition statistics of ``dataset``."""

    def register(body: StatsBody) -> StatsBody:
        if dataset in _STATS:
            raise ValueError(f"partition statistics of {dataset!r} are registered twice")
        _STATS[dataset] = body
        return body

    return register


def registered() -> list[RegisteredCheck]:
    """Every registered check, in registration order."""
    return list(_CHECKS.values())


def specs_by_dataset() -> dict[str, tuple[CheckSpec, ...]]:
    """Dataset -> its checks' specs, in definition order."""
    out: dict[str, list[CheckSpec]] = {}
    for c in _CHECKS.values():
        out.setdefault(c.dataset, []).append(c.spec)
    return {d: tuple(specs) for d, specs in out.items()}


def bodies() -> dict[str, CheckBody]:
    """Check name -> body, for the checks evaluated on frames."""
    return {name: c.body for name, c in _CHECKS.items() if c.body is not None}


def stats_bodies() -> dict[str, StatsBody]:
    return dict(_STATS)

"""The shape every contract check returns, independent of Dagster.

A check is a named rule over one dataset partition. Its outcome says whether it passed, how severe
a failure is (``ERROR`` blocks the partition's downstream and its publication; ``WARN`` reports
drift and lets the partition through) and carries metadata that explains the result: rows checked,
failures per rule and column, and the ids (never the values) of a sample of failing rows.

The Dagster layer turns outcomes into ``AssetCheckResult``s; the CLI prints them.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["ERROR", "WARN"]
SAMPLE_IDS = 20


@dataclass(frozen=True)
class CheckSpec:
    """A declared check: its name, severity when it fails and what it guards."""

    name: str
    severity: Severity
    description: str

    @property
    def blocking(self) -> bool:
        return self.severity == "ERROR"


@dataclass
class CheckOutcome:
    spec: CheckSpec
    passed: bool
    rows_checked: int = 0
    failures: dict[str, int] = field(default_factory=dict)  # "rule:column" -> failing rows
    failing_ids: list[str] = field(default_factory=list)  # record ids, never values
    message: str = ""
    metadata: dict[str, object] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def blocks(self) -> bool:
        return not self.passed and self.spec.blocking

    def to_metadata(self) -> dict[str, object]:
        meta: dict[str, object] = {
            "rows_checked": self.rows_checked,
            "failing_rows": sum(self.failures.values()),
            "failures_by_rule": dict(sorted(self.failures.items())),
            "failing_ids_sample": self.failing_ids[:SAMPLE_IDS],
        }
        if self.message:
            meta["explanation"] = self.message
        meta.update(self.metadata)
        return meta


def outcome(
    spec: CheckSpec,
    *,
    rows_checked: int,
    failures: Mapping[str, int] | None = None,
    failing_ids: Iterable[str] = (),
    message: str = "",
    passed: bool | None = None,
    **metadata: object,
) -> CheckOutcome:
    """Build an outcome; ``passed`` defaults to "no failures"."""
    fails = {k: int(v) for k, v in (failures or {}).items() if v}
    ids = sorted({str(i) for i in failing_ids})[:SAMPLE_IDS]
    return CheckOutcome(
        spec=spec,
        passed=(not fails) if passed is None else passed,
        rows_checked=int(rows_checked),
        failures=fails,
        failing_ids=ids,
        message=message,
        metadata=dict(metadata),
    )


def blocking_failures(outcomes: Sequence[CheckOutcome]) -> list[CheckOutcome]:
    return [o for o in outcomes if o.blocks]


def summarise_block(outcomes: Sequence[CheckOutcome], where: str) -> str:
    """One readable sentence per blocking failure, for run failures and CLI exit messages."""
    lines = [f"{where}: blocked by {len(blocking_failures(outcomes))} contract check(s)"]
    for o in blocking_failures(outcomes):
        lines.append(f"  - {o.name} (ERROR): {o.message or o.spec.description}")
    return "\n".join(lines)

"""Promotion gate: should a newly trained lead-score model replace the current champion?

Pure: takes metric dictionaries (as produced by :func:`.metrics.ranking_metrics`) and returns a
decision with one human-readable reason per check. The champion's metrics must be computed on
the candidate's evaluation rows (:func:`.model.evaluate_model` with the candidate's
``evaluation_ids``); the gate refuses to compare metrics from evaluations of different size or
base rate.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

#: Default minimums. ``average_precision_lift`` means average precision at least this multiple of
#: the evaluation's positive rate (a random ranking scores the positive rate).
DEFAULT_MINIMUMS: Mapping[str, float] = {
    "roc_auc": 0.6,
    "average_precision_lift": 1.2,
    "n_positive_evaluated": 3,
}
#: Metrics on which the candidate must not be worse than the champion.
COMPARED_METRICS: tuple[str, ...] = ("roc_auc", "average_precision")
#: Keys describing the evaluation rows; they must match for a champion comparison.
_EVALUATION_KEYS: tuple[str, ...] = ("n_evaluated", "n_positive_evaluated")


@dataclass(frozen=True)
class GateDecision:
    promote: bool
    reasons: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {"promote": self.promote, "reasons": list(self.reasons)}


def _number(metrics: Mapping[str, float] | None, key: str) -> float | None:
    if not metrics or key not in metrics:
        return None
    try:
        value = float(metrics[key])
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def evaluate_gate(
    candidate: Mapping[str, float],
    champion: Mapping[str, float] | None,
    minimums: Mapping[str, float] | None = None,
    *,
    tolerance: float = 0.0,
    compare: Sequence[str] = COMPARED_METRICS,
) -> GateDecision:
    """Promote only when every minimum holds and no compared metric is worse than the champion's
    by more than ``tolerance``.

    ``minimums`` maps a metric name to its lowest acceptable value; the special key
    ``average_precision_lift`` requires ``average_precision >= positive_rate * value``. A missing
    or non-finite candidate metric fails its check (fail closed).
    """
    minimums = DEFAULT_MINIMUMS if minimums is None else minimums
    failures: list[str] = []
    passes: list[str] = []

    for key in sorted(minimums):
        minimum = float(minimums[key])
        if key == "average_precision_lift":
            ap = _number(candidate, "average_precision")
            rate = _number(candidate, "positive_rate")
            if ap is None or rate is None:
                failures.append("average precision or positive rate missing: lift not checked")
                continue
            floor = rate * minimum
            text = f"average_precision {ap:.4f} vs floor {floor:.4f} (positive rate {rate:.4f} x {minimum:g})"
            (passes if ap >= floor else failures).append(text)
            continue
        value = _number(candidate, key)
        if value is None:
            failures.append(f"{key} missing or not finite (minimum {minimum:g})")
            continue
        text = f"{key} {value:.4f} vs minimum {minimum:g}"
        (passes if value >= minimum else failures).append(text)

    if champion is None:
        passes.append("no champion: the candidate is compared with minimums only")
    else:
        mismatched = [
            key
            for key in _EVALUATION_KEYS
            if _number(candidate, key) is None or _number(candidate, key) != _number(champion, key)
        ]
        if mismatched:
            failures.append(
                "champion and candidate were not evaluated on the same rows "
                f"({', '.join(mismatched)} differ or are missing)"
            )
        else:
            for key in compare:
                cand, champ = _number(candidate, key), _number(champion, key)
                if champ is None:
                    passes.append(f"champion has no finite {key}; not compared")
                    continue
                if cand is None:
                    failures.append(f"candidate has no finite {key} to compare with the champion")
                    continue
                text = f"{key} {cand:.4f} vs champion {champ:.4f} (tolerance {tolerance:g})"
                (passes if cand >= champ - tolerance else failures).append(text)

    reasons = [f"FAIL: {r}" for r in failures] + [f"ok: {r}" for r in passes]
    return GateDecision(promote=not failures, reasons=reasons)

"""Alerts: one small record per failure, delivered to a JSON-lines file and optionally a webhook.

An alert names *where* something failed (job, run id, partition, step, asset, check) and *why*
(the check's explanation, an error type), and links to the run in the Dagster UI. It never holds
row values: the explanations come from the contracts, which speak about files, sheets, columns,
rules and counts only, and free-form error messages are not copied (only their type, or the
first line of a description Hotpass wrote itself).

Sinks never raise into the caller: a full disk or an unreachable webhook is reported by their
return value and in the caller's log, and the pipeline goes on.

This module is pure (no Dagster imports).
"""

import json
import logging
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol

log = logging.getLogger(__name__)

DEFAULT_UI_URL = "http://127.0.0.1:3000"
DEFAULT_WEBHOOK_TIMEOUT_S = 3.0
MAX_TEXT = 500  # characters kept of any one explanation or description
MAX_CHECKS = 20  # checks listed in one alert

AlertKind = Literal["run_failure", "check_failure", "freshness"]


def clip(text: object, limit: int = MAX_TEXT) -> str:
    """``text`` on one line, at most ``limit`` characters."""
    flat = " ".join(str(text or "").split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def ui_url_from_env(env: Mapping[str, str] | None = None) -> str:
    """Base address of the Dagster UI for links (``HOTPASS_UI_URL``), without a trailing slash."""
    env = os.environ if env is None else env
    return (env.get("HOTPASS_UI_URL") or DEFAULT_UI_URL).rstrip("/")


def run_link(ui_url: str, run_id: str) -> str:
    return f"{ui_url.rstrip('/')}/runs/{run_id}"


@dataclass(frozen=True)
class CheckFailure:
    """One failed check evaluation: which asset partition, which rule, and why."""

    asset: str
    check: str
    severity: str  # ERROR | WARN
    partition: str | None = None
    explanation: str = ""

    def line(self) -> str:
        where = f"{self.asset}[{self.partition}]" if self.partition else self.asset
        reason = f": {self.explanation}" if self.explanation else ""
        return f"{where} {self.check} ({self.severity}){reason}"


@dataclass(frozen=True)
class Alert:
    """A failed run or a failed check, as delivered to every sink."""

    kind: AlertKind
    severity: str  # ERROR | WARN
    run_id: str
    link: str
    job: str | None = None
    partition: str | None = None
    step: str | None = None
    error_type: str | None = None
    error: str = ""  # first line of a Hotpass-written failure description, else empty
    checks: tuple[CheckFailure, ...] = ()
    assets: tuple[str, ...] = ()  # the run's asset selection
    trigger: str | None = None  # "sensor <name>", "schedule <name>", "backfill <id>" or None
    backfill_id: str | None = None
    will_retry: bool = False
    created_at: str = field(default_factory=lambda: datetime.now(tz=UTC).isoformat())

    @property
    def alert_id(self) -> str:
        """Stable identity of what failed (the same failure reported twice has the same id)."""
        if self.kind == "run_failure":
            return f"run_failure:{self.run_id}"
        if self.kind == "freshness":
            return f"freshness:{','.join(self.assets)}:{self.severity}:{self.run_id}"
        check = self.checks[0] if self.checks else CheckFailure("", "", self.severity)
        return f"check_failure:{self.run_id}:{check.asset}:{check.check}:{check.partition or ''}"

    def what(self) -> str:
        """The job's name, or the assets of an ad-hoc asset run (Dagster's implicit job)."""
        if self.job and not self.job.startswith("__"):
            return f"job {self.job}"
        if self.assets:
            return "assets " + ", ".join(self.assets)
        return f"job {self.job or '?'}"

    def summary(self) -> str:
        """One or a few lines for chat and logs."""
        if self.kind == "run_failure":
            head = f"Hotpass run failed: {self.what()}"
            if self.partition:
                head += f", partition {self.partition}"
            if self.step:
                head += f", step {self.step}"
            if self.error_type:
                head += f" ({self.error_type})"
            if self.trigger:
                head += f"; launched by {self.trigger}"
            if self.will_retry:
                head += "; it will be retried"
            lines = [head]
            if self.error and not self.checks:
                lines.append(f"  {self.error}")
            lines += [
                f"  {'blocked by' if c.severity == 'ERROR' else 'also failed:'} {c.line()}"
                for c in self.checks
            ]
        elif self.kind == "freshness":
            lines = [f"Hotpass data is stale: {', '.join(self.assets)} ({self.severity})"]
            lines.append(f"  {self.error}")
        else:
            lines = [f"Hotpass check failed: {c.line()}" for c in self.checks]
        lines.append(f"  {self.link}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["checks"] = [asdict(c) for c in self.checks]
        data["assets"] = list(self.assets)
        data["alert_id"] = self.alert_id
        data["text"] = self.summary()  # chat webhooks (Slack, Teams, Mattermost) show "text"
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False)


def run_failure_alert(
    *,
    run_id: str,
    job: str | None,
    ui_url: str,
    partition: str | None = None,
    step: str | None = None,
    error_type: str | None = None,
    error: str = "",
    checks: Iterable[CheckFailure] = (),
    assets: Iterable[str] = (),
    trigger: str | None = None,
    backfill_id: str | None = None,
    will_retry: bool = False,
) -> Alert:
    failed = tuple(checks)
    return Alert(
        kind="run_failure",
        severity="ERROR",
        run_id=run_id,
        link=run_link(ui_url, run_id),
        job=job,
        partition=partition,
        step=step,
        error_type=error_type,
        error=clip(str(error or "").strip().splitlines()[0] if error else ""),
        checks=_ordered(failed)[:MAX_CHECKS],
        assets=tuple(sorted(set(assets))),
        trigger=trigger,
        backfill_id=backfill_id,
        will_retry=will_retry,
    )


def check_failure_alert(
    failure: CheckFailure,
    *,
    run_id: str,
    ui_url: str,
    job: str | None = None,
    trigger: str | None = None,
    backfill_id: str | None = None,
) -> Alert:
    return Alert(
        kind="check_failure",
        severity=failure.severity,
        run_id=run_id,
        link=run_link(ui_url, run_id),
        job=job,
        partition=failure.partition,
        step=None,
        checks=(failure,),
        assets=(failure.asset,),
        trigger=trigger,
        backfill_id=backfill_id,
    )


def freshness_alert(
    *, asset: str, severity: str, age_hours: float, limit_hours: float, run_id: str, ui_url: str
) -> Alert:
    """An asset not updated within its freshness policy's window (WARN or FAIL -> ERROR).

    ``run_id`` is the run of the last materialisation (or "never"), which makes the alert's
    identity: one alert per asset, state and last update.
    """
    return Alert(
        kind="freshness",
        severity=severity,
        run_id=run_id,
        link=f"{ui_url.rstrip('/')}/assets/{asset}",
        error=f"last updated {age_hours:.1f} h ago; the policy allows {limit_hours:.1f} h",
        assets=(asset,),
    )


def _ordered(checks: Sequence[CheckFailure]) -> tuple[CheckFailure, ...]:
    """ERROR before WARN, then by asset, partition and check name; duplicates dropped."""
    seen: dict[tuple[str, str | None, str], CheckFailure] = {}
    for c in checks:
        seen.setdefault((c.asset, c.partition, c.check), c)
    rank = {"ERROR": 0, "WARN": 1}
    return tuple(
        sorted(
            seen.values(),
            key=lambda c: (rank.get(c.severity, 2), c.asset, c.partition or "", c.check),
        )
    )


# --- sinks ---------------------------------------------------------------------------------------


class AlertSink(Protocol):
    name: str

    def send(self, alert: Alert) -> bool:
        """Deliver; True on success. Never raises."""
        ...


@dataclass
class JsonLinesSink:
    """Appends one JSON object per line; each line is written in a single ``write`` call on a file
    opened for appending, so concurrent writers do not interleave within a line."""

    path: Path
    name: str = "jsonl"

    def send(self, alert: Alert) -> bool:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            data = (alert.to_json() + "\n").encode("utf-8")
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
            try:
                os.write(fd, data)
            finally:
                os.close(fd)
            return True
        except Exception as exc:
            log.warning("alert %s not written to %s: %s", alert.alert_id, self.path, exc)
            return False


@dataclass
class WebhookSink:
    """POSTs the alert as JSON (with a ``text`` field) to ``url`` with a short timeout."""

    url: str
    timeout_s: float = DEFAULT_WEBHOOK_TIMEOUT_S
    name: str = "webhook"

    def send(self, alert: Alert) -> bool:
        try:
            request = urllib.request.Request(
                self.url,
                data=alert.to_json().encode("utf-8"),
                headers={"Content-Type": "application/json", "User-Agent": "hotpass-alerts"},
                method="POST",
            )
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                ok: bool = 200 <= response.status < 300
            if not ok:
                log.warning("alert %s: webhook answered %s", alert.alert_id, response.status)
            return ok
        except Exception as exc:  # URLError, HTTPError, timeouts, bad URLs
            # The address may carry a token: name the host only.
            host = urllib.parse.urlsplit(self.url).hostname or "?"
            log.warning(
                "alert %s not delivered to webhook at %s: %s",
                alert.alert_id,
                host,
                type(exc).__name__,
            )
            return False


def build_sinks(
    alerts_path: Path, webhook_url: str | None = None, *, timeout_s: float | None = None
) -> list[AlertSink]:
    """The JSON-lines file always; the webhook when an address is configured."""
    sinks: list[AlertSink] = [JsonLinesSink(Path(alerts_path))]
    if webhook_url:
        sinks.append(WebhookSink(webhook_url, timeout_s or DEFAULT_WEBHOOK_TIMEOUT_S))
    return sinks


def webhook_timeout_from_env(env: Mapping[str, str] | None = None) -> float:
    env = os.environ if env is None else env
    try:
        return max(
            0.1, float(env.get("HOTPASS_ALERT_WEBHOOK_TIMEOUT_S", DEFAULT_WEBHOOK_TIMEOUT_S))
        )
    except ValueError:
        return DEFAULT_WEBHOOK_TIMEOUT_S


def deliver(alert: Alert, sinks: Iterable[AlertSink]) -> dict[str, bool]:
    """Send ``alert`` to every sink; returns sink name → delivered. Never raises."""
    results: dict[str, bool] = {}
    for sink in sinks:
        try:
            results[sink.name] = bool(sink.send(alert))
        except Exception as exc:  # a custom sink that breaks its promise
            log.warning("alert %s: sink %s raised %s", alert.alert_id, sink.name, exc)
            results[sink.name] = False
    return results


def read_alerts(path: Path) -> list[dict[str, Any]]:
    """Every alert in a JSON-lines file (skips lines that are not JSON)."""
    if not Path(path).exists():
        return []
    out = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            continue
    return out

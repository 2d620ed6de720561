"""Run the asset graph without the UI: register drops, materialise them and a snapshot.

Used by the CLI (``hotpass refine``, ``hotpass demo``). It goes through the same Dagster jobs, on
the same local instance, as the sensor and the UI do, so every run it makes is visible in the UI
afterwards.
"""

from __future__ import annotations

import itertools
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hotpass_assets.lib.drops import DropRegister, display_name, parse_partition_key
from hotpass_assets.lib.landing import Listing, list_workbooks, register_file
from hotpass_assets.settings import Settings

if TYPE_CHECKING:
    import dagster as dg
    from dagster_shared.error import SerializableErrorInfo

    from hotpass_assets.interrupts import RunGuard

#: A check finding as the command reports it: asset, check, explanation (and where, for warnings).
Finding = dict[str, str]

REPO_DAGSTER_YAML = Path(__file__).resolve().parents[1] / "dagster.yaml"


def ensure_instance_home(settings: Settings) -> Path:
    """Point ``DAGSTER_HOME`` at ``$HOTPASS_HOME/dagster`` (unless set) with our dagster.yaml."""
    home = Path(os.environ.get("DAGSTER_HOME") or settings.home / "dagster")
    home.mkdir(parents=True, exist_ok=True)
    target = home / "dagster.yaml"
    if not target.exists() and REPO_DAGSTER_YAML.exists():
        try:
            target.symlink_to(REPO_DAGSTER_YAML)
        except OSError:
            shutil.copyfile(REPO_DAGSTER_YAML, target)
    os.environ["DAGSTER_HOME"] = str(home)
    return home


@dataclass
class DropOutcome:
    partition_key: str
    file_name: str
    success: bool
    blocked_checks: list[Finding] = field(default_factory=list)  # {asset, check, explanation}
    error: str | None = None


@dataclass
class PipelineReport:
    drops: list[DropOutcome]
    snapshot_date: str
    snapshot_success: bool
    snapshot_blocked: list[Finding] = field(default_factory=list)
    snapshot_error: str | None = None
    run_ids: list[str] = field(default_factory=list)
    #: "not trained: <reason>; scores ranked by ..." when the snapshot had too few labels to
    #: train a model (a warning: the snapshot, scores and call list still published).
    scoring_note: str | None = None
    #: the signal that stopped the command (``SIGINT``/``SIGTERM``), its canceled runs
    interrupted: str | None = None
    canceled_runs: list[str] = field(default_factory=list)
    #: runs of earlier commands whose process had died, marked failed at the start
    recovered_runs: list[str] = field(default_factory=list)
    #: WARN check findings: {asset, check, explanation, where}
    warnings: list[Finding] = field(default_factory=list)

    @property
    def blocked(self) -> bool:
        return bool(self.snapshot_blocked) or any(d.blocked_checks for d in self.drops)

    @property
    def failed(self) -> bool:
        return not self.snapshot_success or any(not d.success for d in self.drops)


def _explanation(evaluation: dg.AssetCheckEvaluation) -> str:
    explanation = evaluation.metadata.get("explanation")
    return str(explanation.value) if explanation else ""


def _warnings(result: dg.ExecuteInProcessResult, where: str) -> list[Finding]:
    return [
        {
            "asset": ev.asset_key.to_user_string(),
            "check": ev.check_name,
            "explanation": _explanation(ev),
            "where": where,
        }
        for ev in result.get_asset_check_evaluations()
        if not ev.passed and ev.severity.value == "WARN"
    ]


def _error_chain(err: SerializableErrorInfo | None) -> list[tuple[str, str]]:
    """(class name, message) of a serialised error and its causes and contexts, outermost first."""
    chain: list[tuple[str, str]] = []
    seen: set[int] = set()
    stack = [err]
    while stack:
        e = stack.pop(0)
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        chain.append((e.cls_name or "", (e.message or "").strip()))
        stack.extend([e.cause, e.context])
    return chain


def _failures(result: dg.ExecuteInProcessResult) -> tuple[list[Finding], str | None]:
    from hotpass_assets.lib.messages import failure_reason

    blocked = [
        {
            "asset": ev.asset_key.to_user_string(),
            "check": ev.check_name,
            "explanation": _explanation(ev),
        }
        for ev in result.get_asset_check_evaluations()
        if not ev.passed and ev.severity.value == "ERROR"
    ]
    error = None
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data and event.step_failure_data.error:
            # dg.Failure keeps its description in the user_failure_data
            ufd = event.step_failure_data.user_failure_data
            description = ufd.description if ufd is not None else None
            error = failure_reason(_error_chain(event.step_failure_data.error), description)
            break
    return blocked, error


def _scoring_note(result: dg.ExecuteInProcessResult) -> str | None:
    """The model step's "not trained" warning and what ranked the scores instead, if any."""
    for event in result.get_asset_materialization_events():
        if event.asset_key is None or event.asset_key.to_user_string() != "lead_score_model":
            continue
        meta = event.materialization.metadata
        if "trained" in meta and meta["trained"].value is False:
            reason = meta["not_trained_reason"].value
            return f"not trained: {reason}; scores ranked by {meta['scores_ranked_by'].value}"
    return None


def scan_input(input_dir: Path, settings: Settings | None = None) -> Listing:
    """Workbooks of ``input_dir`` and the entries refused (same rules as the landing folder)."""
    follow = settings.landing_follow_symlinks if settings is not None else False
    return list_workbooks(input_dir, follow_symlinks=follow)


def workbook_files(input_dir: Path, settings: Settings | None = None) -> list[Path]:
    return scan_input(input_dir, settings).files


def run_pipeline(
    files: list[Path],
    *,
    settings: Settings,
    snapshot: date | None = None,
    include_scoring: bool = True,
    log_level: str = "WARNING",
    on_step: Callable[[int, int, str], None] | None = None,
) -> PipelineReport:
    """Materialise each drop of ``files``, then the snapshot of ``snapshot`` (default: today).

    ``on_step(done, total, label)`` is called before each run (for a progress bar).
    """
    import dagster as dg

    from hotpass_assets.definitions import build_definitions
    from hotpass_assets.interrupts import RunGuard, fail_dead_runs

    ensure_instance_home(settings)
    settings.ensure_dirs()
    instance = dg.DagsterInstance.get()
    recovered = fail_dead_runs(instance)
    guard = RunGuard(instance)
    _configure_logging_once(instance)
    defs = build_definitions(str(settings.home))
    keys, names = _register_drops(instance, settings, files)
    outcomes: list[DropOutcome] = []
    run_ids: list[str] = []
    warnings: list[Finding] = []
    ingest = defs.resolve_job_def("ingest_drop")
    run_config: dict[str, Any] = {"loggers": {"console": {"config": {"log_level": log_level}}}}
    tags = {"hotpass/trigger": "cli", **guard.tags()}
    day = snapshot or datetime.now(tz=UTC).date()
    report = PipelineReport(
        drops=outcomes,
        snapshot_date=day.isoformat(),
        snapshot_success=False,
        run_ids=run_ids,
        recovered_runs=recovered,
        warnings=warnings,
    )
    step = on_step or _no_progress
    started = itertools.count()
    progress = threading.Lock()

    def announce(i: int) -> None:
        with progress:
            step(next(started), len(keys) + 1, f"drop {names[keys[i]]}")

    # Drops are ingested side by side (each reads in its own process); drops of one workbook stay
    # in order, because a drop's checks compare it with the workbook's previous drop.
    def lane(i: int) -> str:
        return parse_partition_key(keys[i]).stem_slug

    workers = min(settings.ingest_workers, len({lane(i) for i in range(len(keys))}))
    with _runs_side_by_side(instance, workers > 1):
        results = guard.run_all(
            [
                partial(
                    ingest.execute_in_process,
                    partition_key=key,
                    instance=instance,
                    raise_on_error=False,
                    run_config=run_config,
                    tags=tags,
                )
                for key in keys
            ],
            workers=workers,
            lane=lane,
            on_start=announce,
        )
    if results is None:
        return _interrupted(report, guard)
    for key, ingested in zip(keys, results, strict=True):
        run_ids.append(ingested.run_id)
        blocked, error = _failures(ingested)
        outcomes.append(DropOutcome(key, names[key], ingested.success, blocked, error))
        warnings.extend(_warnings(ingested, f"drop {key} ({names[key]})"))
    step(len(keys), len(keys) + 1, f"snapshot {day.isoformat()}")
    job = defs.resolve_job_def("rebuild_snapshots" if include_scoring else "refine_snapshot")
    result = guard.run(
        lambda: job.execute_in_process(
            partition_key=day.isoformat(),
            instance=instance,
            raise_on_error=False,
            run_config=run_config,
            tags=tags,
        )
    )
    if result is None:
        return _interrupted(report, guard)
    step(len(keys) + 1, len(keys) + 1, "done")
    return _with_snapshot(report, result)


def _with_snapshot(report: PipelineReport, result: dg.ExecuteInProcessResult) -> PipelineReport:
    """``report`` completed with the snapshot run's outcome."""
    report.run_ids.append(result.run_id)
    blocked, error = _failures(result)
    report.warnings.extend(_warnings(result, f"snapshot {report.snapshot_date}"))
    report.snapshot_success = result.success
    report.snapshot_blocked = blocked
    report.snapshot_error = error
    report.scoring_note = _scoring_note(result)
    return report


def _configure_logging_once(instance: dg.DagsterInstance) -> None:
    """Build the instance's ``python_logs`` handlers once, for every run of this command.

    Dagster builds them at each run's start with ``logging.config.dictConfig`` (even when
    dagster.yaml configures none), which takes the logging module's lock and then closes every
    existing handler. Two runs starting side by side in one process (drops are ingested on
    several threads) then deadlock: one run holds a handler's lock while it logs and waits for
    the module lock that the other run's ``dictConfig`` holds while it waits for that handler.
    """
    handlers = list(instance.get_yaml_python_handlers())
    instance.get_yaml_python_handlers = lambda: handlers  # type: ignore[method-assign]


@contextmanager
def _runs_side_by_side(instance: dg.DagsterInstance, parallel: bool) -> Iterator[None]:
    """While ``parallel``, runs of ``instance`` do not capture their steps' stdout and stderr.

    Dagster captures a step's output by pointing the process's file descriptors 1 and 2 at a
    file and back afterwards. Two steps on two threads of one process interleave those swaps:
    the command's own output then ends up in a step's log file for good. The drops' runs print
    to the command's terminal instead (their events and check results are stored as always).
    """
    if not parallel:
        yield
        return
    from dagster._core.storage.noop_compute_log_manager import NoOpComputeLogManager

    saved = instance._compute_log_manager
    instance._compute_log_manager = NoOpComputeLogManager()
    try:
        yield
    finally:
        instance._compute_log_manager = saved


def _register_drops(
    instance: dg.DagsterInstance, settings: Settings, files: list[Path]
) -> tuple[list[str], dict[str, str]]:
    """Register ``files`` as drops (partitions of the drop dimension); returns their partition
    keys (each once, in order) and the name each is shown by."""
    from hotpass_assets.defs.partitions import DROPS_NAME

    register = DropRegister(settings.drops_dir)
    follow = settings.landing_follow_symlinks
    manifests = [register_file(p, register, follow_symlinks=follow)[0] for p in files]
    keys = list(dict.fromkeys(m.partition_key for m in manifests))
    existing = set(instance.get_dynamic_partitions(DROPS_NAME))
    new = [k for k in keys if k not in existing]
    if new:
        instance.add_dynamic_partitions(DROPS_NAME, new)
    return keys, {m.partition_key: display_name(m.file_name) for m in manifests}


def _no_progress(done: int, total: int, label: str) -> None:
    return None


def _interrupted(report: PipelineReport, guard: RunGuard) -> PipelineReport:
    report.interrupted = guard.signal_name
    report.canceled_runs = list(guard.canceled_runs)
    report.run_ids.extend(r for r in guard.canceled_runs if r not in report.run_ids)
    return report

"""Stopping the CLI's runs on SIGINT/SIGTERM, and failing runs whose process died.

The ``hotpass`` command runs jobs in-process on the Dagster instance (``execute_in_process``).
Left to Dagster, a Ctrl-C inside a step becomes ``DagsterExecutionInterruptedError``, which a
step with a retry policy turns into a retry (Dagster "respects retry policy when interrupts
occur"), and the command then went on to the next drop and the snapshot. Hotpass runs each job on
a worker thread instead (Dagster installs its own signal handlers only on the main thread; drops
may be ingested by several worker threads at once), keeps SIGINT and SIGTERM on the main thread
and, on the first signal:

1. marks the running runs CANCELING (so each run's own interrupt handling, when it gets there,
   ends it as canceled);
2. raises :class:`RunInterrupted` in every worker thread: a ``dagster.Failure`` with
   ``allow_retries=False``, so the step fails at once and is not retried, and the steps after
   it are skipped;
3. once the workers have ended, marks those runs CANCELED (whatever state the interrupted runs
   reached) and stops: no further drop, no snapshot.

A second signal exits at once (exit 128 + signal), marking every running run canceled first.

Runs whose process died (``kill -9``, an abort, the out-of-memory killer) stay STARTED in the
instance for good: local run monitoring cannot tell (the default run launcher has no worker
health check), and an orphaned ``hotpass/job=snapshot`` run holds the snapshot queue's only slot.
Every run the CLI starts carries its host, pid and the pid's start time as tags; runs launched
by the daemon through the default run launcher name their worker's pid in their engine events.
:func:`fail_dead_runs` (called when the CLI starts, and every minute by the ``dead_run_sweeper``
sensor under the daemon) marks those whose process is gone FAILURE (CANCELED when they were
canceling), which frees their queue slot.
"""

import ctypes
import os
import signal
import socket
import threading
import time
import uuid
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import TypeVar

import dagster as dg
from dagster._core.storage.dagster_run import DagsterRunStatus, RunRecord, RunsFilter

T = TypeVar("T")

HOST_TAG = "hotpass/host"
PID_TAG = "hotpass/pid"
PID_START_TAG = "hotpass/pid_start"
SESSION_TAG = "hotpass/session"
UNFINISHED = [
    DagsterRunStatus.NOT_STARTED,
    DagsterRunStatus.STARTING,
    DagsterRunStatus.STARTED,
    DagsterRunStatus.CANCELING,
]
#: Seconds between repeated interrupts of a worker that swallowed one (a broad ``except``).
_REPEAT_EVERY = 5.0


class RunInterrupted(dg.Failure):
    """Raised inside a step when the command is stopped: fails the step, never retried."""

    def __init__(self, *_args: object) -> None:
        super().__init__(
            description="stopped by a signal: the run was canceled", allow_retries=False
        )


def _stat(pid: int) -> list[str] | None:
    """Fields of ``/proc/<pid>/stat`` after the command name (state first), or ``None``."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # the command name (field 2) may hold spaces and parentheses: split after its last ")"
    return stat.rsplit(")", 1)[1].split()


def _process_start(pid: int) -> str | None:
    """Start time of ``pid`` in clock ticks since boot, to tell a reused pid apart."""
    fields = _stat(pid)
    return fields[19] if fields else None


def _process_started_at(pid: int) -> float | None:
    """Start time of ``pid`` as a Unix timestamp (``None`` when unknown)."""
    start = _process_start(pid)
    try:
        boot = next(
            float(line.split()[1])
            for line in Path("/proc/stat").read_text().splitlines()
            if line.startswith("btime ")
        )
        return boot + int(start) / os.sysconf("SC_CLK_TCK") if start else None
    except (OSError, StopIteration, ValueError):
        return None


def process_tags() -> dict[str, str]:
    """Tags naming this process: host, pid and the pid's start time (when known)."""
    tags = {HOST_TAG: socket.gethostname(), PID_TAG: str(os.getpid())}
    start = _process_start(os.getpid())
    if start is not None:
        tags[PID_START_TAG] = start
    return tags


def process_alive(pid: int, start: str | None = None, started_before: float | None = None) -> bool:
    """Whether process ``pid`` still runs on this host: it exists, is not a zombie, and is the
    same process (its start time is ``start``, or it started before ``started_before``)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # exists, owned by someone else
    fields = _stat(pid)
    if fields is None:
        return True  # no /proc: trust kill(0)
    if fields[0] in ("Z", "X"):
        return False
    if start is not None and fields[19] != start:
        return False
    if started_before is not None:
        began = _process_started_at(pid)
        return began is None or began <= started_before + 1.0
    return True


def _worker_pid(instance: dg.DagsterInstance, run_id: str) -> int | None:
    """The pid a locally launched run reported in its engine events (run worker, executor)."""
    records = instance.get_records_for_run(
        run_id, of_type=dg.DagsterEventType.ENGINE_EVENT, limit=20
    ).records
    for record in records:
        event = record.event_log_entry.dagster_event
        data = event.event_specific_data if event else None
        value = getattr(data, "metadata", {}).get("pid") if data is not None else None
        if value is not None:
            try:
                return int(value.value)
            except (TypeError, ValueError):
                continue
    return None


def _dead_pid(
    instance: dg.DagsterInstance, record: RunRecord, host: str, local_launcher: bool
) -> int | None:
    """The pid of ``record``'s run when that process is gone, else ``None``."""
    run = record.dagster_run
    if PID_TAG in run.tags:
        if run.tags.get(HOST_TAG) != host:
            return None
        try:
            tagged = int(run.tags[PID_TAG])
        except ValueError:
            return None
        return None if process_alive(tagged, run.tags.get(PID_START_TAG)) else tagged
    if not local_launcher or run.status != DagsterRunStatus.STARTED:
        return None  # not ours to judge: run monitoring of that launcher decides
    pid = _worker_pid(instance, run.run_id)
    if pid is None:
        return None
    return None if process_alive(pid, started_before=record.start_time) else pid


def fail_dead_runs(instance: dg.DagsterInstance) -> list[str]:
    """Mark unfinished runs whose process is gone FAILURE (CANCELED when they were canceling);
    returns their run ids.

    Judged: runs the CLI started on this host (process tags), and, when the instance launches runs
    locally (the default run launcher, which has no worker health check for run monitoring),
    STARTED runs whose worker pid is in their engine events. Other runs are left to the run
    monitoring of their launcher.
    """
    from dagster._core.launcher import DefaultRunLauncher

    host = socket.gethostname()
    local = isinstance(instance.run_launcher, DefaultRunLauncher)
    ended: list[str] = []
    for record in instance.get_run_records(filters=RunsFilter(statuses=UNFINISHED)):
        pid = _dead_pid(instance, record, host, local)
        if pid is None:
            continue
        run = record.dagster_run
        message = (
            f"the process that ran this run (pid {pid} on {host}) ended without finishing it "
            "(killed or crashed); marked by Hotpass so the run no longer holds a queue slot"
        )
        if run.status == DagsterRunStatus.CANCELING:
            instance.report_run_canceled(run, message=message)
        else:
            instance.report_run_failed(run, message=message)
        free_pool_slots(instance, run.run_id)
        ended.append(run.run_id)
    return ended


def free_pool_slots(instance: dg.DagsterInstance, run_id: str) -> None:
    """Release the pool slots (``duckdb_writer``, ``mlflow_registry``) an ended run still holds.

    A step frees its slot when it ends; a killed process never does, and without the daemon
    (``free_slots_after_run_end_seconds``) the next run's step would wait for it for good.
    """
    storage = instance.event_log_storage
    if storage.supports_global_concurrency_limits:
        storage.free_concurrency_slots_for_run(run_id)


def _raise_in_thread(thread: threading.Thread, exc: type[BaseException]) -> None:
    ident = thread.ident
    if ident is not None:
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(ident), ctypes.py_object(exc))


@dataclass
class RunGuard:
    """Runs the CLI's jobs so that SIGINT/SIGTERM cancel them (see the module docstring)."""

    instance: dg.DagsterInstance
    session: str = field(default_factory=lambda: uuid.uuid4().hex[:16])
    signal_number: int | None = None
    canceled_runs: list[str] = field(default_factory=list)

    @property
    def interrupted(self) -> bool:
        return self.signal_number is not None

    @property
    def signal_name(self) -> str | None:
        return signal.Signals(self.signal_number).name if self.signal_number else None

    def tags(self) -> dict[str, str]:
        # The daemon's run retries would relaunch a failed CLI run with no code location behind
        # it; the next ``hotpass refine`` runs the drop again instead.
        return {**process_tags(), SESSION_TAG: self.session, "dagster/max_retries": "0"}

    def _active_runs(self) -> list[dg.DagsterRun]:
        return list(
            self.instance.get_runs(
                filters=RunsFilter(statuses=UNFINISHED, tags={SESSION_TAG: self.session})
            )
        )

    def _cancel_active(self, final: bool) -> None:
        for run in self._active_runs():
            if run.run_id not in self.canceled_runs:
                self.canceled_runs.append(run.run_id)
            message = f"Hotpass was stopped by {self.signal_name}"
            if final:
                self.instance.report_run_canceled(run, message=message)
                free_pool_slots(self.instance, run.run_id)
            elif run.status != DagsterRunStatus.CANCELING:
                self.instance.report_run_canceling(run, message=message)

    def _finish_cancel(self) -> None:
        """Every run active at the signal ends CANCELED, whatever state the interrupt left."""
        for run_id in self.canceled_runs:
            run = self.instance.get_run_by_id(run_id)
            if run is not None and run.status != DagsterRunStatus.CANCELED:
                self.instance.report_run_canceled(run, message=f"stopped by {self.signal_name}")
            free_pool_slots(self.instance, run_id)

    def run(self, fn: Callable[[], T]) -> T | None:
        """``fn()`` on a worker thread; ``None`` when a signal stopped it (see ``interrupted``)."""
        done = self.run_all([fn])
        return None if done is None else done[0]

    def run_all(
        self,
        jobs: Sequence[Callable[[], T]],
        *,
        workers: int = 1,
        lane: Callable[[int], Hashable] | None = None,
        on_start: Callable[[int], None] | None = None,
    ) -> list[T] | None:
        """Every job, on up to ``workers`` worker threads; their results in the jobs' order, or
        ``None`` when a signal stopped them (see ``interrupted``).

        Jobs of the same ``lane(index)`` run one after another in their order (a lane is one
        thread's queue); ``on_start(index)`` is called as a job starts. The first signal
        interrupts every running job and starts no other; an exception of a job is raised here
        once all workers have ended.
        """
        if self.interrupted:
            return None
        lanes: dict[Hashable, list[int]] = {}
        for i in range(len(jobs)):
            lanes.setdefault(lane(i) if lane else i, []).append(i)
        queue = list(lanes.values())
        results: dict[int, T] = {}
        errors: list[BaseException] = []
        lock = threading.Lock()

        def next_lane() -> list[int] | None:
            with lock:
                return queue.pop(0) if queue and not (errors or self.interrupted) else None

        def work() -> None:
            while (indexes := next_lane()) is not None:
                for i in indexes:
                    if errors or self.interrupted:
                        return
                    try:
                        if on_start is not None:
                            on_start(i)
                        results[i] = jobs[i]()
                    except BaseException as exc:  # handed to the calling thread
                        errors.append(exc)
                        return

        count = max(1, min(workers, len(queue)))
        threads = [
            threading.Thread(target=work, name=f"hotpass-run-{n}", daemon=True)
            for n in range(count)
        ]
        self._wait(threads)
        if self.interrupted:
            self._finish_cancel()
            return None
        if errors:
            raise errors[0]
        return [results[i] for i in range(len(jobs))]

    def _wait(self, threads: list[threading.Thread]) -> None:
        """Start ``threads`` and wait for them, handling SIGINT/SIGTERM meanwhile (on the main
        thread; elsewhere signals cannot be handled and the threads are simply joined)."""
        if threading.current_thread() is not threading.main_thread():
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            return

        def interrupt_all() -> None:
            for t in threads:
                if t.is_alive():
                    _raise_in_thread(t, RunInterrupted)

        def on_signal(signum: int, _frame: FrameType | None) -> None:
            if self.interrupted:  # second signal: leave now
                self._cancel_active(final=True)
                os._exit(128 + signum)
            self.signal_number = signum
            self._cancel_active(final=False)
            interrupt_all()

        previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
        for s in previous:
            signal.signal(s, on_signal)
        try:
            for t in threads:
                t.start()
            last = time.monotonic()
            while any(t.is_alive() for t in threads):
                next(t for t in threads if t.is_alive()).join(0.2)
                if self.interrupted and time.monotonic() - last > _REPEAT_EVERY:
                    interrupt_all()  # an interrupt was swallowed
                    last = time.monotonic()
        finally:
            for s, handler in previous.items():
                signal.signal(s, handler)

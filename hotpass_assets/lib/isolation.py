"""Read a workbook in a child process with a memory and a time budget.

The readers are native code (calamine, in Rust): a workbook they cannot cope with may abort the
whole process (SIGABRT on a failed allocation) or run for minutes, and would take every other drop
of the same command or sensor tick with it. :func:`run_isolated` first checks the workbook's
size limits in this process (:func:`hotpass_assets.lib.limits.inspect_workbook`: streaming, in
bounded memory), then runs the reading function in a forked child:

* memory: the child's writable data (``RLIMIT_DATA``: heap and anonymous mappings, not the
  address space reserved but unused) may grow by ``HOTPASS_READ_MEMORY_MB`` over what it
  inherited; a native allocation beyond it aborts the child, a Python one raises ``MemoryError``;
* time: a child still reading after ``HOTPASS_READ_TIMEOUT_S`` is killed.

Either way the caller gets a :class:`~hotpass_assets.lib.reading.WorkbookReadError` naming the
file and the budget, and goes on with the next drop. The result comes back pickled through a
pipe. Forking costs a few milliseconds and shares the parent's loaded modules, so no import is
repeated; where ``fork`` does not exist (or ``HOTPASS_READ_ISOLATION=off``) the function runs in
this process after the same limit checks.
"""

from __future__ import annotations

import contextlib
import faulthandler
import os
import tempfile
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TypeVar, cast

from hotpass_assets.lib.background import describe_exit
from hotpass_assets.lib.limits import LimitExceeded, ReadLimits, inspect_workbook

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.context import ForkContext

T = TypeVar("T")
MiB = 1 << 20

__all__ = ["ReadBudget", "check_limits", "run_isolated"]


@dataclass(frozen=True)
class ReadBudget:
    """Memory and time a workbook read may use; ``isolate`` off runs it in this process."""

    #: A 250,000-row sheet (half the default row limit) grows the child's writable data by
    #: 1.9 GB through capture, contracts and writes (1.04 GB resident at the peak).
    memory_bytes: int = 4096 * MiB
    timeout_s: float = 300.0
    isolate: bool = True

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ReadBudget:
        env = os.environ if env is None else env
        memory = (env.get("HOTPASS_READ_MEMORY_MB") or "").strip()
        timeout = (env.get("HOTPASS_READ_TIMEOUT_S") or "").strip()
        isolate = (env.get("HOTPASS_READ_ISOLATION") or "on").strip().lower()
        return cls(
            memory_bytes=int(float(memory) * MiB) if memory else cls.memory_bytes,
            timeout_s=float(timeout) if timeout else cls.timeout_s,
            isolate=isolate not in ("0", "off", "false", "no"),
        )


#: (device, inode, size, mtime_ns, limits) of workbooks that passed :func:`check_limits` in this process.
_PASSED: set[tuple[int, int, int, int, ReadLimits]] = set()


def check_limits(
    path: str | Path, name: str | None = None, limits: ReadLimits | None = None
) -> None:
    """Raise ``WorkbookReadError`` (naming file, sheet and limit) when ``path`` exceeds a limit.

    Remembered per file version and limits, so a drop read by several steps of one process is
    inspected once.
    """
    from hotpass_assets.lib.reading import WorkbookReadError

    path = Path(path)
    limits = limits or ReadLimits.from_env()
    try:
        st = path.stat()
    except OSError:
        return  # the reader reports a missing file
    key = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, limits)
    if key in _PASSED:
        return
    try:
        inspect_workbook(path, limits)
    except LimitExceeded as exc:
        raise WorkbookReadError(path, str(exc), name) from None
    _PASSED.add(key)


def _data_bytes() -> int:
    """This process's writable data (``VmData``), in bytes (0 when unknown)."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmData:"):
                return int(line.split()[1]) * 1024
    return 0


def _system_allocator() -> None:
    """Let Arrow allocate with the C library's allocator in this child.

    The budget limits writable data (``RLIMIT_DATA``). Arrow's default pool (jemalloc) keeps the
    pages it frees mapped, so writable data grows with every table built and dropped: capturing
    a 250,000-row sheet peaked at 0.81 GB resident but 1.58 GB of writable data. With the system
    allocator the two come closer (0.76 GB resident, 0.53 GB of data above what the child
    inherited), so the budget measures what the read holds.
    """
    import pyarrow as pa

    pa.set_memory_pool(pa.system_memory_pool())


def _child(
    send: Connection[bytes, Any],
    fn: Callable[..., object],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    memory_bytes: int,
    err_fd: int,
) -> None:
    import pickle
    import resource

    # A native abort prints its own message (and a backtrace) on stderr: keep it for the
    # parent's message instead of the terminal.
    with contextlib.suppress(OSError):
        os.dup2(err_fd, 2)
    os.environ["RUST_BACKTRACE"] = "0"
    faulthandler.disable()  # its dump (when a test runner enabled it) would go to the terminal

    _system_allocator()
    with contextlib.suppress(ValueError, OSError, AttributeError):
        limit = _data_bytes() + memory_bytes
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    try:
        payload = ("ok", fn(*args, **kwargs))
    except MemoryError:
        payload = ("memory", None)
    except BaseException as exc:  # sent back and raised in the parent
        payload = ("error", (exc, traceback.format_exc()))
    try:
        data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as exc:  # an exception or result that does not pickle
        data = pickle.dumps(("error", (RuntimeError(f"{type(exc).__name__}: {exc}"), "")))
    try:
        send.send_bytes(data)
    finally:
        send.close()


def _first_line(err: IO[bytes]) -> str:
    """First non-empty line the child wrote on stderr, shortened (no backtrace)."""
    with contextlib.suppress(OSError, ValueError):
        err.seek(0)
        for raw in err.read(4096).decode("utf-8", "replace").splitlines():
            line = raw.strip()
            if line:
                return line[:200]
    return ""


def _fork_context() -> ForkContext | None:
    import multiprocessing as mp

    try:
        return mp.get_context("fork")
    except ValueError:
        return None


def run_isolated(
    fn: Callable[..., T],
    path: str | Path,
    *args: Any,
    name: str | None = None,
    budget: ReadBudget | None = None,
    limits: ReadLimits | None = None,
    **kwargs: Any,
) -> T:
    """``fn(path, *args, **kwargs)`` in a child process within ``budget``, after the size limits.

    ``name``: the file name the workbook is known by (for messages). Raises
    :class:`~hotpass_assets.lib.reading.WorkbookReadError` when a limit is exceeded or the child
    runs out of memory, out of time or dies; an exception raised by ``fn`` is raised here.
    """
    import pickle
    import warnings

    from hotpass_assets.lib.reading import WorkbookReadError

    budget = budget or ReadBudget.from_env()
    check_limits(path, name, limits)
    ctx = _fork_context() if budget.isolate else None
    if ctx is None:
        return fn(path, *args, **kwargs)
    recv, send = ctx.Pipe(duplex=False)
    err = tempfile.TemporaryFile()  # noqa: SIM115 - closed in the finally below
    with warnings.catch_warnings():
        # forks while other threads run: see background._after_fork_in_child
        warnings.simplefilter("ignore", DeprecationWarning)
        proc = ctx.Process(
            target=_child,
            args=(send, fn, (path, *args), kwargs, budget.memory_bytes, err.fileno()),
            daemon=True,
        )
        proc.start()
    send.close()
    mb = budget.memory_bytes // MiB
    try:
        deadline = time.monotonic() + budget.timeout_s
        # Short waits, not one long one: between them this thread runs Python again, so a stop
        # request (the CLI's SIGINT/SIGTERM handling interrupts the run's thread) lands promptly.
        while not recv.poll(0.25):
            if time.monotonic() >= deadline:
                proc.kill()
                raise WorkbookReadError(
                    path,
                    f"reading took longer than the time budget of {budget.timeout_s:g} s "
                    "(HOTPASS_READ_TIMEOUT_S); stopped",
                    name,
                )
        try:
            status, value = pickle.loads(recv.recv_bytes())  # noqa: S301 (our own forked child)
        except (EOFError, OSError):
            proc.join(timeout=10)
            said = _first_line(err)
            raise WorkbookReadError(
                path,
                f"the reading process {describe_exit(proc.exitcode)}"
                + (f" ({said})" if said else "")
                + f"; the workbook needs more memory than the budget of {mb:,} MB "
                "(HOTPASS_READ_MEMORY_MB) or crashed the reader",
                name,
            ) from None
    except BaseException:
        if proc.is_alive():  # stopped (or failed) while the child still works: end it now
            proc.kill()
        raise
    finally:
        recv.close()
        err.close()
        proc.join(timeout=10)
        if proc.is_alive():
            proc.kill()
            proc.join(timeout=5)
    if status == "ok":
        return cast(T, value)  # what ``fn`` returned, unpickled
    if status == "memory":
        raise WorkbookReadError(
            path,
            f"reading needs more memory than the budget of {mb:,} MB (HOTPASS_READ_MEMORY_MB)",
            name,
        )
    exc, _trace = value
    raise exc

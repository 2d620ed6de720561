"""Run one function in a forked child while this process goes on with other work.

The refined snapshot's contract checks and the conversion of its tables to Parquet both take
whole seconds per hundred thousand records, hold the GIL (pandas and Arrow build Python and Arrow
objects cell by cell), and do not depend on each other. A thread would not run them side by side;
a forked child does: it starts with the parent's frames already in memory (copy-on-write, nothing
is pickled on the way in), and its result comes back pickled through a pipe, unpickled here while
the child still writes.

The child resets SIGINT and SIGTERM to their defaults (a stop request ends it instead of running
the parent's handlers, which talk to the Dagster instance), is killed by the kernel if the parent
dies first (Linux), and leaves with ``os._exit`` (no ``atexit`` hooks, no flushing of the
parent's buffers). Where ``fork`` does not exist, or
``inline=True``, the function runs in this process when its result is asked for.
"""

import contextlib
import fcntl
import os
import pickle
import select
import signal
import sys
import time
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from multiprocessing.process import BaseProcess

T = TypeVar("T")
#: Buffer of each end of the pipe the result is streamed through.
_BUFFER = 1 << 20

__all__ = ["BackgroundError", "Forked", "describe_exit"]


def _after_fork_in_child() -> None:
    """After a fork, in the child: keep the collector off the inherited objects, and forget the
    import locks and half-imported modules of other threads.

    Collector: the child shares the parent's pages until either writes them, and a collection
    writes into the header of every object it visits; ``gc.freeze()`` (constant time) moves the
    inherited objects out of the child's collections, so a collection in the child does not
    touch them (the child's own objects are collected as usual). Pages the child reads or
    refers to are still copied: at 1,000,000 rows the process tree's peak was the same with and
    without the freeze (8.24 and 8.19–8.65 GB), so the freeze is kept as correct and cheap, not
    as a memory saving.

    Imports: a thread that was importing a module when another thread forked holds that module's import
    lock for good in the child (the thread does not exist there), and leaves the module
    half-executed in ``sys.modules``: the child's first import of it would wait forever (drops
    ingested side by side: one thread importing Great Expectations while the other forks its
    reading process, which imports it too). The child starts with fresh locks and imports such
    modules afresh. Registered for every fork of the process (``os.register_at_fork``).
    """
    import gc
    import importlib._bootstrap as bootstrap

    gc.freeze()
    with contextlib.suppress(AttributeError, TypeError):
        bootstrap._module_locks.clear()  # type: ignore[attr-defined]
        bootstrap._blocking_on.clear()  # type: ignore[attr-defined]
    for name, module in list(sys.modules.items()):
        spec = getattr(module, "__spec__", None)
        if spec is not None and getattr(spec, "_initializing", False):
            sys.modules.pop(name, None)


os.register_at_fork(after_in_child=_after_fork_in_child)


class BackgroundError(RuntimeError):
    """The child ended without a result (killed, out of memory, crashed)."""


def _end_with_parent() -> None:
    """Have the kernel kill this child when its parent dies (Linux ``PR_SET_DEATHSIG``), so a
    parent that exits at once on a second stop request leaves no child working on."""
    import ctypes
    import ctypes.util

    with contextlib.suppress(OSError, AttributeError, TypeError):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # 1: PR_SET_PDEATHSIG


def _child(fd: int, fn: Callable[[], object]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _end_with_parent()
    try:
        payload: tuple[str, object] = ("ok", fn())
    except BaseException as exc:  # sent back and raised in the parent
        payload = ("error", _pickled_error(exc, traceback.format_exc()))
    with os.fdopen(fd, "wb", buffering=_BUFFER) as out:
        # Streamed: the parent unpickles while this side pickles, and neither holds the whole
        # pickle as one bytes object. Without a memo (``fast``): a result holds millions of
        # cells, and remembering each one costs more than writing the few repeated ones twice
        # (a result with a reference cycle raises here instead). A result that fails to pickle
        # half-way leaves a truncated stream, which the parent reports.
        pickler = pickle.Pickler(out, protocol=pickle.HIGHEST_PROTOCOL)
        pickler.fast = True
        pickler.dump(payload)


def _pickled_error(exc: BaseException, trace: str) -> tuple[BaseException, str]:
    try:
        pickle.dumps(exc, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as err:  # an exception that does not pickle: its text goes instead
        return RuntimeError(f"{type(exc).__name__}: {exc} ({type(err).__name__}: {err})"), trace
    return exc, trace


class Forked(Generic[T]):
    """``fn()`` started in a forked child; :meth:`result` waits for it and returns its value
    (or raises what it raised); :meth:`cancel` ends it. ``label`` names the work in errors."""

    def __init__(self, fn: Callable[[], T], *, label: str, inline: bool = False):
        import multiprocessing as mp
        import warnings

        self._fn, self._label = fn, label
        self._proc: BaseProcess | None = None
        self._fd: int | None = None
        if inline or "fork" not in mp.get_all_start_methods():
            return
        ctx = mp.get_context("fork")
        read_fd, write_fd = os.pipe()
        with contextlib.suppress(OSError, AttributeError):  # fewer switches between the two
            fcntl.fcntl(write_fd, fcntl.F_SETPIPE_SZ, _BUFFER)
        try:
            with warnings.catch_warnings():
                # forks while other threads run: see _after_fork_in_child
                warnings.simplefilter("ignore", DeprecationWarning)
                proc = ctx.Process(target=_child, args=(write_fd, fn), daemon=True)
                proc.start()
        except BaseException:
            os.close(read_fd)
            raise
        finally:
            os.close(write_fd)
        self._proc, self._fd = proc, read_fd

    @property
    def forked(self) -> bool:
        """Whether the work runs in a child process (else it runs inline in :meth:`result`)."""
        return self._proc is not None

    def result(self, timeout: float | None = None) -> T:
        """The function's value; raises what it raised, or :class:`BackgroundError` when the
        child ends without a result or ``timeout`` seconds pass first (the child is ended)."""
        if self._proc is None or self._fd is None:
            return self._fn()
        proc, fd = self._proc, self._fd
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            # Short waits: between them this thread runs Python, so a stop request lands.
            while not select.select([fd], [], [], 0.25)[0]:
                if deadline is not None and time.monotonic() >= deadline:
                    raise BackgroundError(f"{self._label}: no result after {timeout:g} s")
            self._fd = None
            with os.fdopen(fd, "rb", buffering=_BUFFER) as stream:
                try:
                    status, value = pickle.load(stream)  # noqa: S301 (our own forked child)
                except Exception as exc:  # nothing, or a truncated stream
                    proc.join(timeout=10)
                    raise BackgroundError(
                        f"{self._label}: the background process {describe_exit(proc.exitcode)} "
                        f"without a complete result ({type(exc).__name__})"
                    ) from None
        except BaseException:
            self.cancel()
            raise
        finally:
            proc.join(timeout=10)
        if status == "ok":
            return value  # type: ignore[no-any-return]
        error, _trace = value
        raise error

    def cancel(self) -> None:
        """End the child (if it still runs) and wait for it."""
        proc = self._proc
        if proc is None:
            return
        if proc.is_alive():
            proc.kill()
        proc.join(timeout=10)
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None


def describe_exit(code: int | None) -> str:
    """How a child process ended, for messages ("was stopped by SIGKILL")."""
    if code is None:
        return "did not finish"
    if code < 0:
        try:
            return f"was stopped by {signal.Signals(-code).name}"
        except ValueError:
            return f"was stopped by signal {-code}"
    return f"exited with code {code}"

"""Run one function in a forked child while this process goes on with other work.

The refined snapshot's contract checks and the conversion of its tables to Parquet both take
whole seconds per hundred thousand records, hold the GIL (pandas and Arrow build Python and Arrow
objects cell by cell), and do not depend on each other. A thread would not run them side by side;
a forked child does: it starts with the parent's frames already in memory (copy-on-write, nothing
is pickled on the way in) and only its small result comes back through a pipe.

The child resets SIGINT and SIGTERM to their defaults (a stop request ends it instead of running
the parent's handlers, which talk to the Dagster instance), is killed by the kernel if the parent
dies first (Linux), and leaves with ``os._exit`` (no ``atexit`` hooks, no flushing of the
parent's buffers). Where ``fork`` does not exist, or
``inline=True``, the function runs in this process when its result is asked for.
"""

import contextlib
import pickle
import signal
import time
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

T = TypeVar("T")

__all__ = ["BackgroundError", "Forked", "describe_exit"]


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


def _child(send: "Connection[bytes, Any]", fn: Callable[[], object]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _end_with_parent()
    try:
        payload: tuple[str, object] = ("ok", fn())
    except BaseException as exc:  # sent back and raised in the parent
        payload = ("error", (exc, traceback.format_exc()))
    try:
        data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as exc:  # a result or exception that does not pickle
        error = RuntimeError(f"{type(exc).__name__}: {exc}")
        data = pickle.dumps(("error", (error, "")), protocol=pickle.HIGHEST_PROTOCOL)
    try:
        send.send_bytes(data)
    finally:
        send.close()


class Forked(Generic[T]):
    """``fn()`` started in a forked child; :meth:`result` waits for it and returns its value
    (or raises what it raised); :meth:`cancel` ends it. ``label`` names the work in errors."""

    def __init__(self, fn: Callable[[], T], *, label: str, inline: bool = False):
        import multiprocessing as mp
        import warnings

        self._fn, self._label = fn, label
        self._proc: BaseProcess | None = None
        self._recv: Connection[Any, bytes] | None = None
        if inline or "fork" not in mp.get_all_start_methods():
            return
        ctx = mp.get_context("fork")
        recv, send = ctx.Pipe(duplex=False)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads: see module doc
            proc = ctx.Process(target=_child, args=(send, fn), daemon=True)
            proc.start()
        send.close()
        self._proc, self._recv = proc, recv

    @property
    def forked(self) -> bool:
        """Whether the work runs in a child process (else it runs inline in :meth:`result`)."""
        return self._proc is not None

    def result(self, timeout: float | None = None) -> T:
        """The function's value; raises what it raised, or :class:`BackgroundError` when the
        child ends without a result or ``timeout`` seconds pass first (the child is ended)."""
        if self._proc is None or self._recv is None:
            return self._fn()
        proc, recv = self._proc, self._recv
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            # Short waits: between them this thread runs Python, so a stop request lands.
            while not recv.poll(0.25):
                if deadline is not None and time.monotonic() >= deadline:
                    raise BackgroundError(f"{self._label}: no result after {timeout:g} s")
            try:
                status, value = pickle.loads(recv.recv_bytes())  # noqa: S301 (our own child)
            except (EOFError, OSError):
                proc.join(timeout=10)
                raise BackgroundError(
                    f"{self._label}: the background process {describe_exit(proc.exitcode)} "
                    "without a result"
                ) from None
        except BaseException:
            self.cancel()
            raise
        finally:
            recv.close()
            self._recv = None
            proc.join(timeout=10)
        if status == "ok":
            return value  # type: ignore[no-any-return]
        exc, _trace = value
        raise exc

    def cancel(self) -> None:
        """End the child (if it still runs) and wait for it."""
        proc = self._proc
        if proc is None:
            return
        if proc.is_alive():
            proc.kill()
        proc.join(timeout=10)
        if self._recv is not None:
            with contextlib.suppress(OSError):
                self._recv.close()
            self._recv = None


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

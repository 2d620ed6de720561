"""One benchmark function run in a fresh (spawned) process, with a time limit, and the peak
memory of the process it runs in. Shared by ``bench_dedupe.py`` and ``bench_er_heldout.py``."""

import multiprocessing as mp
import resource
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any


def peak_gb() -> float:
    """Peak resident memory of this process (``ru_maxrss``), in GB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024


def _child(queue: Any, fn: Callable[..., dict], args: tuple) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    try:
        queue.put({"ok": True, **fn(*args)})
    except BaseException as exc:  # reported to the parent
        queue.put({"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]})


def run_isolated(fn: Callable[..., dict], args: tuple = (), timeout: float | None = None) -> dict:
    """``fn(*args)`` (a module-level function returning a dict) in a fresh process, with
    ``ok`` added; killed after ``timeout`` seconds (``ok`` False and the error)."""
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(queue, fn, args))
    proc.start()
    try:
        result: dict = queue.get(timeout=timeout)
    except Exception:
        result = {"ok": False, "error": f"no result within {timeout or 0:.0f} s"}
    proc.join(5)
    if proc.is_alive():
        proc.kill()
        proc.join()
    return result

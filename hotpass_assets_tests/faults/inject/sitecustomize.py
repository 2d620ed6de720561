"""Test-only fault injection for ``hotpass`` subprocesses (never imported by the package).

A fault test starts the CLI with this directory on ``PYTHONPATH`` and ``HOTPASS_FAULT`` set to
``ACTION@POINT`` (``;``-separated for several); Python imports this module at start-up and wraps
the named points:

* ``write:<path part>``: after :func:`hotpass_assets.lib.warehouse.write_table` published a file
  whose path contains the part (``write:capture/organisations``: one table of a drop written);
  with ``enospc``/``erofs`` the write itself fails with that error instead;
* ``duckdb``: inside the DuckDB view refresh, after the first view was created (the warehouse's
  ``.duckdb`` file open);
* ``mlflow-register``: just before the model version is registered in MLflow;
* ``capture``: when a drop's capture starts reading the workbook (inside the step).

Actions: ``kill`` (SIGKILL this process), ``pause`` (wait, in small sleeps, for a signal),
``enospc`` and ``erofs`` (raise that OSError). Each firing point first writes its name to
``HOTPASS_FAULT_MARKER`` (when set), so the test knows where the process stands.
"""

import errno
import os
import signal
import time

_SPEC = os.environ.get("HOTPASS_FAULT", "")
#: The command's own process: a point reached in the forked reading process (capture and its
#: writes run there) kills the command, as a kill of the whole process at that moment would.
_MAIN_PID = os.getpid()
_FIRED: set[str] = set()


def _faults() -> list[tuple[str, str]]:
    return [tuple(item.split("@", 1)) for item in _SPEC.split(";") if "@" in item]


def _fire(action: str, point: str) -> None:
    marker = os.environ.get("HOTPASS_FAULT_MARKER")
    if marker:
        with open(marker, "a", encoding="utf-8") as fh:
            fh.write(f"{point}\n")
            fh.flush()
            os.fsync(fh.fileno())
    if action == "kill":
        if os.getpid() != _MAIN_PID:
            os.kill(_MAIN_PID, signal.SIGKILL)
        os.kill(os.getpid(), signal.SIGKILL)
    elif action == "pause":
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            time.sleep(0.05)
    elif action in ("enospc", "erofs"):
        code = errno.ENOSPC if action == "enospc" else errno.EROFS
        raise OSError(code, os.strerror(code), point)


def _check(kind: str, detail: str = "", actions: tuple[str, ...] | None = None) -> None:
    for action, point in _faults():
        name, _, part = point.partition(":")
        if name != kind or (part and part not in detail):
            continue
        if actions is not None and action not in actions:
            continue
        if point in _FIRED and action == "pause":
            continue
        _FIRED.add(point)
        _fire(action, point)


def _install() -> None:
    kinds = {point.partition(":")[0] for _, point in _faults()}
    if "write" in kinds:
        from hotpass_assets.lib import warehouse

        real_write = warehouse.write_table

        def write_table(frame, target, columns=None):
            _check("write", str(target), actions=("enospc", "erofs"))
            digest = real_write(frame, target, columns)
            _check("write", str(target), actions=("kill", "pause"))
            return digest

        warehouse.write_table = write_table
    if "duckdb" in kinds:
        import duckdb

        real_connect = duckdb.connect

        class _Connection:
            def __init__(self, con):
                self._con, self._n = con, 0

            def execute(self, *args, **kwargs):
                result = self._con.execute(*args, **kwargs)
                self._n += 1
                if self._n == 1:
                    _check("duckdb")
                return result

            def __getattr__(self, name):
                return getattr(self._con, name)

        def connect(*args, **kwargs):
            con = real_connect(*args, **kwargs)
            database = str(args[0] if args else kwargs.get("database", ""))
            # only the warehouse catalog (a file), not in-memory helper connections
            return _Connection(con) if database.endswith(".duckdb") else con

        duckdb.connect = connect
    if "mlflow-register" in kinds:
        from mlflow.tracking import MlflowClient

        real_create = MlflowClient.create_model_version

        def create_model_version(self, *args, **kwargs):
            _check("mlflow-register")
            return real_create(self, *args, **kwargs)

        MlflowClient.create_model_version = create_model_version
    if "capture" in kinds:
        from hotpass_assets.lib import capture

        real_capture = capture.capture_workbook

        def capture_workbook(*args, **kwargs):
            _check("capture")
            return real_capture(*args, **kwargs)

        capture.capture_workbook = capture_workbook


if _SPEC:
    _install()

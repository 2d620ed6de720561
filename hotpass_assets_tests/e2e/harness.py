"""Start and stop `dagster dev`, talk GraphQL to it, and render its pages in headless Chromium.

Every process is started in its own session (process group) with SIGINT/SIGTERM reset to their
defaults, and stopped by signalling that group: SIGTERM, a grace period, then SIGKILL, then
SIGKILL for any descendant that left the group. Should the test runner itself die without
running its finalizers (SIGKILL, or a CI job's SIGTERM), a small watchdog process kills the group:
it polls whether its parent, the test runner, is still alive.
"""

import contextlib
import ctypes
import http.server
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import requests

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
T = TypeVar("T")
_PR_SET_PDEATHSIG = 1
#: Environment a developer may have set that must not leak into the temporary deployment.
_ISOLATED_PREFIXES = ("HOTPASS_", "DAGSTER_", "MLFLOW_", "OPENLINEAGE_", "OTEL_")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(probe: Callable[[], T], *, timeout: float, what: str, interval: float = 1.0) -> T:
    """Call ``probe`` until it returns something truthy; raise ``TimeoutError`` naming ``what``."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


# --- processes -----------------------------------------------------------------------------------


def _reset_signals() -> None:  # runs in the child between fork and exec
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _child_setup() -> None:
    """Default signal handling, and (Linux) SIGKILL when the test runner dies."""
    _reset_signals()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _proc_table() -> dict[int, tuple[int, int, str, str]]:
    """pid → (ppid, pgid, state, start time) from /proc; empty where there is no /proc."""
    table = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        fields = text.rsplit(")", 1)[1].split()
        # fields[0] is the state (field 3 of stat), so stat field n is fields[n - 3]
        table[int(stat.parent.name)] = (int(fields[1]), int(fields[2]), fields[0], fields[19])
    return table


def _descendants(pid: int) -> dict[int, str]:
    """Live descendants of ``pid`` → their start time (to never signal a reused pid)."""
    table = _proc_table()
    children: dict[int, list[int]] = {}
    for child, (ppid, _, _, _) in table.items():
        children.setdefault(ppid, []).append(child)
    found: dict[int, str] = {}
    stack = [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found and table[child][2] != "Z":
                found[child] = table[child][3]
                stack.append(child)
    return found


def group_members(pgid: int) -> list[int]:
    """Live (not zombie) processes of a process group."""
    if Path("/proc/self/stat").exists():
        return sorted(
            pid
            for pid, (_, group, state, _) in _proc_table().items()
            if group == pgid and state != "Z"
        )
    try:
        os.killpg(pgid, 0)
    except (ProcessLookupError, PermissionError):
        return []
    return [pgid]


_WATCHDOG = """
import os, signal, sys, time
parent, pgid = int(sys.argv[1]), int(sys.argv[2])
while os.getppid() == parent:
    try:
        os.killpg(pgid, 0)
    except (ProcessLookupError, PermissionError):
        sys.exit(0)
    time.sleep(0.5)
for sig, pause in ((signal.SIGTERM, 3.0), (signal.SIGKILL, 0.0)):
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        break
    time.sleep(pause)
"""


@dataclass
class ProcessGroup:
    """One command in its own session; ``stop`` ends it and everything it started."""

    argv: list[str]
    env: dict[str, str]
    log_path: Path
    cwd: Path = ROOT
    proc: subprocess.Popen | None = None
    watchdog: subprocess.Popen | None = None

    def start(self, *, watchdog: bool = True) -> "ProcessGroup":
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                self.argv,
                cwd=self.cwd,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_child_setup,
            )
        if watchdog:
            self.watchdog = subprocess.Popen(
                [sys.executable, "-c", _WATCHDOG, str(os.getpid()), str(self.proc.pid)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
                preexec_fn=_reset_signals,  # it must outlive the runner to clean up after it
            )
        return self

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, grace: float = 10.0) -> list[int]:
        """SIGTERM the group, wait up to ``grace`` s for its leader to exit, SIGKILL what is left
        (group and descendants). Returns the pids still alive afterwards (should be none)."""
        if self.proc is None:
            return []
        pgid = self.proc.pid  # a new session's leader: its pid is the group id
        tree = _descendants(pgid)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            # Once the leader has shut down, whatever is left of its group is a straggler (for
            # example a code server it restarted after the signal went out).
            if self.proc.poll() is not None:
                break
            time.sleep(0.2)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, signal.SIGKILL)
        table = _proc_table()
        for pid, started in tree.items():  # descendants that moved to another group
            if pid in table and table[pid][3] == started and table[pid][2] != "Z":
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=10)
        if self.watchdog is not None:
            self.watchdog.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.watchdog.wait(timeout=5)
        time.sleep(0.2)
        table = _proc_table()
        left = set(group_members(pgid)) | {
            pid
            for pid, started in tree.items()
            if pid in table and table[pid][3] == started and table[pid][2] != "Z"
        }
        return sorted(left)


# --- GraphQL -------------------------------------------------------------------------------------


class GraphQLError(RuntimeError):
    pass


class GraphQL:
    def __init__(self, url: str):
        self.url = url
        self.session = requests.Session()

    def __call__(self, query: str, **variables: Any) -> dict:
        response = self.session.post(
            self.url, json={"query": query, "variables": variables}, timeout=60
        )
        if response.status_code != 200:
            raise GraphQLError(f"HTTP {response.status_code}: {response.text[:1000]}")
        body = response.json()
        if body.get("errors"):
            raise GraphQLError(json.dumps(body["errors"])[:2000])
        return body["data"]


# --- dagster dev ---------------------------------------------------------------------------------


@dataclass
class DagsterDev:
    """`dagster dev` (webserver + daemon + code server) on 127.0.0.1 with its own instance."""

    workdir: Path
    port: int = field(default_factory=free_port)
    extra_env: dict[str, str] = field(default_factory=dict)
    group: ProcessGroup | None = None
    started_at: float = 0.0  # time.monotonic() when the test asked for the server

    @property
    def home(self) -> Path:
        return self.workdir / "hotpass"

    @property
    def dagster_home(self) -> Path:
        return self.home / "dagster"

    @property
    def landing(self) -> Path:
        return self.home / "landing"

    @property
    def alerts_path(self) -> Path:
        return self.home / "alerts" / "alerts.jsonl"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.workdir / "dagster-dev.log"

    @property
    def graphql(self) -> GraphQL:
        return GraphQL(f"{self.url}/graphql")

    def environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(_ISOLATED_PREFIXES)}
        env.update(
            {
                "HOTPASS_HOME": str(self.home),
                "DAGSTER_HOME": str(self.dagster_home),
                "HOTPASS_UI_URL": self.url,
                "HOTPASS_SENSOR_INTERVAL_SECONDS": "2",
                "GX_ANALYTICS_ENABLED": "false",
                "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR": "false",
                "PYTHONUNBUFFERED": "1",
                "PYTHONWARNINGS": "ignore",
            }
        )
        env.update(self.extra_env)
        return env

    def start(self) -> "DagsterDev":
        self.landing.mkdir(parents=True, exist_ok=True)
        self.dagster_home.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / "dagster.yaml", self.dagster_home / "dagster.yaml")
        argv = [
            str(VENV_BIN / "dagster"),
            "dev",
            "-w",
            str(ROOT / "workspace.yaml"),
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
        ]
        self.group = ProcessGroup(argv, self.environment(), self.log_path).start()
        return self

    def wait_ready(self, timeout: float = 120) -> None:
        """Until the webserver answers and the code location is loaded."""

        def loaded() -> bool:
            if self.group is None or not self.group.running():
                raise RuntimeError(f"dagster dev exited early:\n{self.log_tail()}")
            try:
                data = self.graphql(
                    """{ workspaceOrError { ... on Workspace { locationEntries {
                      name loadStatus locationOrLoadError { __typename } } } } }"""
                )
            except (requests.RequestException, GraphQLError):
                return False
            entries = data["workspaceOrError"].get("locationEntries") or []
            return any(
                e["name"] == "hotpass"
                and e["loadStatus"] == "LOADED"
                and e["locationOrLoadError"]["__typename"] == "RepositoryLocation"
                for e in entries
            )

        wait_for(loaded, timeout=timeout, what="the code location to load", interval=0.5)

    def stop(self) -> list[int]:
        return self.group.stop() if self.group else []

    def log_tail(self, lines: int = 80) -> str:
        if not self.log_path.exists():
            return "(no log)"
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


# --- webhook receiver ----------------------------------------------------------------------------


class WebhookRecorder:
    """A local HTTP endpoint that records the JSON bodies POSTed to it."""

    def __init__(self) -> None:
        self.bodies: list[dict] = []
        recorder = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                with contextlib.suppress(ValueError):
                    recorder.bodies.append(json.loads(self.rfile.read(length)))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hotpass-alerts"

    def __enter__(self) -> "WebhookRecorder":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


# --- headless Chromium ---------------------------------------------------------------------------


def find_chromium() -> str | None:
    for name in (
        os.environ.get("HOTPASS_CHROMIUM"),
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ):
        if name and (path := shutil.which(name)):
            return path
    return None


def render_page(
    browser: str,
    url: str,
    png: Path,
    workdir: Path,
    *,
    window: tuple[int, int] = (1440, 900),
    budget_ms: int = 15000,
    timeout: float = 90,
) -> str:
    """Screenshot ``url`` into ``png`` and return the rendered DOM (one browser run)."""
    dom_path = png.with_suffix(".html")
    argv = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--no-first-run",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--hide-scrollbars",
        f"--user-data-dir={workdir / 'chromium-profile'}",
        f"--window-size={window[0]},{window[1]}",
        f"--virtual-time-budget={budget_ms}",
        f"--screenshot={png}",
        "--dump-dom",
        url,
    ]
    env = {**os.environ, "HOME": str(workdir)}
    with open(dom_path, "wb") as out, open(workdir / "chromium.log", "ab") as err:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            env=env,
            start_new_session=True,
            preexec_fn=_child_setup,
        )
        group = ProcessGroup(argv, env, workdir / "chromium.log", proc=proc)  # no watchdog
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass
        finally:
            group.stop(grace=3)
    return dom_path.read_text(errors="replace")


@dataclass(frozen=True)
class PngReport:
    width: int
    height: int
    colours: int  # distinct colours (capped at 65536); distinct byte values without Pillow
    ink: float  # share of pixels (bytes without Pillow) unlike the most common one

    def looks_rendered(self, min_width: int = 800, min_height: int = 500) -> bool:
        """Big enough, many colours, and more than a sliver unlike the background."""
        return (
            self.width >= min_width
            and self.height >= min_height
            and self.colours > 16
            and self.ink > 0.02
        )


def png_report(path: Path) -> PngReport:
    """Size, colour count and non-background share of a PNG (Pillow when installed, else zlib)."""
    try:
        from PIL import Image
    except ImportError:
        Image = None
    if Image is not None:
        with Image.open(path) as img:
            rgb = img.convert("RGB")
            width, height = rgb.size
            colours = rgb.getcolors(maxcolors=1 << 16)
        if colours is None:  # more than 65536 colours: certainly not blank
            return PngReport(width, height, 1 << 16, 1.0)
        dominant = max(count for count, _ in colours)
        return PngReport(width, height, len(colours), round(1 - dominant / (width * height), 4))
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    idat, pos = b"", 8
    while pos < len(data):
        length = int.from_bytes(data[pos : pos + 4], "big")
        if data[pos + 4 : pos + 8] == b"IDAT":
            idat += data[pos + 8 : pos + 8 + length]
        pos += 12 + length
    raw = zlib.decompress(idat)
    counts = Counter(raw)
    return PngReport(width, height, len(counts), round(1 - max(counts.values()) / len(raw), 4))

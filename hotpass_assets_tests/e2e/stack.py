"""The server deployment shape, started locally: a gRPC code server, the webserver and the daemon
as three processes sharing one instance directory (``DAGSTER_HOME``), as the container image, the
compose stack and the Helm chart run them. Each process is a ``ProcessGroup`` (own session, stopped
by pid, watchdog); ``stop`` returns any pid left behind.
"""

import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from hotpass_assets_tests.e2e.harness import VENV_BIN, DagsterDev, ProcessGroup, free_port


def grpc_health(port: int, host: str = "127.0.0.1") -> bool:
    """`dagster api grpc-health-check`, the image's healthcheck command."""
    proc = subprocess.run(
        [str(VENV_BIN / "dagster"), "api", "grpc-health-check", "-h", host, "-p", str(port)],
        capture_output=True,
        timeout=60,
        check=False,
    )
    return proc.returncode == 0


@dataclass
class DagsterStack(DagsterDev):
    """Code server + webserver + daemon on 127.0.0.1 with the instance config ``instance_yaml``."""

    instance_yaml: Path = field(default_factory=lambda: Path("dagster.yaml"))
    grpc_port: int = field(default_factory=free_port)
    groups: dict[str, ProcessGroup] = field(default_factory=dict)

    @property
    def log_path(self) -> Path:
        return self.workdir / "stack.log"

    def _argv(self, workspace: Path) -> dict[str, list[str]]:
        return {
            "code-server": [
                *(str(VENV_BIN / "dagster"), "api", "grpc"),
                *("-h", "127.0.0.1", "-p", str(self.grpc_port)),
                *("-m", "hotpass_assets.definitions", "-a", "defs"),
            ],
            "webserver": [
                *(str(VENV_BIN / "dagster-webserver"), "-w", str(workspace)),
                *("-h", "127.0.0.1", "-p", str(self.port)),
            ],
            "daemon": [str(VENV_BIN / "dagster-daemon"), "run", "-w", str(workspace)],
        }

    def start(self) -> "DagsterStack":
        self.landing.mkdir(parents=True, exist_ok=True)
        self.dagster_home.mkdir(parents=True, exist_ok=True)
        (self.dagster_home / "dagster.yaml").write_text(self.instance_yaml.read_text())
        workspace = self.workdir / "workspace.yaml"
        entry = {"host": "127.0.0.1", "port": self.grpc_port, "location_name": "hotpass"}
        workspace.write_text(yaml.safe_dump({"load_from": [{"grpc_server": entry}]}))
        env = self.environment()
        argv = self._argv(workspace)
        self.groups["code-server"] = ProcessGroup(
            argv["code-server"], env, self.workdir / "code-server.log"
        ).start()
        for name in ("webserver", "daemon"):
            self.groups[name] = ProcessGroup(argv[name], env, self.workdir / f"{name}.log").start()
        return self

    def running(self) -> bool:
        return bool(self.groups) and all(g.running() for g in self.groups.values())

    def wait_ready(self, timeout: float = 180) -> None:
        self.group = self.groups["webserver"]
        for name, group in self.groups.items():
            if not group.running():
                raise RuntimeError(f"{name} exited early:\n{self.log_tail()}")
        super().wait_ready(timeout)

    def stop(self) -> list[int]:
        left: list[int] = []
        for name in ("daemon", "webserver", "code-server"):
            if name in self.groups:
                left += self.groups[name].stop()
        return left

    def log_tail(self, lines: int = 40) -> str:
        parts = []
        for name in ("code-server", "webserver", "daemon"):
            path = self.workdir / f"{name}.log"
            text = path.read_text(errors="replace").splitlines()[-lines:] if path.exists() else []
            parts.append(f"--- {name} ---\n" + "\n".join(text))
        return "\n".join(parts)

"""Run the shell commands a Markdown page shows, as a reader would, in a throw-away clone.

``shell_commands`` takes every line of the page's ```` ```bash ```` blocks (a trailing
``  # comment`` removed). ``Sandbox`` is a temporary folder that looks like a fresh clone (the
repository's files linked in, no ``.hotpass``), so ``make run`` and every ``.hotpass/...`` path
resolve to a fresh data directory inside it; commands run there with ``bash``, the project's
environment first on ``PATH`` and no ``HOTPASS_*``/``DAGSTER_*``/``MLFLOW_*`` settings, exactly as
in a new terminal.

Placeholders the page writes in capitals (``DIR``, ``ENTITY_ID``) are replaced by values the test
supplies; a command whose placeholders the test cannot supply fails the test, so a new placeholder
in the docs needs a value here.
"""

import os
import re
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Commands not run, and why. Everything else a page shows is run.
NOT_RUN: dict[str, str] = {
    "git clone": "the sandbox is the clone",
    "cd hotpass": "the sandbox is the clone",
    "make dev": "long-running server; the end-to-end tests (hotpass_assets_tests/e2e) drive it",
    "make test": "this suite itself",
}
_LEAVE_OUT = {".git", ".hotpass", "build", ".pytest_cache", ".ruff_cache", ".hypothesis"}
_ISOLATED = ("HOTPASS_", "DAGSTER_", "MLFLOW_", "OPENLINEAGE_", "OTEL_", "VIRTUAL_ENV")
_BLOCK = re.compile(r"^```bash\n(.*?)^```", re.MULTILINE | re.DOTALL)
_TRAILING_COMMENT = re.compile(r"\s{2,}#\s.*$")
PLACEHOLDER = re.compile(r"(?<![\w./-])[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*(?![\w-])")


def shell_commands(markdown: str) -> list[str]:
    commands = []
    for block in _BLOCK.findall(markdown):
        for line in block.splitlines():
            line = _TRAILING_COMMENT.sub("", line).strip()
            if line and not line.startswith("#"):
                commands.append(line)
    return commands


def not_run_reason(command: str) -> str | None:
    return next((why for prefix, why in NOT_RUN.items() if command.startswith(prefix)), None)


@dataclass
class Sandbox:
    folder: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    log: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        for entry in ROOT.iterdir():
            if entry.name not in _LEAVE_OUT and not (self.folder / entry.name).exists():
                (self.folder / entry.name).symlink_to(entry)
        # The linked .venv is the environment these tests run in, so it is installed: mark it
        # synced, or `make` in the sandbox would re-install the project from the sandbox's path
        # into the shared environment (and leave it pointing at a folder about to be deleted).
        stamp = ROOT / ".venv" / ".synced"
        if stamp.parent.is_dir():
            stamp.touch()

    @property
    def home(self) -> Path:
        return self.folder / ".hotpass"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(_ISOLATED)}
        env["PATH"] = f"{self.folder / '.venv' / 'bin'}{os.pathsep}{env.get('PATH', '')}"
        env["GX_ANALYTICS_ENABLED"] = "false"
        env["MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR"] = "false"
        env.update(self.extra_env)
        return env

    def run(self, command: str, timeout: float = 900) -> subprocess.CompletedProcess:
        done = subprocess.run(
            ["bash", "-c", command],
            cwd=self.folder,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        self.log.append(f"$ {command}\n[exit {done.returncode}]\n{done.stdout}{done.stderr}")
        if done.returncode != 0:
            raise AssertionError(f"`{command}` exited {done.returncode}:\n" + self.tail())
        return done

    def tail(self, chars: int = 6000) -> str:
        return "\n".join(self.log)[-chars:]


Value = str | Callable[[], str]


def substitute(command: str, values: Mapping[str, Value]) -> str:
    """``command`` with its placeholders replaced; unknown capitals are an error."""

    def replace(match: re.Match) -> str:
        word = match.group(0)
        if word not in values:
            raise KeyError(f"no value for placeholder {word!r} in `{command}`")
        value = values[word]
        return str(value() if callable(value) else value)

    # Capitals inside quotes are SQL or Python, not placeholders.
    parts = re.split(r"(\"[^\"]*\"|'[^']*')", command)
    return "".join(p if p[:1] in "\"'" else PLACEHOLDER.sub(replace, p) for p in parts)


def run_page(sandbox: Sandbox, markdown: str, values: Mapping[str, Value], before=None) -> list:
    """Run every command of ``markdown`` in order; ``before(command)`` runs first, for the
    steps a reader does by hand (editing a file). Returns (command, reason) of those not run."""
    skipped = []
    for command in shell_commands(markdown):
        reason = not_run_reason(command)
        if reason:
            skipped.append((command, reason))
            continue
        if before is not None:
            before(command)
        sandbox.run(substitute(command, values))
    return skipped

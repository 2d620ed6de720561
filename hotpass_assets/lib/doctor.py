"""Installation checks behind ``hotpass doctor``: each finding says what is wrong and the fix.

A finding is ``ok``, ``warn`` (works, but worth knowing) or ``fail`` (blocks running: the CLI exits
1). The checks only read: nothing is created, except a zero-byte probe file (removed at once) in
each existing data directory to prove it is writable, and a socket bound and closed at once to
prove the webserver port is free. Nothing is contacted over the network.
"""

import importlib.metadata as metadata
import os
import shutil
import socket
import sys
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, overload

from hotpass_assets.settings import Location, Settings

if TYPE_CHECKING:
    from upath import UPath

OK, WARN, FAIL = "ok", "warn", "fail"
MIN_FREE_BYTES = 500 * 2**20  # below: fail (a demo run needs ~150 MB)
LOW_FREE_BYTES = 2 * 2**30  # below: warn
PYTHONS = ((3, 11), (3, 12), (3, 13))
#: Event-log storages that read events across runs (what the lineage sensor needs).
CONSOLIDATED_EVENT_LOGS = {
    "ConsolidatedSqliteEventLogStorage",
    "PostgresEventLogStorage",
    "MySQLEventLogStorage",
}
#: Integration libraries released with dagster X.Y.Z as 0.(Y+16).Z.
DAGSTER_INTEGRATIONS = ("dagster-pandas", "dagster-pandera", "dagster-mlflow")


@dataclass(frozen=True)
class Finding:
    check: str
    status: str
    detail: str
    fix: str = ""

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def blocking(findings: list[Finding]) -> bool:
    return any(f.status == FAIL for f in findings)


def check_python(version: tuple[int, int] | None = None) -> Finding:
    major, minor = version or sys.version_info[:2]
    text = f"Python {major}.{minor} ({sys.executable})"
    if (major, minor) in PYTHONS:
        return Finding("python", OK, text)
    return Finding(
        "python", FAIL, f"{text} is not supported", "use Python 3.11, 3.12 or 3.13 (make install)"
    )


def check_packages(distribution: str = "hotpass") -> list[Finding]:
    """Every pinned (``==``) requirement installed at its pin; dagster and its integrations paired."""
    from packaging.requirements import Requirement

    try:
        requires = metadata.requires(distribution) or []
    except metadata.PackageNotFoundError:
        return [Finding("packages", FAIL, f"{distribution} is not installed", "run make install")]
    problems = []
    for line in requires:
        req = Requirement(line)
        if req.marker is not None and not req.marker.evaluate({"extra": ""}):
            continue
        try:
            installed = metadata.version(req.name)
        except metadata.PackageNotFoundError:
            problems.append(f"{req.name} missing")
            continue
        if req.specifier and not req.specifier.contains(installed, prereleases=True):
            problems.append(f"{req.name} {installed} (wants {req.specifier})")
    findings = [
        Finding("packages", FAIL, "; ".join(problems), "run make install (uv sync from uv.lock)")
        if problems
        else Finding("packages", OK, f"{len(requires)} requirements of {distribution} satisfied")
    ]
    findings.append(check_dagster_pair())
    return findings


def check_dagster_pair() -> Finding:
    try:
        core = metadata.version("dagster")
    except metadata.PackageNotFoundError:
        return Finding("dagster", FAIL, "dagster is not installed", "run make install")
    _, minor, patch = [*core.split("."), "0", "0"][:3]
    expected = f"0.{int(minor) + 16}.{patch}"
    wrong = []
    for name in DAGSTER_INTEGRATIONS:
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            wrong.append(f"{name} missing")
            continue
        if version != expected:
            wrong.append(f"{name} {version}")
    if wrong:
        return Finding(
            "dagster",
            FAIL,
            f"dagster {core} needs integrations {expected}: {', '.join(wrong)}",
            "keep the pinned pair from pyproject.toml (make install)",
        )
    return Finding("dagster", OK, f"dagster {core} with integrations {expected}")


def _load_yaml(path: Path) -> object:
    import yaml

    return yaml.safe_load(path.read_text(encoding="utf-8"))


def check_instance(settings: Settings, env: dict[str, str], repo_yaml: Path) -> list[Finding]:
    """``DAGSTER_HOME`` and its ``dagster.yaml``: present, parseable, lineage-compatible storage."""
    set_home = env.get("DAGSTER_HOME")
    home = Path(set_home) if set_home else settings.home / "dagster"
    where = f"DAGSTER_HOME={home}" if set_home else f"DAGSTER_HOME not set; the CLI uses {home}"
    findings = []
    if home.exists() and not home.is_dir():
        return [
            Finding(
                "dagster_home", FAIL, f"{home} is not a directory", "point DAGSTER_HOME at a folder"
            )
        ]
    config = home / "dagster.yaml"
    if not config.exists():
        if set_home and not home.is_relative_to(settings.home):
            findings.append(
                Finding(
                    "dagster_home",
                    FAIL,
                    f"{where}, but it has no dagster.yaml",
                    f"link the local one: ln -s {repo_yaml} {config} (or run make instance)",
                )
            )
            return findings
        findings.append(
            Finding("dagster_home", OK, f"{where} (dagster.yaml linked on the first run)")
        )
        config = repo_yaml
    else:
        findings.append(Finding("dagster_home", OK, f"{where}, {config.name} present"))
    findings.append(check_event_log(config, lineage_on=bool(settings.lineage_url)))
    return findings


def event_log_class(data: object) -> str:
    """The event-log storage class a dagster.yaml selects (Dagster's default when unset)."""
    if not isinstance(data, dict):
        return "SqliteEventLogStorage"
    storage = data.get("storage")
    if isinstance(storage, dict):
        if "postgres" in storage:
            return "PostgresEventLogStorage"
        if "mysql" in storage:
            return "MySQLEventLogStorage"
        if "sqlite" in storage:
            return "SqliteEventLogStorage"
    event_log = data.get("event_log_storage")
    if isinstance(event_log, dict) and event_log.get("class"):
        return str(event_log["class"])
    return "SqliteEventLogStorage"


def check_event_log(config: Path, *, lineage_on: bool) -> Finding:
    try:
        data = _load_yaml(config)
    except Exception as exc:  # YAML errors and unreadable files alike
        return Finding(
            "event_log", FAIL, f"{config}: cannot read: {exc}", "fix the YAML (see dagster.yaml)"
        )
    cls = event_log_class(data)
    if cls in CONSOLIDATED_EVENT_LOGS:
        return Finding("event_log", OK, f"{cls} in {config} (lineage can read across runs)")
    detail = f"{cls} in {config} is run-sharded: one event file per run"
    fix = (
        "use ConsolidatedSqliteEventLogStorage (as the repository's dagster.yaml does) or "
        "Postgres (infra/dagster/dagster.yaml)"
    )
    if lineage_on:
        return Finding(
            "event_log",
            FAIL,
            f"{detail}; OPENLINEAGE_URL is set but the lineage sensor cannot read it",
            fix,
        )
    return Finding("event_log", WARN, f"{detail}; cross-run asset queries are slow", fix)


@overload
def _nearest_existing(path: Path) -> Path: ...
@overload
def _nearest_existing(path: "UPath") -> "UPath": ...
def _nearest_existing(path: Location) -> Location:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _writable(folder: Location) -> str | None:
    """None when a file can be created in ``folder``, else the reason."""
    if not folder.is_dir():
        return "exists but is not a directory"
    try:
        # A UPath is probed like a Path: fine for file://; a remote one has no local directory.
        with tempfile.NamedTemporaryFile(  # type: ignore[type-var]
            dir=folder, prefix=".hotpass-doctor-"
        ):
            pass
    except OSError as exc:
        return f"not writable ({exc.strerror or exc})"
    return None


def data_dirs(settings: Settings, env: dict[str, str]) -> dict[str, Location]:
    dirs: dict[str, Location] = {
        "landing": settings.landing_dir,
        "archive": settings.archive_dir,
        "warehouse": settings.warehouse_dir,
        "drops": settings.drops_dir,
        "quarantine": settings.quarantine_dir,
        "review decisions": settings.review_dir / "decisions",
        "reports": settings.reports_dir,
        "alerts": settings.alerts_path.parent,
        "DuckDB": settings.duckdb_path.parent,
        "Dagster home": Path(env.get("DAGSTER_HOME") or settings.home / "dagster"),
    }
    return dirs


def check_dirs(settings: Settings, env: dict[str, str]) -> list[Finding]:
    findings = []
    for name, folder in data_dirs(settings, env).items():
        check = f"dir:{name}"
        if folder.exists():
            reason = _writable(folder)
            if reason:
                findings.append(
                    Finding(check, FAIL, f"{folder} {reason}", f"make {folder} a writable folder")
                )
            else:
                findings.append(Finding(check, OK, f"{folder} writable"))
            continue
        if (
            name == "landing"
            and isinstance(folder, Path)  # always: the landing folder is local
            and not folder.is_relative_to(settings.home)
        ):
            findings.append(
                Finding(
                    check,
                    FAIL,
                    f"{folder} (HOTPASS_LANDING_DIR) does not exist; the drop sensor will not "
                    "create it",
                    f"mkdir -p {folder}, or set HOTPASS_LANDING_DIR to an existing folder",
                )
            )
            continue
        parent = _nearest_existing(folder)
        reason = _writable(parent)
        if reason:
            findings.append(
                Finding(
                    check,
                    FAIL,
                    f"{folder} cannot be created: {parent} {reason}",
                    f"create {folder} writable, or point the setting elsewhere",
                )
            )
        else:
            findings.append(Finding(check, OK, f"{folder} (created on the first run)"))
    return findings


class _DiskUsage(Protocol):
    @property
    def free(self) -> int: ...


def check_disk(
    settings: Settings, usage: Callable[[Path], _DiskUsage] = shutil.disk_usage
) -> Finding:
    where = _nearest_existing(settings.home)
    free = usage(where).free
    text = f"{free / 2**30:.1f} GiB free at {where}"
    if free < MIN_FREE_BYTES:
        return Finding("disk", FAIL, text, "free disk space or set HOTPASS_HOME on a larger disk")
    if free < LOW_FREE_BYTES:
        return Finding("disk", WARN, text, "large workbooks and MLflow artefacts need more room")
    return Finding("disk", OK, text)


def profile_paths(settings: Settings) -> list[str | Path]:
    from hotpass_assets.lib.profiles import available_profiles

    found: list[str | Path] = list(available_profiles())
    found += sorted((settings.home / "profiles").glob("*.y*ml"))
    if settings.profile:
        name = settings.profile
        base = (
            name.rsplit(":", 1)[0] if ":" in name and not name.endswith((".yaml", ".yml")) else name
        )
        if base not in found:
            found.append(base)
    return found


def check_profiles(settings: Settings) -> list[Finding]:
    from hotpass_assets.lib.profiles import ProfileError, load_profile

    findings = []
    for item in profile_paths(settings):
        label = f"profile:{Path(str(item)).name}"
        try:
            profile = load_profile(item)
        except ProfileError as exc:
            findings.append(
                Finding(label, FAIL, str(exc), "fix the profile (docs/profiles.md) or remove it")
            )
        except OSError as exc:
            findings.append(Finding(label, FAIL, f"{item}: {exc}", "check the path"))
        else:
            findings.append(Finding(label, OK, f"{profile.name}: valid ({profile.file})"))
    return findings


def check_mlflow(settings: Settings) -> Finding:
    uri = settings.mlflow_tracking_uri
    if uri.startswith("sqlite:///"):
        db = Path(uri.removeprefix("sqlite:///"))
        folder = db.parent if db.parent.exists() else _nearest_existing(db.parent)
        reason = _writable(folder)
        if reason:
            return Finding(
                "mlflow",
                FAIL,
                f"{uri}: {folder} {reason}",
                "set MLFLOW_TRACKING_URI=sqlite:///<writable path>/mlflow.db",
            )
        return Finding("mlflow", OK, f"{uri} (local SQLite)")
    if uri.startswith(("http://", "https://", "databricks", "postgresql", "mysql")):
        return Finding("mlflow", OK, f"{uri.split('@')[-1]} (remote, not contacted)")
    return Finding(
        "mlflow",
        FAIL,
        f"{uri}: MLflow's model registry needs a database-backed store",
        "use sqlite:///<path>/mlflow.db locally or an http(s) tracking server",
    )


def check_telemetry(settings: Settings, env: dict[str, str]) -> list[Finding]:
    findings = []
    for check, name, value in (
        ("openlineage", "OPENLINEAGE_URL", settings.lineage_url),
        ("otlp", "OTEL_EXPORTER_OTLP_ENDPOINT", settings.otlp_endpoint),
    ):
        if not value:
            findings.append(Finding(check, OK, f"off ({name} not set)"))
        elif value.startswith(("http://", "https://")):
            extra = ""
            if check == "openlineage":
                extra = f", namespace {env.get('OPENLINEAGE_NAMESPACE', 'default')}"
            findings.append(Finding(check, OK, f"on: {value}{extra}"))
        else:
            findings.append(
                Finding(
                    check, WARN, f"{name}={value} is not an http(s) URL", f"set {name}=https://..."
                )
            )
    return findings


def check_port(port: int, host: str = "127.0.0.1") -> Finding:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return Finding(
                "webserver_port",
                WARN,
                f"{host}:{port} is in use (is `make dev` already running?)",
                f"stop what uses it, or start on another port: make dev PORT={port + 1}",
            )
    return Finding("webserver_port", OK, f"{host}:{port} free")


def run_checks(
    settings: Settings,
    env: dict[str, str] | None = None,
    *,
    port: int = 3000,
    repo_yaml: Path,
) -> list[Finding]:
    """Every check, in the order a person would fix them."""
    env = dict(os.environ if env is None else env)
    return [
        check_python(),
        *check_packages(),
        *check_instance(settings, env, repo_yaml),
        *check_dirs(settings, env),
        check_disk(settings),
        *check_profiles(settings),
        check_mlflow(settings),
        *check_telemetry(settings, env),
        check_port(port),
    ]

"""Runtime settings, read from the environment and an optional settings file.

Every setting is an environment variable (listed, with its default, in
``hotpass_assets.lib.workspace.SETTINGS`` and in the generated configuration reference). The same
names may be collected in a settings file named by ``HOTPASS_CONFIG`` (``NAME=value`` lines or
TOML, see ``lib/config_file.py``); the process environment wins over the file.

With no environment at all, everything lives under one local directory (``HOTPASS_HOME``, default
``./.hotpass``): landing folder, archive, Parquet warehouse, DuckDB file, Dagster's SQLite instance
and MLflow's SQLite store. Production overrides each location by environment variable (see
``infra/production.env.example``); no code changes. The archive and the warehouse may be
object-storage URLs (``s3://bucket/hotpass/warehouse``, ``gs://…``, ``memory://…``, ``file://…``):
they are then ``UPath`` objects over fsspec, used through the same path API.

This module is pure (no Dagster imports) so the CLI and the library can use it too.
"""

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias, cast

from hotpass_assets.lib.isolation import ReadBudget
from hotpass_assets.lib.limits import ReadLimits

if TYPE_CHECKING:
    from upath import UPath

    from hotpass_assets.lib.matching.organisations import MatchConfig

#: A local path, or a ``UPath`` for an fsspec URL (object storage).
Location: TypeAlias = "Path | UPath"


def _path(env: dict[str, str], name: str, default: Path) -> Path:
    value = env.get(name)
    return Path(value).expanduser().resolve() if value else default


def _number(env: Mapping[str, str], name: str) -> float | None:
    """A number setting; unset: ``None``. Not a number: an error naming the setting."""
    value = (env.get(name) or "").strip()
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        raise ValueError(f"{name}: {value!r} is not a number") from None


def _interval(value: str | None) -> int | None:
    """A sensor interval in seconds (at least 1); unset or not a number: ``None``."""
    try:
        return max(1, int(value)) if value and value.strip() else None
    except ValueError:
        return None


LINKAGE_MODES = ("incremental", "full")


def _linkage(value: str) -> str:
    mode = value.strip().lower() or LINKAGE_MODES[0]
    if mode not in LINKAGE_MODES:
        raise ValueError(f"HOTPASS_LINKAGE={value!r}: expected one of {', '.join(LINKAGE_MODES)}")
    return mode


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity where the platform tells)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _workers(value: str | None, name: str) -> int:
    """A count of workers or processes (``HOTPASS_INGEST_WORKERS``, ``HOTPASS_SNAPSHOT_PROCESSES``):
    a positive whole number, or unset/``auto`` for the usable cores (at most 4: each ingest
    worker's reading process may take the whole read budget)."""
    text = (value or "").strip().lower()
    if text in ("", "auto"):
        return min(usable_cores(), 4)
    try:
        count = int(text)
    except ValueError:
        raise ValueError(f"{name}={value!r}: expected a positive whole number or auto") from None
    if count < 1:
        raise ValueError(f"{name}={value!r}: expected at least 1")
    return count


def is_url(value: str) -> bool:
    return "://" in value


def _location(env: dict[str, str], name: str, default: Path) -> "Location":
    """A local directory, or an fsspec URL (``s3://``, ``gs://``, ``memory://``, ``file://``)."""
    value = env.get(name)
    if value and is_url(value):
        from upath import UPath

        return UPath(value)
    return _path(env, name, default)


@dataclass(frozen=True)
class Settings:
    """Every location and tunable of a Hotpass deployment."""

    home: Path
    landing_dir: Path
    archive_dir: "Location"
    warehouse_dir: "Location"
    duckdb_path: Path
    drops_dir: Path
    quarantine_dir: Path
    review_dir: Path
    reports_dir: Path
    alerts_path: Path
    mlflow_tracking_uri: str
    mlflow_registry_uri: str
    mlflow_experiment: str
    model_name: str
    profile: str | None
    #: first snapshot day; ``None``: the first drop's date (today before any drop)
    snapshot_start: date | None
    call_list_size: int
    landing_recursive: bool
    sensor_batch_size: int
    alert_webhook_url: str | None
    otlp_endpoint: str | None
    lineage_url: str | None
    extra: dict[str, str] = field(default_factory=dict)
    #: Freshness windows (hours): drops are expected weekly, snapshots and scores daily.
    freshness_drop_warn_hours: float = 168.0
    freshness_drop_fail_hours: float = 336.0
    freshness_snapshot_warn_hours: float = 48.0
    freshness_snapshot_fail_hours: float = 192.0
    # --- hostile input: reading limits, reading budget, landing-folder boundary ---------------
    #: Size limits checked before a workbook's cells are read (``HOTPASS_MAX_*``, lib/limits.py).
    read_limits: ReadLimits = field(default_factory=ReadLimits)
    #: Memory/time budget of the reading process (``HOTPASS_READ_*``, lib/isolation.py).
    read_budget: ReadBudget = field(default_factory=ReadBudget)
    #: ``HOTPASS_LANDING_FOLLOW_SYMLINKS=1``: accept symlinks to regular files in the landing
    #: folder (refused by default, see lib/landing.py).
    landing_follow_symlinks: bool = False
    #: entity resolution (``lib.matching``): decision thresholds (match probabilities), the
    #: review queue's share of organisations, an optional config file (YAML/JSON, fields of
    #: ``MatchConfig``) and an optional published model to pin (``match_model.json`` of a snapshot)
    #: (``None``: ``MatchConfig``'s own default, the measured one).
    match_threshold: float | None = None
    review_threshold: float | None = None
    review_share: float | None = None
    match_config_path: Path | None = None
    match_model_path: Path | None = None
    # --- links, alerts and sensors -------------------------------------------------------------
    #: Dagster UI address for links in alerts (``HOTPASS_UI_URL``, no trailing slash).
    ui_url: str = "http://127.0.0.1:3000"
    #: MLflow UI address for the model's run link (``HOTPASS_MLFLOW_UI_URL``).
    mlflow_ui_url: str = "http://127.0.0.1:5000"
    alert_webhook_timeout_s: float = 3.0
    #: Minimum seconds between ticks of every Hotpass sensor; ``None``: each sensor's own.
    sensor_interval_seconds: int | None = None
    #: ``HOTPASS_AUTOMATION=off``: the automation sensor starts stopped.
    automation: bool = True
    #: The settings file the values were completed from (``HOTPASS_CONFIG``), if any.
    config_path: Path | None = None
    #: ``HOTPASS_LINKAGE``: ``incremental`` links a snapshot's new records into the previous
    #: snapshot's entities (``lib/matching/incremental.py``); ``full`` resolves every record again
    linkage: str = "incremental"
    #: linkage engine (``HOTPASS_LINKAGE_ENGINE``): ``local`` (the in-process engine) or
    #: ``spark`` (Splink on Spark, ``lib/matching/spark.py``), with the Spark master URL and
    #: extra ``spark.*`` configuration (``HOTPASS_SPARK_MASTER``, ``HOTPASS_SPARK_CONF``)
    linkage_engine: str = "local"
    spark_master: str = "local[*]"
    spark_conf: str = ""
    #: drops ``hotpass refine`` ingests side by side (``HOTPASS_INGEST_WORKERS``; default: the
    #: usable cores, at most 4); each reads in its own process within the read budget
    ingest_workers: int = 1
    #: processes a snapshot run may use (``HOTPASS_SNAPSHOT_PROCESSES``; default: the usable
    #: cores, at most 4): survivorship is split over them by ranges of entity ids, and the tables
    #: are written in a second process while the contracts are checked; 1: all in the run's own
    snapshot_processes: int = 1

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Settings":
        """Settings of ``env`` (default: the process environment), completed by the settings
        file it names; a malformed file raises :class:`ConfigFileError` naming file and line."""
        from hotpass_assets.lib.alerts import ui_url_from_env, webhook_timeout_from_env
        from hotpass_assets.lib.config_file import CONFIG_ENV, with_config_file

        env = with_config_file(os.environ if env is None else env)
        home = _path(env, "HOTPASS_HOME", Path.cwd() / ".hotpass")
        warehouse = _location(env, "HOTPASS_WAREHOUSE_DIR", home / "warehouse")
        # DuckDB needs a local file: beside the warehouse when that is local, else in the home.
        duckdb_default = warehouse if isinstance(warehouse, Path) else home / "warehouse"
        mlflow_dir = home / "mlflow"
        tracking = env.get("MLFLOW_TRACKING_URI") or f"sqlite:///{mlflow_dir / 'mlflow.db'}"
        return cls(
            home=home,
            landing_dir=_path(env, "HOTPASS_LANDING_DIR", home / "landing"),
            archive_dir=_location(env, "HOTPASS_ARCHIVE_DIR", home / "archive"),
            warehouse_dir=warehouse,
            duckdb_path=_path(env, "HOTPASS_DUCKDB_PATH", duckdb_default / "hotpass.duckdb"),
            drops_dir=_path(env, "HOTPASS_DROPS_DIR", home / "drops"),
            quarantine_dir=_path(env, "HOTPASS_QUARANTINE_DIR", home / "quarantine"),
            review_dir=_path(env, "HOTPASS_REVIEW_DIR", home / "review"),
            reports_dir=_path(env, "HOTPASS_REPORTS_DIR", home / "reports"),
            alerts_path=_path(env, "HOTPASS_ALERTS_PATH", home / "alerts" / "alerts.jsonl"),
            mlflow_tracking_uri=tracking,
            mlflow_registry_uri=env.get("MLFLOW_REGISTRY_URI") or tracking,
            mlflow_experiment=env.get("HOTPASS_MLFLOW_EXPERIMENT", "hotpass-lead-score"),
            model_name=env.get("HOTPASS_MODEL_NAME", "hotpass-lead-score"),
            profile=env.get("HOTPASS_PROFILE") or None,
            snapshot_start=date.fromisoformat(env["HOTPASS_SNAPSHOT_START"])
            if env.get("HOTPASS_SNAPSHOT_START", "").strip()
            else None,
            call_list_size=int(env.get("HOTPASS_CALL_LIST_SIZE", "50")),
            landing_recursive=env.get("HOTPASS_LANDING_RECURSIVE", "0").lower()
            in ("1", "true", "yes"),
            sensor_batch_size=int(env.get("HOTPASS_SENSOR_BATCH_SIZE", "25")),
            alert_webhook_url=env.get("HOTPASS_ALERT_WEBHOOK_URL") or None,
            otlp_endpoint=env.get("OTEL_EXPORTER_OTLP_ENDPOINT") or None,
            lineage_url=env.get("OPENLINEAGE_URL") or None,
            freshness_drop_warn_hours=float(env.get("HOTPASS_FRESHNESS_DROP_WARN_HOURS", "168")),
            freshness_drop_fail_hours=float(env.get("HOTPASS_FRESHNESS_DROP_FAIL_HOURS", "336")),
            freshness_snapshot_warn_hours=float(
                env.get("HOTPASS_FRESHNESS_SNAPSHOT_WARN_HOURS", "48")
            ),
            freshness_snapshot_fail_hours=float(
                env.get("HOTPASS_FRESHNESS_SNAPSHOT_FAIL_HOURS", "192")
            ),
            # --- hostile input ---
            read_limits=ReadLimits.from_env(env),
            read_budget=ReadBudget.from_env(env),
            landing_follow_symlinks=env.get("HOTPASS_LANDING_FOLLOW_SYMLINKS", "0").lower()
            in ("1", "true", "yes"),
            # --- entity resolution ---
            match_threshold=_number(env, "HOTPASS_MATCH_THRESHOLD"),
            review_threshold=_number(env, "HOTPASS_REVIEW_THRESHOLD"),
            review_share=_number(env, "HOTPASS_REVIEW_SHARE"),
            match_config_path=_path(env, "HOTPASS_MATCH_CONFIG", Path())
            if env.get("HOTPASS_MATCH_CONFIG")
            else None,
            match_model_path=_path(env, "HOTPASS_MATCH_MODEL", Path())
            if env.get("HOTPASS_MATCH_MODEL")
            else None,
            # --- links, alerts and sensors ---
            ui_url=ui_url_from_env(env),
            mlflow_ui_url=(env.get("HOTPASS_MLFLOW_UI_URL") or "http://127.0.0.1:5000").rstrip("/"),
            alert_webhook_timeout_s=webhook_timeout_from_env(env),
            sensor_interval_seconds=_interval(env.get("HOTPASS_SENSOR_INTERVAL_SECONDS")),
            automation=env.get("HOTPASS_AUTOMATION", "on").strip().lower()
            not in ("off", "stopped", "0", "false", "no"),
            config_path=_path(env, CONFIG_ENV, Path()) if env.get(CONFIG_ENV) else None,
            linkage=_linkage(env.get("HOTPASS_LINKAGE", "")),
            linkage_engine=env.get("HOTPASS_LINKAGE_ENGINE", "").strip().lower() or "local",
            spark_master=env.get("HOTPASS_SPARK_MASTER", "").strip() or "local[*]",
            spark_conf=env.get("HOTPASS_SPARK_CONF", ""),
            ingest_workers=_workers(env.get("HOTPASS_INGEST_WORKERS"), "HOTPASS_INGEST_WORKERS"),
            snapshot_processes=_workers(
                env.get("HOTPASS_SNAPSHOT_PROCESSES"), "HOTPASS_SNAPSHOT_PROCESSES"
            ),
        )

    def match_config(self) -> "MatchConfig":
        """The organisation ``MatchConfig``: thresholds from the environment, then the config
        file's fields, then a pinned model (its m/u are used instead of learning them)."""
        from hotpass_assets.lib.matching.organisations import load_match_config

        values = {
            "match_threshold": self.match_threshold,
            "review_threshold": self.review_threshold,
            "review_share": self.review_share,
        }
        return load_match_config(
            {k: v for k, v in values.items() if v is not None}
            | {
                "engine": self.linkage_engine,
                "spark_master": self.spark_master,
                "spark_conf": self.spark_conf,
                "processes": self.snapshot_processes,
            },
            str(self.match_config_path) if self.match_config_path is not None else None,
            str(self.match_model_path) if self.match_model_path is not None else None,
        )

    # --- warehouse layout -------------------------------------------------------------------
    def capture_path(self, table: str, partition_key: str) -> "Location":
        """Parquet file of one capture table (organisations, contacts, rejects) for a drop."""
        return self.warehouse_dir / "capture" / table / f"drop={partition_key}" / "data.parquet"

    def refined_path(self, table: str, snapshot: str) -> "Location":
        """Parquet file of one refined table for a snapshot date (``YYYY-MM-DD``)."""
        return self.warehouse_dir / "refined" / table / f"snapshot_date={snapshot}" / "data.parquet"

    def scoring_path(self, table: str, snapshot: str, suffix: str = "parquet") -> "Location":
        return (
            self.warehouse_dir / "scoring" / table / f"snapshot_date={snapshot}" / f"data.{suffix}"
        )

    # --- faults and recovery (issue 18 B) -----------------------------------------------------
    def capture_manifest_path(self, partition_key: str) -> "Location":
        """Written last when a drop's capture tables are published together (see
        :func:`hotpass_assets.lib.warehouse.publish_together`)."""
        return self.warehouse_dir / "capture" / "_published" / f"drop={partition_key}.json"

    def capture_published(self, partition_key: str, tables: tuple[str, ...]) -> bool:
        """Whether a drop's capture ``tables`` are all published (one publication)."""
        from hotpass_assets.lib.warehouse import is_published

        # ``is_published`` is annotated for ``Path`` but only calls ``exists``, ``name`` and
        # ``with_name``, which a ``UPath`` (object storage) has as well.
        return is_published(
            cast(Path, self.capture_manifest_path(partition_key)),
            [cast(Path, self.capture_path(t, partition_key)) for t in tables],
        )

    # -------------------------------------------------------------------------------------------
    def ensure_dirs(self) -> None:
        """Create the data directories. A landing folder configured elsewhere is not created:
        when it is missing, the drop sensor says so instead of watching an empty new folder."""
        own_landing = self.landing_dir.is_relative_to(self.home)
        for d in (
            *((self.landing_dir,) if own_landing else ()),
            self.archive_dir,
            self.warehouse_dir,
            self.drops_dir,
            self.quarantine_dir,
            self.review_dir / "decisions",
            self.reports_dir,
            self.alerts_path.parent,
        ):
            d.mkdir(parents=True, exist_ok=True)
        if self.mlflow_tracking_uri.startswith("sqlite:///"):
            Path(self.mlflow_tracking_uri.removeprefix("sqlite:///")).parent.mkdir(
                parents=True, exist_ok=True
            )


def get_settings() -> Settings:
    """Settings for the current process environment (read on every call: cheap, test-friendly)."""
    return Settings.from_env()

"""Runtime settings, read from the environment.

With no environment at all, everything lives under one local directory (``HOTPASS_HOME``, default
``./.hotpass``): landing folder, archive, Parquet warehouse, DuckDB file, Dagster's SQLite instance
and MLflow's SQLite store. Production overrides each location by environment variable (see
``infra/production.env.example``); no code changes.

This module is pure (no Dagster imports) so the CLI and the library can use it too.
"""

import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path


def _path(env: dict[str, str], name: str, default: Path) -> Path:
    value = env.get(name)
    return Path(value).expanduser().resolve() if value else default


@dataclass(frozen=True)
class Settings:
    """Every location and tunable of a Hotpass deployment."""

    home: Path
    landing_dir: Path
    archive_dir: Path
    warehouse_dir: Path
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
    snapshot_start: date
    call_list_size: int
    landing_recursive: bool
    sensor_batch_size: int
    alert_webhook_url: str | None
    otlp_endpoint: str | None
    lineage_url: str | None
    preview_rows: int
    extra: dict[str, str] = field(default_factory=dict)
    #: entity resolution (``lib.matching``): decision thresholds (match probabilities), the
    #: review queue's share of organisations, an optional config file (YAML/JSON, fields of
    #: ``MatchConfig``) and an optional published model to pin (``match_model.json`` of a snapshot)
    match_threshold: float = 0.4
    review_threshold: float = 0.1
    review_share: float = 0.05
    match_config_path: Path | None = None
    match_model_path: Path | None = None

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "Settings":
        env = dict(os.environ if env is None else env)
        home = _path(env, "HOTPASS_HOME", Path.cwd() / ".hotpass")
        warehouse = _path(env, "HOTPASS_WAREHOUSE_DIR", home / "warehouse")
        mlflow_dir = home / "mlflow"
        tracking = env.get("MLFLOW_TRACKING_URI") or f"sqlite:///{mlflow_dir / 'mlflow.db'}"
        return cls(
            home=home,
            landing_dir=_path(env, "HOTPASS_LANDING_DIR", home / "landing"),
            archive_dir=_path(env, "HOTPASS_ARCHIVE_DIR", home / "archive"),
            warehouse_dir=warehouse,
            duckdb_path=_path(env, "HOTPASS_DUCKDB_PATH", warehouse / "hotpass.duckdb"),
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
            snapshot_start=date.fromisoformat(env.get("HOTPASS_SNAPSHOT_START", "2025-01-01")),
            call_list_size=int(env.get("HOTPASS_CALL_LIST_SIZE", "50")),
            landing_recursive=env.get("HOTPASS_LANDING_RECURSIVE", "0").lower()
            in ("1", "true", "yes"),
            sensor_batch_size=int(env.get("HOTPASS_SENSOR_BATCH_SIZE", "25")),
            alert_webhook_url=env.get("HOTPASS_ALERT_WEBHOOK_URL") or None,
            otlp_endpoint=env.get("OTEL_EXPORTER_OTLP_ENDPOINT") or None,
            lineage_url=env.get("OPENLINEAGE_URL") or None,
            preview_rows=int(env.get("HOTPASS_PREVIEW_ROWS", "5")),
            match_threshold=float(env.get("HOTPASS_MATCH_THRESHOLD", "0.4")),
            review_threshold=float(env.get("HOTPASS_REVIEW_THRESHOLD", "0.1")),
            review_share=float(env.get("HOTPASS_REVIEW_SHARE", "0.05")),
            match_config_path=_path(env, "HOTPASS_MATCH_CONFIG", Path())
            if env.get("HOTPASS_MATCH_CONFIG")
            else None,
            match_model_path=_path(env, "HOTPASS_MATCH_MODEL", Path())
            if env.get("HOTPASS_MATCH_MODEL")
            else None,
        )

    def match_config(self):
        """The organisation ``MatchConfig``: thresholds from the environment, then the config
        file's fields, then a pinned model (its m/u are used instead of learning them)."""
        from hotpass_assets.lib.matching.organisations import load_match_config

        return load_match_config(
            {
                "match_threshold": self.match_threshold,
                "review_threshold": self.review_threshold,
                "review_share": self.review_share,
            },
            self.match_config_path,
            self.match_model_path,
        )

    # --- warehouse layout -------------------------------------------------------------------
    def capture_path(self, table: str, partition_key: str) -> Path:
        """Parquet file of one capture table (organisations, contacts, rejects) for a drop."""
        return self.warehouse_dir / "capture" / table / f"drop={partition_key}" / "data.parquet"

    def refined_path(self, table: str, snapshot: str) -> Path:
        """Parquet file of one refined table for a snapshot date (``YYYY-MM-DD``)."""
        return self.warehouse_dir / "refined" / table / f"snapshot_date={snapshot}" / "data.parquet"

    def scoring_path(self, table: str, snapshot: str, suffix: str = "parquet") -> Path:
        return (
            self.warehouse_dir / "scoring" / table / f"snapshot_date={snapshot}" / f"data.{suffix}"
        )

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

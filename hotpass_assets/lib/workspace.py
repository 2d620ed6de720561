"""``hotpass init``: scaffold a working folder that is also a Hotpass data directory.

The folder gets a landing folder, ``hotpass.env`` (every setting, commented, with its default), a
profile to copy and adapt (``profiles/my_source.yaml``) and a synthetic workbook with no order
history (``examples/leads_example.xlsx``) to refine first. Existing files are kept unless
``force``.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

#: Every environment setting: (name, default shown, what it does). ``Settings.from_env`` reads
#: these (a few are read by a library straight from the environment, see ENVIRONMENT_ONLY); tests
#: keep the code and this list in step, and the configuration reference is generated from it.
SETTINGS: tuple[tuple[str, str, str], ...] = (
    ("HOTPASS_HOME", "./.hotpass", "Data directory: everything below lives here by default."),
    ("HOTPASS_CONFIG", "", "Settings file (NAME=value lines, or .toml); the environment wins."),
    ("HOTPASS_LANDING_DIR", "$HOTPASS_HOME/landing", "Folder watched for new workbooks."),
    ("HOTPASS_LANDING_RECURSIVE", "0", "1: also watch sub-folders of the landing folder."),
    ("HOTPASS_ARCHIVE_DIR", "$HOTPASS_HOME/archive", "Copies of every registered workbook."),
    ("HOTPASS_WAREHOUSE_DIR", "$HOTPASS_HOME/warehouse", "Parquet warehouse (capture, refined)."),
    ("HOTPASS_DUCKDB_PATH", "$HOTPASS_WAREHOUSE_DIR/hotpass.duckdb", "DuckDB file of SQL views."),
    ("HOTPASS_DROPS_DIR", "$HOTPASS_HOME/drops", "Register of drops (one manifest each)."),
    ("HOTPASS_QUARANTINE_DIR", "$HOTPASS_HOME/quarantine", "Partitions a blocking check stopped."),
    ("HOTPASS_REVIEW_DIR", "$HOTPASS_HOME/review", "Review decisions (review/decisions/)."),
    ("HOTPASS_REPORTS_DIR", "$HOTPASS_HOME/reports", "Reports written by the pipeline."),
    ("HOTPASS_ALERTS_PATH", "$HOTPASS_HOME/alerts/alerts.jsonl", "Alert log (JSON lines)."),
    ("HOTPASS_ALERT_WEBHOOK_URL", "", "Also post alerts to this webhook."),
    ("HOTPASS_PROFILE", "", "Force a capture profile (name, name:kind or YAML path)."),
    ("HOTPASS_SNAPSHOT_START", "", "First snapshot day (default: the first drop's date)."),
    ("HOTPASS_CALL_LIST_SIZE", "50", "Organisations on the call list."),
    ("HOTPASS_SENSOR_BATCH_SIZE", "25", "Drops the landing sensor registers per tick."),
    ("HOTPASS_SENSOR_INTERVAL_SECONDS", "", "Minimum seconds between sensor ticks (all sensors)."),
    ("HOTPASS_AUTOMATION", "on", "off: start the automation sensor stopped."),
    ("HOTPASS_UI_URL", "http://127.0.0.1:3000", "Dagster UI address used in alert links."),
    ("HOTPASS_ALERT_WEBHOOK_TIMEOUT_S", "3", "Seconds to wait for the alert webhook."),
    ("HOTPASS_LANDING_FOLLOW_SYMLINKS", "0", "1: accept symlinks to files in the landing folder."),
    ("HOTPASS_FRESHNESS_DROP_WARN_HOURS", "168", "Drops older than this: freshness WARN."),
    ("HOTPASS_FRESHNESS_DROP_FAIL_HOURS", "336", "Drops older than this: freshness FAIL."),
    ("HOTPASS_FRESHNESS_SNAPSHOT_WARN_HOURS", "48", "Snapshot and scores: freshness WARN."),
    ("HOTPASS_FRESHNESS_SNAPSHOT_FAIL_HOURS", "192", "Snapshot and scores: freshness FAIL."),
    ("HOTPASS_MATCH_THRESHOLD", "0.4", "Match probability above which records merge."),
    ("HOTPASS_REVIEW_THRESHOLD", "0.1", "Match probability above which a pair may be reviewed."),
    ("HOTPASS_REVIEW_SHARE", "0.05", "Review queue cap, as a share of organisations."),
    ("HOTPASS_MATCH_CONFIG", "", "Matching config file (YAML/JSON fields of MatchConfig)."),
    ("HOTPASS_MATCH_MODEL", "", "Pin a published match model (a snapshot's match_model.json)."),
    ("HOTPASS_LINKAGE", "incremental", "full: resolve every record again for each snapshot."),
    ("HOTPASS_LINKAGE_ENGINE", "local", "spark: link organisations on Spark (Splink)."),
    ("HOTPASS_SPARK_MASTER", "local[*]", "Spark master URL of the spark linkage engine."),
    ("HOTPASS_SPARK_CONF", "", "Extra Spark settings: spark.<name>=<value>, comma-separated."),
    ("HOTPASS_READ_MEMORY_MB", "", "Memory budget of the workbook reading process (MB)."),
    ("HOTPASS_READ_TIMEOUT_S", "", "Time budget of the workbook reading process (seconds)."),
    ("HOTPASS_READ_ISOLATION", "on", "off: read workbooks in the run's own process."),
    ("HOTPASS_READER", "fast", "calamine: read every sheet with python-calamine (no fastexcel)."),
    ("HOTPASS_CAPTURE_PARALLEL", "auto", "Capture sheets in parallel: auto, on or off."),
    ("HOTPASS_INGEST_WORKERS", "auto", "Drops `hotpass refine` ingests at once (auto: cores, ≤4)."),
    ("HOTPASS_SNAPSHOT_PROCESSES", "auto", "Processes of a snapshot run (auto: cores, ≤4)."),
    ("HOTPASS_MAX_FILE_MB", "200", "Largest workbook file accepted."),
    ("HOTPASS_MAX_UNCOMPRESSED_MB", "1024", "Largest uncompressed workbook content."),
    ("HOTPASS_MAX_COMPRESSION_RATIO", "200", "Highest compression ratio of a workbook part."),
    ("HOTPASS_MAX_SHEET_ROWS", "500000", "Most rows per sheet."),
    ("HOTPASS_MAX_SHEET_COLUMNS", "1000", "Most columns per sheet."),
    ("HOTPASS_MAX_SHEET_CELLS", "10000000", "Most cells per sheet."),
    ("HOTPASS_MAX_SHARED_STRINGS_MB", "256", "Largest shared-strings part."),
    ("HOTPASS_MAX_SHARED_STRINGS", "5000000", "Most shared strings."),
    ("HOTPASS_MAX_CELL_CHARS", "32767", "Longest cell text (Excel's own limit)."),
    ("HOTPASS_MLFLOW_EXPERIMENT", "hotpass-lead-score", "MLflow experiment of the lead model."),
    ("HOTPASS_MODEL_NAME", "hotpass-lead-score", "Registered model name in MLflow."),
    ("HOTPASS_MLFLOW_UI_URL", "http://127.0.0.1:5000", "MLflow UI address used in run links."),
    ("MLFLOW_TRACKING_URI", "sqlite:///$HOTPASS_HOME/mlflow/mlflow.db", "MLflow tracking store."),
    ("MLFLOW_REGISTRY_URI", "$MLFLOW_TRACKING_URI", "MLflow model registry."),
    ("OPENLINEAGE_URL", "", "Emit OpenLineage events to this endpoint (lineage on)."),
    ("OPENLINEAGE_NAMESPACE", "default", "OpenLineage namespace."),
    ("OPENLINEAGE_DISABLED", "", "true: emit no OpenLineage events."),
    ("OPENLINEAGE_CONFIG", "", "OpenLineage client config file (lineage on)."),
    ("OTEL_EXPORTER_OTLP_ENDPOINT", "", "Send traces and metrics to this OTLP/HTTP endpoint."),
    ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "", "Traces endpoint (overrides the one above)."),
    ("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "", "Metrics endpoint (overrides the one above)."),
    ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf", "OTLP protocol (http/protobuf only)."),
    ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "", "OTLP protocol of traces."),
    ("OTEL_SDK_DISABLED", "", "true: no traces or metrics."),
    ("DAGSTER_HOME", "$HOTPASS_HOME/dagster", "Dagster instance (dagster.yaml, run history)."),
)

#: Settings a library or Dagster reads straight from the process environment: they cannot come
#: from the settings file (``HOTPASS_CONFIG``, see lib/config_file.py).
ENVIRONMENT_ONLY: frozenset[str] = frozenset(
    {
        "HOTPASS_CONFIG",
        "HOTPASS_READER",
        "HOTPASS_CAPTURE_PARALLEL",
        "DAGSTER_HOME",
        *(name for name, _, _ in SETTINGS if name.startswith(("OPENLINEAGE_", "OTEL_"))),
    }
)

EXAMPLE_WORKBOOK = "examples/leads_example.xlsx"
PROFILE_COPY = "profiles/my_source.yaml"


@dataclass
class Scaffold:
    root: Path
    created: list[str]
    kept: list[str]


def env_file(root: Path) -> str:
    lines = [
        "# Hotpass settings for this working folder. Load them into a shell with",
        "#   set -a; . ./hotpass.env; set +a",
        "# Every other setting is shown commented out with its default; uncomment to change.",
        "",
    ]
    for name, default, what in SETTINGS:
        lines.append(f"# {what}")
        if name == "HOTPASS_HOME":
            lines.append(f"HOTPASS_HOME={root}")
        else:
            lines.append(f"# {name}={default}")
        lines.append("")
    return "\n".join(lines)


def profile_copy() -> str:
    """The generic profile, renamed, as a starting point for a new kind of workbook."""
    from hotpass_assets.lib.profiles import PROFILE_DIR

    text = (PROFILE_DIR / "generic.yaml").read_text(encoding="utf-8")
    header = (
        "# A profile of your own, copied from the shipped generic profile. Adapt the synonyms\n"
        "# (or write kinds, see docs/profiles.md), then use it with\n"
        "#   hotpass refine --profile profiles/my_source.yaml ...  or HOTPASS_PROFILE=<this path>\n"
        "# `hotpass doctor` validates every profile in this folder.\n"
    )
    text = re.sub(r"(?m)^name: generic$", "name: my_source", text, count=1)
    text = re.sub(r"(?m)^description: .*$", "description: My workbooks.", text, count=1)
    return header + text


def scaffold(root: Path, *, force: bool = False) -> Scaffold:
    from hotpass_assets.lib.demo import write_generic_workbook

    root = root.resolve()
    created: list[str] = []
    kept: list[str] = []
    for folder in ("landing", "profiles", "examples"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    files: dict[str, Callable[[Path], object]] = {
        "hotpass.env": lambda p: p.write_text(env_file(root), encoding="utf-8"),
        PROFILE_COPY: lambda p: p.write_text(profile_copy(), encoding="utf-8"),
        EXAMPLE_WORKBOOK: lambda p: write_generic_workbook(p, seed=11, n_rows=12, header_row=1),
    }
    for name, write in files.items():
        path = root / name
        if path.exists() and not force:
            kept.append(name)
            continue
        write(path)
        created.append(name)
    return Scaffold(root, created, kept)


def next_steps(root: Path) -> list[str]:
    return [
        f"cd {root}",
        "set -a; . ./hotpass.env; set +a      # this folder is now HOTPASS_HOME",
        "hotpass doctor                       # check the installation",
        "hotpass refine --input-dir examples --output refined.xlsx   # your first refined table",
        "cp ~/my-workbook.xlsx landing/       # then `make dev` in the Hotpass clone picks it up",
        'hotpass query "select count(*) from latest_refined_organisations"',
    ]

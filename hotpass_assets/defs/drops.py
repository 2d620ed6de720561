"""Drop-partitioned assets: the raw workbook (archived bytes) and its contact capture."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dagster as dg
import pandas as pd

from hotpass_assets.defs.common import (
    OWNERS,
    Publication,
    check_specs_for,
    counts_table,
    previous_partition_stats,
    publish_gated,
    storage_errors_fail_fast,
    table_schema,
)
from hotpass_assets.defs.lineage import capture_lineage_metadata
from hotpass_assets.defs.partitions import DROPS
from hotpass_assets.defs.resources import HotpassConfig
from hotpass_assets.defs.telemetry import trace_metadata
from hotpass_assets.lib import contracts
from hotpass_assets.lib.drops import (
    Archive,
    DropRegister,
    content_hash,
    display_name,
    local_file,
    parse_partition_key,
)
from hotpass_assets.lib.publication import Gated, gate
from hotpass_assets.lib.snapshot_io import CAPTURE_TABLES
from hotpass_assets.lib.warehouse import publish_together
from hotpass_assets.settings import Location, Settings

IO_RETRY = dg.RetryPolicy(max_retries=2, delay=1, backoff=dg.Backoff.EXPONENTIAL)
RAW_SHEET_COLUMNS = ("sheet", "rows", "columns", "non_empty_rows")


def locate_drop(settings: Settings, partition_key: str) -> tuple[Location, str, str]:
    """Archived path, full sha256 and original file name of a drop; archives it on first use."""
    parsed = parse_partition_key(partition_key)
    manifest = DropRegister(settings.drops_dir).get(partition_key)
    archive = Archive(settings.archive_dir)
    archived = archive.find(parsed.hash_prefix)
    file_name = manifest.file_name if manifest else f"{parsed.stem_slug}.xlsx"
    shown = display_name(file_name)
    if archived is not None:
        return archived, archived.stem, file_name
    if manifest is None:
        raise dg.Failure(
            description=f"drop {partition_key}: not in the drop register and not archived; "
            f"drop the workbook into {settings.landing_dir} again to re-register it"
        )
    landing = Path(manifest.landing_path)
    if not landing.exists():
        raise dg.Failure(
            description=f"drop {partition_key} ({shown}): landing file "
            f"{display_name(str(landing))} is gone "
            "and no archived copy exists"
        )
    sha = content_hash(landing)
    if sha != manifest.sha256:
        raise dg.Failure(
            description=f"drop {partition_key} ({shown}): the landing file changed since it "
            f"was registered (sha256 {manifest.sha256[:12]} → {sha[:12]}); the new content "
            "becomes a new drop"
        )
    with storage_errors_fail_fast(f"drop {partition_key} ({file_name}): archiving the workbook"):
        archived, _ = archive.store(landing, sha)
    return archived, sha, file_name


def _earlier_drops_of_same_workbook(settings: Settings, key: str) -> list[str]:
    """Drops of the same workbook (same file stem) registered before ``key``, newest first.

    Registration order, not key order: two drops of one day differ only by their hash.
    """
    stem = parse_partition_key(key).stem_slug
    manifests = DropRegister(settings.drops_dir).all()
    this = next((m for m in manifests if m.partition_key == key), None)
    if this is None:
        return []
    order = (this.drop_date, this.registered_at, key)
    earlier = [
        m
        for m in manifests
        if m.partition_key != key
        and parse_partition_key(m.partition_key).stem_slug == stem
        and (m.drop_date, m.registered_at, m.partition_key) < order
    ]
    earlier.sort(key=lambda m: (m.drop_date, m.registered_at, m.partition_key), reverse=True)
    return [m.partition_key for m in earlier]


def _read_raw(path: Path, file_name: str) -> tuple[list[dict[str, Any]], Any]:
    """Sheet inventory and source-sheet contract report of a workbook (runs isolated). The
    contract's sheets are read once for both; other sheets are read again for the inventory,
    one at a time, so at most the contract's sheets are held at once."""
    from hotpass_assets.lib.contracts.sources import check_book
    from hotpass_assets.lib.reading import WorkbookReadError, book_inventory, open_workbook

    with open_workbook(path, file_name) as book:
        try:
            report = check_book(book, file_name, keep=True)
        except WorkbookReadError:
            report = None  # the inventory below names what cannot be read
        return book_inventory(book), report


@dg.asset(
    partitions_def=DROPS,
    group_name="raw",
    kinds={"excel", "file"},
    owners=OWNERS,
    description="The dropped workbook, copied into the content-addressed archive, with its sheet "
    "inventory (sheets, rows, columns). A backfill works even when the landing file is gone.",
    check_specs=check_specs_for("raw_workbook", contracts.check_specs("raw_workbook")),
    backfill_policy=dg.BackfillPolicy.multi_run(max_partitions_per_run=1),
    retry_policy=IO_RETRY,
    tags={"layer": "raw"},
)
def raw_workbook(
    context: dg.AssetExecutionContext, hotpass: HotpassConfig
) -> Iterator[dg.AssetCheckResult | dg.MaterializeResult[Any]]:
    from hotpass_assets.lib.isolation import run_isolated
    from hotpass_assets.lib.reading import WorkbookReadError

    settings = hotpass.settings()
    key = context.partition_key
    path, sha, file_name = locate_drop(settings, key)
    inventory: list[dict[str, Any]] = []
    read_error: str | None = None
    extra: dict[str, Any] = {}
    # The readers and the source contracts need a local file (the archive may be object storage).
    with local_file(path) as local:
        try:
            inventory, extra["source_report"] = run_isolated(
                _read_raw,
                local,
                file_name,
                name=file_name,
                budget=settings.read_budget,
                limits=settings.read_limits,
            )
        except WorkbookReadError as exc:
            read_error = str(exc)
    ctx = contracts.ContractContext(
        partition_key=key,
        source_file=file_name,
        previous=previous_partition_stats(
            context, "raw_workbook", _earlier_drops_of_same_workbook(settings, key)
        ),
        extra={"inventory": inventory, "path": str(path), "read_error": read_error, **extra},
    )
    rows = [
        {
            "sheet": s["sheet"],
            "rows": int(s["rows"]),
            "columns": int(s["columns"]),
            "non_empty_rows": int(s.get("non_empty_rows", s["rows"])),
        }
        for s in inventory
    ]
    # Nothing to write: the bytes are archived already. A blocked drop keeps its inventory.
    gated = gate(
        "raw_workbook",
        {},
        ctx,
        write=lambda: None,
        quarantine_root=settings.quarantine_dir,
        keep={"sheets": pd.DataFrame(rows, columns=list(RAW_SHEET_COLUMNS))},
    )

    def materialize(_: None) -> Publication:
        return Publication(
            metadata={
                "file_name": display_name(file_name),
                "sha256": sha,
                "size_bytes": path.stat().st_size,
                "archive_path": dg.MetadataValue.path(str(path)),
                "sheet_count": len(rows),
                "total_rows": sum(r["rows"] for r in rows),
                "sheets": counts_table(rows, list(RAW_SHEET_COLUMNS)),
                "partition_stats": dg.MetadataValue.json(
                    contracts.partition_stats("raw_workbook", {}, ctx)
                ),
                **trace_metadata(context),
            },
            data_version=sha[:16],
        )

    yield from publish_gated(
        "raw_workbook",
        gated,
        where=f"drop {key} ({display_name(file_name)})",
        materialize=materialize,
    )


@dg.asset(
    partitions_def=DROPS,
    deps=[raw_workbook],
    group_name="capture",
    kinds={"pandas", "parquet"},
    owners=OWNERS,
    description="Canonical organisation and contact records read from every sheet the active "
    "profile knows (as text, normalised), with file/sheet/row provenance, plus a rejects table "
    "holding every value or row that did not make it and why. Parquet per drop.",
    check_specs=check_specs_for("contact_capture", contracts.check_specs("contact_capture")),
    backfill_policy=dg.BackfillPolicy.multi_run(max_partitions_per_run=1),
    retry_policy=IO_RETRY,
    tags={"layer": "capture"},
    metadata={
        "dagster/column_schema": table_schema(
            contracts.column_schema("contact_capture", "organisations")
        )
    },
)
def contact_capture(
    context: dg.AssetExecutionContext, hotpass: HotpassConfig
) -> Iterator[dg.AssetCheckResult | dg.MaterializeResult[Any]]:
    from hotpass_assets.lib.contracts import gx as gx_suites
    from hotpass_assets.lib.isolation import run_isolated
    from hotpass_assets.lib.reading import WorkbookReadError

    settings = hotpass.settings()
    key = context.partition_key
    path, sha, file_name = locate_drop(settings, key)
    previous = previous_partition_stats(
        context, "contact_capture", _earlier_drops_of_same_workbook(settings, key)
    )
    # GX imported and its suite built here, once per process: every reading process forked
    # afterwards inherits them
    gx_suites.warm("contact_capture")
    try:
        # Capture, its contracts and the Parquet writes run in the reading process; only the
        # check outcomes and counts come back (no frames to copy between processes).
        with local_file(path) as local:
            gated = run_isolated(
                _capture_checked,
                local,
                name=file_name,
                budget=settings.read_budget,
                limits=settings.read_limits,
                settings=settings,
                key=key,
                sha=sha,
                file_name=file_name,
                previous=previous,
            )
    except WorkbookReadError as exc:
        # The same bytes fail the same way: no retry.
        raise dg.Failure(description=f"drop {key}: {exc}", allow_retries=False) from None
    yield from publish_gated(
        "contact_capture",
        gated,
        where=f"drop {key} ({display_name(file_name)})",
        materialize=lambda done: Publication(
            metadata={
                **_capture_metadata(done, settings.capture_path("organisations", key)),
                **done["lineage"],
                **trace_metadata(context),
            },
            data_version=_combine(done["digests"]),
        ),
    )


def _capture_checked(
    path: Path,
    *,
    settings: Settings,
    key: str,
    sha: str,
    file_name: str,
    previous: dict[str, Any] | None,
) -> Gated[dict[str, Any]]:
    """Capture a drop, evaluate its contracts and write its tables (published, or quarantined
    when a blocking check failed); returns the outcomes with digests and counts (runs
    isolated: no frames are copied back between processes)."""
    from hotpass_assets.lib.capture import capture_workbook

    result = capture_workbook(
        path, partition_key=key, content_hash=sha, source_file=file_name, profile=settings.profile
    )
    frames = {
        "organisations": result.organisations,
        "contacts": result.contacts,
        "rejects": result.rejects,
    }
    ctx = contracts.ContractContext(
        partition_key=key,
        source_file=file_name,
        previous=previous,
        extra={
            "sheets": result.sheets,
            "structural_errors": result.structural_errors,
            "workbook_kind": result.workbook_kind,
            "profile_name": result.profile_name,
        },
    )

    def publish() -> dict[str, Any]:
        # One publication: organisations, contacts and rejects appear together or not at all.
        with storage_errors_fail_fast(f"drop {key} ({file_name}): publishing the capture"):
            digests = publish_together(
                {
                    table: (frame, settings.capture_path(table, key), CAPTURE_TABLES[table])
                    for table, frame in frames.items()
                },
                settings.capture_manifest_path(key),
            )
        rejects = frames["rejects"]
        by_reason = (
            rejects.groupby("reason_code").size().sort_values(ascending=False).to_dict()
            if len(rejects)
            else {}
        )
        return {
            "digests": digests,
            "stats": contracts.partition_stats("contact_capture", frames, ctx),
            "counts": {table: len(frame) for table, frame in frames.items()},
            "rejects_by_reason": {str(k): int(v) for k, v in by_reason.items()},
            "sheets": result.sheets,
            "profile_name": result.profile_name,
            "workbook_kind": result.workbook_kind,
            "mapping": result.mapping,
            "lineage": capture_lineage_metadata(
                result.organisations, result.contacts, sha, result.sheets
            ),
        }

    # Blocked: what was read is kept in the quarantine, the published version stays untouched.
    return gate(
        "contact_capture",
        frames,
        ctx,
        write=publish,
        quarantine_root=settings.quarantine_dir,
        columns=CAPTURE_TABLES,
    )


def _combine(digests: dict[str, str]) -> str:
    import hashlib

    return hashlib.sha256("".join(digests[k] for k in sorted(digests)).encode()).hexdigest()[:16]


def _capture_metadata(done: dict[str, Any], path: Location) -> dict[str, Any]:
    sheets = [
        {
            "sheet": str(s.get("sheet")),
            "role": str(s.get("role") or ""),
            "header_row": int(s.get("header_row") or 0),
            "header_method": str(s.get("header_method") or ""),
            "rows_read": int(s.get("rows_read") or 0),
            "captured": int(s.get("rows_captured") or 0),
            "records": int(s.get("records_captured") or 0),
            "rejected_rows": int(s.get("rows_rejected") or 0),
            "skipped_empty": int(s.get("rows_skipped") or s.get("empty_rows") or 0),
            "rejected_values": int(
                sum((s.get("values_rejected") or {}).values())
                if isinstance(s.get("values_rejected"), dict)
                else s.get("values_rejected") or 0
            ),
            "reader": str(s.get("reader") or ""),
        }
        for s in done["sheets"]
    ]
    counts = done["counts"]
    meta: dict[str, object] = {
        "profile": done["profile_name"],
        "workbook_kind": str(done["workbook_kind"]),
        "organisations": counts["organisations"],
        "contacts": counts["contacts"],
        "rejects": counts["rejects"],
        "dagster/row_count": counts["organisations"],
        "rejects_by_reason": done["rejects_by_reason"],
        "sheets": counts_table(
            sheets,
            [
                "sheet",
                "role",
                "header_row",
                "header_method",
                "rows_read",
                "captured",
                "rejected_rows",
                "skipped_empty",
                "rejected_values",
                "reader",
            ],
        ),
        "parquet_sha256": done["digests"],
        "organisations_path": dg.MetadataValue.path(str(path)),
        "partition_stats": dg.MetadataValue.json(done["stats"]),
    }
    if done["mapping"]:
        meta["generic_mapping"] = dg.MetadataValue.json(done["mapping"])
    return meta

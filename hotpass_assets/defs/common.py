"""Small helpers shared by the asset modules: checks, schemas and metadata."""

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

import dagster as dg
import pandas as pd

from hotpass_assets.lib.checks import CheckOutcome, CheckSpec, blocking_failures, summarise_block

OWNERS = ["team:data-engineering"]


def check_specs_for(asset_key: str, specs: Iterable[CheckSpec]) -> list[dg.AssetCheckSpec]:
    return [
        dg.AssetCheckSpec(
            name=spec.name,
            asset=asset_key,
            description=f"[{spec.severity}] {spec.description}",
            blocking=spec.blocking,
        )
        for spec in specs
    ]


def check_results(asset_key: str, outcomes: Sequence[CheckOutcome]) -> list[dg.AssetCheckResult]:
    return [
        dg.AssetCheckResult(
            asset_key=asset_key,
            check_name=o.name,
            passed=o.passed,
            severity=dg.AssetCheckSeverity.ERROR
            if o.spec.severity == "ERROR"
            else dg.AssetCheckSeverity.WARN,
            metadata=o.to_metadata(),
            description=o.message or None,
        )
        for o in outcomes
    ]


def raise_if_blocked(outcomes: Sequence[CheckOutcome], where: str) -> None:
    if blocking_failures(outcomes):
        raise dg.Failure(
            description=summarise_block(outcomes, where),
            metadata={"blocking_checks": [o.name for o in blocking_failures(outcomes)]},
            allow_retries=False,
        )


@contextmanager
def storage_errors_fail_fast(where: str) -> Iterator[None]:
    """A full disk or a read-only/unwritable location fails the step at once, naming the cause
    (retrying cannot help, and "Exceeded max_retries" would hide why)."""
    from hotpass_assets.lib.messages import io_cause

    try:
        yield
    except dg.Failure:
        raise
    except Exception as exc:  # OSError, and DuckDB's/SQLite's own I/O exceptions
        errno_text = f"[errno {exc.errno}]" if getattr(exc, "errno", None) else ""
        cause = io_cause([str(exc), errno_text])
        if cause is None:
            raise
        raise dg.Failure(description=f"{where}: {cause}", allow_retries=False) from exc


def table_schema(columns: Iterable[tuple[str, str, str]]) -> dg.TableSchema:
    return dg.TableSchema(
        columns=[dg.TableColumn(name=n, type=t, description=d or None) for n, t, d in columns]
    )


def frame_schema(frame: pd.DataFrame) -> dg.TableSchema:
    return dg.TableSchema(
        columns=[dg.TableColumn(name=str(c), type=str(t)) for c, t in frame.dtypes.items()]
    )


def counts_table(rows: list[dict], columns: Sequence[str]) -> dg.TableMetadataValue:
    """A metadata table of counts (no personal values go in here)."""
    schema = dg.TableSchema(
        columns=[
            dg.TableColumn(name=c, type="int" if isinstance(rows[0].get(c), int) else "string")
            for c in columns
        ]
        if rows
        else [dg.TableColumn(name=c, type="string") for c in columns]
    )
    return dg.MetadataValue.table(
        records=[dg.TableRecord({c: r.get(c) for c in columns}) for r in rows], schema=schema
    )


def previous_partition_stats(
    context: dg.AssetExecutionContext, asset_key: str, keys: Sequence[str]
) -> dict | None:
    """``partition_stats`` metadata of the latest materialisation among ``keys`` (newest first)."""
    for key in keys:
        result = context.instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=dg.AssetKey(asset_key), asset_partitions=[key]),
            limit=1,
        )
        for record in result.records:
            mat = record.asset_materialization
            value = mat.metadata.get("partition_stats") if mat else None
            if value is not None:
                return dict(value.value)
    return None

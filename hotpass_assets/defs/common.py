"""Small helpers shared by the asset modules: checks, schemas and metadata."""

from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import dagster as dg

from hotpass_assets.lib.checks import CheckOutcome, CheckSpec, blocking_failures, summarise_block
from hotpass_assets.lib.publication import Blocked, Gated

T = TypeVar("T")

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


def metadata_value(value: object) -> dg.MetadataValue[Any]:
    """A plain value (as the contracts report them) as the Dagster metadata value Dagster would
    make of it: text, number, true/false, null, or JSON for lists and mappings."""
    if isinstance(value, bool):
        return dg.MetadataValue.bool(value)
    if isinstance(value, int):
        return dg.MetadataValue.int(value)
    if isinstance(value, float):
        return dg.MetadataValue.float(value)
    if isinstance(value, str):
        return dg.MetadataValue.text(value)
    if value is None:
        return dg.MetadataValue.null()
    if isinstance(value, Mapping):
        return dg.MetadataValue.json(dict(value))
    if isinstance(value, list | tuple):
        return dg.MetadataValue.json(list(value))
    return dg.MetadataValue.text(str(value))


def check_results(asset_key: str, outcomes: Sequence[CheckOutcome]) -> list[dg.AssetCheckResult]:
    return [
        dg.AssetCheckResult(
            asset_key=asset_key,
            check_name=o.name,
            passed=o.passed,
            severity=dg.AssetCheckSeverity.ERROR
            if o.spec.severity == "ERROR"
            else dg.AssetCheckSeverity.WARN,
            metadata={k: metadata_value(v) for k, v in o.to_metadata().items()},
            description=o.message or None,
        )
        for o in outcomes
    ]


def raise_if_blocked(outcomes: Sequence[CheckOutcome], where: str) -> None:
    """Fail the step when a blocking check failed (see :func:`blocked_failure`)."""
    if blocking_failures(outcomes):
        raise blocked_failure(outcomes, where)


def blocked_failure(
    outcomes: Sequence[CheckOutcome], where: str, quarantined: Path | None = None
) -> dg.Failure:
    """The step failure of a blocked partition, naming the checks and, when there is one, the
    quarantine folder; no retry (the same data fails the same way)."""
    description = summarise_block(outcomes, where)
    metadata: dict[str, Any] = {"blocking_checks": [o.name for o in blocking_failures(outcomes)]}
    if quarantined is not None:
        description += f"\n  kept for inspection in {quarantined}"
        metadata["quarantine"] = dg.MetadataValue.path(str(quarantined))
    return dg.Failure(description=description, metadata=metadata, allow_retries=False)


@dataclass(frozen=True)
class Publication:
    """What a published partition reports: its metadata and the data version (a digest)."""

    metadata: Mapping[str, Any] = field(default_factory=dict)
    data_version: str | None = None


def published_value(
    asset_key: str, gated: Gated[T], where: str
) -> Generator[dg.AssetCheckResult, None, T]:
    """What a published partition's ``write`` returned. For a blocked one: its check results (so
    the UI shows which rule failed), then the step failure (the partition was quarantined)."""
    if isinstance(gated, Blocked):
        yield from check_results(asset_key, gated.outcomes)
        raise blocked_failure(gated.outcomes, where, gated.quarantined)
    return gated.value


def publish_gated(
    asset_key: str,
    gated: Gated[T],
    *,
    where: str,
    materialize: Callable[[T], Publication],
) -> Iterator[dg.AssetCheckResult | dg.MaterializeResult[Any]]:
    """The one way an asset ends: blocked -> check results and a failure (see
    :func:`published_value`); published -> a materialisation carrying the check results.

    ``gated`` comes from :func:`hotpass_assets.lib.publication.gate` (contracts evaluated, the
    partition quarantined or written); ``materialize`` turns what was written into metadata.
    """
    publication = materialize((yield from published_value(asset_key, gated, where)))
    yield dg.MaterializeResult(
        metadata=dict(publication.metadata),
        check_results=check_results(asset_key, gated.outcomes),
        data_version=dg.DataVersion(publication.data_version) if publication.data_version else None,
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
        errno = getattr(exc, "errno", None)
        errno_text = f"[errno {errno}]" if errno else ""
        cause = io_cause([str(exc), errno_text])
        if cause is None:
            raise
        raise dg.Failure(description=f"{where}: {cause}", allow_retries=False) from exc


def table_schema(columns: Iterable[tuple[str, str, str]]) -> dg.TableSchema:
    return dg.TableSchema(
        columns=[dg.TableColumn(name=n, type=t, description=d or None) for n, t, d in columns]
    )


def counts_table(
    rows: Sequence[Mapping[str, Any]], columns: Sequence[str]
) -> dg.TableMetadataValue:
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
) -> dict[str, Any] | None:
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

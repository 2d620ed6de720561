"""``hotpass report``: one HTML page of a snapshot's figures and charts, safe to forward."""

from pathlib import Path
from typing import TYPE_CHECKING

import click

from hotpass_assets.cli._common import (
    EXIT_OK,
    CliError,
    echo,
    emit_json,
    json_option,
    quiet_libraries,
    settings_for,
    snapshot_option,
)

if TYPE_CHECKING:
    from dagster import AssetCheckEvaluation
    from dagster._core.storage.asset_check_execution_record import (  # not re-exported
        AssetCheckExecutionRecord,
    )

    from hotpass_assets.settings import Settings


def recorded_checks(settings: "Settings", partitions: set[str]) -> list[dict[str, str]]:
    """The latest result of every asset check on ``partitions``, from the Dagster instance.

    One row per check: ``passed``, or ``failed in n of m`` partitions (drops); names and
    severities only, never the check's explanation text (it may quote a value).
    """
    import dagster as dg
    from dagster import AssetCheckEvaluation

    from hotpass_assets.definitions import build_definitions
    from hotpass_assets.runner import ensure_instance_home

    ensure_instance_home(settings)
    instance = dg.DagsterInstance.get()
    defs = build_definitions(str(settings.home))
    run_partitions: dict[str, str | None] = {}

    def partition_of(
        record: "AssetCheckExecutionRecord", evaluation: "AssetCheckEvaluation"
    ) -> str | None:
        # checks evaluated with their asset carry the run's partition, not their own
        if evaluation.partition is not None:
            return evaluation.partition
        if record.run_id not in run_partitions:
            run = instance.get_run_by_id(record.run_id)
            run_partitions[record.run_id] = run.tags.get("dagster/partition") if run else None
        return run_partitions[record.run_id]

    rows = []
    for key in sorted(defs.resolve_asset_graph().asset_check_keys, key=str):
        latest: dict[str, AssetCheckEvaluation] = {}
        for record in instance.event_log_storage.get_asset_check_execution_history(key, limit=500):
            event = record.event.dagster_event if record.event else None
            evaluation = event.event_specific_data if event else None
            if not isinstance(evaluation, AssetCheckEvaluation):
                continue
            partition = partition_of(record, evaluation)
            if partition in partitions and partition not in latest:
                latest[partition] = evaluation
        if not latest:
            continue
        failed = sum(not e.passed for e in latest.values())
        status = "passed" if not failed else f"failed in {failed} of {len(latest)}"
        severity = next(iter(latest.values())).severity.value
        rows.append(
            {
                "asset": key.asset_key.to_user_string(),
                "check": key.name,
                "status": status,
                "severity": severity,
            }
        )
    return rows


@click.command(short_help="An HTML report of a snapshot (aggregates and charts).")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="HTML file to write. Default: <reports dir>/report-<snapshot>.html.",
)
@snapshot_option
@click.option(
    "--no-checks",
    is_flag=True,
    help="Leave out the check results (they are read from the Dagster instance).",
)
@json_option
@click.pass_context
def report(
    ctx: click.Context, output: Path | None, snapshot: str | None, no_checks: bool, as_json: bool
) -> int:
    """Write an HTML report of a snapshot: records in/out per source, rejects by reason,
    completeness, quality scores, check results, entity resolution and model metrics, with
    charts. Aggregates only: no names, e-mails or phone numbers."""
    from hotpass_assets.lib.report import gather, snapshot_drops
    from hotpass_assets.lib.report.html import render
    from hotpass_assets.lib.snapshot_tables import SnapshotNotFound, resolve_snapshot

    settings = settings_for(ctx)
    try:
        day = resolve_snapshot(settings, snapshot)
    except SnapshotNotFound as exc:
        raise CliError(str(exc)) from exc
    target = output or settings.reports_dir / f"report-{day}.html"
    with quiet_libraries(ctx):
        checks = []
        if not no_checks:
            try:
                checks = recorded_checks(settings, {day, *snapshot_drops(settings, day)})
            except Exception as exc:  # the instance is optional for the rest of the report
                click.echo(
                    f"warning: check results left out ({type(exc).__name__}: {exc})", err=True
                )
        data = gather(settings, day, checks=checks)
        page = render(data)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(page, encoding="utf-8")
    summary = {
        "snapshot_date": day,
        "output": str(target),
        "sources": len(data.sources),
        "organisations": data.resolution["organisations"],
        "checks": len(data.checks),
        "model": data.model is not None,
    }
    if as_json:
        emit_json(summary)
    else:
        echo(f"wrote the report of snapshot {day} to {target}")
    return EXIT_OK


COMMANDS = [report]

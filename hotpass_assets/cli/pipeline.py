"""``hotpass refine`` and ``hotpass demo``: materialise the asset graph without the UI."""

from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from hotpass_assets.cli._common import (
    EXIT_ERROR,
    EXIT_OK,
    EXIT_REFUSED,
    CliError,
    Progress,
    echo,
    emit_json,
    json_option,
    log_level,
    quiet_libraries,
    settings_for,
    verbose,
)

if TYPE_CHECKING:
    from hotpass_assets.runner import PipelineReport
    from hotpass_assets.settings import Settings

OUTPUT_TYPES = (".parquet", ".csv", ".xlsx")


def print_report(report: "PipelineReport", verbose: bool = False) -> None:
    """One line per drop (``drop <key> (<file>): ok|BLOCKED: …|FAILED: …``) and one for the
    snapshot, with the reason when it did not succeed; WARN findings summarised at the end
    (``lib.messages``)."""
    from hotpass_assets.lib.messages import format_report

    for line in format_report(report, verbose=verbose):
        echo(line)
    if report.scoring_note:
        echo(f"  lead-score model {report.scoring_note}")


def report_document(report: "PipelineReport") -> dict[str, Any]:
    """The pipeline report as JSON-ready data (ids, file names, check names; no values)."""
    return {
        "drops": [
            {
                **asdict(d),
                "status": "ok" if d.success else ("BLOCKED" if d.blocked_checks else "FAILED"),
            }
            for d in report.drops
        ],
        "snapshot_date": report.snapshot_date,
        "snapshot_status": "ok" if report.snapshot_success else "FAILED",
        "snapshot_blocked": report.snapshot_blocked,
        "snapshot_error": report.snapshot_error,
        "scoring_note": report.scoring_note,
        "interrupted": report.interrupted,
        "warnings": report.warnings,
        "run_ids": report.run_ids,
    }


def exit_code(report: "PipelineReport") -> int:
    if report.interrupted:  # 130 for SIGINT, 143 for SIGTERM, as a shell reports them
        import signal

        return 128 + signal.Signals[report.interrupted].value
    if report.blocked:
        return EXIT_REFUSED
    return EXIT_ERROR if report.failed else EXIT_OK


def _run(
    ctx: click.Context, settings: "Settings", files: list[Path], include_scoring: bool, show: bool
) -> "PipelineReport":
    from hotpass_assets.runner import run_pipeline

    with quiet_libraries(ctx), Progress("refining") as progress:
        report = run_pipeline(
            files,
            settings=settings,
            include_scoring=include_scoring,
            log_level=log_level(ctx),
            on_step=progress,
        )
    if show:
        print_report(report, verbose=verbose(ctx))
    return report


def _write_output(
    settings: "Settings", report: "PipelineReport", output: Path, whole_snapshot: bool
) -> dict[str, Any] | None:
    from hotpass_assets.lib import contracts
    from hotpass_assets.lib.snapshot_tables import capture_record_ids, organisations_of_records
    from hotpass_assets.lib.table_export import export_frame
    from hotpass_assets.lib.warehouse import read_table

    refined = settings.refined_path("organisations", report.snapshot_date)
    if not (report.snapshot_success and refined.exists()):
        return None
    frame = read_table(refined)
    if not whole_snapshot:
        keys = [d.partition_key for d in report.drops]
        frame = organisations_of_records(frame, capture_record_ids(settings, keys))
    files = export_frame(
        frame,
        output,
        table="organisations",
        title=f"Hotpass refined organisations, snapshot {report.snapshot_date}",
        columns=contracts.columns("refined_organisations", "organisations"),
    )
    return {
        "output": str(output),
        "files": [str(f) for f in files],
        "rows": len(frame),
        "scope": "snapshot" if whole_snapshot else "input",
    }


@click.command()
@click.option(
    "--input-dir",
    required=True,
    type=click.Path(path_type=Path),
    help="Folder of workbooks (.xlsx, .xlsm, .xls, .ods) to register and refine.",
)
@click.option(
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the refined organisations: .parquet, .csv (with a CSVW metadata "
    "sidecar) or .xlsx. By default only the organisations built from the workbooks in "
    "--input-dir; see --whole-snapshot.",
)
@click.option(
    "--whole-snapshot",
    is_flag=True,
    help="Write every organisation of the snapshot (all drops refined in this data directory "
    "so far), not only those of --input-dir.",
)
@click.option(
    "--profile",
    default=None,
    help="Force a capture profile by name or YAML path (default: recognise each workbook).",
)
@click.option("--no-score", "no_score", is_flag=True, help="Skip lead scoring and the call list.")
@json_option
@click.pass_context
def refine(
    ctx: click.Context,
    input_dir: Path,
    output: Path,
    whole_snapshot: bool,
    profile: str | None,
    no_score: bool,
    as_json: bool,
) -> int:
    """Refine every workbook in a folder through the asset graph and write the result.

    Registers each workbook as a drop, materialises raw -> capture -> refined (and scoring) on
    the local Dagster instance (the runs show in the UI) and writes the refined organisations.
    """
    from hotpass_assets.runner import scan_input

    settings = settings_for(ctx, profile)
    if not input_dir.is_dir():
        raise CliError(f"input directory {input_dir} does not exist")
    listing = scan_input(input_dir, settings)
    files = listing.files
    for refusal in listing.refused:
        click.echo(f"  refused {refusal}", err=True)
    if not files:
        raise CliError(f"no workbooks (.xlsx, .xlsm, .xls, .ods) in {input_dir}")
    if output.suffix.lower() not in OUTPUT_TYPES:
        raise CliError("--output must end in .parquet, .csv or .xlsx")
    if not as_json:
        echo(f"refining {len(files)} workbook(s) from {input_dir}")
    report = _run(ctx, settings, files, not no_score, show=not as_json)
    written = _write_output(settings, report, output, whole_snapshot)
    code = exit_code(report)
    if code == EXIT_OK and listing.refused:
        code = EXIT_ERROR
    if as_json:
        emit_json(
            {
                **report_document(report),
                "refused": [str(r) for r in listing.refused],
                "written": written,
                "exit_code": code,
            }
        )
    elif written:
        scope = "of the snapshot" if whole_snapshot else f"from {input_dir}"
        echo(f"wrote {written['rows']} refined organisations {scope} to {output}")
    else:
        click.echo(f"error: nothing written to {output}: the snapshot did not publish", err=True)
    if code == EXIT_REFUSED:
        click.echo("error: a blocking contract check failed (see above)", err=True)
    return code


@click.command()
@click.option(
    "--seed", type=int, default=7, show_default=True, help="Random seed of the synthetic data."
)
@click.option(
    "--organisations",
    type=click.IntRange(min=8),
    default=120,
    show_default=True,
    help="Number of true organisations behind the three demo workbooks.",
)
@json_option
@click.pass_context
def demo(ctx: click.Context, seed: int, organisations: int, as_json: bool) -> int:
    """Drop synthetic demo workbooks into the landing folder and materialise everything."""
    from hotpass_assets.lib.demo import write_demo_workbooks
    from hotpass_assets.runner import workbook_files

    settings = settings_for(ctx)
    settings.ensure_dirs()
    landing = settings.landing_dir
    write_demo_workbooks(landing, seed=seed, n_organisations=organisations)
    files = workbook_files(landing)
    if not as_json:
        echo(f"dropped {len(files)} synthetic demo workbook(s) into {landing}")
    report = _run(ctx, settings, files, True, show=not as_json)
    snap = report.snapshot_date
    places = {
        "refined organisations": str(settings.refined_path("organisations", snap)),
        "contacts": str(settings.refined_path("contacts", snap)),
        "call list": str(settings.scoring_path("call_list", snap, "xlsx")),
        "DuckDB (SQL views)": str(settings.duckdb_path),
        "MLflow tracking": settings.mlflow_tracking_uri,
    }
    code = exit_code(report)
    if as_json:
        emit_json({**report_document(report), "paths": places, "exit_code": code})
        return code
    echo()
    for label, where in places.items():
        echo(f"{label + ':':<23}{where}")
    echo(f"  browse: mlflow ui --backend-store-uri {settings.mlflow_tracking_uri}")
    echo('query:                 hotpass query "select count(*) from latest_refined_organisations"')
    echo("Dagster UI:            make dev, then open http://127.0.0.1:3000")
    return code


COMMANDS = [refine, demo]

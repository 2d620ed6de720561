"""``hotpass review export`` / ``import``: work the match review queue in a spreadsheet."""

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

import click

from hotpass_assets.cli._common import (
    EXIT_OK,
    CliError,
    echo,
    emit_json,
    json_option,
    settings_for,
    snapshot_option,
)

if TYPE_CHECKING:
    import pandas as pd

    from hotpass_assets.settings import Location, Settings


@click.group(short_help="Work the match review queue in a workbook.")
def review() -> None:
    """The match review queue as a workbook: export it, decide pairs, import the decisions."""


def _queue_frame(settings: "Settings", day: str) -> "pd.DataFrame":
    from hotpass_assets.lib.review_sheet import review_frame
    from hotpass_assets.lib.warehouse import read_table, read_tables

    queue_path = settings.refined_path("match_review_queue", day)
    if not queue_path.exists():
        raise CliError(f"snapshot {day} has no match_review_queue table")
    queue = read_table(queue_path)
    wanted = set(queue["left_record_id"]) | set(queue["right_record_id"])
    captures: list[Location] = sorted(
        settings.warehouse_dir.glob("capture/organisations/*/data.parquet")
    )
    records = read_tables(captures) if captures and wanted else None
    if records is not None:
        records = records[records["record_id"].isin(wanted)]
    else:
        import pandas as pd

        records = pd.DataFrame(columns=["record_id"])
    map_path = settings.refined_path("entity_record_map", day)
    natural = {}
    if map_path.exists():
        record_map = read_table(map_path)
        natural = dict(zip(record_map["record_id"], record_map["natural_key"], strict=True))
    return review_frame(queue, records, natural)


@review.command(name="export")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Workbook to write (.xlsx). Default: <review dir>/review-<snapshot>.xlsx.",
)
@snapshot_option
@json_option
@click.pass_context
def export(ctx: click.Context, output: Path | None, snapshot: str | None, as_json: bool) -> int:
    """Write the review queue as a workbook: both records side by side, the evidence and a
    decision column with a drop-down (match / no-match)."""
    from hotpass_assets.lib.review_sheet import write_review_workbook
    from hotpass_assets.lib.snapshot_tables import SnapshotNotFound, resolve_snapshot

    settings = settings_for(ctx)
    try:
        day = resolve_snapshot(settings, snapshot)
    except SnapshotNotFound as exc:
        raise CliError(str(exc)) from exc
    target = output or settings.review_dir / f"review-{day}.xlsx"
    if target.suffix.lower() != ".xlsx":
        raise CliError("--output must end in .xlsx")
    frame = _queue_frame(settings, day)
    write_review_workbook(frame, target, day)
    if as_json:
        emit_json({"snapshot_date": day, "pairs": len(frame), "output": str(target)})
    else:
        echo(f"wrote {len(frame)} pair(s) to review from snapshot {day} to {target}")
        echo(f"fill the 'decision' column, then: hotpass review import {target}")
    return EXIT_OK


@review.command(name="import")
@click.argument("workbook", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@json_option
@click.pass_context
def import_(ctx: click.Context, workbook: Path, as_json: bool) -> int:
    """Read the decisions of a filled review WORKBOOK into the review decisions folder.

    Every later snapshot applies them: 'match' pairs are merged (must-link), 'no-match' pairs
    never are (cannot-link). A malformed sheet is refused whole, naming sheet, row and column.
    """
    from hotpass_assets.lib.review_sheet import ReviewSheetError, read_review_sheet

    settings = settings_for(ctx)
    try:
        decisions = read_review_sheet(workbook)
    except ReviewSheetError as exc:
        raise CliError(str(exc)) from exc
    counts = {
        "match": int((decisions["decision"] == "match").sum()),
        "no-match": int((decisions["decision"] == "no-match").sum()),
    }
    written = None
    if len(decisions):
        data = decisions.drop(columns=["sheet_row"]).to_csv(index=False)
        digest = hashlib.sha256(data.encode()).hexdigest()[:12]
        folder = settings.review_dir / "decisions"
        folder.mkdir(parents=True, exist_ok=True)
        written = folder / f"review-{digest}.csv"
        written.write_text(data, encoding="utf-8")
    if as_json:
        emit_json({"decisions": counts, "file": str(written) if written else None})
    elif written:
        echo(f"imported {counts['match']} match and {counts['no-match']} no-match decision(s)")
        echo(f"  into {written}; the next snapshot applies them")
    else:
        echo("no decisions in the workbook (every 'decision' cell is empty); nothing imported")
    return EXIT_OK


COMMANDS = [review]

"""Reading the warehouse: ``hotpass query``, ``hotpass export`` and ``hotpass explain``."""

import csv
import sys
from pathlib import Path
from typing import Any

import click

from hotpass_assets.cli._common import (
    EXIT_OK,
    CliError,
    console,
    echo,
    emit_json,
    json_option,
    settings_for,
    snapshot_option,
)


def _rows(sql: str, duckdb_path: Path) -> tuple[list[str], list[tuple[Any, ...]]]:
    import duckdb

    if not duckdb_path.exists():
        raise CliError(
            f"no warehouse at {duckdb_path} yet: refine a workbook first "
            "(hotpass refine --input-dir DIR --output FILE, or hotpass demo)"
        )
    try:
        con = duckdb.connect(str(duckdb_path), read_only=True)
    except duckdb.IOException as exc:
        raise CliError(
            f"cannot open {duckdb_path} for reading ({exc}); a run may be refreshing the views: "
            "try again when it has finished"
        ) from exc
    try:
        cursor = con.execute(sql)
        if cursor.description is None:
            return [], []
        return [d[0] for d in cursor.description], cursor.fetchall()
    except duckdb.Error as exc:
        raise CliError(f"query failed: {exc}") from exc
    finally:
        con.close()


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return "; ".join(_text(v) for v in value)
    return str(value)


@click.command()
@click.argument("sql")
@json_option
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV (with a header row) on stdout.")
@click.option(
    "--max-rows",
    type=click.IntRange(min=1),
    default=200,
    show_default=True,
    help="Rows shown in the terminal table (--json and --csv print every row).",
)
@click.pass_context
def query(ctx: click.Context, sql: str, as_json: bool, as_csv: bool, max_rows: int) -> int:
    """Run SQL against the warehouse's DuckDB views (DuckDB comes with Hotpass).

    Views: one per dataset over every partition (refined_organisations, contacts, lead_scores,
    match_review_queue, capture_rejects, ...) and latest_* views of the newest snapshot, e.g.

        hotpass query "select province, count(*) from latest_refined_organisations group by 1"
    """
    if as_json and as_csv:
        raise click.UsageError("choose one of --json and --csv")
    settings = settings_for(ctx)
    names, rows = _rows(sql, settings.duckdb_path)
    if as_json:
        emit_json([dict(zip(names, row, strict=True)) for row in rows])
    elif as_csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(names)
        writer.writerows([_text(v) for v in row] for row in rows)
    else:
        out = console()
        if out.is_terminal:
            from rich.table import Table

            table = Table(*names, show_lines=False)
            for row in rows[:max_rows]:
                table.add_row(*(_text(v) for v in row))
            out.print(table)
        else:
            echo("\t".join(names))
            for row in rows[:max_rows]:
                echo("\t".join(_text(v).replace("\t", " ") for v in row))
        if len(rows) > max_rows:
            echo(f"({len(rows)} rows, {max_rows} shown; use --csv or --json for all)")
    return EXIT_OK


@click.command(name="export")
@click.option(
    "--table",
    required=True,
    type=click.Choice(["organisations", "contacts", "call_list"]),
    help="Which table of the snapshot to export.",
)
@click.option(
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write; its suffix picks the format: .parquet, .csv (plus a CSVW "
    "<file>-metadata.json sidecar) or .xlsx (formatted, with a completeness summary sheet).",
)
@snapshot_option
@json_option
@click.pass_context
def export(
    ctx: click.Context, table: str, output: Path, snapshot: str | None, as_json: bool
) -> int:
    """Export one table of a snapshot as Parquet, CSV or XLSX (formula-injection safe)."""
    from hotpass_assets.lib import contracts
    from hotpass_assets.lib.snapshot_tables import (
        CONTRACTS,
        SnapshotNotFound,
        load_table,
        resolve_snapshot,
    )
    from hotpass_assets.lib.table_export import FORMATS, export_frame

    if output.suffix.lower() not in FORMATS:
        raise CliError(f"--output must end in {', '.join(FORMATS)} (got {output.name})")
    settings = settings_for(ctx)
    try:
        day = resolve_snapshot(settings, snapshot)
        frame = load_table(settings, table, day)
    except SnapshotNotFound as exc:
        raise CliError(str(exc)) from exc
    files = export_frame(
        frame,
        output,
        table=table,
        title=f"Hotpass {table}, snapshot {day}",
        columns=contracts.columns(*CONTRACTS[table]),
    )
    if as_json:
        emit_json(
            {
                "table": table,
                "snapshot_date": day,
                "rows": len(frame),
                "columns": len(frame.columns),
                "files": [str(f) for f in files],
            }
        )
    else:
        echo(f"wrote {len(frame)} {table} rows of snapshot {day} to {output}")
        for extra in files[1:]:
            echo(f"  metadata: {extra}")
    return EXIT_OK


@click.command(short_help="Why records were merged into an entity.")
@click.argument("entity_id")
@snapshot_option
@click.option("--values", is_flag=True, help="Also show the chosen field values (personal data).")
@click.pass_context
def explain(ctx: click.Context, entity_id: str, snapshot: str | None, values: bool) -> int:
    """Why source records were merged into ENTITY_ID: sources, chosen fields, linking pairs."""
    from hotpass_assets.lib.explain import explain_entity

    settings = settings_for(ctx)
    text = explain_entity(settings, entity_id, snapshot=snapshot, show_values=values)
    if text is None:
        raise CliError(f"entity {entity_id} not found")
    echo(text)
    return EXIT_OK


COMMANDS = [query, export, explain]

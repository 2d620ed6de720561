"""Getting started: ``hotpass init`` (a working folder) and ``hotpass doctor`` (checks)."""

import os
from pathlib import Path

import click

from hotpass_assets.cli._common import (
    EXIT_ERROR,
    EXIT_OK,
    console,
    echo,
    emit_json,
    json_option,
    settings_for,
)

_MARKS = {"ok": ("ok  ", "green"), "warn": ("WARN", "yellow"), "fail": ("FAIL", "red")}


@click.command()
@click.argument("directory", required=False, default=".", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite files the folder already has.")
@json_option
def init(directory: Path, force: bool, as_json: bool) -> int:
    """Make DIRECTORY (default: here) a working folder and print the next steps.

    Creates landing/ (drop workbooks here), hotpass.env (every setting, commented), a profile to
    adapt (profiles/my_source.yaml) and an example workbook (examples/leads_example.xlsx). The
    folder is the data directory (HOTPASS_HOME) once hotpass.env is loaded.
    """
    from hotpass_assets.lib.workspace import next_steps, scaffold

    if directory.exists() and not directory.is_dir():
        from hotpass_assets.cli._common import CliError

        raise CliError(f"{directory} exists and is not a folder")
    result = scaffold(directory, force=force)
    steps = next_steps(result.root)
    if as_json:
        emit_json(
            {
                "directory": str(result.root),
                "created": result.created,
                "kept": result.kept,
                "next_steps": steps,
            }
        )
        return EXIT_OK
    echo(f"working folder {result.root}")
    for name in result.created:
        echo(f"  created {name}")
    for name in result.kept:
        echo(f"  kept    {name} (exists; --force overwrites)")
    echo("  folder  landing/ (drop workbooks here)")
    echo()
    echo("next steps:")
    for step in steps:
        echo(f"  {step}")
    return EXIT_OK


@click.command()
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=lambda: int(os.environ.get("PORT", "3000")),
    show_default="$PORT or 3000",
    help="Port the Dagster webserver will use (checked to be free on 127.0.0.1).",
)
@json_option
@click.pass_context
def doctor(ctx: click.Context, port: int, as_json: bool) -> int:
    """Check the installation and settings; each problem comes with its fix.

    Python and packages (the pinned Dagster pair), DAGSTER_HOME and dagster.yaml (event-log
    storage lineage can read), data folders writable, disk space, capture profiles, MLflow URI,
    OpenLineage/OTLP settings and the webserver port. Exit 1 when something blocks running.
    """
    from hotpass_assets.lib.doctor import blocking, run_checks
    from hotpass_assets.runner import REPO_DAGSTER_YAML

    settings = settings_for(ctx)
    findings = run_checks(settings, dict(os.environ), port=port, repo_yaml=REPO_DAGSTER_YAML)
    code = EXIT_ERROR if blocking(findings) else EXIT_OK
    if as_json:
        emit_json(
            {
                "ok": code == EXIT_OK,
                "home": str(settings.home),
                "findings": [f.as_dict() for f in findings],
            }
        )
        return code
    from rich.text import Text

    out = console()
    for f in findings:
        mark, colour = _MARKS[f.status]
        out.print(Text.assemble((mark, colour), f" {f.check}: {f.detail}"))
        if f.fix and f.status != "ok":
            out.print(Text(f"     fix: {f.fix}"))
    counts = {s: sum(f.status == s for f in findings) for s in ("ok", "warn", "fail")}
    summary = f"{counts['ok']} ok, {counts['warn']} warning(s), {counts['fail']} problem(s)"
    echo(summary + ("; fix the problems above before running" if code else ""))
    return code


COMMANDS = [init, doctor]

"""``hotpass``: the command line for users without the UI and for scripts.

One module per command group; each command is a thin wrapper over ``hotpass_assets.lib`` (or the
runner, for commands that materialise assets). Exit codes: 0 success, 1 an error, 2 a blocking
contract check failed or the command line was invalid (see :mod:`hotpass_assets.cli._common`).
"""

import sys

import click

from hotpass_assets.cli._common import EXIT_CODES_HELP, EXIT_ERROR, EXIT_OK, EXIT_REFUSED

__all__ = ["EXIT_ERROR", "EXIT_OK", "EXIT_REFUSED", "cli", "main"]


@click.group(
    name="hotpass",
    epilog=EXIT_CODES_HELP,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.option(
    "--home",
    type=click.Path(file_okay=False, path_type=str),
    default=None,
    help="Data directory (landing, warehouse, instance). Default: $HOTPASS_HOME or ./.hotpass.",
)
@click.option("-v", "--verbose", is_flag=True, help="Show Dagster's run log and library warnings.")
@click.version_option(package_name="hotpass", prog_name="hotpass", message="%(prog)s %(version)s")
@click.pass_context
def cli(ctx: click.Context, home: str | None, verbose: bool) -> None:
    """Turn messy workbooks of organisations and contacts into a governed, scored dataset.

    Start with `hotpass init` (a working folder) or `hotpass demo` (synthetic data), check an
    installation with `hotpass doctor`.
    """
    ctx.obj = {"home": home, "verbose": verbose}


def _register() -> None:
    from hotpass_assets.cli import contracts, data, dedupe, pipeline, report, review, setup

    for module in (pipeline, data, setup, report, review, contracts, dedupe):
        for command in module.COMMANDS:
            cli.add_command(command)


_register()


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code (the console script exits with it)."""
    try:
        code = cli.main(args=argv, prog_name="hotpass", standalone_mode=False)
    except click.exceptions.Exit as exc:  # --help, --version
        return int(exc.exit_code)
    except click.ClickException as exc:  # CliError (1/2) and usage errors (2)
        exc.show()
        return int(exc.exit_code)
    except click.Abort:
        click.echo("aborted", err=True)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return EXIT_ERROR
    except Exception as exc:  # the last line of defence: one clear line, no traceback wall
        click.echo(f"error: {type(exc).__name__}: {exc}", err=True)
        return EXIT_ERROR
    return int(code or 0)


if __name__ == "__main__":
    sys.exit(main())

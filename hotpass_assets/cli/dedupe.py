"""``hotpass dedupe``: the stand-alone table deduplicator.

Its arguments are defined once, by :func:`hotpass_assets.lib.matching.cli.add_dedupe_parser`
(also used by ``python -m hotpass_assets.lib.matching.cli``); this command hands its arguments to
that parser unchanged, so both entry points always accept the same options.
"""

import argparse

import click


def _parser() -> argparse.ArgumentParser:
    from hotpass_assets.lib.matching.cli import add_dedupe_parser

    root = argparse.ArgumentParser(prog="hotpass")
    sub = root.add_subparsers(dest="command", required=True)
    add_dedupe_parser(sub)
    return root


@click.command(
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    add_help_option=False,
    short_help="Deduplicate a CSV/Parquet table (entity id per row, scored pairs).",
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def dedupe(args: tuple[str, ...]) -> int:
    """Deduplicate a CSV/Parquet table: `hotpass dedupe --help` lists the options.

    Exit codes: 0 done (a JSON summary of counts on stdout), 2 bad input or config.
    """
    parser = _parser()
    try:
        parsed = parser.parse_args(["dedupe", *args])
    except SystemExit as exc:  # argparse printed the usage or the help
        return int(exc.code or 0)
    return int(parsed.handler(parsed) or 0)


COMMANDS = [dedupe]

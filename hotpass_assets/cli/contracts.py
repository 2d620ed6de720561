"""``hotpass contracts``: tools for the data contracts."""

from pathlib import Path

import click


@click.group(short_help="Data-contract tools.")
def contracts() -> None:
    """Data-contract tools (the Pandera/Great Expectations contracts of every dataset)."""


@contracts.command(name="export")
@click.option(
    "--check",
    is_flag=True,
    help="Write nothing; exit 1 when the committed schemas, reference page or profile schema "
    "differ from the contracts and the field registry.",
)
@click.option(
    "--schemas-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where the JSON Schemas go (default: the repository's schemas/).",
)
@click.option(
    "--reference",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The generated reference page (default: docs/reference/schemas.md).",
)
@click.option(
    "--profile-schema",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The capture-profile JSON Schema whose field lists are regenerated "
    "(default: hotpass_assets/lib/profiles/schema.json).",
)
def export(
    check: bool, schemas_dir: Path | None, reference: Path | None, profile_schema: Path | None
) -> int:
    """Write schemas/*.schema.json and docs/reference/schemas.md from the contracts, and the
    field lists of the capture-profile schema.json from the field registry."""
    from hotpass_assets.lib.contracts import export as contract_export

    argv = ["--check"] if check else []
    if schemas_dir is not None:
        argv += ["--schemas-dir", str(schemas_dir)]
    if reference is not None:
        argv += ["--reference", str(reference)]
    if profile_schema is not None:
        argv += ["--profile-schema", str(profile_schema)]
    return int(contract_export.main(argv) or 0)


COMMANDS = [contracts]

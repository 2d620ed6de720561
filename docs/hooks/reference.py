"""MkDocs hook: the reference pages that can be generated, generated at build time.

* ``reference/assets.md``: every asset and its checks, from the Definitions object.
* ``reference/partitions.md``: the two partition dimensions, from ``defs/partitions.py``.
* ``reference/automation.md``: jobs, sensors and schedules, from the Definitions object.
* ``reference/cli.md``: every command's ``--help``, from the CLI parser.
* ``reference/configuration.md``: every environment variable the code reads, from the source.

The JSON Schemas under ``schemas/`` are published next to ``reference/schemas.md`` (which
``hotpass contracts export`` writes) so its links resolve inside the site too.
"""

import ast
import io
import os
import re
from collections import defaultdict
from contextlib import redirect_stdout, suppress
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENV_PATTERN = re.compile(r"^(HOTPASS|MLFLOW|DAGSTER|OTEL|OPENLINEAGE)_[A-Z0-9_]+$")
GENERATED_NOTE = "_Generated when the site is built (docs/hooks/reference.py); do not edit._\n"


def _cell(text: object) -> str:
    return " ".join(str(text or "").split()).replace("|", "\\|")


def _defs():
    import warnings

    # Dagster's notices about its own beta/preview parameters are for its developers, not for
    # readers of this site (and MkDocs would print each with a stack).
    warnings.filterwarnings("ignore", module="dagster.*")
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", message=".*is currently in (beta|preview).*")
    from hotpass_assets.definitions import defs

    return defs


def assets_page() -> str:
    defs = _defs()
    graph = defs.resolve_asset_graph()
    checks = {spec.key: spec for ad in graph.assets_defs for spec in getattr(ad, "check_specs", [])}
    lines = ["# Assets and checks", "", GENERATED_NOTE]
    lines += [
        "| asset | group | partitions | kinds | automation |",
        "| --- | --- | --- | --- | --- |",
    ]
    specs = sorted(defs.resolve_all_asset_specs(), key=lambda s: s.key.to_user_string())
    for spec in specs:
        name = spec.key.to_user_string()
        parts = spec.partitions_def
        label = spec.automation_condition.get_label() if spec.automation_condition else ""
        lines.append(
            f"| [`{name}`](#{name}) | {spec.group_name} | "
            f"{_partitions_name(parts)} | {', '.join(sorted(spec.kinds))} | {_cell(label)} |"
        )
    for spec in specs:
        name = spec.key.to_user_string()
        node = graph.get(spec.key)
        policy = node.backfill_policy
        lines += ["", f"## `{name}`", "", _cell(spec.description), ""]
        lines.append(f"* group `{spec.group_name}`, owners {', '.join(spec.owners)}")
        lines.append(f"* partitions: {_partitions_name(spec.partitions_def)}")
        if policy:
            lines.append(f"* backfill policy: {policy.policy_type.value.lower().replace('_', '-')}")
        deps = sorted(d.asset_key.to_user_string() for d in spec.deps)
        if deps:
            lines.append("* depends on " + ", ".join(f"[`{d}`](#{d})" for d in deps))
        columns = spec.metadata.get("dagster/column_schema")
        if columns is not None:
            lines.append("* columns: see [Schemas](schemas.md)")
        if node.check_keys:
            lines += ["", "| check | blocks | what it guards |", "| --- | --- | --- |"]
            for key in sorted(node.check_keys, key=lambda k: k.name):
                check = checks.get(key)
                blocking = "yes" if check is not None and check.blocking else "no (warns)"
                text = check.description if check is not None else ""
                lines.append(f"| `{key.name}` | {blocking} | {_cell(text)} |")
    return "\n".join(lines) + "\n"


def _partitions_name(parts) -> str:
    if parts is None:
        return "none"
    name = getattr(parts, "name", None)
    return f"`{name}` (dynamic)" if name else "`snapshots` (daily)"


def partitions_page() -> str:
    import hotpass_assets.defs.partitions as partitions

    snapshots = partitions.SNAPSHOTS
    lines = ["# Partitions", "", GENERATED_NOTE, (partitions.__doc__ or "").strip(), ""]
    lines += [
        "| dimension | kind | details |",
        "| --- | --- | --- |",
        f"| `{partitions.DROPS.name}` | dynamic | one key per distinct workbook content, "
        "`<drop date>_<file stem>_<sha256 prefix>`; added by the drop sensor or `hotpass refine` |",
        f"| `snapshots` | daily, timezone {snapshots.timezone} | "
        f"first day: see below; last day: today (end offset {snapshots.end_offset}) |",
        "",
        "## First snapshot day",
        "",
        _dedent(partitions.snapshot_start.__doc__),
        "",
        "Why daily partitions from the first drop rather than dynamic snapshot partitions is "
        "explained in [Architecture](../architecture.md#partitioning-and-why).",
    ]
    return "\n".join(lines) + "\n"


def _dedent(text: str | None) -> str:
    import textwrap

    lines = (text or "").strip().splitlines()
    return (lines[0] + "\n" + textwrap.dedent("\n".join(lines[1:]))).strip() if lines else ""


def automation_page() -> str:
    defs = _defs()
    lines = ["# Jobs, sensors and schedules", "", GENERATED_NOTE, "## Jobs", ""]
    lines += ["| job | what it does |", "| --- | --- |"]
    for job in sorted(defs.resolve_all_job_defs(), key=lambda j: j.name):
        if job.name.startswith("__"):
            continue
        lines.append(f"| `{job.name}` | {_cell(job.description)} |")
    lines += ["", "## Sensors", "", "| sensor | starts | what it does |", "| --- | --- | --- |"]
    for sensor in sorted(defs.sensors or [], key=lambda s: s.name):
        status = sensor.default_status.value.lower() if sensor.default_status else "stopped"
        lines.append(f"| `{sensor.name}` | {status} | {_cell(sensor.description)} |")
    lines += ["", "## Schedules", "", "| schedule | cron (UTC) | what it does |"]
    lines.append("| --- | --- | --- |")
    for schedule in sorted(defs.schedules or [], key=lambda s: s.name):
        lines.append(
            f"| `{schedule.name}` | `{schedule.cron_schedule}` | {_cell(schedule.description)} |"
        )
    return "\n".join(lines) + "\n"


def _cli_commands(command, prefix: list[str]):
    """(argv, Click command) for the command and every sub-command, depth first."""
    import click

    yield prefix, command
    if isinstance(command, click.Group):
        for name in sorted(command.commands):
            yield from _cli_commands(command.commands[name], [*prefix, name])


def _help_text(argv: list[str]) -> str:
    """What ``argv --help`` prints (``hotpass dedupe`` hands its arguments to its own parser)."""
    from hotpass_assets.cli import main

    buffer = io.StringIO()
    with redirect_stdout(buffer), suppress(SystemExit):  # argparse's --help exits
        main([*argv[1:], "--help"])
    return buffer.getvalue().rstrip()


def cli_page() -> str:
    """Every command's ``--help``, generated from the Click command tree."""
    from hotpass_assets.cli import cli

    os.environ["COLUMNS"] = "100"  # help text wraps the same on every machine
    os.environ["NO_COLOR"] = "1"
    lines = ["# Command line", "", GENERATED_NOTE]
    lines += [
        "One entry point, `hotpass`. Exit codes: 0 success, 1 an error (the message says what "
        "and where), 2 a blocking contract check failed (the message names the check, file and "
        "sheet) or the command line was invalid. Conventions: [the command line](../cli.md).",
        "",
    ]
    for argv, _command in _cli_commands(cli, ["hotpass"]):
        lines += [f"## `{' '.join(argv)}`", "", "```text", _help_text(argv), "```", ""]
    return "\n".join(lines)


def environment_variables() -> dict[str, list[str]]:
    """Variable name -> modules that read it (string constants in the package's source)."""
    found: dict[str, set[str]] = defaultdict(set)
    package = ROOT / "hotpass_assets"
    for path in sorted(package.rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for node in ast.walk(tree):
            is_text = isinstance(node, ast.Constant) and isinstance(node.value, str)
            if is_text and ENV_PATTERN.match(node.value):
                found[node.value].add(module)
    return {name: sorted(mods) for name, mods in sorted(found.items())}


def _example_values() -> dict[str, str]:
    example = ROOT / "infra" / "production.env.example"
    values = {}
    if example.exists():
        for line in example.read_text().splitlines():
            if "=" in line and not line.lstrip().startswith("#"):
                key, value = line.split("=", 1)
                values[key.strip()] = value.strip()
    return values


def configuration_page() -> str:
    """One table of every setting: default, effect, where it may be set and what reads it.

    The names, defaults and descriptions come from ``hotpass_assets.lib.workspace.SETTINGS``;
    "read by" comes from the source, so a variable the code reads but the list misses still
    shows (and the tests fail on it).
    """
    from hotpass_assets.lib.workspace import ENVIRONMENT_ONLY, SETTINGS

    examples = _example_values()
    readers = {
        name: [m for m in modules if m != "hotpass_assets.lib.workspace"]  # the list itself
        for name, modules in environment_variables().items()
    }
    lines = ["# Configuration", "", GENERATED_NOTE]
    lines += [
        "With no configuration everything lives under `./.hotpass` (`HOTPASS_HOME`). Every "
        "setting is an environment variable; the same names may also be collected in a settings "
        "file named by `HOTPASS_CONFIG` (`NAME=value` lines like the `hotpass.env` that "
        "`hotpass init` writes, or a `.toml` file with the names as top-level keys). The process "
        "environment wins over the file, the file over the defaults. A name that is not a "
        "setting, or one marked *environment only* below (read by a library straight from the "
        "process environment), is refused with the file and line. Production examples: "
        "`infra/production.env.example`; Dagster's own settings: `dagster.yaml` / "
        "`infra/dagster/dagster.yaml`.",
        "",
        "| variable | default | what it does | settings file | read by | production example |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    listed = {name for name, _, _ in SETTINGS}
    rows = [(name, default, what) for name, default, what in SETTINGS]
    rows += [(name, "", "") for name in readers if name not in listed]
    for name, default, what in rows:
        value = examples.get(name, "")
        shown = "" if not value else ("(secret)" if "PASSWORD" in name else f"`{value}`")
        where = "environment only" if name in ENVIRONMENT_ONLY else "yes"
        modules = ", ".join(f"`{m}`" for m in readers.get(name, []))
        default_shown = f"`{default}`" if default else ""
        lines.append(
            f"| `{name}` | {default_shown} | {_cell(what)} | {where} | {modules} | {shown} |"
        )
    return "\n".join(lines) + "\n"


PAGES = {
    "reference/assets.md": assets_page,
    "reference/partitions.md": partitions_page,
    "reference/automation.md": automation_page,
    "reference/cli.md": cli_page,
    "reference/configuration.md": configuration_page,
}


def on_files(files, config):
    from mkdocs.structure.files import File

    for path, render in PAGES.items():
        files.append(File.generated(config, path, content=render()))
    for schema in sorted((ROOT / "schemas").glob("*.json")):
        files.append(File.generated(config, f"schemas/{schema.name}", abs_src_path=str(schema)))
    return files


def on_page_markdown(markdown, page, config, files):
    # reference/schemas.md links to the repository's schemas/ (right on a code host); in the
    # site the same files sit one level up.
    if page.file.src_uri == "reference/schemas.md":
        return markdown.replace("](../../schemas/", "](../schemas/")
    return markdown

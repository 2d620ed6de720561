"""The command line's conventions and its quick commands (no pipeline run): help on every option,
documented exit codes, usage errors, --json, colours and progress only on a terminal, init and
doctor."""

import json
import re

import click
from rich.console import Console

from hotpass_assets.cli import cli, main
from hotpass_assets.cli._common import Progress
from hotpass_assets.lib.workspace import EXAMPLE_WORKBOOK, PROFILE_COPY

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _commands(group: click.Group, prefix=()):
    for name, command in sorted(group.commands.items()):
        yield (*prefix, name), command
        if isinstance(command, click.Group):
            yield from _commands(command, (*prefix, name))


def test_every_option_of_every_command_has_help():
    missing = []
    for path, command in [((), cli), *_commands(cli)]:
        assert command.help or command.short_help, f"{path} has no description"
        for param in command.params:
            if isinstance(param, click.Option) and not param.help:
                missing.append(f"{' '.join(path)} {param.opts[0]}")
    assert not missing, missing


def test_help_documents_exit_codes_and_lists_the_commands(capsys):
    assert main(["--help"]) == 0
    text = capsys.readouterr().out
    assert "Exit codes: 0" in text and "1 an error" in text and "2 a blocking contract" in text
    for name in ("refine", "demo", "query", "export", "report", "review", "init", "doctor"):
        assert re.search(rf"^\s+{name}\s", text, re.M), name
    for name in ("contracts", "explain", "dedupe"):
        assert name in text


def test_refine_help_says_what_output_holds(capsys):
    assert main(["refine", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "--input-dir" in text and "--whole-snapshot" in text
    assert "only the organisations built from the workbooks in --input-dir" in text


def test_usage_errors_exit_2_with_the_problem(capsys):
    assert main(["refine"]) == 2
    assert "Missing option '--input-dir'" in capsys.readouterr().err
    assert main(["no-such-command"]) == 2
    assert main(["export", "--table", "people", "--output", "x.csv"]) == 2
    assert main(["demo", "--organisations", "3"]) == 2
    assert "3 is not in the range x>=8" in capsys.readouterr().err


def test_explain_unknown_entity_is_exit_1(home, capsys):
    assert main(["explain", "org_does_not_exist"]) == 1
    assert "error: entity org_does_not_exist not found" in capsys.readouterr().err


def test_dedupe_keeps_its_argument_surface(tmp_path, capsys):
    table = tmp_path / "people.csv"
    table.write_text("id,organisation_name\n1,Alpha Flight School\n2,Alpha Flight School\n3,Beta\n")
    out = tmp_path / "out.csv"
    assert main(["dedupe", str(table), "--id-column", "id", "--output", str(out)]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["records"] == 3 and out.exists()
    assert main(["dedupe", "--help"]) == 0
    assert "--id-column" in capsys.readouterr().out
    assert (
        main(["dedupe", str(tmp_path / "missing.csv"), "--id-column", "id", "--output", "o"]) == 2
    )


def test_query_and_export_without_a_warehouse_fail_with_exit_1(home, tmp_path, capsys):
    assert main(["query", "select 1"]) == 1
    assert "no warehouse" in capsys.readouterr().err
    assert main(["export", "--table", "contacts", "--output", str(tmp_path / "c.csv")]) == 1
    assert "no snapshot" in capsys.readouterr().err
    assert main(["export", "--table", "contacts", "--output", str(tmp_path / "c.txt")]) == 1
    assert main(["report", "--output", str(tmp_path / "r.html")]) == 1
    assert main(["review", "export"]) == 1
    assert "refine a workbook first" in capsys.readouterr().err


def test_query_needs_only_the_package(home, capsys):
    import duckdb

    db = home / "warehouse" / "hotpass.duckdb"
    db.parent.mkdir(parents=True)
    con = duckdb.connect(str(db))
    con.execute("create view numbers as select range as n, 'x' || range as label from range(3)")
    con.close()
    assert main(["query", "select n, label from numbers order by n", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == [
        {"n": 0, "label": "x0"},
        {"n": 1, "label": "x1"},
        {"n": 2, "label": "x2"},
    ]
    assert main(["query", "select n, label from numbers order by n", "--csv"]) == 0
    assert capsys.readouterr().out.splitlines() == ["n,label", "0,x0", "1,x1", "2,x2"]
    assert main(["query", "select * from no_such_view"]) == 1
    assert "query failed" in capsys.readouterr().err
    assert main(["query", "select 1", "--json", "--csv"]) == 2


def test_progress_draws_only_on_a_terminal():
    import io

    plain = io.StringIO()
    with Progress("work", Console(file=plain, force_terminal=False)) as step:
        step(1, 2, "a")
    assert plain.getvalue() == ""
    tty = io.StringIO()
    with Progress("work", Console(file=tty, force_terminal=True, width=80)) as step:
        step(1, 2, "a")
    assert "work" in tty.getvalue(), "the bar is drawn on a terminal"


def test_colours_only_on_a_terminal_and_never_with_no_color(home, capsys, monkeypatch):
    args = ["doctor", "--port", "1"]  # port 1: binding needs privileges or is free; either way
    main(args)
    assert not ANSI.search(capsys.readouterr().out), "no colour when stdout is not a terminal"
    monkeypatch.setenv("FORCE_COLOR", "1")
    main(args)
    assert ANSI.search(capsys.readouterr().out), "colour on a (forced) terminal"
    monkeypatch.setenv("NO_COLOR", "1")
    main(args)
    assert not ANSI.search(capsys.readouterr().out), "NO_COLOR turns colour off"


def test_init_scaffolds_a_working_folder_and_keeps_existing_files(tmp_path, capsys):
    folder = tmp_path / "work"
    assert main(["init", str(folder)]) == 0
    text = capsys.readouterr().out
    assert "next steps" in text and "hotpass refine --input-dir examples" in text
    assert (folder / "landing").is_dir()
    assert (folder / EXAMPLE_WORKBOOK).stat().st_size > 0
    env = (folder / "hotpass.env").read_text()
    assert f"HOTPASS_HOME={folder.resolve()}" in env
    assert "# HOTPASS_LANDING_DIR=" in env and "# OPENLINEAGE_URL=" in env
    (folder / "hotpass.env").write_text("mine")
    assert main(["init", str(folder), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert "hotpass.env" in doc["kept"] and doc["created"] == []
    assert (folder / "hotpass.env").read_text() == "mine"
    assert main(["init", str(folder / PROFILE_COPY)]) == 1
    assert "not a folder" in capsys.readouterr().err


def test_doctor_is_green_on_an_initialised_folder(tmp_path, monkeypatch, capsys):
    import socket

    folder = tmp_path / "work"
    assert main(["init", str(folder)]) == 0
    monkeypatch.setenv("HOTPASS_HOME", str(folder))
    monkeypatch.setenv("DAGSTER_HOME", str(folder / "dagster"))
    for name in ("OPENLINEAGE_URL", "OTEL_EXPORTER_OTLP_ENDPOINT", "MLFLOW_TRACKING_URI"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("HOTPASS_PROFILE", raising=False)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    capsys.readouterr()
    assert main(["doctor", "--port", str(port), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    statuses = {f["check"]: f["status"] for f in doc["findings"]}
    assert set(statuses.values()) == {"ok"}, doc
    for check in ("python", "packages", "dagster", "event_log", "dir:landing", "disk", "mlflow"):
        assert check in statuses
    assert "profile:my_source.yaml" in statuses


def test_doctor_names_each_broken_setting_and_its_fix(home, tmp_path, monkeypatch, capsys):
    # an unusable landing folder (a file: root may write anywhere, so a mode bit would not do)
    landing = tmp_path / "landing"
    landing.write_text("not a folder")
    monkeypatch.setenv("HOTPASS_LANDING_DIR", str(landing))
    # a run-sharded event log with lineage on
    dagster_home = home / "dagster"
    dagster_home.mkdir()
    (dagster_home / "dagster.yaml").write_text(
        "event_log_storage:\n  module: dagster._core.storage.event_log\n"
        "  class: SqliteEventLogStorage\n  config:\n    base_dir: /tmp/x\n"
    )
    monkeypatch.setenv("OPENLINEAGE_URL", "http://127.0.0.1:5000")
    # a profile that is not YAML
    bad = home / "profiles" / "broken.yaml"
    bad.parent.mkdir()
    bad.write_text("name: [unclosed\n  kinds: {\n")
    code = main(["doctor", "--port", "1"])
    out = capsys.readouterr().out
    assert code == 1
    assert re.search(
        rf"FAIL dir:landing: {re.escape(str(landing))} exists but is not a directory", out
    )
    assert "FAIL event_log: SqliteEventLogStorage" in out and "OPENLINEAGE_URL is set" in out
    assert "ConsolidatedSqliteEventLogStorage" in out  # the fix
    assert "FAIL profile:broken.yaml" in out and "invalid YAML" in out
    assert out.count("fix:") >= 3
    assert "fix the problems above" in out

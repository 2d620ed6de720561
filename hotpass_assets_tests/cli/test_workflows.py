"""The new commands on a refined, scored demo warehouse, through the real asset graph: export,
report, query, review round trip, and `refine --output` writing what it was asked to refine."""

import contextlib
import html
import io
import json
import re
import shutil

import pandas as pd
import pytest
from openpyxl import load_workbook

from hotpass_assets.cli import main
from hotpass_assets.lib.demo import write_generic_workbook
from hotpass_assets.lib.warehouse import read_table
from hotpass_assets.settings import Settings

pytestmark = pytest.mark.slow
NOISE = re.compile(r"\x1b\[|\r|━")  # ANSI escapes, carriage returns, progress-bar glyphs


def run(args: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(args)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def scored(tmp_path_factory, demo_dir):
    """A data directory with the demo workbooks refined and scored (one snapshot)."""
    root = tmp_path_factory.mktemp("scored")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HOTPASS_HOME", str(root / "home"))
        mp.setenv("DAGSTER_HOME", str(root / "home" / "dagster"))
        for name in ("MLFLOW_TRACKING_URI", "HOTPASS_PROFILE", "OPENLINEAGE_URL"):
            mp.delenv(name, raising=False)
        out = root / "refined.parquet"
        code, stdout, stderr = run(
            ["refine", "--input-dir", str(demo_dir), "--output", str(out), "--json"]
        )
        yield {
            "settings": Settings.from_env(),
            "code": code,
            "stdout": stdout,
            "stderr": stderr,
            "output": out,
            "demo_dir": demo_dir,
            "root": root,
        }


def personal_values(settings: Settings, day: str) -> set[str]:
    """Names, e-mails, phones, addresses and websites of the demo data (long enough to matter)."""
    orgs = read_table(settings.refined_path("organisations", day))
    people = read_table(settings.refined_path("contacts", day))
    values: set[str] = set()
    for frame, columns in (
        (
            orgs,
            [
                "organisation_name",
                "address",
                "website",
                "primary_contact_name",
                "primary_contact_email",
                "primary_contact_phone",
                "emails",
                "phones",
            ],
        ),
        (people, ["full_name", "first_name", "last_name", "emails", "phones"]),
    ):
        for column in columns:
            for value in frame[column].dropna():
                for item in value if isinstance(value, list) else [value]:
                    if isinstance(item, str) and len(item.strip()) >= 6:
                        values.add(item.strip())
    return values


def test_refine_json_is_parseable_and_has_no_progress_output(scored):
    assert scored["code"] == 0, scored["stderr"]
    doc = json.loads(scored["stdout"])
    assert doc["snapshot_status"] == "ok" and doc["exit_code"] == 0
    assert {d["status"] for d in doc["drops"]} == {"ok"} and len(doc["drops"]) == 3
    assert doc["written"]["scope"] == "input"
    assert doc["written"]["rows"] == len(pd.read_parquet(scored["output"]))
    assert not NOISE.search(scored["stdout"] + scored["stderr"])


def test_export_every_table_in_every_format(scored, tmp_path):
    settings = scored["settings"]
    day = json.loads(scored["stdout"])["snapshot_date"]
    expected = {
        "organisations": len(read_table(settings.refined_path("organisations", day))),
        "contacts": len(read_table(settings.refined_path("contacts", day))),
    }
    secret = personal_values(settings, day)
    for table in ("organisations", "contacts", "call_list"):
        for suffix in ("parquet", "csv", "xlsx"):
            target = tmp_path / f"{table}.{suffix}"
            code, out, err = run(
                ["export", "--table", table, "--output", str(target), "--json", "--snapshot", day]
            )
            assert code == 0, err
            doc = json.loads(out)
            assert doc["snapshot_date"] == day and doc["files"][0] == str(target)
            if table in expected:
                assert doc["rows"] == expected[table]
            else:
                assert 0 < doc["rows"] <= settings.call_list_size
            assert not any(v in out for v in secret), "the summary holds no personal values"
            if suffix == "parquet":
                assert len(pd.read_parquet(target)) == doc["rows"]
            elif suffix == "csv":
                meta = json.loads((tmp_path / f"{table}.csv-metadata.json").read_text())
                assert len(meta["tableSchema"]["columns"]) == doc["columns"]
                frame = pd.read_csv(target, dtype=str, keep_default_na=False)
                assert len(frame) == doc["rows"]
            else:
                book = load_workbook(target)
                assert book.sheetnames == [table, "summary"]
                assert book[table].max_row == doc["rows"] + 1
                assert book[table].freeze_panes == "A2"
    code, _, err = run(
        ["export", "--table", "contacts", "--output", "x.csv", "--snapshot", "1999-01-01"]
    )
    assert code == 1 and "no snapshot 1999-01-01" in err


def test_report_has_charts_and_no_personal_values(scored, tmp_path):
    settings = scored["settings"]
    target = tmp_path / "report.html"
    code, out, err = run(["report", "--output", str(target), "--json"])
    assert code == 0, err
    doc = json.loads(out)
    assert doc["checks"] > 10 and doc["model"] is True and doc["sources"] == 3
    page = target.read_text()
    assert page.count("<svg") >= 4
    for heading in (
        "Records in and out per source",
        "Rejects by reason",
        "Completeness per field",
        "Data-quality score distribution",
        "Check results",
        "Entity resolution",
        "Lead-score model",
    ):
        assert heading in page
    secret = personal_values(settings, doc["snapshot_date"])
    assert len(secret) > 100, "the probe has values to look for"
    leaked = sorted(v for v in secret if v in page or html.escape(v) in page)
    assert not leaked, leaked[:5]


def test_query_answers_from_the_package(scored):
    settings = scored["settings"]
    day = json.loads(scored["stdout"])["snapshot_date"]
    orgs = len(read_table(settings.refined_path("organisations", day)))
    code, out, err = run(["query", "select count(*) as n from refined_organisations", "--json"])
    assert code == 0, err
    assert json.loads(out) == [{"n": orgs}]
    code, out, _ = run(["query", "select entity_id from refined_organisations", "--csv"])
    assert code == 0 and len(out.splitlines()) == orgs + 1


def test_doctor_is_green_after_a_run(scored):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    code, out, err = run(["doctor", "--port", str(port), "--json"])
    doc = json.loads(out)
    assert code == 0, err
    bad = [f for f in doc["findings"] if f["status"] != "ok"]
    assert not bad, bad
    assert any(
        f["check"] == "dir:Dagster home" and "writable" in f["detail"] for f in doc["findings"]
    )


def _disjoint_pairs(frame: pd.DataFrame) -> tuple[int, int]:
    first = frame.iloc[0]
    used = {first["record_id_a"], first["record_id_b"]}
    for i in range(1, len(frame)):
        row = frame.iloc[i]
        if not used & {row["record_id_a"], row["record_id_b"]}:
            return 0, i
    raise AssertionError("no two disjoint review pairs in the demo queue")


def test_review_round_trip_constrains_the_next_snapshot(scored, tmp_path):
    settings = scored["settings"]
    sheet = tmp_path / "review.xlsx"
    code, out, err = run(["review", "export", "--output", str(sheet), "--json"])
    assert code == 0, err
    assert json.loads(out)["pairs"] > 2
    frame = pd.read_excel(sheet, sheet_name="review", dtype=str)
    yes, no = _disjoint_pairs(frame)
    book = load_workbook(sheet)
    ws = book["review"]
    col = [c.value for c in ws[1]].index("decision") + 1
    ws.cell(yes + 2, col).value = "match"
    ws.cell(no + 2, col).value = "no-match"
    book.save(sheet)
    code, out, err = run(["review", "import", str(sheet), "--json"])
    assert code == 0, err
    assert json.loads(out)["decisions"] == {"match": 1, "no-match": 1}
    code, _, err = run(
        [
            "refine",
            "--input-dir",
            str(scored["demo_dir"]),
            "--output",
            str(tmp_path / "again.parquet"),
            "--no-score",
        ]
    )
    assert code == 0, err
    day = json.loads(scored["stdout"])["snapshot_date"]
    entity = dict(
        read_table(settings.refined_path("entity_record_map", day))[
            ["record_id", "entity_id"]
        ].itertuples(index=False, name=None)
    )
    a, b = frame.iloc[yes]["record_id_a"], frame.iloc[yes]["record_id_b"]
    assert entity[a] == entity[b], "a 'match' decision merges the pair"
    c, d = frame.iloc[no]["record_id_a"], frame.iloc[no]["record_id_b"]
    assert entity[c] != entity[d], "a 'no-match' decision keeps them apart"
    queue = read_table(settings.refined_path("match_review_queue", day))
    pairs = {
        frozenset(p) for p in zip(queue["left_record_id"], queue["right_record_id"], strict=True)
    }
    assert frozenset((a, b)) not in pairs and frozenset((c, d)) not in pairs, "decided, not queued"
    # a malformed sheet is refused, naming where
    ws.cell(yes + 2, col).value = "perhaps"
    book.save(sheet)
    code, _, err = run(["review", "import", str(sheet)])
    assert code == 1 and f"row {yes + 2}, column 'decision': 'perhaps'" in err


def test_refine_output_holds_the_input_folder_or_the_whole_snapshot(scored, tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    truth = write_generic_workbook(folder / "my_leads.xlsx", seed=5, n_rows=6, header_row=1)
    out = tmp_path / "mine.xlsx"
    code, stdout, err = run(
        ["refine", "--input-dir", str(folder), "--output", str(out), "--no-score", "--json"]
    )
    assert code == 0, err
    written = json.loads(stdout)["written"]
    assert written["scope"] == "input" and 0 < written["rows"] <= truth["n_rows"]
    names = {
        r[0] for r in load_workbook(out)["organisations"].iter_rows(min_row=2, values_only=True)
    }
    assert len(names) == written["rows"]
    everything = tmp_path / "all.parquet"
    code, stdout, err = run(
        [
            "refine",
            "--input-dir",
            str(folder),
            "--output",
            str(everything),
            "--no-score",
            "--whole-snapshot",
            "--json",
        ]
    )
    assert code == 0, err
    whole = json.loads(stdout)["written"]
    assert whole["scope"] == "snapshot" and whole["rows"] > written["rows"] + 50
    assert len(pd.read_parquet(everything)) == whole["rows"]
    shutil.rmtree(folder)


def test_demo_json_names_where_everything_is(home):
    code, out, err = run(["demo", "--json"])
    doc = json.loads(out)
    assert code == doc["exit_code"]
    assert len(doc["drops"]) == 3 and {d["status"] for d in doc["drops"]} == {"ok"}
    assert set(doc["paths"]) >= {"refined organisations", "call list", "DuckDB (SQL views)"}
    assert (home / "landing").is_dir() and len(list((home / "landing").glob("*.xlsx"))) == 3
    assert not NOISE.search(out + err)


def test_refine_json_reports_a_blocked_drop_with_exit_2(home, tmp_path):
    from hotpass_assets.lib.demo import write_broken_workbook

    folder = tmp_path / "in"
    folder.mkdir()
    write_broken_workbook(folder / "sacaa_flight_schools_broken.xlsx", "missing_column")
    code, out, err = run(
        [
            "refine",
            "--input-dir",
            str(folder),
            "--output",
            str(tmp_path / "o.csv"),
            "--no-score",
            "--json",
        ]
    )
    assert code == 2
    doc = json.loads(out)
    assert doc["exit_code"] == 2 and doc["drops"][0]["status"] == "BLOCKED"
    assert doc["drops"][0]["file_name"] == "sacaa_flight_schools_broken.xlsx"
    assert doc["drops"][0]["blocked_checks"][0]["check"]
    assert "blocking contract check failed" in err


def test_contracts_export_check(tmp_path):
    code, out, _ = run(["contracts", "export", "--check"])
    assert code == 0 and "up to date" in out
    code, out, _ = run(["contracts", "export", "--check", "--schemas-dir", str(tmp_path / "none")])
    assert code == 1 and "differ" in out

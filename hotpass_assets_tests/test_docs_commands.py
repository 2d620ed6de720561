"""Every command the README and the tutorial show works as written, on a fresh data directory.

The commands are read from the pages' ```` ```bash ```` blocks (see ``docs_commands``), so an
edited page is tested as it now reads. The README's run on a data directory holding one drop and
one snapshot, and again on one holding two of each (the ``latest_*`` views must answer both).
"""

import os
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from hotpass_assets_tests.docs_commands import ROOT, Sandbox, run_page, shell_commands

pytestmark = [pytest.mark.slow, pytest.mark.timeout(3600)]
TODAY = datetime.now(tz=UTC).date()


def _dated_copy(source: Path, folder: Path, days_ago: int) -> Path:
    """A copy whose modification day, the drop date, is ``days_ago`` days back."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / source.name
    shutil.copyfile(source, target)
    stamp = datetime.now(tz=UTC).timestamp() - days_ago * 86_400
    os.utime(target, (stamp, stamp))
    return target


def _latest_entity(sandbox: Sandbox, multi_source: bool = False) -> str:
    root = sandbox.home / "warehouse" / "refined" / "organisations"
    latest = sorted(root.glob("snapshot_date=*/data.parquet"))[-1]
    frame = pd.read_parquet(latest, columns=["entity_id", "source_count"])
    merged = frame[frame["source_count"] > 1]
    pick = merged if multi_source and len(merged) else frame
    return str(sorted(pick["entity_id"])[0])


def _people_csv(sandbox: Sandbox) -> None:
    rows = []
    for i in range(30):
        rows.append(
            {
                "id": f"p{i:03d}",
                "name": f"Person {i % 20} Surname{i % 20}",
                "email": f"person{i % 20}@example{i % 7}.test",
                "city": ["Durban", "Pretoria", "Cape Town"][i % 3],
            }
        )
    pd.DataFrame(rows).to_csv(sandbox.folder / "people.csv", index=False)


def _snapshots(sandbox: Sandbox) -> list[str]:
    root = sandbox.home / "warehouse" / "refined" / "organisations"
    return sorted(p.parent.name.split("=", 1)[1] for p in root.glob("snapshot_date=*/data.parquet"))


@pytest.mark.parametrize("snapshots", [1, 2])
def test_every_readme_command_runs(tmp_path, demo_dir, snapshots):
    sandbox = Sandbox(tmp_path / "clone")
    files = {p.name.split("_", 1)[0]: p for p in demo_dir.glob("*.xlsx")}
    latest = tmp_path / "latest"
    if snapshots == 2:
        # An earlier drop refined on its own day, then today's.
        earlier = _dated_copy(files["contact"], tmp_path / "earlier", days_ago=1)
        day = (TODAY - timedelta(days=1)).isoformat()
        sandbox.run(
            f'HOTPASS_SNAPSHOT_START={day} python -c "from datetime import date; '
            "from pathlib import Path; from hotpass_assets.runner import run_pipeline; "
            "from hotpass_assets.settings import Settings; "
            f"r = run_pipeline([Path('{earlier}')], "
            f"settings=Settings.from_env(), snapshot=date.fromisoformat('{day}')); "
            'assert r.snapshot_success, r"',
        )
        _dated_copy(files["sacaa"], latest, days_ago=0)
    else:
        _dated_copy(files["contact"], latest, days_ago=0)
    sandbox.run(f"hotpass refine --input-dir {latest} --output {tmp_path / 'setup.parquet'}")
    drops = sorted((sandbox.home / "drops").glob("*.json"))
    assert len([d for d in drops if not d.name.startswith("_")]) == snapshots
    assert len(_snapshots(sandbox)) == snapshots
    _people_csv(sandbox)

    readme = (ROOT / "README.md").read_text()
    commands = shell_commands(readme)
    assert "make run" in commands and any(c.startswith("hotpass refine") for c in commands)
    # make run drops the demo workbooks: it runs last, on the state described above.
    ordered = "\n".join(f"```bash\n{c}\n```" for c in commands if c != "make run")
    skipped = run_page(
        sandbox,
        ordered + "\n```bash\nmake run\n```\n",
        {"DIR": str(latest), "ENTITY_ID": lambda: _latest_entity(sandbox)},
    )
    assert {c for c, _ in skipped} == {"make test", "make dev"}, skipped
    log = sandbox.tail(200_000)
    assert "latest_refined_organisations" in log and "entity_id" in log
    assert (sandbox.folder / "refined.parquet").exists()
    assert (sandbox.folder / "clustered.csv").exists()
    assert (sandbox.folder / "build" / "site" / "index.html").exists()


def test_tutorial_commands_run_in_a_fresh_clone(tmp_path, demo_dir):
    from hotpass_assets.lib.demo import write_demo_workbooks

    user_home = tmp_path / "user"
    own = user_home / "workbooks"
    own.mkdir(parents=True)
    # "Your own workbook": a workbook the demo run has not seen (another seed).
    write_demo_workbooks(tmp_path / "other", seed=11, n_organisations=40)
    mine = next((tmp_path / "other").glob("reachout*.xlsx"))
    shutil.copyfile(mine, own / "my-organisations.xlsx")
    sandbox = Sandbox(tmp_path / "clone", extra_env={"HOME": str(user_home)})
    decided: dict[str, str] = {}

    def by_hand(command: str) -> None:
        if command.startswith("hotpass review import"):
            # The reader decides the first pair in the workbook: the same organisation.
            from openpyxl import load_workbook

            sheet = sandbox.folder / "review.xlsx"
            queue = pd.read_excel(sheet, sheet_name="review", dtype=str)
            assert len(queue), "the demo leaves pairs to review"
            decided.update(queue.loc[0, ["record_id_a", "record_id_b"]].to_dict())
            book = load_workbook(sheet)
            ws = book["review"]
            col = [c.value for c in ws[1]].index("decision") + 1
            ws.cell(2, col).value = "match"
            book.save(sheet)

    page = (ROOT / "docs" / "tutorial.md").read_text()
    skipped = run_page(
        sandbox,
        page,
        {"REPOSITORY_URL": "", "ENTITY_ID": lambda: _latest_entity(sandbox, multi_source=True)},
        before=by_hand,
    )
    assert {c for c, _ in skipped} == {"git clone REPOSITORY_URL hotpass", "cd hotpass", "make dev"}
    assert (sandbox.folder / "my-refined.xlsx").exists()
    landed = sandbox.home / "landing" / "my-organisations.xlsx"
    assert landed.exists()
    # The decision was applied: both records now belong to one organisation.
    today = _snapshots(sandbox)[-1]
    record_map = pd.read_parquet(
        sandbox.home
        / "warehouse"
        / "refined"
        / "entity_record_map"
        / f"snapshot_date={today}"
        / "data.parquet"
    )
    owner = dict(zip(record_map["record_id"], record_map["entity_id"], strict=True))
    assert owner[decided["record_id_a"]] == owner[decided["record_id_b"]]

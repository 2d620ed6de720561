"""The three demo workbooks, written together from one seed."""

from __future__ import annotations

from pathlib import Path

from hotpass_assets.lib.synthetic.cells import write_xlsx
from hotpass_assets.lib.synthetic.contact_db import contact_db_workbook
from hotpass_assets.lib.synthetic.layout import CONTACT_DB_FILE, REACHOUT_FILE, SACAA_FILE
from hotpass_assets.lib.synthetic.reachout import reachout_workbook
from hotpass_assets.lib.synthetic.sacaa import sacaa_workbook
from hotpass_assets.lib.synthetic.state import DemoBuilder
from hotpass_assets.lib.synthetic.truth import DemoTruth


def write_demo_workbooks(out_dir: Path, *, seed: int = 7, n_organisations: int = 120) -> DemoTruth:
    """Write the three demo workbooks into ``out_dir`` and return their ground truth.

    Files: ``sacaa_flight_schools_demo.xlsx``, ``reachout_database_demo.xlsx`` and
    ``contact_database_demo.xlsx``. ``n_organisations`` is the number of true organisations
    (at least 8); the same seed gives byte-identical files.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    builder = DemoBuilder(seed, n_organisations)
    # the workbooks draw from one random stream: their order is part of the seed's meaning
    write_xlsx(out_dir / SACAA_FILE, sacaa_workbook(builder))
    write_xlsx(out_dir / REACHOUT_FILE, reachout_workbook(builder))
    write_xlsx(out_dir / CONTACT_DB_FILE, contact_db_workbook(builder))
    return builder.truth()

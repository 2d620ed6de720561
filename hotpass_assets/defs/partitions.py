"""The two partition dimensions of Hotpass (see docs/architecture.md, "Partitioning").

* ``workbook_drops``: one dynamic partition per distinct workbook content. Keys read
  ``<drop date>_<file stem>_<sha256 prefix>``.
* ``snapshots``: daily "as of" partitions (UTC). The refined snapshot for day D is built from
  every drop up to D, so a data engineer can backfill any range of days.
"""

import os
from datetime import date

import dagster as dg

DROPS = dg.DynamicPartitionsDefinition(name="workbook_drops")

SNAPSHOTS = dg.DailyPartitionsDefinition(
    start_date=date.fromisoformat(
        os.environ.get("HOTPASS_SNAPSHOT_START", "2025-01-01")
    ).isoformat(),
    end_offset=1,  # today's snapshot exists today, so new drops refine the same day
    timezone="UTC",
)

"""The two partition dimensions of Hotpass (see docs/architecture.md, "Partitioning").

* ``workbook_drops``: one dynamic partition per distinct workbook content. Keys read
  ``<drop date>_<file stem>_<sha256 prefix>``.
* ``snapshots``: daily "as of" partitions (UTC) from the first drop's date to today. The refined
  snapshot for day D is built from every drop up to D, so a data engineer can backfill any range
  of days; there is no day before the first drop, so no partition without data shows as missing.
"""

from datetime import UTC, date, datetime

import dagster as dg

from hotpass_assets.lib.drops import first_drop_date
from hotpass_assets.settings import Settings

DROPS_NAME = "workbook_drops"
DROPS = dg.DynamicPartitionsDefinition(name=DROPS_NAME)


def snapshot_start(settings: Settings, today: date) -> date:
    """The first snapshot day: ``HOTPASS_SNAPSHOT_START`` when set, else the earliest drop's
    date in the register, else today (an instance with no drop has one snapshot day).

    Read when the code location loads (a directory listing, no file contents). A drop dated
    before the loaded start is captured and refined into today's snapshot at once; its earlier
    days become partitions when the code location reloads (the drop sensor says so).
    """
    if settings.snapshot_start is not None:
        return settings.snapshot_start
    first = first_drop_date(settings.drops_dir)
    return min(first, today) if first else today


SNAPSHOTS = dg.DailyPartitionsDefinition(
    start_date=snapshot_start(Settings.from_env(), datetime.now(tz=UTC).date()).isoformat(),
    end_offset=1,  # today's snapshot exists today, so new drops refine the same day
    timezone="UTC",
)

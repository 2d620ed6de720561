"""OpenLineage: one event set per finished Dagster run, emitted by a sensor.

Built on ``dagster-openlineage`` (0.2.x) and ``openlineage-python``: the facets (schema, column
lineage, data-quality assertions, nominal time, error message) come from the library's
builders and the events from the client's ``event_v2`` classes; the transport is whatever the
standard OpenLineage configuration names (``OPENLINEAGE_URL``, ``openlineage.yml``,
``OPENLINEAGE_CONFIG``, ``OPENLINEAGE__TRANSPORT__*``), and nothing is emitted without one.

What this module adds, and why (docs/lineage-and-telemetry.md has the long form): the library's
sensor and storage wrapper reuse the Dagster run id for the run's job *and* every asset in it
(Marquez keys runs by id, so the assets of one run overwrite each other), give steps random run
ids (a re-emission duplicates them), emit asset events without inputs, read schemas only from
materialisation metadata, and name datasets only by asset key. Here:

* the Dagster run is one OpenLineage job run (job = the Dagster job, run id = the Dagster run
  id); each asset materialised in it is a child job run (job = the asset key, run id =
  ``uuid5(run id, asset key)``, ``parent`` facet pointing at the run); each asset's checks are a
  ``<asset>.checks`` child run carrying the ``dataQualityAssertions`` facet on its input;
* inputs come from the asset graph plus the archived workbook and each sheet read;
* the schema facet comes from the asset definition's ``dagster/column_schema`` (the contract),
  column lineage from the materialisation's ``dagster/column_lineage``.

Every id and name is a function of the Dagster run, so emitting a run twice repeats the same
events (same run ids, same dataset names, same event times): a receiver updates, not duplicates.
"""

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import dagster as dg

from hotpass_assets.defs.run_events import cursor_value
from hotpass_assets.defs.sensors import sensor_interval
from hotpass_assets.lib import lineage

if TYPE_CHECKING:
    import pandas as pd

WORKBOOK_SHA = "hotpass/workbook_sha256"
SHEETS_READ = "hotpass/sheets_read"


# --- metadata the assets publish ---------------------------------------------------------------


def _column_lineage(deps: Mapping[str, Iterable[tuple[str, str]]]) -> dg.TableColumnLineage:
    return dg.TableColumnLineage(
        deps_by_column={
            column: [dg.TableColumnDep(asset_key=a, column_name=c) for a, c in sources]
            for column, sources in deps.items()
        }
    )


def capture_lineage_metadata(
    organisations: "pd.DataFrame",
    contacts: "pd.DataFrame",
    sha256: str,
    sheets: list[dict[str, Any]],
) -> dict[str, Any]:
    """Capture columns back to the workbook columns the profile mapped (``sheet!header``)."""
    deps = lineage.capture_column_lineage(organisations, contacts)
    read = sorted({str(s.get("sheet")) for s in sheets if int(s.get("rows_read") or 0) > 0})
    return {
        "dagster/column_lineage": _column_lineage(
            {col: [("raw_workbook", src) for src in sources] for col, sources in deps.items()}
        ),
        WORKBOOK_SHA: sha256,
        SHEETS_READ: dg.MetadataValue.json(read),
    }


def static_lineage_metadata(asset: str) -> dict[str, Any]:
    """``dagster/column_lineage`` of an asset whose lineage is fixed (the refined tables)."""
    upstream, mapping = lineage.STATIC_COLUMN_LINEAGE[asset]
    return {
        "dagster/column_lineage": _column_lineage(
            {col: [(upstream, src) for src in sources] for col, sources in mapping.items()}
        )
    }


@dg.sensor(
    name="openlineage_emitter",
    minimum_interval_seconds=sensor_interval(60),
    # Running by default only where OpenLineage is configured (read when the code loads, like
    # every setting); elsewhere it can still be started from the Automation page.
    default_status=dg.DefaultSensorStatus.RUNNING
    if lineage.lineage_configured()
    else dg.DefaultSensorStatus.STOPPED,
    description="Emits OpenLineage events (run, asset and check runs with schema, column lineage "
    "and assertions) for every finished run, to the transport the standard OpenLineage "
    "configuration names (OPENLINEAGE_URL, openlineage.yml). Without one it emits nothing.",
)
def openlineage_emitter(context: dg.SensorEvaluationContext) -> dg.SkipReason:
    if not lineage.lineage_configured():
        return dg.SkipReason(
            "OpenLineage is not configured (no OPENLINEAGE_URL, OPENLINEAGE_CONFIG or "
            "openlineage.yml): nothing emitted"
        )
    from hotpass_assets.defs.lineage_events import emit_runs

    repository = context.repository_def
    if repository is None:  # set whenever Dagster evaluates the sensor
        raise dg.DagsterInvariantViolationError("openlineage_emitter needs its repository")
    after = cursor_value(context.cursor)
    cursor, runs, error = emit_runs(context.instance, repository.asset_graph, after)
    context.update_cursor(str(cursor))
    if error:
        context.log.warning(f"OpenLineage delivery failed ({error}); retrying next tick")
    return dg.SkipReason(f"emitted lineage of {runs} finished run(s)")


SENSORS = [openlineage_emitter]

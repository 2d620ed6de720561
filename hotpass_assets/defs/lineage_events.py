"""OpenLineage events of a finished run (see :mod:`hotpass_assets.defs.lineage` for the design).

Imported only when lineage is configured: importing ``dagster_openlineage`` builds its own
module-level client, which without configuration warns that it would print to the console.
"""

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import dagster as dg
from dagster_openlineage import adapter as ol_adapter
from dagster_openlineage.facets import (
    build_data_quality_assertions_facet,
    build_error_message_facet,
    build_nominal_time_facet,
    build_schema_facet,
)
from dagster_openlineage.utils import to_utc_iso_8601
from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.facet_v2 import (
    DatasetFacet,
    RunFacet,
    column_lineage_dataset,
    job_type_job,
    parent_run,
    schema_dataset,
)

from hotpass_assets.defs.lineage import SHEETS_READ, WORKBOOK_SHA
from hotpass_assets.defs.run_events import (
    AssetActivity,
    CheckActivity,
    RunTimeline,
    finished_runs,
    load_run,
)
from hotpass_assets.lib import lineage

if TYPE_CHECKING:
    from dagster._core.definitions.assets.graph.asset_graph import AssetGraph  # not re-exported
    from openlineage.client import OpenLineageClient

#: Output dataset name -> column -> the input fields it comes from.
ColumnLineage = dict[str, dict[str, column_lineage_dataset.Fields]]
PRODUCER = ol_adapter._PRODUCER
RUNS_PER_TICK = 20
_EXTRA_OUTPUTS = {"contact_capture": ("contact_capture/contacts", "contact_capture/rejects")}


def _partition_facets(partition: str | None) -> dict[str, RunFacet]:
    nominal = build_nominal_time_facet(partition)
    return {"nominalTime": nominal} if nominal is not None else {}


def _column_lineage_facet(
    asset: str, metadata: Mapping[str, Any], namespace: str, sha: str | None
) -> ColumnLineage | None:
    """Column-lineage facets per output dataset, from ``dagster/column_lineage``; workbook
    columns (``sheet!header`` on raw_workbook) become fields of the sheet datasets."""
    value = metadata.get("dagster/column_lineage")
    table = getattr(value, "value", value)
    if not isinstance(table, dg.TableColumnLineage):
        return None
    fields: ColumnLineage = {}
    for column, deps in table.deps_by_column.items():
        inputs = []
        for dep in deps:
            upstream = dep.asset_key.to_user_string()
            if upstream == "raw_workbook" and sha:
                sheet, header = lineage.split_workbook_column(dep.column_name)
                name, fld = lineage.sheet_dataset(sha, sheet), header
            else:
                name, fld = lineage.table_dataset(upstream, dep.column_name)
            inputs.append(
                column_lineage_dataset.InputField(namespace=namespace, name=name, field=fld)
            )
        out_name, out_field = lineage.table_dataset(asset, column)
        fields.setdefault(out_name, {})[out_field] = column_lineage_dataset.Fields(
            inputFields=inputs
        )
    return fields


class LineageBuilder:
    """Turns one :class:`RunTimeline` into its OpenLineage events."""

    def __init__(self, asset_graph: "AssetGraph", namespace: str) -> None:
        self.graph = asset_graph
        self.ns = namespace

    def _schema(self, asset: str) -> schema_dataset.SchemaDatasetFacet | None:
        key = dg.AssetKey.from_user_string(asset)
        if not self.graph.has(key):
            return None
        value = self.graph.get(key).metadata.get("dagster/column_schema")
        schema = getattr(value, "schema", value)
        return build_schema_facet(schema) if isinstance(schema, dg.TableSchema) else None

    def _parents(self, asset: str) -> list[str]:
        key = dg.AssetKey.from_user_string(asset)
        if not self.graph.has(key):
            return []
        return sorted(k.to_user_string() for k in self.graph.get(key).parent_keys)

    def _datasets(self, activity: AssetActivity) -> tuple[list[InputDataset], list[OutputDataset]]:
        meta = activity.metadata
        sha = _text(meta.get(WORKBOOK_SHA)) or _text(meta.get("sha256"))
        inputs = [InputDataset(namespace=self.ns, name=p) for p in self._parents(activity.key)]
        outputs_facets: dict[str, dict[str, DatasetFacet]] = {activity.key: {}}
        schema = self._schema(activity.key)
        if schema is not None:
            outputs_facets[activity.key]["schema"] = schema
        for name in _EXTRA_OUTPUTS.get(activity.key, ()):
            outputs_facets[name] = {}
        if activity.key == "raw_workbook" and sha:
            outputs_facets[lineage.workbook_dataset(sha)] = {}
        if activity.key == "contact_capture" and sha:
            inputs.append(InputDataset(namespace=self.ns, name=lineage.workbook_dataset(sha)))
            sheets = _json(meta.get(SHEETS_READ)) or []
            inputs += [
                InputDataset(namespace=self.ns, name=lineage.sheet_dataset(sha, s)) for s in sheets
            ]
        lineage_fields = _column_lineage_facet(activity.key, meta, self.ns, sha) or {}
        for name, fields in lineage_fields.items():
            outputs_facets.setdefault(name, {})["columnLineage"] = (
                column_lineage_dataset.ColumnLineageDatasetFacet(fields=fields)
            )
        outputs = [
            OutputDataset(namespace=self.ns, name=n, facets=f) for n, f in outputs_facets.items()
        ]
        return inputs, outputs

    def _run(
        self, run_id: str, timeline: RunTimeline, facets: dict[str, RunFacet] | None = None
    ) -> Run:
        all_facets = {**_partition_facets(timeline.partition), **(facets or {})}
        if run_id != timeline.run_id:
            all_facets["parent"] = parent_run.ParentRunFacet(
                run=parent_run.Run(runId=timeline.run_id),
                job=parent_run.Job(namespace=self.ns, name=timeline.job_label),
            )
        return Run(runId=run_id, facets=all_facets)

    def _job(self, name: str, kind: str) -> Job:
        facet = job_type_job.JobTypeJobFacet(
            processingType="BATCH", integration="DAGSTER", jobType=kind
        )
        return Job(namespace=self.ns, name=name, facets={"jobType": facet})

    def _event(
        self,
        state: RunState,
        at: float,
        run: Run,
        job: Job,
        inputs: Iterable[InputDataset] = (),
        outputs: Iterable[OutputDataset] = (),
    ) -> RunEvent:
        return RunEvent(
            eventType=state,
            eventTime=to_utc_iso_8601(at),
            run=run,
            job=job,
            producer=PRODUCER,
            inputs=list(inputs),
            outputs=list(outputs),
        )

    def events(self, timeline: RunTimeline) -> list[RunEvent]:
        job = self._job(timeline.job_label, "JOB")
        run = self._run(timeline.run_id, timeline)
        end_state = {
            "success": RunState.COMPLETE,
            "failure": RunState.FAIL,
            "canceled": RunState.ABORT,
        }[timeline.outcome]
        out = [self._event(RunState.START, timeline.started_at, run, job)]
        for activity in sorted(timeline.assets.values(), key=lambda a: a.key):
            out += self._asset_events(timeline, activity)
        out += self._check_events(timeline)
        out.append(self._event(end_state, timeline.ended_at, run, job))
        return out

    def _asset_events(self, timeline: RunTimeline, activity: AssetActivity) -> list[RunEvent]:
        run_id = lineage.stable_run_id(timeline.run_id, activity.key)
        job = self._job(activity.key, "ASSET")
        inputs, outputs = self._datasets(activity)
        # load_run plans every asset it saw, at the run's start when no event says otherwise
        planned_at = timeline.started_at if activity.planned_at is None else activity.planned_at
        start = self._event(
            RunState.START, planned_at, self._run(run_id, timeline), job, inputs, outputs
        )
        if activity.materialized_at is not None:
            end = self._event(
                RunState.COMPLETE,
                activity.materialized_at,
                self._run(run_id, timeline),
                job,
                inputs,
                outputs,
            )
        elif timeline.outcome == "success":
            return []  # planned but not selected to run (a subset); nothing happened to it
        else:
            error = build_error_message_facet(
                message=f"{activity.key} was not materialised: run {timeline.outcome}"
            )
            end = self._event(
                RunState.FAIL if timeline.outcome == "failure" else RunState.ABORT,
                activity.failed_at or timeline.ended_at,
                self._run(run_id, timeline, {"errorMessage": error}),
                job,
                inputs,
                [OutputDataset(namespace=self.ns, name=activity.key)],
            )
        return [start, end]

    def _check_events(self, timeline: RunTimeline) -> list[RunEvent]:
        by_asset: dict[str, list[CheckActivity]] = {}
        for check in timeline.checks:
            by_asset.setdefault(check.asset, []).append(check)
        out: list[RunEvent] = []
        for asset, checks in sorted(by_asset.items()):
            latest = {c.name: c for c in checks}  # the last evaluation of each check
            quality = build_data_quality_assertions_facet(
                [c.evaluation for c in latest.values()], strict_assertion_mapping=False
            )
            run = self._run(lineage.stable_run_id(timeline.run_id, asset, "checks"), timeline)
            dataset = InputDataset(
                namespace=self.ns, name=asset, inputFacets={"dataQualityAssertions": quality}
            )
            at = max(c.at for c in checks)
            job = self._job(f"{asset}.checks", "ASSET_CHECK")
            out.append(self._event(RunState.START, min(c.at for c in checks), run, job, [dataset]))
            state = RunState.COMPLETE if all(c.passed for c in latest.values()) else RunState.FAIL
            out.append(self._event(state, at, run, job, [dataset]))
        return out


def _text(value: Any) -> str | None:
    inner = getattr(value, "value", getattr(value, "text", value))
    return inner if isinstance(inner, str) and inner else None


def _json(value: Any) -> Any:
    return getattr(value, "value", getattr(value, "data", value))


# --- emission ----------------------------------------------------------------------------------


def emit_runs(
    instance: dg.DagsterInstance,
    asset_graph: "AssetGraph",
    after_storage_id: int,
    *,
    client: "OpenLineageClient | None" = None,
    limit: int = RUNS_PER_TICK,
) -> tuple[int, int, str | None]:
    """Emit the events of runs that ended after the cursor; (new cursor, runs, error type).

    A run whose emission fails stops the tick before the cursor passes it, so it is emitted
    again next tick; its events repeat with the same ids, which a receiver takes as updates.
    """
    from openlineage.client import OpenLineageClient

    client = client or OpenLineageClient()
    builder = LineageBuilder(asset_graph, lineage.namespace_from_env())
    cursor, done = after_storage_id, 0
    for storage_id, run_id in finished_runs(instance, after_storage_id, limit):
        timeline = load_run(instance, run_id)
        try:
            for event in builder.events(timeline) if timeline else []:
                client.emit(event)
        except Exception as exc:  # delivery failed: keep the cursor before this run
            return cursor, done, type(exc).__name__
        cursor, done = storage_id, done + 1
    return cursor, done, None

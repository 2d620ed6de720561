"""The GraphQL calls the Dagster UI makes for the flows under test, as small functions."""

import json

from hotpass_assets_tests.e2e.harness import GraphQL

TERMINAL_RUN = {"SUCCESS", "FAILURE", "CANCELED"}
#: Backfill statuses that will not change any more.
TERMINAL_BACKFILL = {"COMPLETED", "COMPLETED_SUCCESS", "COMPLETED_FAILED", "FAILED", "CANCELED"}
#: The refined multi-asset cannot be subset: a backfill selects all of its assets.
REFINED_ASSETS = [
    "refined_organisations",
    "contacts",
    "match_review_queue",
    "organisation_conflicts",
    "entity_merge_log",
]
SCORING_ASSETS = ["lead_score_model", "lead_scores", "call_list"]

_RUNS = """
query Runs($filter: RunsFilter) {
  runsOrError(filter: $filter, limit: 200) {
    __typename
    ... on Runs { results { id status jobName tags { key value } } }
    ... on PythonError { message }
  }
}"""

_RUN_CHECKS = """
query RunChecks($runId: ID!) {
  logsForRun(runId: $runId, limit: 5000) {
    __typename
    ... on EventConnection {
      events {
        __typename
        ... on AssetCheckEvaluationEvent {
          evaluation { checkName success severity assetKey { path } }
        }
      }
    }
    ... on PythonError { message }
  }
}"""

_ASSET = """
query Asset($path: [String!]!) {
  assetNodeOrError(assetKey: {path: $path}) {
    __typename
    ... on AssetNode {
      partitionKeys
      assetPartitionStatuses {
        __typename
        ... on DefaultPartitionStatuses {
          materializedPartitions materializingPartitions failedPartitions
        }
        ... on TimePartitionStatuses { ranges { startKey endKey status } }
      }
      assetChecksOrError { ... on AssetChecks { checks { name blocking } } }
    }
  }
}"""

_LAUNCH_BACKFILL = """
mutation Launch($params: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $params) {
    __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on PythonError { message stack }
    ... on InvalidSubsetError { message }
    ... on PartitionSetNotFoundError { message }
    ... on UnauthorizedError { message }
    ... on InvalidStepError { invalidStepKey }
    ... on InvalidOutputError { stepKey invalidOutputName }
  }
}"""

_BACKFILL = """
query Backfill($id: String!) {
  partitionBackfillOrError(backfillId: $id) {
    __typename
    ... on PartitionBackfill {
      id status isAssetBackfill numPartitions partitionNames
      runs { id status startTime endTime tags { key value } }
      error { message }
    }
    ... on PythonError { message }
  }
}"""


_START_SENSOR = """
mutation Start($selector: SensorSelector!) {
  startSensor(sensorSelector: $selector) {
    __typename
    ... on Sensor { name sensorState { status } }
    ... on PythonError { message }
    ... on UnauthorizedError { message }
    ... on SensorNotFoundError { message }
  }
}"""


_RELOAD = """
mutation Reload($name: String!) {
  reloadRepositoryLocation(repositoryLocationName: $name) {
    __typename
    ... on WorkspaceLocationEntry {
      name
      locationOrLoadError { __typename ... on PythonError { message } }
    }
    ... on PythonError { message }
    ... on UnauthorizedError { message }
    ... on ReloadNotSupported { message }
    ... on RepositoryLocationNotFound { message }
  }
}"""


_SENSOR_TICKS = """
query Ticks($selector: SensorSelector!, $after: Float) {
  sensorOrError(sensorSelector: $selector) {
    __typename
    ... on Sensor { sensorState { status ticks(limit: 10, afterTimestamp: $after) { status timestamp } } }
  }
}"""

_MATERIALIZATIONS = """
query Materializations($path: [String!]!, $partitions: [String!]) {
  assetNodeOrError(assetKey: {path: $path}) {
    ... on AssetNode {
      assetMaterializations(partitions: $partitions, limit: 1) {
        runId partition timestamp
        metadataEntries { label ... on JsonMetadataEntry { jsonString } }
      }
    }
  }
}"""


def tags_of(run: dict) -> dict[str, str]:
    return {t["key"]: t["value"] for t in run["tags"]}


def runs(gql: GraphQL, tags: dict[str, str]) -> list[dict]:
    """Runs carrying all of ``tags``, newest first."""
    data = gql(_RUNS, filter={"tags": [{"key": k, "value": v} for k, v in tags.items()]})
    return data["runsOrError"]["results"]


def sensor_runs(gql: GraphQL, sensor: str) -> list[dict]:
    return runs(gql, {"dagster/sensor_name": sensor})


def run_check_evaluations(gql: GraphQL, run_id: str) -> list[dict]:
    """(asset, check, success, severity) of every check evaluated in a run."""
    data = gql(_RUN_CHECKS, runId=run_id)["logsForRun"]
    assert data["__typename"] == "EventConnection", data
    return [
        {
            "asset": "/".join(e["evaluation"]["assetKey"]["path"]),
            "check": e["evaluation"]["checkName"],
            "success": e["evaluation"]["success"],
            "severity": e["evaluation"]["severity"],
        }
        for e in data["events"]
        if e["__typename"] == "AssetCheckEvaluationEvent"
    ]


def asset(gql: GraphQL, key: str) -> dict:
    node = gql(_ASSET, path=[key])["assetNodeOrError"]
    assert node["__typename"] == "AssetNode", node
    return node


def declared_checks(gql: GraphQL, key: str) -> set[str]:
    return {c["name"] for c in asset(gql, key)["assetChecksOrError"]["checks"]}


def launch_backfill(
    gql: GraphQL,
    assets: list[str],
    partitions: list[str],
    title: str,
    *,
    job: str | None = None,
) -> str:
    """What "Materialize" → "Launch backfill" does for a selection of assets and partitions. With
    ``job``, what "Materialize all…" does on that asset job's page: the same selection, launched
    through the job's partition set, so the job's backfill policy applies."""
    params: dict = {
        "assetSelection": [{"path": [a]} for a in assets],
        "partitionNames": partitions,
        "title": title,
    }
    if job is not None:
        params["selector"] = {
            "partitionSetName": f"{job}_partition_set",
            "repositorySelector": _repository(),
        }
        params["fromFailure"] = False
    result = gql(_LAUNCH_BACKFILL, params=params)["launchPartitionBackfill"]
    assert result["__typename"] == "LaunchBackfillSuccess", result
    return result["backfillId"]


def backfill(gql: GraphQL, backfill_id: str) -> dict:
    data = gql(_BACKFILL, id=backfill_id)["partitionBackfillOrError"]
    assert data["__typename"] == "PartitionBackfill", data
    return data


def finished_backfill(gql: GraphQL, backfill_id: str) -> dict | None:
    """The backfill once its status is final, else ``None`` (a probe for ``wait_for``)."""
    data = backfill(gql, backfill_id)
    return data if data["status"] in TERMINAL_BACKFILL else None


def _repository(location: str = "hotpass") -> dict:
    return {"repositoryLocationName": location, "repositoryName": "__repository__"}


def _sensor(name: str, location: str) -> dict:
    return {**_repository(location), "sensorName": name}


def start_sensor(gql: GraphQL, name: str, location: str = "hotpass") -> str:
    """What the toggle on the UI's Automation page does; returns the sensor's new status."""
    result = gql(_START_SENSOR, selector=_sensor(name, location))["startSensor"]
    assert result["__typename"] == "Sensor", result
    return result["sensorState"]["status"]


def finished_ticks(gql: GraphQL, name: str, after: float, location: str = "hotpass") -> list[dict]:
    """The sensor's completed evaluations since ``after`` (epoch seconds)."""
    data = gql(_SENSOR_TICKS, selector=_sensor(name, location), after=after)["sensorOrError"]
    assert data["__typename"] == "Sensor", data
    return [t for t in data["sensorState"]["ticks"] if t["status"] != "STARTED"]


def latest_materialization(gql: GraphQL, key: str, partition: str) -> dict | None:
    """The latest materialisation of one partition: run id and JSON metadata (parsed)."""
    found = gql(_MATERIALIZATIONS, path=[key], partitions=[partition])["assetNodeOrError"][
        "assetMaterializations"
    ]
    if not found:
        return None
    event = found[0]
    return {
        "runId": event["runId"],
        "json": {
            e["label"]: json.loads(e["jsonString"])
            for e in event["metadataEntries"]
            if "jsonString" in e
        },
    }


def reload_location(gql: GraphQL, location: str = "hotpass") -> None:
    """Deployment → Code locations → Reload: the code location loads its definitions again."""
    entry = gql(_RELOAD, name=location)["reloadRepositoryLocation"]
    if entry["__typename"] != "WorkspaceLocationEntry":
        raise AssertionError(f"reload failed: {entry}")
    loaded = entry["locationOrLoadError"] or {}
    if loaded.get("__typename") == "PythonError":
        raise AssertionError(f"reload failed: {loaded['message']}")

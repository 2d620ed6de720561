"""The OpenLineage 2-0-2 run-event rules as a JSON Schema, for validating emitted events.

No installed or registry package ships the specification's own ``OpenLineage.json`` (checked:
openlineage-python, openlineage-integration-common, openlineage-sql, the Airflow provider), so
this states the specification's rules for a ``RunEvent`` here: the required properties and
their types, ``eventType`` values, UUID run ids (any version, as the spec says), UTC timestamps
with offsets, and that every run, job and dataset facet carries ``_producer`` and ``_schemaURL``
URIs. Validation is by ``jsonschema`` (Draft 2020-12), with patterns instead of format
checkers so that nothing depends on optional format packages.
"""

URI = {"type": "string", "pattern": r"^[A-Za-z][A-Za-z0-9+.\-]*:\S+$"}
UUID = {
    "type": "string",
    "pattern": r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
}
DATE_TIME = {
    "type": "string",
    "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$",
}

FACET = {
    "type": "object",
    "required": ["_producer", "_schemaURL"],
    "properties": {"_producer": URI, "_schemaURL": URI, "_deleted": {"type": "boolean"}},
}
FACETS = {"type": "object", "additionalProperties": FACET}

DATASET = {
    "type": "object",
    "required": ["namespace", "name"],
    "properties": {
        "namespace": {"type": "string", "minLength": 1},
        "name": {"type": "string", "minLength": 1},
        "facets": FACETS,
        "inputFacets": FACETS,
        "outputFacets": FACETS,
    },
}

RUN_EVENT = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["eventTime", "producer", "schemaURL", "run", "job"],
    "properties": {
        "eventType": {
            "enum": ["START", "RUNNING", "COMPLETE", "ABORT", "FAIL", "OTHER"],
        },
        "eventTime": DATE_TIME,
        "producer": URI,
        "schemaURL": {
            "type": "string",
            "pattern": r"^https://openlineage\.io/spec/\d+-\d+-\d+/OpenLineage\.json#/\$defs/RunEvent$",
        },
        "run": {
            "type": "object",
            "required": ["runId"],
            "properties": {"runId": UUID, "facets": FACETS},
        },
        "job": {
            "type": "object",
            "required": ["namespace", "name"],
            "properties": {
                "namespace": {"type": "string", "minLength": 1},
                "name": {"type": "string", "minLength": 1},
                "facets": FACETS,
            },
        },
        "inputs": {"type": "array", "items": DATASET},
        "outputs": {"type": "array", "items": DATASET},
    },
}

"""Run the stored Great Expectations suites (GX 1.x) on dataset frames.

One suite per frame-valued dataset lives in ``suites/<dataset>.json`` in GX's own suite format
(``name``, ``expectations`` with ``type``/``kwargs``/``meta``, ``meta``). The suite's ``meta``
names the table it applies to and the id column whose values identify failing rows.

Suites run in one ephemeral data context per process (no project directory, no analytics, no
progress bars): a pandas data source, one dataframe asset and whole-dataframe batch definition
per suite. The context, assets and validation definitions are created on first use and reused, so
a run costs only the validation itself. ``great_expectations`` is imported on first use; it is
slow to import.

Results are reduced to expectation, column, counts and the ids of failing rows (GX's
``partial_unexpected_index_list`` restricted to the id column). Failing values are never read.
Data Docs, when asked for, are built from a copy of the result with all values removed.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from hotpass_assets.lib import fields
from hotpass_assets.lib.fields import Field

if TYPE_CHECKING:
    from great_expectations import ValidationDefinition
    from great_expectations.core import (
        ExpectationSuiteValidationResult,
        ExpectationValidationResult,
    )
    from great_expectations.data_context.data_context.abstract_data_context import (
        AbstractDataContext,
    )

SUITES_DIR = Path(__file__).resolve().parent / "suites"
#: How many failing-row ids GX returns per expectation.
PARTIAL_IDS = 20
#: GX result keys that hold values; removed before anything is stored or rendered.
VALUE_KEYS = ("partial_unexpected_list", "partial_unexpected_counts", "unexpected_list")

_LOCK = threading.Lock()


def _new_lock_in_child() -> None:
    """A process forked while another thread held the lock (drops are ingested side by side)
    would wait for it for good: the child starts with its own."""
    global _LOCK
    _LOCK = threading.Lock()


os.register_at_fork(after_in_child=_new_lock_in_child)
#: The ephemeral GX context, its pandas data source and validation definitions per dataset.
_RUNTIME: dict[str, Any] = {}


@dataclass
class ExpectationResult:
    expectation: str
    column: str | None
    success: bool
    element_count: int = 0
    unexpected_count: int = 0
    failing_ids: list[str] = field(default_factory=list)
    raised_exception: bool = False

    @property
    def key(self) -> str:
        name = self.expectation.removeprefix("expect_")
        return f"{name}:{self.column or '*'}"


@dataclass
class SuiteRun:
    suite: str
    table: str
    success: bool
    results: list[ExpectationResult]
    #: Seconds spent validating (context and suite set-up excluded).
    validate_s: float
    #: Seconds spent creating the context and registering the suite in this call (0 when cached).
    setup_s: float
    docs_path: str | None = None

    @property
    def failed(self) -> list[ExpectationResult]:
        return [r for r in self.results if not r.success]

    def failures(self) -> dict[str, int]:
        return {r.key: max(r.unexpected_count, 1) for r in self.failed}

    def failing_ids(self) -> list[str]:
        return sorted({i for r in self.failed for i in r.failing_ids})


def suite_path(dataset: str) -> Path:
    return SUITES_DIR / f"{dataset}.json"


def has_suite(dataset: str) -> bool:
    return suite_path(dataset).exists()


def load_suite_config(dataset: str) -> dict[str, Any]:
    """The stored suite of ``dataset`` as a dict (GX suite JSON), column lists filled in."""
    config: dict[str, Any] = json.loads(suite_path(dataset).read_text(encoding="utf-8"))
    return with_registry_columns(config)


def with_registry_columns(
    config: dict[str, Any], registry: Sequence[Field] | None = None
) -> dict[str, Any]:
    """``config`` with the ordered column list of a registry table taken from the registry.

    The stored suites of tables made of registry fields (:data:`fields.DATASET_TABLES`) leave
    ``column_list`` out of ``expect_table_columns_to_match_ordered_list``; it is the table's
    columns in registry order.
    """
    meta = config.get("meta", {})
    target = fields.DATASET_TABLES.get((config["name"], meta.get("table")))
    if target is None:
        return config
    for e in config["expectations"]:
        if e["type"] == "expect_table_columns_to_match_ordered_list":
            e.setdefault("kwargs", {})["column_list"] = list(fields.columns(*target, registry))
    return config


def suite_target(dataset: str) -> tuple[str, str]:
    """``(table, id_column)`` the suite of ``dataset`` validates."""
    meta = load_suite_config(dataset).get("meta", {})
    return str(meta["table"]), str(meta["id_column"])


def _gx() -> ModuleType:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.execution_engine import pandas_execution_engine

    # GX fingerprints every in-memory batch smaller than HASH_THRESHOLD bytes (a hash of every
    # cell, read at each batch) and stores it only in the batch markers, which nothing here
    # reads: 7 s of a 19 s run of the refined suite on 900,000 organisations. 0: never.
    pandas_execution_engine.HASH_THRESHOLD = 0
    return gx


def _context() -> AbstractDataContext:
    ctx: AbstractDataContext | None = _RUNTIME.get("context")
    if ctx is None:
        gx = _gx()
        from great_expectations.data_context.types.base import ProgressBarsConfig

        ctx = gx.get_context(mode="ephemeral")
        ctx.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
        _RUNTIME["context"] = ctx
        _RUNTIME["source"] = ctx.data_sources.add_pandas("hotpass")
    return ctx


def _validation_definition(dataset: str) -> ValidationDefinition:
    key = f"vd:{dataset}"
    known: ValidationDefinition | None = _RUNTIME.get(key)
    if known is not None:
        return known
    gx = _gx()
    from great_expectations.expectations.expectation_configuration import (
        ExpectationConfiguration,
    )

    ctx = _context()
    config = load_suite_config(dataset)
    suite = gx.ExpectationSuite(
        name=config["name"],
        expectations=[
            ExpectationConfiguration(
                type=e["type"], kwargs=e.get("kwargs", {}), meta=e.get("meta", {})
            ).to_domain_obj()
            for e in config["expectations"]
        ],
        meta=config.get("meta", {}),
    )
    suite = ctx.suites.add(suite)
    asset = _RUNTIME["source"].add_dataframe_asset(name=config["name"])
    batch = asset.add_batch_definition_whole_dataframe(f"{config['name']}:whole")
    vd = ctx.validation_definitions.add(
        gx.ValidationDefinition(name=f"{config['name']}:validation", data=batch, suite=suite)
    )
    _RUNTIME[key] = vd
    return vd


#: Table expectations that read the columns' names or the row count, never a value.
_SHAPE_ONLY = frozenset(
    {
        "expect_table_columns_to_match_ordered_list",
        "expect_table_columns_to_match_set",
        "expect_table_column_count_to_equal",
        "expect_table_column_count_to_be_between",
        "expect_table_row_count_to_equal",
        "expect_table_row_count_to_be_between",
    }
)
#: Expectation arguments that name a column whose values are read.
_VALUE_COLUMN_KWARGS = ("column", "column_A", "column_B")


def value_columns(config: dict[str, Any]) -> frozenset[str] | None:
    """The columns whose values the suite's expectations read, or ``None`` when one might read
    any: an expectation on several columns or of a kind not known here, or one with a
    ``row_condition`` (which may name any column)."""
    read: set[str] = set()
    for e in config["expectations"]:
        kind, kwargs = e["type"], e.get("kwargs", {})
        if kwargs.get("row_condition"):
            return None
        if kind in _SHAPE_ONLY:
            continue
        if not kind.startswith("expect_column_"):  # one column, or a pair (column_A, column_B)
            return None
        read.update(kwargs[k] for k in _VALUE_COLUMN_KWARGS if k in kwargs)
    id_column = config.get("meta", {}).get("id_column")
    if id_column:
        read.add(id_column)
    return frozenset(read)


def gx_frame(frame: pd.DataFrame, read: frozenset[str] | None = None) -> pd.DataFrame:
    """The frame as GX sees it: list-valued cells become ``;``-joined text (hashable).

    A column outside ``read`` (the columns whose values the suite reads; ``None``: all) keeps
    its name, which table expectations check, over a one-byte placeholder instead of its
    values: GX copies every column of the frame for each column expectation (the rows where
    that column is not null), so 648,314 refined organisations carried 37 columns through 15
    such copies where the suite reads 14 of them (7.9 → 4.8 s per run of the suite)."""
    from hotpass_assets.lib.contracts.validation import positional

    out = positional(frame)
    unread = [c for c in out.columns if read is not None and c not in read]
    if unread:
        out = out.drop(columns=unread)
        placeholder = np.zeros(len(out), dtype=np.bool_)
        for col in unread:
            out[col] = placeholder
        out = out[list(frame.columns)]
    for col in out.columns:
        # infer_dtype (one pass in C) names text, number and date columns; only a "mixed"
        # column can hold lists
        if out[col].dtype != object or pd.api.types.infer_dtype(out[col]) != "mixed":
            continue
        values = out[col].to_numpy(dtype=object)
        if any(_is_listlike(v) for v in values):
            text = [_joined(v) for v in values]
            out[col] = pd.Series(text, index=out.index, dtype=object)
    # GX copies the frame once per column expectation (the rows whose column is not null);
    # each copy of a frame whose columns sit in many blocks (a replaced column, a built
    # table) merges them again. One copy here merges them once.
    return out.copy()


def _joined(value: object) -> object:
    """A list-like cell as ``;``-joined text of its items; any other cell as it is."""
    if type(value) is list:
        try:  # text items (the usual case) join as they are
            return "; ".join(value)
        except TypeError:
            pass
    if _is_listlike(value):
        return "; ".join(map(str, value))  # type: ignore[call-overload]
    return value


def warm(*datasets: str) -> None:
    """Import GX and build the validation definitions of ``datasets`` now: a reading process
    forked afterwards inherits them instead of importing GX again (about 4 s per drop)."""
    with _LOCK:
        for dataset in datasets:
            _validation_definition(dataset)


def _is_listlike(value: object) -> bool:
    return isinstance(value, list | tuple) or (
        hasattr(value, "tolist") and getattr(value, "ndim", 0) == 1
    )


def run_suite(dataset: str, frame: pd.DataFrame, *, docs_dir: str | Path | None = None) -> SuiteRun:
    """Validate ``frame`` with the stored suite of ``dataset``."""
    with _LOCK:
        t0 = time.perf_counter()
        vd = _validation_definition(dataset)
        setup_s = time.perf_counter() - t0
        config = load_suite_config(dataset)
        meta = config.get("meta", {})
        id_column = meta.get("id_column")
        data = gx_frame(frame, value_columns(config))
        index_cols = [id_column] if id_column in data.columns else []
        t1 = time.perf_counter()
        # A pass/fail run is cheap; details (counts, ids of failing rows) are computed only
        # when something failed, and only for what failed (Data Docs show every expectation).
        res = vd.run(batch_parameters={"dataframe": data}, result_format="BOOLEAN_ONLY")
        raw = list(res.results)
        if not res.success:
            result_format: dict[str, Any] = {
                "result_format": "SUMMARY",
                "partial_unexpected_count": PARTIAL_IDS,
            }
            if index_cols:
                result_format["unexpected_index_column_names"] = index_cols
            if docs_dir is None:
                raw = _with_details(vd, data, raw, result_format)
            else:
                res = vd.run(batch_parameters={"dataframe": data}, result_format=result_format)
                raw = list(res.results)
        validate_s = time.perf_counter() - t1
        results = [_reduce(r, id_column) for r in raw]
        _forget_results()
        docs = None
        if docs_dir is not None:
            docs = _build_docs(res, Path(docs_dir), config["name"])
            _forget_results()
    return SuiteRun(
        suite=config["name"],
        table=str(meta.get("table")),
        success=bool(res.success),
        results=results,
        validate_s=validate_s,
        setup_s=setup_s,
        docs_path=docs,
    )


def _with_details(
    vd: ValidationDefinition,
    data: pd.DataFrame,
    results: list[ExpectationValidationResult],
    result_format: dict[str, Any],
) -> list[ExpectationValidationResult]:
    """``results`` with each failed one replaced by its run in ``result_format``: the failed
    expectations run again as a suite of their own, the passed ones are not."""
    import copy

    gx = _gx()
    failed = [r.expectation_config for r in results if not r.success]
    suite = gx.ExpectationSuite(
        name=f"{vd.suite.name}:failed",
        # copies: the suite's own expectations belong to it
        expectations=[copy.copy(cfg.to_domain_obj()) for cfg in failed if cfg is not None],
    )
    batch = vd.data.get_batch(batch_parameters={"dataframe": data})
    details = iter(batch.validate(suite, result_format=result_format).results)
    return [r if r.success else next(details) for r in results]


def _reduce(r: ExpectationValidationResult, id_column: str | None) -> ExpectationResult:
    cfg = r.expectation_config
    if cfg is None:  # results of a suite run always carry their expectation
        raise ValueError("GX result without its expectation configuration")
    kwargs = cfg.kwargs or {}
    result = r.result or {}
    ids: list[str] = []
    for entry in result.get("partial_unexpected_index_list") or []:
        if isinstance(entry, dict) and id_column in entry:
            value = entry[id_column]
            if value is not None and value == value:
                ids.append(str(value))
    raised = bool((r.exception_info or {}).get("raised_exception"))
    return ExpectationResult(
        expectation=cfg.type,
        column=kwargs.get("column") or kwargs.get("column_A"),
        success=bool(r.success),
        element_count=int(result.get("element_count") or 0),
        unexpected_count=int(result.get("unexpected_count") or 0),
        failing_ids=list(dict.fromkeys(ids)),
        raised_exception=raised,
    )


def _scrubbed(res: ExpectationSuiteValidationResult) -> ExpectationSuiteValidationResult:
    """Copy of a suite validation result without any cell values (ids and counts stay)."""
    from great_expectations.core import ExpectationSuiteValidationResult

    # GX leaves these methods unannotated.
    data: dict[str, Any] = res.to_json_dict()  # type: ignore[no-untyped-call]
    for item in data.get("results", []):
        result = item.get("result") or {}
        for key in VALUE_KEYS:
            result.pop(key, None)
        index_cols = result.get("unexpected_index_column_names") or []
        entries = result.get("partial_unexpected_index_list") or []
        result["partial_unexpected_index_list"] = [
            {k: v for k, v in e.items() if k in index_cols} for e in entries if isinstance(e, dict)
        ]
        result.pop("unexpected_index_list", None)
        result.pop("unexpected_index_query", None)
        item.pop("exception_info", None)
    return ExpectationSuiteValidationResult(**_result_kwargs(data))


def _result_kwargs(data: dict[str, Any]) -> dict[str, Any]:
    from great_expectations.core import ExpectationValidationResult
    from great_expectations.expectations.expectation_configuration import (
        ExpectationConfiguration,
    )

    results = []
    for item in data.get("results", []):
        cfg = item.get("expectation_config") or {}
        results.append(
            ExpectationValidationResult(
                success=item.get("success"),
                expectation_config=ExpectationConfiguration(
                    type=str(cfg.get("type")),
                    kwargs=cfg.get("kwargs", {}),
                    meta=cfg.get("meta", {}),
                ),
                result=item.get("result") or {},
            )
        )
    return {
        "success": data.get("success"),
        "results": results,
        "suite_name": data.get("suite_name"),
        "statistics": data.get("statistics"),
        "meta": data.get("meta") or {},
    }


def _build_docs(
    res: ExpectationSuiteValidationResult, docs_dir: Path, suite_name: str
) -> str | None:
    """Render the (value-free) result as GX Data Docs under ``docs_dir``; the index path."""
    try:
        from great_expectations.core.run_identifier import RunIdentifier
        from great_expectations.data_context.types.resource_identifiers import (
            ExpectationSuiteIdentifier,
            ValidationResultIdentifier,
        )
    except ImportError:  # pragma: no cover - present in GX 1.x
        return None
    ctx = _context()
    site = "hotpass_local"
    docs_dir.mkdir(parents=True, exist_ok=True)
    sites = ctx.list_data_docs_sites() or {}
    if site not in sites:
        ctx.add_data_docs_site(
            site_name=site,
            site_config={
                "class_name": "SiteBuilder",
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(docs_dir),
                },
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            },
        )
    scrubbed = _scrubbed(res)
    run_id = RunIdentifier(run_name=f"{suite_name}:{time.strftime('%Y%m%dT%H%M%S')}")
    key = ValidationResultIdentifier(
        expectation_suite_identifier=ExpectationSuiteIdentifier(name=suite_name),
        run_id=run_id,
        batch_identifier=suite_name,
    )
    ctx.validation_results_store.set(key, scrubbed)
    urls = ctx.build_data_docs(site_names=[site])
    url = urls.get(site)
    return url.removeprefix("file://") if url else str(docs_dir / "index.html")


def _forget_results() -> None:
    """Drop validation results GX kept in its in-memory store (they hold cell values)."""
    store = _context().validation_results_store
    for key in list(store.list_keys()):
        store.remove_key(key)  # type: ignore[no-untyped-call]  # unannotated in GX


def reset() -> None:
    """Forget the cached context (tests)."""
    with _LOCK:
        _RUNTIME.clear()

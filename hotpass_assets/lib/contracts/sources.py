"""Structural contracts of the source sheets: what each known workbook kind promises.

A :class:`SheetContract` ties a sheet of a workbook kind (as the capture profile recognises it)
to its Pandera model in :mod:`hotpass_assets.lib.contracts.models`. :func:`check_workbook`
reads the sheets of a dropped workbook as text and reports

* **breaches** (they block the drop): a required sheet or a required column is missing, or a key
  column is empty on every data row (a shifted or renamed header);
* **drift** (reported only): an expected column is missing (its field will be empty), a key
  column is empty on some data rows (capture rejects those rows), an optional sheet is absent, or
  a sheet has no data rows.

Headers match the way capture matches them: exactly, else by header key (case, spacing and
punctuation ignored). Data rows exclude empty rows and rows that only hold ids. Failing rows are
named by ``<sheet>!R<Excel row>``; no cell value is ever reported.
"""

from __future__ import annotations

import re
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from hotpass_assets.lib.contracts.validation import validate
from hotpass_assets.lib.profiles import Profile
from hotpass_assets.lib.reading import Workbook


@dataclass(frozen=True)
class SheetContract:
    """What a sheet of a workbook kind promises, as its capture profile declares it."""

    kind: str
    sheet: str
    model: type[pa.DataFrameModel]
    role: str
    optional: bool = False
    header_row: int = 1
    id_columns: tuple[str, ...] = ()
    #: Columns the sheet must have (the profile's ``required_columns`` and ``key_columns``).
    required_columns: tuple[str, ...] = ()
    #: Columns the source fills on every data row.
    key_columns: tuple[str, ...] = ()

    @property
    def table(self) -> str:
        """Table name of the sheet contract within ``raw_workbook``: ``<kind>.<sheet slug>``."""
        return table_name(self.kind, self.sheet)

    def roles(self) -> dict[str, dict[str, bool]]:
        """Header -> {"required", "key"}: the model's columns, with the profile's required and
        key columns (a column the model does not describe is added)."""
        out = column_roles(self.model)
        for header in (*self.required_columns, *self.key_columns):
            role = out.setdefault(header, {"required": False, "key": False})
            role["required"] = True
            role["key"] = role["key"] or header in self.key_columns
        return out


def table_name(kind: str, sheet: str) -> str:
    """``<kind>.<sheet slug>``: the sheet's table within ``raw_workbook``."""
    return f"{kind}.{re.sub(r'[^a-z0-9]+', '_', sheet.lower()).strip('_')}"


def contracts_of(profile: Profile) -> dict[str, tuple[SheetContract, ...]]:
    """Kind -> the contracts of its sheets, from the profile: sheet, role, optional flag, header
    row, id, required and key columns. The Pandera model is the hand-written one of
    :mod:`.models` when there is one (its column descriptions) with the profile's required and
    key columns, else one built from the profile.
    """
    from hotpass_assets.lib.contracts.profile_models import model_for

    out: dict[str, tuple[SheetContract, ...]] = {}
    for kind in profile.kinds:
        contracts = []
        for spec in kind.sheets:
            if not isinstance(spec.header_row, int):
                raise ValueError(
                    f"profile {profile.file}: kind {kind.kind!r}, sheet {spec.sheet!r}: a "
                    "source-sheet contract needs a numbered header_row"
                )
            required = tuple(dict.fromkeys((*spec.key_columns, *spec.required_columns)))
            contracts.append(
                SheetContract(
                    kind=kind.kind,
                    sheet=spec.sheet,
                    model=model_for(kind, spec, table_name(kind.kind, spec.sheet)),
                    role=spec.role,
                    optional=spec.optional,
                    header_row=spec.header_row,
                    id_columns=spec.id_columns,
                    required_columns=required,
                    key_columns=spec.key_columns,
                )
            )
        out[kind.kind] = tuple(contracts)
    return out


@cache
def _shipped(_stamp: tuple[tuple[str, int], ...]) -> dict[str, tuple[SheetContract, ...]]:
    from hotpass_assets.lib.profiles import load_profiles

    out: dict[str, tuple[SheetContract, ...]] = {}
    for profile in load_profiles():
        out.update(contracts_of(profile))
    return out


def sheet_contracts() -> dict[str, tuple[SheetContract, ...]]:
    """Kind -> sheet contracts of every kind of the shipped profiles (``lib/profiles/*.yaml``)."""
    from hotpass_assets.lib import profiles

    return _shipped(profiles.profiles_stamp())


def __getattr__(name: str) -> dict[str, tuple[SheetContract, ...]]:
    # SHEET_CONTRACTS is read from the profiles on first use, not at import.
    if name == "SHEET_CONTRACTS":
        return sheet_contracts()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def all_sheet_contracts() -> list[SheetContract]:
    return [c for contracts in sheet_contracts().values() for c in contracts]


def sheet_contract(table: str) -> SheetContract:
    for c in all_sheet_contracts():
        if c.table == table:
            return c
    raise KeyError(f"no source-sheet contract {table!r}")


def column_roles(model: type[pa.DataFrameModel]) -> dict[str, dict[str, bool]]:
    """Header -> {"required": bool, "key": bool} of a source-sheet model."""
    schema = model.to_schema()
    out = {}
    for name, col in schema.columns.items():
        meta = col.metadata or {}
        out[str(name)] = {"required": bool(meta.get("required")), "key": bool(meta.get("key"))}
    return out


@dataclass
class Finding:
    """One structural finding: where and what, never a value."""

    sheet: str | None
    column: str | None
    rule: str
    rows: int = 0
    refs: list[str] = field(default_factory=list)
    message: str = ""

    @property
    def key(self) -> str:
        where = self.sheet or "*"
        return f"{self.rule}:{where}" + (f".{self.column}" if self.column else "")


@dataclass
class SourceReport:
    source_file: str
    profile_name: str | None
    workbook_kind: str | None
    sheets_checked: list[str] = field(default_factory=list)
    data_rows: int = 0
    breaches: list[Finding] = field(default_factory=list)
    drift: list[Finding] = field(default_factory=list)
    #: Sheets of the workbook the kind neither reads nor ignores, with their non-empty rows.
    unlisted_sheets: dict[str, int] = field(default_factory=dict)
    elapsed_s: float = 0.0

    #: Whether the kind has sheet contracts (the generic profile has none).
    has_contract: bool = False


def _rename_to_contract(frame: pd.DataFrame, headers: list[str]) -> pd.DataFrame:
    from hotpass_assets.lib.profiles import resolve_column

    mapping = {}
    for header in headers:
        found = resolve_column(header, list(frame.columns))
        if found is not None and found != header and header not in frame.columns:
            mapping[found] = header
    return frame.rename(columns=mapping) if mapping else frame


def check_sheet(
    book: Workbook,
    contract: SheetContract,
    source_file: str,
    report: SourceReport,
    *,
    keep: bool = False,
) -> None:
    """Check one sheet of an open :class:`~hotpass_assets.lib.reading.Workbook` (``keep``: its
    cells stay cached in ``book`` for a next reader)."""
    found = book.find_sheet(contract.sheet)
    where = f"file {source_file!r}, sheet {contract.sheet!r}"
    if found is None:
        finding = Finding(
            contract.sheet,
            None,
            "missing_sheet",
            message=f"{where}: missing_sheet (kind {contract.kind!r}, role {contract.role})",
        )
        (report.drift if contract.optional else report.breaches).append(finding)
        return
    roles = contract.roles()
    table = book.read_sheet(
        found,
        header_row=contract.header_row,
        id_columns=contract.id_columns,
        verify_formulas=False,
        expected=[h for h, role in roles.items() if role["required"]],
    )
    if not keep:
        book.forget(found)
    report.sheets_checked.append(found)
    where = f"file {source_file!r}, sheet {found!r}"
    frame: pd.DataFrame = table.frame()
    frame = _rename_to_contract(frame, list(roles))
    data = frame[table.data_mask] if len(frame) else frame
    report.data_rows += len(data)
    if len(data) == 0:
        report.drift.append(
            Finding(found, None, "sheet_without_data", message=f"{where}: no data rows")
        )
    for header, role in roles.items():
        if header not in frame.columns and not role["required"]:
            report.drift.append(
                Finding(
                    found,
                    header,
                    "missing_expected_column",
                    message=f"{where}: missing_expected_column {header!r} (its field will be "
                    "empty)",
                )
            )
    result = validate(contract.model, data, id_column=None, table=found)
    _report_failures(result.failures, data, found, where, report)


def _report_failures(
    failures: dict[str, int], data: pd.DataFrame, found: str, where: str, report: SourceReport
) -> None:
    """Turn the Pandera failures of a sheet's data rows into breaches and drift findings."""
    rows = data.index  # Excel row numbers
    for key, n in sorted(failures.items()):
        rule, _, column = key.partition(":")
        if rule == "missing_column":
            report.breaches.append(
                Finding(
                    found,
                    column,
                    "missing_column",
                    message=f"{where}: missing_column {column!r} (required)",
                )
            )
            continue
        refs = _null_refs(data, column, found) if rule == "not_null" else []
        if rule == "not_null" and n >= len(data):
            report.breaches.append(
                Finding(
                    found,
                    column,
                    "key_column_empty",
                    rows=n,
                    refs=refs,
                    message=f"{where}: key_column_empty {column!r} (empty on all {n} data rows)",
                )
            )
        elif rule == "not_null":
            report.drift.append(
                Finding(
                    found,
                    column,
                    "key_column_nulls",
                    rows=n,
                    refs=refs,
                    message=f"{where}: key_column_nulls {column!r} (empty on {n} of {len(rows)} "
                    "data rows; capture rejects them)",
                )
            )
        else:
            report.breaches.append(
                Finding(found, column, rule, rows=n, message=f"{where}: {rule} {column!r}")
            )


def _null_refs(data: pd.DataFrame, column: str, sheet: str) -> list[str]:
    if column not in data.columns:
        return []
    return [f"{sheet}!R{int(r)}" for r in data.index[data[column].isna()]]


@contextmanager
def _named(path: Path, name: str) -> Iterator[Path]:
    """``path`` under the file name ``name`` (a temporary link), so that recognisers that look
    at the file name see the name the workbook was dropped with, not its archive name."""
    if path.name == name or not name or Path(name).name != name:
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="hotpass-contract-") as tmp:
        link = Path(tmp) / name
        try:
            link.symlink_to(path.resolve())
        except OSError:
            yield path
            return
        yield link


def check_workbook(
    path: str | Path, *, source_file: str | None = None, profile: str | None = None
) -> SourceReport:
    """Recognise the workbook kind (like capture does) and check its sheets' contracts.

    ``source_file`` is the name the workbook was dropped with; recognition sees that name even
    when ``path`` is an archived copy under another name.

    Raises :class:`~hotpass_assets.lib.reading.WorkbookReadError` when the file is unreadable.
    """
    from hotpass_assets.lib.reading import open_workbook

    source_file = source_file or Path(path).name
    with _named(Path(path), source_file) as named, open_workbook(named) as book:
        return check_book(book, source_file, profile=profile)


def check_book(
    book: Workbook, source_file: str, *, profile: str | None = None, keep: bool = False
) -> SourceReport:
    """:func:`check_workbook` on an open workbook (known by ``source_file``); ``keep``: the
    contract sheets' cells stay cached in ``book`` (for its sheet inventory)."""
    from hotpass_assets.lib.profiles import select_profile

    t0 = time.perf_counter()
    prof, kind_name = select_profile(book, force=profile)
    contracts = () if prof.is_generic else contracts_of(prof).get(kind_name, ())
    report = SourceReport(source_file, prof.name, kind_name, has_contract=bool(contracts))
    for contract in contracts:
        check_sheet(book, contract, source_file, report, keep=keep)
    if not prof.is_generic:
        kind = prof.kind(kind_name)
        known = {s.sheet for s in kind.sheets} | {s.sheet for s in kind.ignore}
        known_found = {book.find_sheet(s) for s in known}
        for name in book.sheet_names:
            if name in known_found:
                continue
            non_empty = book.non_empty_rows(name)
            book.forget(name)  # kept or not, at most the contract's sheets stay cached
            if non_empty:
                report.unlisted_sheets[name] = non_empty
    report.elapsed_s = time.perf_counter() - t0
    return report

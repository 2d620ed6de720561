"""Entry point: choose the profile, read the sheets it names and capture each of them."""

from __future__ import annotations

import re
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from hotpass_assets.lib.capture.context import Ctx, sheet_slug
from hotpass_assets.lib.capture.frames import CaptureResult, frame, rejects_frame
from hotpass_assets.lib.capture.sheet import process_sheet
from hotpass_assets.lib.columnar import gc_paused
from hotpass_assets.lib.profiles import (
    FieldSpec,
    GenericSpec,
    Kind,
    SheetSpec,
    map_headers,
    select_profile,
)
from hotpass_assets.lib.reading import SheetTable, Workbook, open_workbook
from hotpass_assets.lib.records import CAPTURE_CONTACT_COLUMNS, CAPTURE_ORGANISATION_COLUMNS

__all__ = ["capture_workbook"]


def _ignored_stats(book: Workbook, sheet: str, role: str, reason: str) -> dict[str, Any]:
    non_empty = book.non_empty_rows(sheet)
    book.forget(sheet)
    return {
        "sheet": sheet,
        "role": role,
        "rows_read": 0,
        "non_empty_rows": non_empty,
        "ignored_reason": reason,
    }


# --- generic profile -----------------------------------------------------------------------------


def _generic_specs(
    book: Workbook, spec: GenericSpec
) -> tuple[list[tuple[SheetSpec, SheetTable]], dict[str, Any], list[dict[str, Any]]]:
    """Sheets the generic profile reads (with their tables), the mapping metadata and skips."""
    plans: list[tuple[SheetSpec, SheetTable]] = []
    mapping: dict[str, dict[str, Any]] = {}
    skipped: list[dict[str, Any]] = []
    hints = spec.hints()
    for name in book.sheet_names:
        if any(re.search(p, name) for p in spec.ignore_sheets):
            skipped.append({"sheet": name, "reason": "sheet name matches ignore_sheets"})
            continue
        table = book.read_sheet(name, header_row="auto", hints=hints)
        if not table.headers:
            skipped.append({"sheet": name, "reason": "sheet is empty"})
            continue
        hm = map_headers(table.headers, spec)
        mapping[name] = {"header_row": table.header_row, **hm.as_metadata()}
        fields_map = hm.fields()
        if "organisation_name" not in fields_map:
            skipped.append(
                {"sheet": name, "reason": "no column maps to organisation_name", "table": table}
            )
            continue
        fspecs = {
            f: FieldSpec(f, tuple(hs), spec.parser_for(f), label=(f == "notes" and len(hs) > 1))
            for f, hs in fields_map.items()
        }
        sheet_spec = SheetSpec(
            sheet=name,
            role="organisations",
            fields=fspecs,
            header_row="auto",
            unmapped=spec.unmapped,
        )
        plans.append((sheet_spec, table))
    return plans, mapping, skipped


def _capture_generic(
    ctx: Ctx, book: Workbook, spec: GenericSpec, timings: dict[str, float], t0: float
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Every sheet with an organisation name column, by the generic profile's header mapping."""
    plans, mapping, skipped = _generic_specs(book, spec)
    t1 = time.perf_counter()
    timings["read_s"] = t1 - t0 - timings["select_s"]
    sheet_stats = [process_sheet(ctx, sheet, table, set(), set()) for sheet, table in plans]
    for s in skipped:
        table = s.get("table")
        stat = {
            "sheet": s["sheet"],
            "role": "ignore",
            "ignored_reason": s["reason"],
            "rows_read": 0,
            "non_empty_rows": int((~table.empty_mask).sum()) + 1 if table else 0,
        }
        sheet_stats.append(stat)
    if not plans:
        ctx.structural_error(
            None,
            None,
            "no_organisation_column",
            f"no sheet of file {ctx.source_file!r} has a column that maps to "
            f"organisation_name (sheets: {len(book.sheet_names)})",
        )
    timings["capture_s"] = time.perf_counter() - t1
    return sheet_stats, mapping


# --- named profiles ------------------------------------------------------------------------------


def _capture_kind(
    ctx: Ctx, book: Workbook, kind: Kind, timings: dict[str, float]
) -> list[dict[str, Any]]:
    """The kind's sheets (organisations sheets first, so joins find their targets), then its
    ignored sheets and the sheets it does not list."""
    stats: list[dict[str, Any]] = []
    read_s = 0.0
    listed: set[str] = set()
    # Columns used as join keys, per sheet (sources and targets).
    link_cols: dict[str, set[str]] = defaultdict(set)
    target_cols: dict[str, set[str]] = defaultdict(set)
    for s in kind.sheets:
        if s.link:
            link_cols[s.sheet] |= {k.column for k in s.link.keys}
            target_cols[s.link.sheet] |= {k.target for k in s.link.keys}
    ordered = [s for s in kind.sheets if s.role == "organisations"] + [
        s for s in kind.sheets if s.role != "organisations"
    ]
    for spec in ordered:
        found = _find_listed(ctx, book, kind, spec)
        if found is None:
            stats.append(
                {
                    "sheet": spec.sheet,
                    "role": spec.role,
                    "rows_read": 0,
                    "ignored_reason": "sheet missing from the workbook",
                }
            )
            continue
        listed.add(found)
        r0 = time.perf_counter()
        table = _read_listed(book, found, spec)
        read_s += time.perf_counter() - r0
        stats.append(
            process_sheet(ctx, spec, table, link_cols[spec.sheet], target_cols[spec.sheet])
        )
    stats += _not_read(ctx, book, kind, listed)
    timings["read_s"] = read_s
    return stats


def _find_listed(ctx: Ctx, book: Workbook, kind: Kind, spec: SheetSpec) -> str | None:
    """The workbook's sheet for ``spec``; reports a missing sheet or link target."""
    found = book.find_sheet(spec.sheet)
    if found is None:
        ctx.structural_error(
            spec.sheet,
            None,
            "missing_sheet",
            f"file {ctx.source_file!r} has no sheet {spec.sheet!r} (kind {kind.kind!r}, "
            f"role {spec.role})",
            "warning" if spec.optional else "error",
        )
        return None
    if spec.link and spec.link.sheet not in ctx.indexes:
        ctx.structural_error(
            spec.sheet,
            None,
            "missing_link_target",
            f"sheet {spec.sheet!r} links to {spec.link.sheet!r}, which was not read; "
            "its rows cannot be linked",
        )
    return found


def _read_listed(book: Workbook, found: str, spec: SheetSpec) -> SheetTable:
    hints = [c for fs in spec.fields.values() for c in fs.columns]
    expected = set(spec.required_columns) | {
        c for fs in spec.fields.values() if fs.required for c in fs.columns
    }
    table = book.read_sheet(
        found,
        header_row=spec.header_row,
        hints=hints,
        id_columns=spec.id_columns,
        expected=sorted(expected),
    )
    book.forget(found)
    return table


def _not_read(ctx: Ctx, book: Workbook, kind: Kind, listed: set[str]) -> list[dict[str, Any]]:
    """Stats of the kind's ignored sheets and of unlisted sheets (a warning when not empty)."""
    stats: list[dict[str, Any]] = []
    for ign in kind.ignore:
        found = book.find_sheet(ign.sheet)
        if found is None:
            continue
        listed.add(found)
        stats.append(_ignored_stats(book, found, "ignore", ign.reason))
    for name in book.sheet_names:
        if name in listed:
            continue
        stat = _ignored_stats(book, name, "unlisted", "sheet not listed in the profile")
        stats.append(stat)
        if stat["non_empty_rows"]:
            ctx.structural_error(
                name,
                None,
                "unlisted_sheet",
                f"sheet {name!r} ({stat['non_empty_rows']} non-empty rows) is neither read nor "
                f"ignored by kind {kind.kind!r}",
                "warning",
            )
    return stats


# --- entry point -------------------------------------------------------------------------------


def _ctx(
    path: str | Path,
    book: Workbook,
    settings: GenericSpec | Kind,
    *,
    partition_key: str,
    content_hash: str,
    source_file: str,
) -> Ctx:
    """The capture's context with the profile's (or kind's) dataset, trust, region, country."""
    if isinstance(settings, GenericSpec):
        file_slug = sheet_slug(Path(source_file).stem)
        source_dataset = settings.source_dataset.format(file_slug=file_slug)
    else:
        source_dataset = settings.source_dataset
    return Ctx(
        path=Path(path),
        partition_key=partition_key,
        content_hash=content_hash,
        source_file=source_file,
        source_dataset=source_dataset,
        trust=settings.trust,
        region=settings.phone_region,
        country=settings.country,
        book=book,
    )


def capture_workbook(
    path: str | Path,
    *,
    partition_key: str,
    content_hash: str,
    source_file: str,
    profile: str | None = None,
) -> CaptureResult:
    """Capture one workbook (see the package docstring for the rules).

    ``profile`` forces a profile (``"aviation"``), a profile kind (``"aviation:sacaa"``) or
    ``"generic"``; by default the shipped named profiles' recognisers choose, else generic.
    Raises :class:`~hotpass_assets.lib.reading.WorkbookReadError` when the file cannot be read;
    structural problems (missing sheets or columns) do not raise: they are returned in
    ``structural_errors`` and the rest is captured.
    """
    t0 = time.perf_counter()
    timings: dict[str, float] = {}
    # Capture creates no reference cycles of note; with the collector running, its repeated full
    # passes over the sheet's cells cost a third of the capture time on large sheets.
    with gc_paused(), open_workbook(path, source_file) as book:
        prof, kind_name = select_profile(book, force=profile, file_name=source_file)
        timings["select_s"] = time.perf_counter() - t0
        generic = prof.generic
        settings = generic if generic is not None else prof.kind(kind_name)
        ctx = _ctx(
            path,
            book,
            settings,
            partition_key=partition_key,
            content_hash=content_hash,
            source_file=source_file,
        )
        mapping: dict[str, Any] | None = None
        if isinstance(settings, GenericSpec):
            sheet_stats, mapping = _capture_generic(ctx, book, settings, timings, t0)
        else:
            sheet_stats = _capture_kind(ctx, book, settings, timings)
        org = frame(ctx, ctx.org_cols, CAPTURE_ORGANISATION_COLUMNS, "record_id")
        contacts = frame(ctx, ctx.contact_cols, CAPTURE_CONTACT_COLUMNS, "contact_record_id")
        rejects = rejects_frame(ctx)
        order = {s: i for i, s in enumerate(book.sheet_names)}
        sheet_stats.sort(key=lambda s: order.get(s["sheet"], len(order)))
    timings["total_s"] = time.perf_counter() - t0
    return CaptureResult(
        organisations=org,
        contacts=contacts,
        rejects=rejects,
        profile_name=prof.name,
        workbook_kind=kind_name,
        source_dataset=ctx.source_dataset,
        source_trust=ctx.trust,
        sheets=sheet_stats,
        mapping=mapping,
        structural_errors=ctx.structural,
        timings=timings,
    )

"""Capture of one read sheet, in phases:

0. the slowest distinct values (phones, people) may go to a second core (:mod:`.offload`);
1. every mapped field is parsed (each distinct value once), unmapped cells become notes;
2. links and row-level decisions (a row without an organisation name, or that links nothing,
   is rejected whole);
3. value rejects of captured rows;
4. contacts (:mod:`.contacts`);
5. organisation and attribute records (:mod:`.organisations`), then the order roll-up.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import numpy as np

from hotpass_assets.lib import normalise as nz
from hotpass_assets.lib.capture.contacts import capture_contacts
from hotpass_assets.lib.capture.context import Ctx
from hotpass_assets.lib.capture.links import (
    has_link_key,
    link_rows,
    roll_up_orders,
    unlinked_reason,
)
from hotpass_assets.lib.capture.offload import start_offload
from hotpass_assets.lib.capture.organisations import capture_records
from hotpass_assets.lib.capture.parsers import RowReject, combine, parse_column
from hotpass_assets.lib.capture.rows import resolve_fields, row_json, unmapped
from hotpass_assets.lib.capture.state import Decisions, SheetWork, ValueRejects
from hotpass_assets.lib.profiles import SheetSpec, resolve_column
from hotpass_assets.lib.reading import SheetTable

__all__ = ["process_sheet"]

#: Value rejects found while parsing, with their field.
FieldRejects = list[tuple[str, RowReject]]


def _start(ctx: Ctx, spec: SheetSpec, table: SheetTable) -> SheetWork:
    """The sheet's work state and the stats known before parsing."""
    slug = ctx.slug(table.name)
    resolved = resolve_fields(ctx, spec, table)
    data_pos = np.flatnonzero(table.data_mask).tolist()
    stats: dict[str, Any] = {
        "sheet": table.name,
        "role": spec.role,
        "header_row": table.header_row,
        "header_method": table.header_method,
        "merged_header_columns": len(table.merged_into),
        "reader": table.reader,
        "rows_read": table.rows_read,
        "empty_rows": table.empty_rows,
        "formula_rows": table.formula_rows,
        "formula_rows_verified": table.formula_rows_verified,
        "data_rows": len(data_pos),
        "mapped_columns": {f: hs for f, (_, hs) in resolved.items()},
        "ignored_columns": {
            h: reason
            for c, reason in spec.ignore_columns.items()
            if (h := resolve_column(c, table.headers)) is not None
        },
        "ignored_reason": None,
    }
    return SheetWork(
        ctx=ctx,
        spec=spec,
        table=table,
        resolved=resolved,
        data_pos=data_pos,
        rownums=[table.row_numbers[p] for p in data_pos],
        prefix=f"{ctx.content_hash[:12]}:{slug}:",
        stats=stats,
    )


def _precomputed_source(
    sw: SheetWork,
) -> tuple[list[str], Callable[[str], dict[str, Any] | None]]:
    """Phase 0: offload the slow parsers; returns the offloaded keys and a lookup of their
    results that waits for the second process on first use."""
    offload_cols, waiter = start_offload(sw.resolved, sw.column, sw.ctx.region)
    offloaded: dict[str, dict[str, Any]] = {}
    pending = [waiter]

    def precomputed(key: str) -> dict[str, Any] | None:
        wait = pending.pop() if pending else None
        if wait is not None:
            results = wait()
            if results is not None:
                offloaded.update(zip(offload_cols, results, strict=True))
        return offloaded.get(key)

    return offload_cols, precomputed


def _parse_fields(
    sw: SheetWork, link_columns: set[str], target_key_columns: set[str]
) -> tuple[Counter[str], FieldRejects, int]:
    """Phases 0 and 1: parsed fields, unmapped cells and organisation names into ``sw``;
    returns placeholders per field, the value rejects and how many columns were offloaded."""
    resolved, table, region = sw.resolved, sw.table, sw.ctx.region
    offload_cols, precomputed = _precomputed_source(sw)
    placeholders: Counter[str] = Counter()
    value_rejects: FieldRejects = []
    waits = {f for f, (_, hs) in resolved.items() for h in hs if f"{f}\x00{h}" in offload_cols}
    order = sorted(resolved.items(), key=lambda kv: kv[0] in waits)
    for fname, (fs, headers) in order:
        per_col = [
            parse_column(
                sw.column(h),
                fs,
                h,
                region,
                placeholders=fname not in ("organisation_name", "province"),
                precomputed=precomputed(f"{fname}\x00{h}") if offload_cols else None,
            )
            for h in headers
        ]
        sw.parsed[fname] = combine(fs, headers, per_col, sw.n)
        for pc in per_col:
            placeholders[fname] += pc.placeholders
            value_rejects.extend((fname, rej) for rej in pc.rejects)
    used = {h for _, hs in resolved.values() for h in hs} | {
        h for c in link_columns | target_key_columns if (h := resolve_column(c, table.headers))
    }
    spec = sw.spec
    sw.unmapped = unmapped(
        sw.ctx, table.name, table, used, spec.ignore_columns, spec.unmapped, sw.data_pos
    )
    sw.stats["unmapped_columns"] = sw.unmapped.headers
    sw.names = _names(sw)
    return placeholders, value_rejects, len(offload_cols)


def _names(sw: SheetWork) -> list[Any]:
    """Organisation name per data row; placeholders give ``None``."""
    names = sw.get("organisation_name")
    if "organisation_name" in sw.parsed and sw.resolved["organisation_name"][0].parser != "text":
        # The text parser already gives None for placeholders (its clean text is never one).
        placeholder_names = {x for x in set(names) if x is not None and nz.is_placeholder(x)}
        if placeholder_names:
            names = [None if x in placeholder_names else x for x in names]
    return names


def _decide_rows(sw: SheetWork) -> Decisions:
    """Phase 2: links, record kinds and row-level rejects."""
    n, spec = sw.n, sw.spec
    dec = Decisions([None] * n, [None] * n, Counter(), [], [], [])
    if spec.link is not None:
        link_rows(
            sw.ctx, spec, sw.table, sw.data_pos, dec.link_ids, dec.link_methods, dec.linked_counts
        )
    own_org = spec.link is not None and spec.link.on_unlinked == "organisation"
    if sw.is_org_sheet:
        dec.record_kind = ["organisation" if x else None for x in sw.names]
    else:
        dec.record_kind = [
            "attribute" if lid is not None else ("organisation" if own_org and nm else None)
            for lid, nm in zip(dec.link_ids, sw.names, strict=True)
        ]
    dec.row_rejected = [k is None for k in dec.record_kind]
    dec.rejected_rows = [i for i, r in enumerate(dec.row_rejected) if r]
    _reject_rows(sw, dec)
    return dec


def _reject_rows(sw: SheetWork, dec: Decisions) -> None:
    """Rejects of whole rows: no organisation name (or join value), or a join that failed."""
    ctx, table, spec, resolved = sw.ctx, sw.table, sw.spec, sw.resolved
    is_org_sheet = sw.is_org_sheet
    name_col = resolved["organisation_name"][1][0] if "organisation_name" in resolved else None
    link = spec.link
    for i in dec.rejected_rows:
        pos = sw.data_pos[i]
        if is_org_sheet or link is None or not has_link_key(link, table, pos):
            dec.n_missing += 1
            if is_org_sheet:
                raw_name = table.columns[name_col][pos] if name_col else None
                why = (
                    "row has values but no organisation name"
                    if nz.is_blank(raw_name)
                    else "organisation name is a placeholder"
                )
            else:
                why = "row has values but no value in any join column"
            code, column, fld = "missing_organisation_name", name_col, "organisation_name"
        else:
            dec.n_unlinked += 1
            why = unlinked_reason(link, table, pos)
            code, column, fld = "unlinked_row", None, None
        ctx.reject(table.name, sw.rownums[i], column, fld, code, why, row_json(table, pos))


def _reject_values(sw: SheetWork, dec: Decisions, value_rejects: FieldRejects) -> ValueRejects:
    """Phase 3: value rejects of captured rows (a rejected row keeps all its values in its
    reject). Person cells without a person (a desk, a bare role) are kept in the row's notes."""
    field_order = {f: k for k, f in enumerate(sw.resolved)}
    value_rejects.sort(key=lambda fr: (fr[1][0], field_order[fr[0]]))
    out = ValueRejects()
    row_rejected, rownums, ctx, sheet = dec.row_rejected, sw.rownums, sw.ctx, sw.table.name
    for fname, (i, header, raw, code, reason) in value_rejects:
        if row_rejected[i]:
            continue
        if code == "unparsed_person":
            out.non_person[i].append(f"{header}: {nz.clean_text(raw) or raw}")
            out.n_non_person += 1
            continue
        out.by_field[fname] += 1
        ctx.reject(sheet, rownums[i], header, fname, code, reason, raw)
    return out


def process_sheet(
    ctx: Ctx,
    spec: SheetSpec,
    table: SheetTable,
    link_columns: set[str],
    target_key_columns: set[str],
) -> dict[str, Any]:
    """Capture one read sheet into ctx (records and rejects); returns the sheet's stats."""
    sw = _start(ctx, spec, table)
    clock = time.perf_counter
    t_start = clock()
    placeholders, value_rejects, n_offloaded = _parse_fields(sw, link_columns, target_key_columns)
    t_parsed = clock()
    dec = _decide_rows(sw)
    vr = _reject_values(sw, dec, value_rejects)
    t_linked = clock()
    contacts = capture_contacts(sw, dec)
    t_contacts = clock()
    recs, target_index = capture_records(sw, dec, vr, contacts)
    if spec.role == "orders":
        roll_up_orders(
            ctx,
            target_index,
            dec.link_ids,
            sw.get("last_order_date"),
            dec.row_rejected,
            dec.record_kind,
        )
    n_uncaptured = _guard_uncaptured(sw, dec, contacts.captured)
    n_org = recs.kinds.count("organisation")
    sw.stats.update(
        {
            "rows_captured": sum(contacts.captured),
            "rows_rejected": sum(dec.row_rejected) + n_uncaptured,
            "rows_skipped": table.empty_rows + table.formula_rows,
            "records_captured": recs.m + contacts.n_contacts,
            "organisation_records": n_org,
            "attribute_records": recs.m - n_org,
            "contact_records": contacts.n_contacts,
            "rows_missing_organisation_name": dec.n_missing,
            "rows_unlinked": dec.n_unlinked,
            "linked_by": dict(dec.linked_counts),
            "values_rejected": dict(vr.by_field),
            "non_person_values": vr.n_non_person,
            "placeholders": {k: v for k, v in placeholders.items() if v},
            "ambiguous_contact_pairings": len(contacts.pairing_notes),
            "offloaded_columns": n_offloaded,
            "timings": {
                "parse_s": round(t_parsed - t_start, 4),
                "link_s": round(t_linked - t_parsed, 4),
                "contacts_s": round(t_contacts - t_linked, 4),
                "records_s": round(clock() - t_contacts, 4),
            },
        }
    )
    if target_index is not None:
        dups = {h: d for h, d in target_index.duplicates.items() if d}
        if dups:
            sw.stats["duplicate_target_keys"] = dups
    return sw.stats


def _guard_uncaptured(sw: SheetWork, dec: Decisions, captured: list[bool]) -> int:
    """Rows neither captured nor rejected cannot happen by construction; this guards against
    silent loss by rejecting them."""
    uncaptured = [i for i in range(sw.n) if not captured[i] and not dec.row_rejected[i]]
    for i in uncaptured:
        sw.ctx.reject(
            sw.table.name,
            sw.rownums[i],
            None,
            None,
            "uncaptured_row",
            "row produced no record",
            row_json(sw.table, sw.data_pos[i]),
        )
    return len(uncaptured)

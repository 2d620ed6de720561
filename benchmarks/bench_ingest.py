"""Ingestion benchmark: bare calamine read versus full capture of an SACAA-shaped sheet.

Generates (once, cached under the output directory) a workbook whose ``Cleaned`` sheet has
``--rows`` rows, then times, as the median of ``--runs`` runs:

* ``bare read``: python-calamine opening the workbook and returning the sheet's cells;
* ``capture``: :func:`hotpass_assets.lib.capture.capture_workbook` (read as text, normalise,
  build frames) plus writing the organisations, contacts and rejects Parquet files with the
  warehouse writer.

Prints rows/s for both and the ratio capture/bare read. Usage::

    .venv/bin/python benchmarks/bench_ingest.py --rows 100000 --runs 5
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path


def _generate(path: Path, n_rows: int) -> str:
    """Write the benchmark workbook; returns which generator wrote it."""
    try:
        from hotpass_assets.lib.demo import write_large_sheet
    except ImportError:
        write_large_sheet = None
    if write_large_sheet is not None:
        write_large_sheet(path, n_rows=n_rows)
        return "hotpass_assets.lib.demo.write_large_sheet"
    _write_fallback(path, n_rows)
    return "fallback generator"


def _write_fallback(path: Path, n_rows: int) -> None:
    """SACAA-shaped sheet with invented values (used when the demo module is unavailable)."""
    import random

    import xlsxwriter

    rng = random.Random(7)
    headers = [
        "Name of Organisation",
        "Province",
        "Status",
        "Website URL",
        "Contact Person",
        "Contact Number",
        "Contact Email Address",
    ]
    provinces = ["Gauteng", "Western Cape", "KZN", "Unknown", "Limpopo", "Free State"]
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("Cleaned")
    ws.write_row(0, 0, headers)
    for i in range(1, n_rows + 1):
        slug = f"example{i}"
        ws.write_string(i, 0, f"Example {i} Flight School (Pty) Ltd")
        ws.write_string(i, 1, provinces[i % len(provinces)])
        ws.write_string(i, 2, "Active" if rng.random() < 0.75 else "Invalid")
        if rng.random() < 0.9:
            ws.write_string(i, 3, f"www.{slug}-example.co.za")
        if rng.random() < 0.4:
            ws.write_string(i, 4, f"Person{i % 3000} Example (Chief Flying Instructor)")
        if rng.random() < 0.65:
            ws.write_string(i, 5, f"+27 11 {rng.randrange(100, 999)} {rng.randrange(1000, 9999)}")
        if rng.random() < 0.7:
            ws.write_string(i, 6, f"info@{slug}-example.co.za")
    wb.close()


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def _bare_read(path: Path) -> int:
    import python_calamine as pc

    book = pc.CalamineWorkbook.from_path(str(path))
    rows = book.get_sheet_by_name("Cleaned").to_python(skip_empty_area=False)
    book.close()
    return len(rows) - 1


def _capture(path: Path, out_dir: Path) -> tuple[int, dict]:
    from hotpass_assets.lib.capture import capture_workbook
    from hotpass_assets.lib.records import (
        CAPTURE_CONTACT_COLUMNS,
        CAPTURE_ORGANISATION_COLUMNS,
        REJECT_COLUMNS,
    )
    from hotpass_assets.lib.warehouse import write_table

    t0 = time.perf_counter()
    result = capture_workbook(
        path,
        partition_key="bench",
        content_hash="0" * 64,
        source_file=path.name,
        profile="aviation:sacaa",
    )
    t1 = time.perf_counter()
    write_table(
        result.organisations, out_dir / "organisations.parquet", CAPTURE_ORGANISATION_COLUMNS
    )
    write_table(result.contacts, out_dir / "contacts.parquet", CAPTURE_CONTACT_COLUMNS)
    write_table(result.rejects, out_dir / "rejects.parquet", REJECT_COLUMNS)
    t2 = time.perf_counter()
    stats = next(s for s in result.sheets if s["sheet"] == "Cleaned")
    phases = dict(result.timings)
    phases["parquet_s"] = t2 - t1
    phases["capture_call_s"] = t1 - t0
    return stats["rows_read"], {
        "phases": phases,
        "organisations": len(result.organisations),
        "contacts": len(result.contacts),
        "rejects": len(result.rejects),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--dir", type=Path, default=None, help="where to keep the workbook")
    args = parser.parse_args(argv)

    work = args.dir or Path(tempfile.gettempdir()) / "hotpass-bench"
    work.mkdir(parents=True, exist_ok=True)
    book = work / f"sacaa_large_{args.rows}.xlsx"
    if not book.exists():
        t = time.perf_counter()
        source = _generate(book, args.rows)
        print(f"generated {book.name} with {source} in {time.perf_counter() - t:.1f}s")

    bare, full, bare_cpu, full_cpu = [], [], [], []
    info: dict = {}
    load_before = _load()
    for _ in range(args.runs):
        t, c = time.perf_counter(), time.process_time()
        n = _bare_read(book)
        bare.append(time.perf_counter() - t)
        bare_cpu.append(time.process_time() - c)
        with tempfile.TemporaryDirectory() as out:
            t, c = time.perf_counter(), time.process_time()
            rows, info = _capture(book, Path(out))
            full.append(time.perf_counter() - t)
            full_cpu.append(time.process_time() - c)
    b, f = statistics.median(bare), statistics.median(full)
    bc, fc = statistics.median(bare_cpu), statistics.median(full_cpu)
    print(f"rows: {n} (capture read {rows}); runs: {args.runs}; cpus: {os.cpu_count()}")
    print(f"load average before/after: {load_before} / {_load()}")
    print(f"bare calamine read : {b:7.3f}s  {n / b:>10,.0f} rows/s   (cpu {bc:.3f}s)")
    print(f"capture + parquet  : {f:7.3f}s  {n / f:>10,.0f} rows/s   (cpu {fc:.3f}s, main process)")
    print(f"ratio capture/bare : {f / b:7.2f}x")
    print(
        f"records: organisations {info['organisations']}, contacts {info['contacts']}, "
        f"rejects {info['rejects']}"
    )
    print("last run phases (s): " + ", ".join(f"{k}={v:.3f}" for k, v in info["phases"].items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())

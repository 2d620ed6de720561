"""Ingestion benchmark: bare calamine read versus full capture of an SACAA-shaped sheet.

Generates (once, cached under the output directory) a workbook whose ``Cleaned`` sheet has
``--rows`` rows, then times, alternating them in each of ``--runs`` runs:

* ``bare read``: python-calamine opening the workbook and returning the sheet's cells (the
  reference of the ratio);
* ``bare fastexcel``: fastexcel returning the sheet as Arrow text, the fastest calamine read
  there is (capture reads through it when the sheet allows, see ``lib/reading/``);
* ``capture``: :func:`hotpass_assets.lib.capture.capture_workbook` (read as text, normalise,
  build frames) plus writing the organisations, contacts and rejects Parquet files with the
  warehouse writer, which is what the ``contact_capture`` asset does with a drop.

Prints the medians (wall clock and CPU of this process) with rows/s, the ratio of capture to the
bare read measured in the same runs, and the median time of each capture phase. The ratio is the
figure to compare between machines and runs: on a shared machine both sides slow down together.
Usage::

    .venv/bin/python benchmarks/bench_ingest.py --rows 100000 --runs 7
    .venv/bin/python benchmarks/bench_ingest.py --parallel on    # force the second process
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

#: Capture phases reported, in pipeline order (keys of the run's phase dict).
PHASES = (
    ("read", "read the sheet as text"),
    ("parse", "parse and normalise the mapped columns"),
    ("link", "joins and row decisions"),
    ("contacts", "contact records"),
    ("records", "organisation records (incl. name keys)"),
    ("frames", "frames and the rest of capture_workbook"),
    ("write", "frames to Arrow, Parquet files written (atomic, hashed; overlapped)"),
)


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


def _bare_fastexcel(path: Path) -> int:
    import fastexcel

    reader = fastexcel.read_excel(str(path))
    table = reader.load_sheet("Cleaned", header_row=None, dtypes="string").to_arrow()
    return table.num_rows - 1


def _capture(path: Path, out_dir: Path) -> tuple[int, dict]:
    from hotpass_assets.lib.capture import capture_workbook
    from hotpass_assets.lib.records import (
        CAPTURE_CONTACT_COLUMNS,
        CAPTURE_ORGANISATION_COLUMNS,
        REJECT_COLUMNS,
    )
    from hotpass_assets.lib.warehouse import write_tables

    t0 = time.perf_counter()
    result = capture_workbook(
        path,
        partition_key="bench",
        content_hash="0" * 64,
        source_file=path.name,
        profile="aviation:sacaa",
    )
    t1 = time.perf_counter()
    write_tables(
        [
            (result.organisations, out_dir / "organisations.parquet", CAPTURE_ORGANISATION_COLUMNS),
            (result.contacts, out_dir / "contacts.parquet", CAPTURE_CONTACT_COLUMNS),
            (result.rejects, out_dir / "rejects.parquet", REJECT_COLUMNS),
        ]
    )
    t2 = time.perf_counter()
    stats = next(s for s in result.sheets if s["sheet"] == "Cleaned")
    sheet_t = stats["timings"]
    phases = {
        "read": result.timings["select_s"] + result.timings["read_s"],
        "parse": sheet_t["parse_s"],
        "link": sheet_t["link_s"],
        "contacts": sheet_t["contacts_s"],
        "records": sheet_t["records_s"],
    }
    phases["frames"] = (t1 - t0) - sum(phases.values())
    phases["write"] = t2 - t1
    return stats["rows_read"], {
        "phases": phases,
        "organisations": len(result.organisations),
        "contacts": len(result.contacts),
        "rejects": len(result.rejects),
        "offloaded_columns": stats.get("offloaded_columns", 0),
        "reader": stats.get("reader"),
    }


def _isolated(path: Path, out_dir: Path) -> tuple[int, dict]:
    """:func:`_capture` the way ``contact_capture`` runs it: in the reading process
    (:func:`hotpass_assets.lib.isolation.run_isolated`), which writes the Parquet files itself
    and sends back only counts."""
    from hotpass_assets.lib.isolation import run_isolated

    return run_isolated(_capture, path, out_dir)


def _limits(path: Path) -> float:
    """Seconds to check the workbook against the reading limits (lib/limits.py), uncached."""
    from hotpass_assets.lib.limits import inspect_workbook

    t = time.perf_counter()
    inspect_workbook(path)
    return time.perf_counter() - t


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--dir", type=Path, default=None, help="where to keep the workbook")
    parser.add_argument(
        "--parallel",
        choices=("auto", "on", "off"),
        default=None,
        help="HOTPASS_CAPTURE_PARALLEL for capture (default: the environment's, else auto)",
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args(argv)
    if args.parallel is not None:
        os.environ["HOTPASS_CAPTURE_PARALLEL"] = {"auto": "auto", "on": "1", "off": "0"}[
            args.parallel
        ]

    work = args.dir or Path(tempfile.gettempdir()) / "hotpass-bench"
    work.mkdir(parents=True, exist_ok=True)
    book = work / f"sacaa_large_{args.rows}.xlsx"
    if not book.exists():
        t = time.perf_counter()
        source = _generate(book, args.rows)
        print(f"generated {book.name} with {source} in {time.perf_counter() - t:.1f}s")

    bare, fast, full, bare_cpu, full_cpu = [], [], [], [], []
    isolated, limits = [], []
    phases: dict[str, list[float]] = {}
    info: dict = {}
    rows = n = 0
    load_before = _load()
    for _ in range(args.runs):
        t, c = time.perf_counter(), time.process_time()
        n = _bare_read(book)
        bare.append(time.perf_counter() - t)
        bare_cpu.append(time.process_time() - c)
        t = time.perf_counter()
        _bare_fastexcel(book)
        fast.append(time.perf_counter() - t)
        with tempfile.TemporaryDirectory() as out:
            t, c = time.perf_counter(), time.process_time()
            rows, info = _capture(book, Path(out))
            full.append(time.perf_counter() - t)
            full_cpu.append(time.process_time() - c)
        for key, value in info["phases"].items():
            phases.setdefault(key, []).append(value)
        with tempfile.TemporaryDirectory() as out:
            t = time.perf_counter()
            _isolated(book, Path(out))
            isolated.append(time.perf_counter() - t)
        limits.append(_limits(book))
    b, f, fx = _median(bare), _median(full), _median(fast)
    bc, fc = _median(bare_cpu), _median(full_cpu)
    mode = os.environ.get("HOTPASS_CAPTURE_PARALLEL", "auto")
    print(f"rows: {n} (capture read {rows}); runs: {args.runs}; cpus: {os.cpu_count()}")
    print(f"load average before/after: {load_before} / {_load()}")
    print(f"second process (HOTPASS_CAPTURE_PARALLEL={mode}): "
          f"{info.get('offloaded_columns', 0)} columns offloaded in the last run")  # fmt: skip
    print(f"sheet read by      : {info.get('reader')}")
    print(f"bare calamine read : {b:7.3f}s  {n / b:>10,.0f} rows/s   (cpu {bc:.3f}s)")
    print(f"bare fastexcel read: {fx:7.3f}s  {n / fx:>10,.0f} rows/s")
    print(f"capture + parquet  : {f:7.3f}s  {n / f:>10,.0f} rows/s   (cpu {fc:.3f}s, main process)")
    print(
        f"ratio capture/bare : {f / b:7.2f}x   (cpu {fc / bc:.2f}x); to bare fastexcel {f / fx:.2f}x"
    )
    iso, lim = _median(isolated), _median(limits)
    print(f"capture, isolated  : {iso:7.3f}s  {n / iso:>10,.0f} rows/s   "
          f"({iso / f:.2f}x in-process: forked reading process, counts sent back)")  # fmt: skip
    print(f"limit check        : {lim:7.3f}s  (zip inspected before reading; once per drop)")
    print(f"runs (s)           : bare {', '.join(f'{x:.2f}' for x in bare)}")
    print(f"                     fastexcel {', '.join(f'{x:.2f}' for x in fast)}")
    print(f"                     capture {', '.join(f'{x:.2f}' for x in full)}")
    print(f"                     isolated {', '.join(f'{x:.2f}' for x in isolated)}")
    print(f"                     limits {', '.join(f'{x:.2f}' for x in limits)}")
    print(
        f"records: organisations {info['organisations']}, contacts {info['contacts']}, "
        f"rejects {info['rejects']}"
    )
    print("capture phases, median s (wall):")
    for key, what in PHASES:
        print(f"  {key:9s} {_median(phases.get(key, [])):7.3f}  {what}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "rows": n,
                    "runs": args.runs,
                    "parallel": mode,
                    "reader": info.get("reader"),
                    "bare_s": bare,
                    "bare_fastexcel_s": fast,
                    "capture_s": full,
                    "capture_isolated_s": isolated,
                    "limit_check_s": limits,
                    "ratio_isolated_to_in_process": iso / f,
                    "bare_cpu_s": bare_cpu,
                    "capture_cpu_s": full_cpu,
                    "phases_s": phases,
                    "median_rows_per_s": n / f,
                    "ratio_to_bare": f / b,
                    "ratio_to_bare_fastexcel": f / fx,
                },
                indent=2,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

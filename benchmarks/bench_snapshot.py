"""Landing → refined snapshot benchmark: ``hotpass refine --no-score`` at 10k, 100k and 1M rows.

For each size, ``--workbooks`` SACAA-shaped workbooks share the organisation rows
(``hotpass_assets.lib.demo.write_large_sheet``, one seed each; the same organisation names recur
across workbooks, so entity resolution merges across drops). They are generated once into
``--cache``. Each run is a fresh child process on a fresh temporary ``HOTPASS_HOME`` that calls
:func:`hotpass_assets.runner.run_pipeline` with ``include_scoring=False``: one ``ingest_drop`` run
per workbook (capture and its contract checks), then the ``refine_snapshot`` job (read captures,
resolve entities, survivorship, contract checks, write Parquet). Reported per size: the median
over ``--repeats`` runs of the wall clock, the peak resident memory of the child (``wait4``), the
peak memory of its process tree (sampled sum of proportional set sizes: the drops' reading
processes and the snapshot's forked processes, shared pages counted once), and per stage the
median seconds and rows/s:

* ``capture``: the ingest runs (checks included), from the first run's start to the last run's
  end: ``hotpass refine`` ingests drops side by side (``HOTPASS_INGEST_WORKERS``);
* ``read``, ``resolve``, ``survivorship``, ``write``: timings the snapshot asset records
  (``runtime_per_stage_s``: ``read_s``, ``resolve_s``, ``survivorship_s``, ``publish_s``);
  ``write`` is what the run waits for after its contract checks: with
  ``HOTPASS_SNAPSHOT_PROCESSES`` above 1 the tables are written by a second process during the
  checks (its own time is ``background write``);
* ``snapshot run``: the whole ``refine_snapshot`` run (incl. contract checks, DuckDB views).

``--compare-sizes`` measures the former per-entity survivorship (the reference kept in
``hotpass_assets_tests/lib/refine_reference.py``) against the column-wise one on the same
resolved records of such a size, in alternating child processes, and prints the ratio. The
load average of the machine is printed beside every run.

    .venv/bin/python benchmarks/bench_snapshot.py
    .venv/bin/python benchmarks/bench_snapshot.py --sizes 10000,100000 --repeats 3 --json out.json
"""

import argparse
import contextlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STAGES = (
    ("capture", "capture_s"),
    ("read", "read_s"),
    ("resolve", "resolve_s"),
    ("survivorship", "survivorship_s"),
    ("write", "publish_s"),
    ("background write", "background_write_s"),
    ("snapshot run", "snapshot_run_s"),
)


def _workbooks(cache: Path, rows: int, count: int) -> list[Path]:
    from hotpass_assets.lib.demo import write_large_sheet

    folder = cache / f"rows_{rows}_x{count}"
    folder.mkdir(parents=True, exist_ok=True)
    per = [rows // count + (1 if i < rows % count else 0) for i in range(count)]
    paths = []
    for i, n in enumerate(per):
        path = folder / f"flight_schools_part{i + 1}.xlsx"
        if not path.exists():
            tmp = path.with_suffix(".tmp.xlsx")
            write_large_sheet(tmp, n_rows=n, seed=101 + i)
            tmp.rename(path)
        paths.append(path)
    return paths


def _descendants(pid: int) -> list[int]:
    """``pid`` and every process below it (from ``/proc``)."""
    parent: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            parent[int(stat.parent.name)] = int(fields[1])
    tree, frontier = [pid], {pid}
    while frontier:
        frontier = {c for c, p in parent.items() if p in frontier}
        tree += frontier
    return tree


def _proc_memory(pid: int) -> int:
    """Proportional set size of ``pid`` in bytes (its private pages plus its share of pages it
    shares, such as a forked child's copy-on-write pages), from ``smaps_rollup``; the resident
    size where that file is missing; 0 when the process is gone."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    with contextlib.suppress(OSError, ValueError, IndexError):
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * resource.getpagesize()
    return 0


def _tree_rss(pid: int, peak: list[float], stop: threading.Event) -> None:
    """Sample the memory of ``pid`` and all its descendants (the reading processes of drops
    ingested side by side, the snapshot's survivorship and writing processes) every second: the
    sum of their proportional set sizes, so pages a forked child shares with its parent count
    once. The largest sum goes to ``peak[0]`` (bytes). (Reading ``smaps_rollup`` walks the page
    tables: every 0.2 s it took about a tenth of a core from the run measured.)"""
    while not stop.wait(1.0):
        total = sum(_proc_memory(proc) for proc in _descendants(pid))
        peak[0] = max(peak[0], total)


def _child(argv: list[str], env: dict[str, str]) -> tuple[dict, float, float]:
    """Run this script in a child; returns its JSON result (with ``tree_peak_gb``: the largest
    sum of resident memory over the child and its descendants, sampled), wall seconds and the
    child's own peak RSS (GB)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, __file__, *argv], env=env, stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    peak, stop = [0.0], threading.Event()
    sampler = threading.Thread(target=_tree_rss, args=(proc.pid, peak, stop), daemon=True)
    sampler.start()
    out = proc.stdout.read()
    stop.set()
    sampler.join()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"child {argv[0]} failed with exit code {proc.returncode}")
    result = json.loads(out.strip().splitlines()[-1])
    result["tree_peak_gb"] = peak[0] / 1024**3
    return result, wall, usage.ru_maxrss / 1024**2


def child_pipeline(home: Path, files: list[Path]) -> dict:
    """Inside the child: the ``hotpass refine --no-score`` graph; stage timings as JSON."""
    import dagster as dg

    from hotpass_assets.runner import run_pipeline
    from hotpass_assets.settings import Settings

    os.environ["HOTPASS_HOME"] = str(home)
    os.environ["DAGSTER_HOME"] = str(home / "dagster")
    settings = Settings.from_env()
    t0 = time.perf_counter()
    report = run_pipeline(files, settings=settings, include_scoring=False)
    total = time.perf_counter() - t0
    if not report.snapshot_success or not all(d.success for d in report.drops):
        raise SystemExit(f"pipeline failed: {report.snapshot_error or report.drops}")
    instance = dg.DagsterInstance.get()
    times = [instance.get_run_stats(run_id) for run_id in report.run_ids]
    drops, snapshot = times[:-1], times[-1]
    event = instance.get_latest_materialization_event(dg.AssetKey("refined_organisations"))
    meta = event.asset_materialization.metadata
    stages = dict(meta["runtime_per_stage_s"].value)
    # drops are ingested side by side (HOTPASS_INGEST_WORKERS): first start to last end
    stages["capture_s"] = max(t.end_time for t in drops) - min(t.start_time for t in drops)
    stages["capture_runs_s"] = sum(t.end_time - t.start_time for t in drops)
    stages["snapshot_run_s"] = snapshot.end_time - snapshot.start_time
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "total_s": total,
        "stages": stages,
        "input_records": int(meta["input_records"].value),
        "entities": int(meta["entities"].value),
        "home": str(home),
    }


def child_survive(home: Path, impl: str) -> dict:
    """Inside the child: one survivorship implementation on a finished snapshot's inputs."""
    sys.path.insert(0, str(ROOT))
    from hotpass_assets.lib.warehouse import read_tables

    records = read_tables(sorted((home / "warehouse").glob("capture/organisations/**/*.parquet")))
    contacts = read_tables(sorted((home / "warehouse").glob("capture/contacts/**/*.parquet")))
    record_map = read_tables(
        sorted((home / "warehouse").glob("refined/entity_record_map/**/*.parquet"))
    )
    records = records.sort_values("record_id", kind="stable").reset_index(drop=True)
    entity_of = dict(zip(record_map["record_id"], record_map["entity_id"], strict=True))
    records["entity_id"] = records["record_id"].map(entity_of)
    if impl == "old":
        from hotpass_assets_tests.lib.refine_reference import reference_survive as run
    else:
        from hotpass_assets.lib.survivorship import survive as run
    t0, c0 = time.perf_counter(), time.process_time()
    orgs, _, _ = run(records, contacts, "2026-01-01")
    return {
        "seconds": time.perf_counter() - t0,
        "cpu_s": time.process_time() - c0,
        "records": len(records),
        "entities": len(orgs),
    }


def _assignments(text: str) -> dict[str, str]:
    """``NAME=VALUE,NAME=VALUE`` as a dict."""
    pairs = [item.split("=", 1) for item in text.split(",") if item.strip()]
    if any(len(p) != 2 for p in pairs):
        raise SystemExit(f"--baseline {text!r}: expected NAME=VALUE[,NAME=VALUE...]")
    return {name.strip(): value.strip() for name, value in pairs}


def _load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def bench_size(rows: int, args, env: dict[str, str]) -> dict:
    files = _workbooks(args.cache, rows, args.workbooks)
    # ``--baseline``: runs with those settings alternate with the default ones
    variants = [("default", env)]
    if args.baseline:
        variants.append((args.baseline, {**env, **_assignments(args.baseline)}))
    runs: dict[str, list[dict]] = {name: [] for name, _ in variants}
    for i in range(args.repeats if rows < 1_000_000 else args.repeats_1m):
        for name, variant_env in variants:
            home = Path(tempfile.mkdtemp(prefix=f"hotpass-bench-{rows}-", dir=args.tmp))
            load_before = _load()
            argv = ["--child-pipeline", str(home), *map(str, files)]
            result, wall, rss = _child(argv, variant_env)
            result.update(wall_s=wall, peak_gb=rss, load=f"{load_before} → {_load()}")
            runs[name].append(result)
            print(
                f"  {rows:>9,} {name} run {i + 1}: {wall:7.1f} s (CPU {result['cpu_s']:.1f} s), "
                f"peak {rss:5.2f} GB (process tree {result['tree_peak_gb']:.2f} GB), "
                f"capture {result['stages']['capture_s']:.1f} s, "
                f"{result['input_records']:,} records → {result['entities']:,} entities, "
                f"load {result['load']}",
                flush=True,
            )
    out = _summary(rows, runs["default"])
    out["workbooks"] = [f.name for f in files]
    if args.baseline:
        out["baseline"] = _summary(rows, runs[variants[1][0]])
        out["baseline"]["settings"] = args.baseline
    if rows in args.compare_sizes:
        out["survivorship"] = compare(Path(runs["default"][-1]["home"]), rows, args, env)
    for r in (r for variant in runs.values() for r in variant):
        shutil.rmtree(r["home"], ignore_errors=True)
    return out


def _summary(rows: int, runs: list[dict]) -> dict:
    return {
        "rows": rows,
        "runs": runs,
        "median_s": statistics.median(r["wall_s"] for r in runs),
        "peak_gb": max(r["peak_gb"] for r in runs),
        "tree_peak_gb": max(r["tree_peak_gb"] for r in runs),
        "stages": {
            name: statistics.median(r["stages"].get(key, float("nan")) for r in runs)
            for name, key in STAGES
        },
    }


def compare(home: Path, rows: int, args, env: dict[str, str]) -> dict:
    times, cpu = {"old": [], "new": []}, {"old": [], "new": []}
    for _ in range(args.compare_repeats if rows < 100_000 else args.compare_repeats_large):
        for impl in ("new", "old"):
            result, _, rss = _child(["--child-survive", str(home), impl], env)
            times[impl].append(result["seconds"])
            cpu[impl].append(result["cpu_s"])
            print(
                f"    survivorship {impl}: {result['seconds']:.2f} s "
                f"(CPU {result['cpu_s']:.2f} s) on {result['records']:,} "
                f"records ({result['entities']:,} entities), peak {rss:.2f} GB, load {_load()}",
                flush=True,
            )
    med = {k: statistics.median(v) for k, v in times.items()}
    med_cpu = {k: statistics.median(v) for k, v in cpu.items()}
    return {
        "runs": times,
        "cpu_runs": cpu,
        "median": med,
        "median_cpu": med_cpu,
        "ratio_old_to_new": med["old"] / med["new"],
        "cpu_ratio_old_to_new": med_cpu["old"] / med_cpu["new"],
    }


def report(results: list[dict]) -> None:
    print("\n| rows | records → entities | median s | peak GB (process tree) | runs (s) |")
    print("| ---: | --- | ---: | ---: | --- |")
    for r in results:
        last = r["runs"][-1]
        runs = ", ".join(f"{x['wall_s']:.1f}" for x in r["runs"])
        print(
            f"| {r['rows']:,} | {last['input_records']:,} → {last['entities']:,} | "
            f"{r['median_s']:.1f} | {r['peak_gb']:.2f} ({r['tree_peak_gb']:.2f}) | {runs} |"
        )
    for r in results:
        if "baseline" in r:
            b = r["baseline"]
            print(
                f"\n{r['rows']:,} rows with {b['settings']}: median "
                f"{b['median_s']:.1f} s (capture {b['stages']['capture']:.1f} s) against "
                f"{r['median_s']:.1f} s (capture {r['stages']['capture']:.1f} s) by default: "
                f"{b['median_s'] / r['median_s']:.2f}× the time "
                f"(capture {b['stages']['capture'] / r['stages']['capture']:.2f}×); runs "
                + ", ".join(f"{x['wall_s']:.1f}" for x in b["runs"])
            )
    print("\n| rows | " + " | ".join(f"{n} s (rows/s)" for n, _ in STAGES) + " |")
    print("| ---: |" + " ---: |" * len(STAGES))
    for r in results:
        cells = []
        for name, _ in STAGES:
            s = r["stages"][name]
            cells.append(f"{s:.1f} ({r['rows'] / s:,.0f})" if s and s == s else "–")
        print(f"| {r['rows']:,} | " + " | ".join(cells) + " |")
    for r in results:
        if "survivorship" in r:
            c = r["survivorship"]
            print(
                f"\nsurvivorship at {r['rows']:,} rows: former {c['median']['old']:.2f} s, "
                f"column-wise {c['median']['new']:.2f} s, ratio {c['ratio_old_to_new']:.1f}× "
                f"(CPU {c['median_cpu']['old']:.2f} / {c['median_cpu']['new']:.2f} s, "
                f"{c['cpu_ratio_old_to_new']:.1f}×)"
            )


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--child-pipeline":
        print(json.dumps(child_pipeline(Path(argv[1]), [Path(p) for p in argv[2:]])))
        return 0
    if argv and argv[0] == "--child-survive":
        print(json.dumps(child_survive(Path(argv[1]), argv[2])))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--repeats-1m", type=int, default=3, help="runs at 1,000,000 rows")
    parser.add_argument("--workbooks", type=int, default=4)
    parser.add_argument(
        "--baseline",
        default="",
        help="also run with these settings, alternating (e.g. HOTPASS_INGEST_WORKERS=1,"
        "HOTPASS_SNAPSHOT_PROCESSES=1: one process at a time)",
    )
    parser.add_argument("--compare-sizes", default="10000,100000")
    parser.add_argument("--compare-repeats", type=int, default=3)
    parser.add_argument(
        "--compare-repeats-large",
        type=int,
        default=1,
        help="former/column-wise pairs at 100,000 rows and more (the former takes minutes)",
    )
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "hotpass-bench")
    parser.add_argument("--tmp", type=Path, default=None, help="parent of the temporary homes")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    args.compare_sizes = {int(s) for s in args.compare_sizes.split(",") if s}
    env = {
        **os.environ,
        "GX_ANALYTICS_ENABLED": "false",
        "PYTHONPATH": str(ROOT),
        "PYTHONWARNINGS": "ignore",
    }
    env.pop("MLFLOW_TRACKING_URI", None)
    results = []
    print(f"cores {os.cpu_count()}, load {_load()}, {resource.getpagesize()} B pages", flush=True)
    for rows in (int(s) for s in args.sizes.split(",")):
        results.append(bench_size(rows, args, env))
        if args.json:
            args.json.write_text(json.dumps(results, indent=1))
    report(results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

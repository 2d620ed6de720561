"""Incremental linkage benchmark: a 10,000-record drop into a 1,000,000-record snapshot.

Data: ``--size`` + ``--drop`` generated organisation records with ground truth
(``hotpass_assets.lib.matching.synthetic.generate_organisations``, Parquet cache ``--cache``);
``--drop`` of them, drawn at random, are the new drop, the rest the existing snapshot. The same
organisations recur across the two (the generator gives most entities several records), so
the drop holds new organisations and new records of existing ones.

1. ``build``: a full resolution of the existing records (``resolve_organisations``); its
   ``entity_keys`` table and model are written as a snapshot keeps them. Timed once.
2. ``incremental`` (``--repeats`` runs): read ``entity_keys`` and the model, link the drop
   (:func:`hotpass_assets.lib.matching.incremental.link_records`), write the new
   ``entity_keys``. Timed: all of that; not timed: loading the capture records (the snapshot
   reads them anyway for survivorship). Checked: every previous record outside the linked part
   keeps its entity id (the untouched entities).
3. ``full`` (``--repeats`` runs): a full rebuild of all records with the same pinned model and
   the previous ids (``resolve_organisations``). Compared with the incremental result: share of
   records with the same entity id and pairwise agreement of the two partitions; both against
   the ground truth (pairwise precision/recall/F1).

Linkage uses the processes a snapshot run would (``HOTPASS_SNAPSHOT_PROCESSES``, see
``docs/operations.md``; ``--processes`` sets it for the children): with a linked part of
250,000 records or more, blocking runs in a forked child beside the comparisons' preparation.

Each run is a fresh child process; the table gives the median of the runs and the peak resident
memory of the child (``wait4``), with the machine's load average.

    .venv/bin/python benchmarks/bench_incremental.py
    .venv/bin/python benchmarks/bench_incremental.py --size 100000 --drop 10000 --repeats 3
"""

import argparse
import dataclasses
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _data(size: int, drop: int, seed: int, cache: Path) -> Path:
    path = cache / f"incremental_{size}_{drop}_{seed}.parquet"
    if not path.exists():
        import numpy as np

        from hotpass_assets.lib.matching.synthetic import generate_organisations

        cache.mkdir(parents=True, exist_ok=True)
        df = generate_organisations(size + drop, seed=seed)
        rng = np.random.default_rng(seed)
        df["in_drop"] = False
        df.loc[rng.choice(len(df), drop, replace=False), "in_drop"] = True
        tmp = path.with_suffix(".tmp")
        df.to_parquet(tmp, index=False)
        tmp.rename(path)
    return path


def _records(data: Path, *, drop: bool):
    import pandas as pd

    df = pd.read_parquet(data)
    if not drop:
        df = df[~df["in_drop"]]
    return df.sort_values("record_id", kind="stable").reset_index(drop=True)


def child_build(data: Path, work: Path) -> dict:
    import pyarrow.parquet as pq

    from hotpass_assets.lib.matching import resolve_organisations
    from hotpass_assets.lib.matching.incremental import keys_table

    records = _records(data, drop=False)
    t0, c0 = time.perf_counter(), time.process_time()
    res = resolve_organisations(records)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    keys = res.keys.assign(entity_id=res.keys["record_id"].map(res.entity_of))
    pq.write_table(keys_table(keys), work / "entity_keys.parquet")
    (work / "match_model.json").write_text(json.dumps(res.model, default=str), "utf-8")
    return {
        "seconds": seconds,
        "cpu_s": cpu,
        "records": len(records),
        "entities": res.stats["entities"],
    }


def _config():
    """The matching configuration's process count as a snapshot run sets it."""
    from hotpass_assets.lib.matching import MatchConfig
    from hotpass_assets.settings import Settings

    return MatchConfig(processes=Settings.from_env().snapshot_processes)


def child_incremental(data: Path, work: Path) -> dict:
    import pandas as pd
    import pyarrow.parquet as pq

    from hotpass_assets.lib.matching.incremental import keys_frame, keys_table, link_records

    records = _records(data, drop=True)
    t0, c0 = time.perf_counter(), time.process_time()
    previous = keys_frame(pq.read_table(work / "entity_keys.parquet"))
    model = json.loads((work / "match_model.json").read_text("utf-8"))
    t_read = time.perf_counter() - t0
    link = link_records(records, previous, model=model, config=_config())
    t_link = time.perf_counter() - t0 - t_read
    t1 = time.perf_counter()
    pq.write_table(keys_table(link.keys), work / "entity_keys_next.parquet")
    seconds = time.perf_counter() - t0
    cpu = time.process_time() - c0
    before = pd.Series(previous["entity_id"].to_numpy(), index=previous["record_id"].to_numpy())
    untouched = before[~before.index.isin(link.linked)]
    changed = int((link.entity_of.reindex(untouched.index) != untouched).sum())
    kept_all = int((link.entity_of.reindex(before.index) == before).sum())
    link.entity_of.rename("entity_id").reset_index().to_parquet(work / "incremental_ids.parquet")
    return {
        "seconds": seconds,
        "cpu_s": cpu,
        "read_s": t_read,
        "link_s": t_link,
        "write_s": time.perf_counter() - t1,
        "untouched_records": len(untouched),
        "untouched_changed": changed,
        "previous_records_same_id": kept_all,
        "previous_records": len(before),
        "merge_log_rows": len(link.resolution.merge_log),
        **{k: v for k, v in link.stats.items() if k != "linkage"},
        **{
            f"resolve_{k}": v
            for k, v in link.resolution.stats.items()
            if k.startswith("runtime_") or k == "candidate_pairs"
        },
    }


def child_full(data: Path, work: Path) -> dict:
    import pandas as pd

    from hotpass_assets.lib.matching import resolve_organisations
    from hotpass_assets.lib.matching.synthetic import pairwise_scores

    records = _records(data, drop=True)
    previous = pd.read_parquet(work / "entity_keys.parquet", columns=["record_id", "entity_id"])
    model = json.loads((work / "match_model.json").read_text("utf-8"))
    t0, c0 = time.perf_counter(), time.process_time()
    res = resolve_organisations(
        records,
        previous_ids=dict(zip(previous["record_id"], previous["entity_id"], strict=True)),
        config=dataclasses.replace(_config(), pinned_model=model),
    )
    seconds = time.perf_counter() - t0
    out = {"seconds": seconds, "cpu_s": time.process_time() - c0, "entities": res.stats["entities"]}
    inc_path = work / "incremental_ids.parquet"
    if inc_path.exists():
        inc = pd.read_parquet(inc_path).set_index("record_id")["entity_id"]
        full = res.entity_of.reindex(inc.index)
        truth = records.set_index("record_id")["true_entity"].reindex(inc.index)
        out["same_id_share"] = float((full == inc).mean())
        agree = pairwise_scores(inc, full)
        out["partition_agreement_f1"] = agree["f1"]
        out["incremental_vs_truth"] = pairwise_scores(inc, truth)
        out["full_vs_truth"] = pairwise_scores(full, truth)
        out["incremental_entities"] = int(inc.nunique())
    return out


def _child(argv: list[str], env: dict[str, str]) -> tuple[dict, float, float]:
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, __file__, *argv], env=env, stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    out = proc.stdout.read() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"child {argv[0]} failed")
    return (
        json.loads(out.strip().splitlines()[-1]),
        time.perf_counter() - t0,
        usage.ru_maxrss / 1024**2,
    )


def _load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    children = {"--child-build": child_build, "--child-incremental": child_incremental}
    children["--child-full"] = child_full
    if argv and argv[0] in children:
        print(json.dumps(children[argv[0]](Path(argv[1]), Path(argv[2])), default=float))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--drop", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--full-repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--budget", type=float, default=30.0, help="seconds for the drop")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "hotpass-bench")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument(
        "--processes", type=int, default=None, help="HOTPASS_SNAPSHOT_PROCESSES of the children"
    )
    parser.add_argument(
        "--work", type=Path, default=None, help="keep the built snapshot here (reused when present)"
    )
    args = parser.parse_args(argv)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONWARNINGS": "ignore"}
    if args.processes is not None:
        env["HOTPASS_SNAPSHOT_PROCESSES"] = str(args.processes)
    print(
        f"cores {os.cpu_count()}, load {_load()}, "
        f"HOTPASS_SNAPSHOT_PROCESSES={env.get('HOTPASS_SNAPSHOT_PROCESSES', '(default)')}",
        flush=True,
    )
    t = time.perf_counter()
    data = _data(args.size, args.drop, args.seed, args.cache)
    print(f"data {data.name} ready in {time.perf_counter() - t:.1f} s", flush=True)
    with tempfile.TemporaryDirectory(prefix="hotpass-bench-incremental-") as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        (work / "incremental_ids.parquet").unlink(missing_ok=True)
        build: dict = {}
        if (work / "entity_keys.parquet").exists():
            print(f"build: reusing the snapshot in {work}", flush=True)
        else:
            build, wall, rss = _child(["--child-build", str(data), str(work)], env)
            print(
                f"build: {build['records']:,} records -> {build['entities']:,} entities, "
                f"resolve {build['seconds']:.1f} s (CPU {build['cpu_s']:.1f} s), "
                f"peak {rss:.2f} GB, load {_load()}",
                flush=True,
            )
        results: dict[str, list[dict]] = {"incremental": [], "full": []}
        for mode, repeats in (("incremental", args.repeats), ("full", args.full_repeats)):
            for i in range(repeats):
                res, wall, rss = _child([f"--child-{mode}", str(data), str(work)], env)
                res.update(peak_gb=rss, wall_s=wall, load=_load())
                results[mode].append(res)
                print(f"{mode} run {i + 1}: {res['seconds']:.2f} s (CPU {res['cpu_s']:.2f} s), "
                      f"peak {rss:.2f} GB, load {res['load']}", flush=True)  # fmt: skip
    inc, full = results["incremental"], results["full"]
    med_inc = statistics.median(r["seconds"] for r in inc)
    last = inc[-1]
    print(f"\ndrop of {args.drop:,} into {args.size:,} records")
    print("| linkage | median s | median CPU s | peak GB | runs (s) |")
    print("| --- | ---: | ---: | ---: | --- |")
    for mode, runs in results.items():
        if runs:
            print(
                f"| {mode} | {statistics.median(r['seconds'] for r in runs):.2f} | "
                f"{statistics.median(r['cpu_s'] for r in runs):.2f} | "
                f"{max(r['peak_gb'] for r in runs):.2f} | "
                + ", ".join(f"{r['seconds']:.2f}" for r in runs)
                + " |"
            )
    print(
        f"\nincremental (last run): read {last['read_s']:.2f} s, link {last['link_s']:.2f} s "
        f"(select {last['select_s']:.2f} s), write {last['write_s']:.2f} s; "
        f"{last['new_records']:,} new records, {last['touched_records']:,} touched, "
        f"{last['linked_records']:,} linked (whole entities), "
        f"{last['untouched_entities']:,} entities untouched"
    )
    print(
        f"untouched records whose id changed: {last['untouched_changed']} of "
        f"{last['untouched_records']:,}; previous records keeping their id: "
        f"{last['previous_records_same_id']:,} of {last['previous_records']:,}; "
        f"merge log rows: {last['merge_log_rows']}"
    )
    if full and "same_id_share" in full[-1]:
        f = full[-1]
        print(
            f"incremental vs full rebuild: same id {f['same_id_share']:.6f}, partition "
            f"agreement F1 {f['partition_agreement_f1']:.6f}; entities "
            f"{f['incremental_entities']:,} vs {f['entities']:,}; F1 vs truth "
            f"{f['incremental_vs_truth']['f1']:.4f} vs {f['full_vs_truth']['f1']:.4f}"
        )
    med_cpu = statistics.median(r["cpu_s"] for r in inc)
    ok = last["untouched_changed"] == 0 and med_inc <= args.budget
    print(
        f"\nbudget {args.budget:.0f} s: {'met' if ok else 'NOT met'} (median {med_inc:.2f} s, "
        f"CPU {med_cpu:.2f} s, load {_load()})"
    )
    if args.json:
        args.json.write_text(json.dumps({"build": build, **results}, indent=1, default=float))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

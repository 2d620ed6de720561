"""``dedupe`` command: deduplicate a CSV or Parquet table from the command line.

    python -m hotpass_assets.lib.matching.cli dedupe INPUT --id-column COL --output OUT \
        [--config FILE] [--pairs PAIRS_OUT]
    python -m hotpass_assets.lib.matching.cli dedupe INPUT --id-column COL --explain-config \
        > config.yaml

``--explain-config`` prints the config that would be used (inferred from the table's contents,
or ``--config`` completed) as YAML: the compared fields and their types, the blocking rules, the
veto, each with ``why``, and the columns and blocking rules left out with their reasons. Column
names and counts only, never values. Edit it and pass it back with ``--config``.

Input and output formats follow the file suffix (``.csv``, ``.parquet``/``.pq``). The output has
the id column and ``entity_id``; ``--pairs`` writes the scored pairs (match, review, conflict) with
their per-field evidence. ``--config`` is a YAML (or JSON) file shaped like
:func:`hotpass_assets.lib.matching.dedupe.dedupe_frame`'s config. The main Hotpass CLI registers
the same parser through :func:`add_dedupe_parser`. Only counts are printed, never values.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

_PARQUET = {".parquet", ".pq"}


def read_table(path: Path) -> pd.DataFrame:
    import pandas as pd

    suffix = path.suffix.lower()
    if suffix in _PARQUET:
        return pd.read_parquet(path)
    if suffix in {".csv", ".txt"}:
        # everything as text: numeric inference destroys phone numbers and ids
        return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    raise ValueError(f"unsupported input format {suffix!r}: use .csv or .parquet")


def write_table(df: pd.DataFrame, path: Path) -> None:
    suffix = path.suffix.lower()
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix in _PARQUET:
        df.to_parquet(path, index=False)
    elif suffix in {".csv", ".txt"}:
        # inert text: a value that a spreadsheet would read as a formula is neutralised
        from hotpass_assets.lib.inert import write_csv

        write_csv(path, [str(c) for c in df.columns], df.itertuples(index=False, name=None))
    else:
        raise ValueError(f"unsupported output format {suffix!r}: use .csv or .parquet")


def load_config(path: Path | None) -> dict[str, Any] | None:
    if path is None:
        return None
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".json":
        loaded: dict[str, Any] | None = json.loads(text)
        return loaded
    import yaml

    data = yaml.safe_load(text)
    if data is not None and not isinstance(data, dict):
        raise ValueError("the dedupe config must be a mapping")
    return data


def add_dedupe_parser(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse.ArgumentParser:
    """Add the ``dedupe`` sub-command to an ``argparse`` sub-parser collection."""
    p = subparsers.add_parser(
        "dedupe",
        help="deduplicate a CSV/Parquet table (entity id per row, scored pairs)",
        description="Deduplicate a table: blocking, EM-learnt match weights, guarded clustering.",
    )
    p.add_argument("input", type=Path, help="input table (.csv or .parquet)")
    p.add_argument("--id-column", required=True, help="column with a unique id per row")
    p.add_argument("--output", type=Path, default=None, help="output table (.csv or .parquet)")
    p.add_argument("--config", type=Path, default=None, help="YAML/JSON config (fields, blocking)")
    p.add_argument("--pairs", type=Path, default=None, help="also write the scored pairs here")
    p.add_argument(
        "--explain-config",
        action="store_true",
        help="print the inferred config as YAML (fields, blocking, why) and exit",
    )
    p.set_defaults(handler=run_dedupe, func=run_dedupe)
    return p


def run_dedupe(args: argparse.Namespace) -> int:
    """Handler of ``dedupe``: returns the process exit code."""
    from hotpass_assets.lib.matching.dedupe import dedupe_frame

    try:
        df = read_table(args.input)
        config = load_config(args.config)
        if getattr(args, "explain_config", False):
            return _print_config(df, args.id_column, config)
        if args.output is None:
            raise ValueError("--output is required (or use --explain-config)")
        out, pairs = dedupe_frame(df, args.id_column, config)
        write_table(out, args.output)
        if args.pairs is not None:
            write_table(pairs, args.pairs)
    except (OSError, ValueError, KeyError) as exc:
        print(f"dedupe: error: {exc}", file=sys.stderr)
        return 2
    stats = out.attrs.get("stats", {})
    summary = {
        "records": len(out),
        "entities": int(out["entity_id"].nunique()),
        "match_pairs": int((pairs["decision"] == "match").sum()) if len(pairs) else 0,
        "review_pairs": int((pairs["decision"] == "review").sum()) if len(pairs) else 0,
        "seconds": round(float(stats.get("total_s", 0.0)), 3),
    }
    print(json.dumps(summary))
    return 0


def _print_config(df: pd.DataFrame, id_column: str, config: dict[str, Any] | None) -> int:
    import yaml

    from hotpass_assets.lib.matching.dedupe import describe_config

    print(yaml.safe_dump(describe_config(df, id_column, config), sort_keys=False), end="")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hotpass_assets.lib.matching.cli")
    sub = parser.add_subparsers(dest="command", required=True)
    add_dedupe_parser(sub)
    args = parser.parse_args(argv)
    code: int = args.handler(args)
    return code


if __name__ == "__main__":
    raise SystemExit(main())

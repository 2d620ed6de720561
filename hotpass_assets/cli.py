"""``hotpass``: the command line for users without the UI and for scripts.

Exit codes: 0 success, 2 a blocking contract failed (the message names the check, file and
sheet), 1 any other error.
"""

import argparse
import logging
import os
import sys
import warnings
from pathlib import Path

EXIT_OK, EXIT_ERROR, EXIT_CONTRACT = 0, 1, 2


def _settings(args: argparse.Namespace):
    from hotpass_assets.settings import Settings

    env = dict(os.environ)
    if getattr(args, "home", None):
        env["HOTPASS_HOME"] = str(Path(args.home).resolve())
        os.environ["HOTPASS_HOME"] = env["HOTPASS_HOME"]
    if getattr(args, "profile", None):
        env["HOTPASS_PROFILE"] = args.profile
        os.environ["HOTPASS_PROFILE"] = args.profile
    return Settings.from_env(env)


def _log_level(args: argparse.Namespace) -> str:
    # Without --verbose Dagster's run log (step failures with stack traces) stays in the
    # instance; the report names each drop's reason in one line instead.
    return "DEBUG" if getattr(args, "verbose", False) else "CRITICAL"


def _print_report(report, verbose: bool = False) -> None:
    from hotpass_assets.lib.messages import format_report

    print("\n".join(format_report(report, verbose=verbose)))


def _exit_code(report) -> int:
    if report.interrupted:  # 130 for SIGINT, 143 for SIGTERM, as a shell reports them
        import signal

        return 128 + signal.Signals[report.interrupted].value
    if report.blocked:
        return EXIT_CONTRACT
    return EXIT_ERROR if report.failed else EXIT_OK


def cmd_refine(args: argparse.Namespace) -> int:
    from hotpass_assets.lib.export import export_table
    from hotpass_assets.lib.warehouse import read_table
    from hotpass_assets.runner import run_pipeline, workbook_files

    settings = _settings(args)
    input_dir = Path(args.input_dir)
    if not input_dir.is_dir():
        print(f"error: input directory {input_dir} does not exist", file=sys.stderr)
        return EXIT_ERROR
    files = workbook_files(input_dir)
    if not files:
        print(f"error: no workbooks (.xlsx, .xlsm, .xls, .ods) in {input_dir}", file=sys.stderr)
        return EXIT_ERROR
    output = Path(args.output)
    if output.suffix.lower() not in (".parquet", ".csv", ".xlsx"):
        print("error: --output must end in .parquet, .csv or .xlsx", file=sys.stderr)
        return EXIT_ERROR
    print(f"refining {len(files)} workbook(s) from {input_dir}")
    report = run_pipeline(
        files, settings=settings, include_scoring=args.score, log_level=_log_level(args)
    )
    _print_report(report, args.verbose)
    refined = settings.refined_path("organisations", report.snapshot_date)
    if report.snapshot_success and refined.exists():
        frame = read_table(refined)
        export_table(frame, output)
        print(f"wrote {len(frame)} refined organisations to {output}")
    code = _exit_code(report)
    if code == EXIT_CONTRACT:
        print("error: a blocking contract check failed (see above)", file=sys.stderr)
    return code


def cmd_demo(args: argparse.Namespace) -> int:
    from hotpass_assets.lib.demo import write_demo_workbooks
    from hotpass_assets.runner import run_pipeline, workbook_files

    settings = _settings(args)
    settings.ensure_dirs()
    landing = settings.landing_dir
    write_demo_workbooks(landing, seed=args.seed, n_organisations=args.organisations)
    files = workbook_files(landing)
    print(f"dropped {len(files)} synthetic demo workbook(s) into {landing}")
    report = run_pipeline(
        files, settings=settings, include_scoring=True, log_level=_log_level(args)
    )
    _print_report(report, args.verbose)
    snap = report.snapshot_date
    print()
    print(f"refined organisations: {settings.refined_path('organisations', snap)}")
    print(f"contacts:              {settings.refined_path('contacts', snap)}")
    print(f"call list:             {settings.scoring_path('call_list', snap, 'xlsx')}")
    print(f"DuckDB (SQL views):    {settings.duckdb_path}")
    print(f"MLflow tracking:       {settings.mlflow_tracking_uri}")
    print(f"  browse: mlflow ui --backend-store-uri {settings.mlflow_tracking_uri}")
    print("Dagster UI:            make dev, then open http://127.0.0.1:3000")
    return _exit_code(report)


def cmd_contracts(args: argparse.Namespace) -> int:
    from hotpass_assets.lib.contracts import export

    argv = ["--check"] if args.check else []
    return int(export.main(argv) or 0)


def cmd_explain(args: argparse.Namespace) -> int:
    from hotpass_assets.lib.explain import explain_entity

    settings = _settings(args)
    text = explain_entity(settings, args.entity_id, snapshot=args.snapshot, show_values=args.values)
    if text is None:
        print(f"error: entity {args.entity_id} not found", file=sys.stderr)
        return EXIT_ERROR
    print(text)
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hotpass", description=__doc__.splitlines()[0])
    parser.add_argument("--home", help="data directory (default: $HOTPASS_HOME or ./.hotpass)")
    parser.add_argument("-v", "--verbose", action="store_true", help="show Dagster's run log")
    sub = parser.add_subparsers(dest="command", required=True)

    refine = sub.add_parser(
        "refine",
        help="refine every workbook in a folder through the asset graph and write the result",
    )
    refine.add_argument("--input-dir", required=True)
    refine.add_argument("--output", required=True, help=".parquet, .csv or .xlsx")
    refine.add_argument("--profile", help="force a source profile (default: recognise)")
    refine.add_argument("--no-score", dest="score", action="store_false", help="skip lead scoring")
    refine.set_defaults(func=cmd_refine)

    demo = sub.add_parser("demo", help="drop synthetic demo workbooks and materialise everything")
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--organisations", type=int, default=120)
    demo.set_defaults(func=cmd_demo)

    contracts = sub.add_parser("contracts", help="contract tools")
    csub = contracts.add_subparsers(dest="contracts_command", required=True)
    export = csub.add_parser("export", help="write schemas/*.schema.json and the reference page")
    export.add_argument("--check", action="store_true", help="fail when committed files differ")
    export.set_defaults(func=cmd_contracts)

    explain = sub.add_parser("explain", help="why records were merged into an entity")
    explain.add_argument("entity_id")
    explain.add_argument("--snapshot", help="snapshot date (default: latest)")
    explain.add_argument(
        "--values", action="store_true", help="show field values (personal data) too"
    )
    explain.set_defaults(func=cmd_explain)

    from hotpass_assets.lib.matching.cli import add_dedupe_parser

    add_dedupe_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.verbose:
        # Library notices (Dagster beta/preview APIs, deprecations, MLflow's set-up chatter and
        # progress bars) are for developers.
        warnings.simplefilter("ignore")
        os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
        os.environ.setdefault("MLFLOW_LOGGING_LEVEL", "WARNING")
        logging.getLogger("mlflow").setLevel(logging.WARNING)
        logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return EXIT_ERROR
    except Exception as exc:  # the last line of defence: one clear line, no traceback wall
        print(f"error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())

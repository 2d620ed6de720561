"""Telemetry overhead benchmark: the demo run against the time its trace, metrics and lineage cost.

Hotpass builds a run's spans, metrics and OpenLineage events from the event log after the run
(sensors, see docs/lineage-and-telemetry.md); inside the run it only adds the trace id to each
asset's metadata and one log line per step. So the overhead of tracing a run is the time the
sensors spend on it, and the same run is its own baseline. Each of ``--runs`` runs, in a fresh
``HOTPASS_HOME`` and Dagster instance (the local ``dagster.yaml``):

* ``demo run``: the three demo workbooks ingested and today's snapshot rebuilt and scored
  (:func:`hotpass_assets.runner.run_pipeline`, what ``make run`` does);
* ``telemetry``: the traces and metrics of those four runs recorded by the sensor's code with the
  OTLP/HTTP exporters, flushed to a local receiver on 127.0.0.1 (started here: the cost includes
  serialising and posting every span and metric point);
* ``lineage``: the OpenLineage events of the same runs, posted over HTTP to the same receiver.

Prints the medians and the median of the per-run ratios (telemetry / demo run, lineage / demo
run). Usage::

    .venv/bin/python benchmarks/bench_telemetry.py --runs 5
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class _Sink(BaseHTTPRequestHandler):
    posts = 0

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        type(self).posts += 1
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def _one_run(workdir: Path, demo: Path, endpoint: str) -> dict:
    import dagster as dg

    from hotpass_assets.definitions import build_definitions
    from hotpass_assets.defs import telemetry as telemetry_defs
    from hotpass_assets.defs.lineage_events import emit_runs
    from hotpass_assets.lib import telemetry
    from hotpass_assets.runner import run_pipeline
    from hotpass_assets.settings import Settings

    home = workdir / "home"
    os.environ["HOTPASS_HOME"] = str(home)
    os.environ["DAGSTER_HOME"] = str(home / "dagster")
    os.environ.pop("MLFLOW_TRACKING_URI", None)
    settings = Settings.from_env()
    t0 = time.perf_counter()
    report = run_pipeline(sorted(demo.glob("*.xlsx")), settings=settings)
    run_s = time.perf_counter() - t0
    if report.failed:
        raise SystemExit("the demo run failed; nothing to compare")
    instance = dg.DagsterInstance.get()
    os.environ["OTEL_EXPORTER_OTLP_ENDPOINT"] = endpoint
    t0 = time.perf_counter()
    tracer_provider, meter_provider = telemetry.build_providers()
    recorder = telemetry_defs.RunRecorder(tracer_provider, meter_provider)
    _, runs = telemetry_defs.record_runs(instance, recorder, 0)
    tracer_provider.force_flush()
    meter_provider.force_flush()
    telemetry_s = time.perf_counter() - t0
    tracer_provider.shutdown()
    meter_provider.shutdown()
    os.environ["OPENLINEAGE_URL"] = endpoint
    graph = build_definitions(str(home)).resolve_asset_graph()
    t0 = time.perf_counter()
    emit_runs(instance, graph, 0)
    lineage_s = time.perf_counter() - t0
    for name in ("OTEL_EXPORTER_OTLP_ENDPOINT", "OPENLINEAGE_URL"):
        os.environ.pop(name, None)
    instance.dispose()
    return {"runs": runs, "run_s": run_s, "telemetry_s": telemetry_s, "lineage_s": lineage_s}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", type=Path, help="also write the raw measurements here")
    args = parser.parse_args(argv)
    from hotpass_assets.lib.demo import write_demo_workbooks

    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Sink)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    endpoint = f"http://127.0.0.1:{server.server_address[1]}"
    results = []
    try:
        with tempfile.TemporaryDirectory(prefix="hotpass-bench-telemetry-") as tmp:
            demo = Path(tmp) / "demo"
            write_demo_workbooks(demo, seed=7)
            for i in range(args.runs):
                result = _one_run(Path(tmp) / f"run{i}", demo, endpoint)
                results.append(result)
                print(
                    f"run {i + 1}: demo {result['run_s']:.2f} s, telemetry "
                    f"{result['telemetry_s'] * 1000:.0f} ms, lineage "
                    f"{result['lineage_s'] * 1000:.0f} ms",
                    file=sys.stderr,
                )
    finally:
        server.shutdown()
        server.server_close()
    med = {
        k: statistics.median(r[k] for r in results) for k in ("run_s", "telemetry_s", "lineage_s")
    }
    tel = statistics.median(r["telemetry_s"] / r["run_s"] for r in results)
    lin = statistics.median(r["lineage_s"] / r["run_s"] for r in results)
    print("| measure | median | share of the demo run |\n| --- | ---: | ---: |")
    print(f"| demo run (4 Dagster runs) | {med['run_s']:.2f} s | 100% |")
    print(f"| traces + metrics (OTLP/HTTP) | {med['telemetry_s'] * 1000:.0f} ms | {tel:.2%} |")
    print(f"| OpenLineage events (HTTP) | {med['lineage_s'] * 1000:.0f} ms | {lin:.2%} |")
    print(f"receiver got {_Sink.posts} POSTs over {len(results)} runs")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

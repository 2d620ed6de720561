"""Render :class:`~hotpass_assets.lib.report.ReportData` as one self-contained HTML page.

Charts are matplotlib figures inlined as SVG (no files, no scripts, no network); every text is
HTML-escaped. Deterministic for the same data apart from the generation time.
"""

import io
from html import escape
from typing import TYPE_CHECKING, Any

import pandas as pd

from hotpass_assets.lib.report import ReportData

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

_CSS = """
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:1100px;color:#1b1b1b}
h1{color:#1F4E78}h2{border-bottom:2px solid #1F4E78;padding-bottom:.2rem;margin-top:2.2rem}
table{border-collapse:collapse;margin:.6rem 0}td,th{border:1px solid #ccc;padding:.25rem .6rem}
th{background:#1F4E78;color:#fff;text-align:left}td.n{text-align:right}
.chart{margin:.6rem 0}.ok{color:#1a7f37}.fail{color:#b42318}.warn{color:#9a6700}
.small{color:#555;font-size:.9rem}
"""


def _svg(fig: "Figure") -> str:
    import matplotlib.pyplot as plt

    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    text = buffer.getvalue()
    return f'<div class="chart">{text[text.index("<svg") :]}</div>'


def _figure(height: float) -> "tuple[Figure, Axes]":
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    plt.rcParams["svg.hashsalt"] = "hotpass-report"
    return plt.subplots(figsize=(8, height))


def chart_sources(sources: pd.DataFrame) -> str:
    fig, ax = _figure(0.6 + 0.5 * max(len(sources), 1))
    y = range(len(sources))
    ax.barh([i + 0.2 for i in y], sources["records_in"], height=0.4, label="records in")
    ax.barh([i - 0.2 for i in y], sources["entities"], height=0.4, label="organisations out")
    ax.set_yticks(list(y), sources["source_dataset"].tolist())
    ax.set_xlabel("count")
    ax.legend(loc="lower right")
    return _svg(fig)


def chart_bars(
    labels: list[str], values: list[float], xlabel: str, limit: float | None = None
) -> str:
    fig, ax = _figure(0.6 + 0.28 * max(len(labels), 1))
    ax.barh(range(len(labels)), values, color="#1F4E78")
    ax.set_yticks(range(len(labels)), labels)
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    if limit is not None:
        ax.set_xlim(0, limit)
    return _svg(fig)


def chart_histogram(hist: pd.DataFrame) -> str:
    fig, ax = _figure(3)
    ax.bar(hist["bin_from"], hist["organisations"], width=0.095, align="edge", color="#C65911")
    ax.set_xlabel("data-quality score")
    ax.set_ylabel("organisations")
    ax.set_xlim(0, 1)
    return _svg(fig)


def _table(frame: pd.DataFrame, percent: tuple[str, ...] = ()) -> str:
    head = "".join(f"<th>{escape(str(c))}</th>" for c in frame.columns)
    body = []
    shares = [str(c) in percent for c in frame.columns]
    for record in frame.itertuples(index=False, name=None):
        cells = []
        for value, share in zip(record, shares, strict=True):
            numeric = isinstance(value, int | float) and not isinstance(value, bool)
            text = f"{value:.1%}" if share and numeric else str(value)
            cells.append(f'<td class="{"n" if numeric else ""}">{escape(text)}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def _checks(checks: list[dict[str, Any]]) -> str:
    if not checks:
        return '<p class="small">No check results recorded for this snapshot.</p>'
    frame = pd.DataFrame(checks, columns=["asset", "check", "status", "severity"])
    counts = frame["status"].value_counts().to_dict()
    summary = ", ".join(f"{n} {escape(str(s))}" for s, n in sorted(counts.items()))
    return f"<p>{summary}</p>" + _table(frame)


def _model(model: dict[str, Any] | None) -> str:
    if not model:
        return '<p class="small">No champion lead-score model yet.</p>'
    head = (
        f"<p>{escape(model['model'])} version {escape(model['version'])}, trained on snapshot "
        f"{escape(model['trained_on_snapshot'])}.</p>"
    )
    rows = pd.DataFrame(sorted(model["metrics"].items()), columns=["metric", "value"])
    return head + _table(rows)


def render(data: ReportData) -> str:
    res = data.resolution
    comp = data.completeness.sort_values("completeness")
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>Hotpass report, snapshot {escape(data.snapshot)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>Hotpass report: snapshot {escape(data.snapshot)}</h1>",
        f"<p class='small'>Generated {escape(data.generated_at)}. Aggregates only: this report "
        "holds no organisation, person, e-mail or phone value.</p>",
        "<h2>Records in and out per source</h2>",
        _table(data.sources),
        chart_sources(data.sources) if len(data.sources) else "",
        "<h2>Rejects by reason</h2>",
        _table(data.rejects) if len(data.rejects) else "<p>No rejects.</p>",
        chart_bars(data.rejects["reason_code"].tolist(), data.rejects["rejects"].tolist(), "rows")
        if len(data.rejects)
        else "",
        "<h2>Entity resolution</h2>",
        _table(pd.DataFrame(list(res.items()), columns=["figure", "value"], dtype=object)),
        "<h2>Completeness per field</h2>",
        chart_bars(comp["column"].tolist(), comp["completeness"].tolist(), "filled share", 1.0),
        _table(data.completeness, percent=("completeness",)),
        "<h2>Data-quality score distribution</h2>",
        chart_histogram(data.quality_histogram),
        _table(data.quality_histogram),
        "<h2>Check results</h2>",
        _checks(data.checks),
        "<h2>Lead-score model</h2>",
        _model(data.model),
        "</body></html>",
    ]
    return "\n".join(parts)

"""The real Dagster UI renders Hotpass: the asset lineage, a group's graph and a drop partition's
page, in headless Chromium. The PNGs are kept (``HOTPASS_TEST_ARTIFACTS``) for a person to look at.

It shares the end-to-end session's server and scenario, and runs after the end-to-end tests
(alphabetical order), when the server is idle and every partition of the scenario is in place.
"""

import time
from urllib.parse import quote

import pytest

from hotpass_assets_tests.e2e.harness import png_report, render_page
from hotpass_assets_tests.needs import chromium

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(300)]


@pytest.fixture(scope="session")  # session scope: checked before the server is started
def browser() -> str:
    return chromium()


def _pages(scenario) -> list[tuple[str, str, tuple[int, int], list[str]]]:
    """(name, path, window size, texts the rendered page must hold)."""
    key = scenario.keys[0]
    return [
        (
            "lineage",
            "/asset-groups",
            (1440, 900),
            ["Global asset lineage", "raw", "capture", "refined", "scoring"],
        ),
        (
            "refined-group",
            "/locations/hotpass/asset-groups/refined",
            (1440, 1400),
            ["refined_organisations", "match_review_queue", "contact_capture"],
        ),
        (
            "contact-capture-partition",
            f"/assets/contact_capture?view=partitions&partition={quote(key)}",
            (1440, 1200),
            ["contact_capture", key, "Latest materialization"],
        ),
    ]


def test_ui_pages_render(browser, dagster_ui, scenario, artifacts, tmp_path, timings):
    failures = []
    for name, path, window, expected in _pages(scenario):
        png = artifacts / f"ui-{name}.png"
        dom = ""
        for budget_ms in (15_000, 30_000):  # the UI is a JS app: give a slow first load more time
            dom = render_page(
                browser, dagster_ui.url + path, png, tmp_path, window=window, budget_ms=budget_ms
            )
            if png.exists() and all(text in dom for text in expected):
                break
        if not png.exists():
            failures.append(f"{name}: no screenshot written")
            continue
        report = png_report(png)
        if not report.looks_rendered():
            failures.append(f"{name}: the screenshot looks blank: {report}")
        missing = [text for text in expected if text not in dom]
        if missing:
            failures.append(f"{name}: {missing} not in the rendered page ({len(dom)} bytes of DOM)")
    timings["screenshots_done_s"] = round(time.monotonic() - dagster_ui.started_at, 1)
    assert not failures, "\n".join(failures) + f"\nscreenshots in {artifacts}"

"""The synthetic data package keeps its old import paths and its light import."""

from __future__ import annotations

import subprocess
import sys

from hotpass_assets.lib import demo, synthetic
from hotpass_assets.lib.matching import synthetic as matching_synthetic
from hotpass_assets.lib.scoring import synthetic as scoring_synthetic
from hotpass_assets.lib.synthetic import organisations, snapshot


def test_old_paths_are_the_package_objects() -> None:
    for name in synthetic.__all__:
        assert getattr(demo, name) is getattr(synthetic, name), name
    assert matching_synthetic.generate_organisations is organisations.generate_organisations
    assert matching_synthetic.pairwise_scores is organisations.pairwise_scores
    assert scoring_synthetic.synthetic_snapshot is snapshot.synthetic_snapshot


def test_demo_workbook_api_imports_without_numpy_or_pandas() -> None:
    code = (
        "import sys, hotpass_assets.lib.demo, hotpass_assets.lib.synthetic; "
        "print(sorted(m for m in ('numpy', 'pandas') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"

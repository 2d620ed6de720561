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


def test_large_sheet_shares_each_phone_by_as_many_rows_at_every_size(tmp_path) -> None:
    """The benchmark sheet's value pools grow with it: rows per phone number stay about the
    same from 9,000 to 90,000 rows (a fixed pool made them grow with the size, and the pairs a
    shared phone brings with its square)."""
    import fastexcel

    from hotpass_assets.lib.synthetic import write_large_sheet

    per_number = []
    for n in (9_000, 90_000):
        path = tmp_path / f"large_{n}.xlsx"
        write_large_sheet(path, n_rows=n, seed=5)
        sheet = fastexcel.read_excel(str(path)).load_sheet("Cleaned").to_pandas()
        phones = sheet.iloc[:, 5].dropna().astype(str).str.replace(" ", "")
        per_number.append(phones.value_counts().mean())
    assert per_number[1] <= 1.5 * per_number[0], per_number

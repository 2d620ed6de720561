"""Contracts on the real workbooks: every ERROR check passes; outcomes hold no cell values.

Assertions are on aggregates only; no cell value is printed, even on failure.
"""

from __future__ import annotations

import pytest

from hotpass_assets.lib import contracts
from hotpass_assets_tests.lib.test_contracts_data import serialised
from hotpass_assets_tests.needs import real_workbook_paths

pytestmark = pytest.mark.real


@pytest.fixture(scope="module")
def captures():
    from hotpass_assets.lib.capture import capture_workbook
    from hotpass_assets.lib.drops import content_hash

    out = {}
    for path in real_workbook_paths():
        sha = content_hash(path)
        key = f"2025-11-01_real_{sha[:8]}"
        out[path.name] = (
            key,
            capture_workbook(path, partition_key=key, content_hash=sha, source_file=path.name),
        )
    return out


def _values(result) -> set[str]:
    """Personal values of a capture (names, e-mails, phones, raw rejects), for leak checks."""
    values: set[str] = set()
    for column in ("full_name", "first_name", "last_name"):
        # Short names also occur inside sheet names and rule words; they are not checked.
        values |= {str(v) for v in result.contacts[column].dropna() if len(str(v)) > 4}
    for frame in (result.organisations, result.contacts):
        for column in ("emails", "phones"):
            values |= {str(x) for v in frame[column] for x in (v or [])}
    values |= {str(v) for v in result.rejects["raw_value"].dropna() if len(str(v)) > 5}
    return values


def test_real_captures_pass_every_error_check_without_leaking_values(captures):
    assert len(captures) == 3
    for name, (key, result) in captures.items():
        frames = {
            "organisations": result.organisations,
            "contacts": result.contacts,
            "rejects": result.rejects,
        }
        ctx = contracts.ContractContext(
            partition_key=key,
            source_file=name,
            extra={
                "sheets": result.sheets,
                "structural_errors": result.structural_errors,
                "workbook_kind": result.workbook_kind,
                "profile_name": result.profile_name,
            },
        )
        outcomes = contracts.evaluate("contact_capture", frames, ctx)
        blocking = sorted(o.name for o in outcomes if o.blocks)
        assert blocking == [], f"{result.workbook_kind}: {blocking}"
        text = serialised(outcomes).casefold()
        leaks = sum(1 for v in _values(result) if v.casefold() in text)
        assert leaks == 0, f"{result.workbook_kind}: {leaks} personal values in check metadata"
        gx_out = next(o for o in outcomes if o.name == "capture_expectations_gx")
        assert gx_out.metadata["gx_validate_ms"] < 1500
        stats = contracts.partition_stats("contact_capture", frames, ctx)
        ctx.previous = stats
        again = contracts.evaluate("contact_capture", frames, ctx)
        assert all(o.passed for o in again if o.spec.severity == "WARN" and "drift" in o.name)

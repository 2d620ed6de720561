"""Named profiles find their header below a title block and across merged header cells."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotpass_assets.lib.capture import capture_workbook
from hotpass_assets.lib.reading import HEADER_SCAN_ROWS, open_workbook
from hotpass_assets_tests.hostile.generate import SACAA_HEADERS, _col, _row, write_raw_xlsx

_TITLE_TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=40
).filter(lambda t: t.strip() and "Organisation" not in t)


def _capture(path):
    return capture_workbook(
        path, partition_key="k", content_hash="0" * 64, source_file="sacaa_flight_schools.xlsx"
    )


def _data(n: int, start: int) -> list[str]:
    return [
        _row(
            start + i,
            (
                f"Title Test Aero Club {i}",
                "Gauteng",
                "Active",
                None,
                None,
                f"+2711777{i:04d}",
                None,
            ),
        )
        for i in range(n)
    ]


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    titles=st.lists(
        st.lists(st.one_of(st.none(), _TITLE_TEXT), max_size=3), max_size=HEADER_SCAN_ROWS - 2
    ),
    n=st.integers(1, 8),
)
def test_header_below_a_title_block_is_found(tmp_path, titles, n):
    parts = [_row(r, cells) for r, cells in enumerate(titles, start=1) if any(cells)]
    header = len(titles) + 1
    parts += [_row(header, SACAA_HEADERS), *_data(n, header + 1)]
    path = write_raw_xlsx(tmp_path / "t.xlsx", parts)
    result = _capture(path)
    assert (result.profile_name, result.workbook_kind) == ("aviation", "sacaa")
    sheet = next(s for s in result.sheets if s["sheet"] == "Cleaned")
    assert sheet["header_row"] == header
    assert sheet["header_method"] == ("fixed" if header == 1 else "detected")
    assert len(result.organisations) == n
    assert sorted(result.organisations["source_row"]) == list(range(header + 1, header + 1 + n))
    assert not [e for e in result.structural_errors if e.get("severity") == "error"]


def test_without_the_header_in_reach_the_fixed_row_is_kept(tmp_path):
    parts = [
        _row(1, ["Title"]),
        _row(HEADER_SCAN_ROWS + 3, SACAA_HEADERS),
        *_data(2, HEADER_SCAN_ROWS + 4),
    ]
    path = write_raw_xlsx(tmp_path / "far.xlsx", parts)
    with open_workbook(path) as book:
        assert book.find_header_row("Cleaned", 1, ["Name of Organisation"]) == 1


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(span=st.integers(2, 4), n=st.integers(1, 6))
def test_merged_header_cells_feed_the_same_field(tmp_path, span, n):
    """``Contact Number`` merged over ``span`` columns: every column's phone is captured."""
    headers = [*SACAA_HEADERS[:5], "Contact Number", *([None] * (span - 1)), SACAA_HEADERS[6]]
    rows = [_row(1, headers)]
    for i in range(n):
        phones = [f"+27117{k}8{i:04d}" for k in range(span)]
        rows.append(
            _row(2 + i, (f"Merged Aero Club {i}", "Gauteng", "Active", None, None, *phones, None))
        )
    merge = f"F1:{_col(5 + span - 1)}1"
    path = write_raw_xlsx(tmp_path / "m.xlsx", rows, merges=[merge])
    with open_workbook(path) as book:
        table = book.read_sheet("Cleaned")
    extra = [f"Contact Number_{k}" for k in range(2, span + 1)]
    assert table.merged_into == dict.fromkeys(extra, "Contact Number")
    result = _capture(path)
    assert len(result.organisations) == n
    assert all(len(p) == span for p in result.organisations["phones"])
    sheet = next(s for s in result.sheets if s["sheet"] == "Cleaned")
    assert sheet["merged_header_columns"] == span - 1


def test_a_blank_header_outside_any_merge_stays_blank(tmp_path):
    rows = [
        _row(1, [*SACAA_HEADERS[:6], None, SACAA_HEADERS[6]]),
        _row(2, ["A", "Gauteng", "Active", None, None, "+27115550000", "x", None]),
    ]
    path = write_raw_xlsx(tmp_path / "b.xlsx", rows)
    with open_workbook(path) as book:
        table = book.read_sheet("Cleaned")
    assert table.merged_into == {}
    assert "column_7" in table.headers

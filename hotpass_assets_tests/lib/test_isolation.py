"""Workbook reads in a child process with memory and time budgets (lib/isolation.py)."""

import os
import time

import pytest

from hotpass_assets.lib.isolation import ReadBudget, run_isolated
from hotpass_assets.lib.reading import WorkbookReadError, sheet_inventory
from hotpass_assets_tests.hostile.generate import good_workbook, value_at_xfd10000


def _pid(path):
    return os.getpid()


def _abort(path):
    os.abort()


def _allocate(path, mb):
    return len(bytearray(mb << 20))


def _arrow_pool(path):
    import pyarrow as pa

    return pa.default_memory_pool().backend_name


def _sleep(path, seconds):
    time.sleep(seconds)
    return "woke"


def _raise(path):
    raise WorkbookReadError(path, "sheet 'X': something specific", "Named.xlsx")


@pytest.fixture
def book(tmp_path):
    return good_workbook(tmp_path)


def test_result_comes_back_from_another_process(book):
    assert run_isolated(_pid, book) != os.getpid()
    inventory = run_isolated(sheet_inventory, book)
    assert inventory == sheet_inventory(book)


def test_budget_from_env():
    assert ReadBudget.from_env({}) == ReadBudget()
    budget = ReadBudget.from_env(
        {
            "HOTPASS_READ_MEMORY_MB": "300",
            "HOTPASS_READ_TIMEOUT_S": "2.5",
            "HOTPASS_READ_ISOLATION": "off",
        }
    )
    assert budget == ReadBudget(memory_bytes=300 << 20, timeout_s=2.5, isolate=False)


def test_an_abort_becomes_a_read_error_and_the_next_read_works(book):
    with pytest.raises(WorkbookReadError) as caught:
        run_isolated(_abort, book, name="Abort Me.xlsx")
    message = str(caught.value)
    assert "'Abort Me.xlsx'" in message and "SIGABRT" in message
    assert "HOTPASS_READ_MEMORY_MB" in message
    assert run_isolated(sheet_inventory, book)[0]["rows"] == 26


def test_memory_budget(book):
    budget = ReadBudget(memory_bytes=200 << 20)
    assert run_isolated(_allocate, book, 50, budget=budget) == 50 << 20
    with pytest.raises(WorkbookReadError, match="more memory than the budget of 200 MB"):
        run_isolated(_allocate, book, 400, budget=budget)


def test_arrow_allocates_with_the_system_allocator_in_the_child(book):
    """The budget limits writable data; Arrow's jemalloc keeps freed pages mapped (a
    250,000-row capture held 1.58 GB of data at 0.81 GB resident), the system allocator does
    not. The parent keeps its own pool."""
    import pyarrow as pa

    before = pa.default_memory_pool().backend_name
    assert run_isolated(_arrow_pool, book) == "system"
    assert pa.default_memory_pool().backend_name == before


def test_time_budget(book):
    started = time.monotonic()
    with pytest.raises(WorkbookReadError, match="longer than the time budget of 1 s"):
        run_isolated(_sleep, book, 30, budget=ReadBudget(timeout_s=1))
    assert time.monotonic() - started < 15
    assert run_isolated(_sleep, book, 0, budget=ReadBudget(timeout_s=10)) == "woke"


def test_errors_of_the_function_are_raised_as_they_were(book):
    with pytest.raises(WorkbookReadError) as caught:
        run_isolated(_raise, book)
    assert caught.value.reason == "sheet 'X': something specific"
    assert caught.value.name == "Named.xlsx"


def test_a_reader_abort_past_the_limits_is_contained(tmp_path, monkeypatch):
    """With the size limits raised, calamine itself aborts on a value at XFD10000 (it sizes a
    16,384 × 10,000 grid): the child dies, this process gets a message naming the file."""
    (path,) = value_at_xfd10000(tmp_path)
    monkeypatch.setenv("HOTPASS_MAX_SHEET_COLUMNS", "20000")
    monkeypatch.setenv("HOTPASS_MAX_SHEET_CELLS", str(10**10))
    monkeypatch.setenv("HOTPASS_READER", "calamine")
    with pytest.raises(WorkbookReadError) as caught:
        run_isolated(sheet_inventory, path, budget=ReadBudget(memory_bytes=1024 << 20))
    message = str(caught.value)
    assert "'value_at_xfd10000.xlsx'" in message
    assert "SIGABRT" in message or "more memory than the budget" in message


def test_isolation_off_runs_here_after_the_same_limit_checks(book, tmp_path):
    assert run_isolated(_pid, book, budget=ReadBudget(isolate=False)) == os.getpid()
    (wide,) = value_at_xfd10000(tmp_path)
    with pytest.raises(WorkbookReadError, match="HOTPASS_MAX_SHEET_COLUMNS"):
        run_isolated(_pid, wide, budget=ReadBudget(isolate=False))

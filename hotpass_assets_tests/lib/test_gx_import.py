"""Great Expectations imports PySpark's Connect module whenever PySpark is installed; without the
Connect dependencies that import ends the process (``SystemExit(0)``) when ``__main__`` has no
file, as in a Dagster run worker. The contracts must survive it."""

import subprocess
import sys


def test_great_expectations_imports_in_a_process_whose_main_has_no_file():
    code = "import great_expectations\nprint('imported')\n"
    done = subprocess.run(
        [sys.executable, "-"], input=code, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "imported" in done.stdout, done.stderr[-2000:]

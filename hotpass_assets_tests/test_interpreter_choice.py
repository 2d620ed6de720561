"""`make` works with whichever one supported Python is installed: it takes the first interpreter on
PATH that is 3.11-3.13, and refuses an unsupported one by name (checked with PATH holding only
one interpreter, as on a fresh machine)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PYENV = Path.home() / ".pyenv" / "versions"


def _interpreters() -> dict[str, Path]:
    """Interpreters by minor version: this one, plus any pyenv keeps."""
    found = {f"{sys.version_info.major}.{sys.version_info.minor}": Path(sys.executable)}
    for version in sorted(PYENV.glob("3.*")) if PYENV.is_dir() else []:
        minor = ".".join(version.name.split(".")[:2])
        exe = version / "bin" / f"python{minor}"
        if exe.exists():
            found.setdefault(minor, exe)
    return found


def _make_python(tmp_path: Path, name: str, target: Path) -> str:
    """What the Makefile picks as PYTHON when PATH holds only ``name`` -> ``target``."""
    bin_ = tmp_path / "bin"
    bin_.mkdir(parents=True)
    for tool in ("make", "sh", "bash"):
        (bin_ / tool).symlink_to(shutil.which(tool))
    (bin_ / name).symlink_to(target)
    env = {"PATH": str(bin_), "HOME": str(tmp_path)}
    proc = subprocess.run(
        [str(bin_ / "make"), "-s", "--no-print-directory", "--eval", "print-python: ; @echo '$(PYTHON)'",
         "print-python"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


SUPPORTED = {k: v for k, v in _interpreters().items() if k in ("3.11", "3.12", "3.13")}


@pytest.mark.parametrize("minor", sorted(SUPPORTED))  # at least the one running the tests
def test_make_takes_the_one_supported_interpreter_found(tmp_path, minor):
    exe = SUPPORTED[minor]
    for name in ("python3", f"python{minor}"):
        picked = _make_python(tmp_path / name, name, exe)
        assert picked == str(tmp_path / name / "bin" / name), picked


def test_make_refuses_an_unsupported_interpreter(tmp_path):
    old = next((v for k, v in _interpreters().items() if k in ("3.9", "3.10")), None)
    if old is None:  # an interpreter that runs but is not 3.11-3.13 answers the check with 1
        old = tmp_path / "python-3.10"
        old.write_text("#!/bin/sh\nexit 1\n")
        old.chmod(0o755)
    assert _make_python(tmp_path, "python3", old) == ""
    assert os.path.exists(ROOT / ".python-version")
    assert (ROOT / ".python-version").read_text().strip() == ">=3.11,<3.14"

"""The pure library never imports Dagster, so it stays usable from the CLI and notebooks."""

import ast
from pathlib import Path

LIB = Path(__file__).resolve().parents[1] / "hotpass_assets" / "lib"
FORBIDDEN = (
    "dagster",
    "dagster_pandas",
    "dagster_pandera",
    "dagster_mlflow",
    "dagster_openlineage",
)


def test_lib_has_no_dagster_imports():
    offenders = []
    for path in sorted(LIB.rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                if name.split(".")[0] in FORBIDDEN:
                    offenders.append(f"{path.relative_to(LIB.parent)}:{node.lineno} imports {name}")
    assert not offenders, "\n".join(offenders)

"""The settings file (HOTPASS_CONFIG) and the list of settings."""

import ast
import re
from pathlib import Path

import pytest

from hotpass_assets.lib.config_file import ConfigFileError, with_config_file
from hotpass_assets.lib.workspace import ENVIRONMENT_ONLY, SETTINGS
from hotpass_assets.settings import Settings

PACKAGE = Path(__file__).resolve().parents[2] / "hotpass_assets"


def test_env_lines_fill_in_what_the_environment_does_not_set(tmp_path):
    path = tmp_path / "hotpass.env"
    path.write_text(
        "# comment\n\nexport HOTPASS_CALL_LIST_SIZE=120\nHOTPASS_MODEL_NAME='leads'\n"
        "HOTPASS_REVIEW_SHARE=0.02\n"
    )
    env = {
        "HOTPASS_CONFIG": str(path),
        "HOTPASS_REVIEW_SHARE": "0.03",
        "HOTPASS_HOME": str(tmp_path),
    }
    settings = Settings.from_env(env)
    assert settings.call_list_size == 120
    assert settings.model_name == "leads"
    assert settings.review_share == 0.03, "the environment wins"
    assert settings.config_path == path


def test_toml_values(tmp_path):
    path = tmp_path / "hotpass.toml"
    path.write_text("HOTPASS_LANDING_RECURSIVE = true\nHOTPASS_MATCH_THRESHOLD = 0.5\n")
    settings = Settings.from_env({"HOTPASS_CONFIG": str(path), "HOTPASS_HOME": str(tmp_path)})
    assert settings.landing_recursive is True
    assert settings.match_threshold == 0.5
    assert settings.match_config().match_threshold == 0.5


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("HOTPASS_CALL_LIST_SIZE=5\nHOTPASS_NOPE=1\n", r"line 2: HOTPASS_NOPE is not a Hotpass"),
        ("OTEL_SDK_DISABLED=true\n", r"line 1: OTEL_SDK_DISABLED is read from the process"),
        ("just words\n", r"line 1: expected NAME=value"),
    ],
)
def test_bad_lines_name_file_line_and_setting(tmp_path, text, message):
    path = tmp_path / "bad.env"
    path.write_text(text)
    with pytest.raises(ConfigFileError, match=re.escape(str(path)) + ".*" + message):
        with_config_file({"HOTPASS_CONFIG": str(path)})


def test_a_missing_file_is_an_error(tmp_path):
    with pytest.raises(ConfigFileError, match="cannot read the settings file"):
        with_config_file({"HOTPASS_CONFIG": str(tmp_path / "absent.env")})


def test_every_hotpass_variable_in_the_code_is_a_listed_setting():
    """Every ``HOTPASS_*`` name the package mentions as a whole string is in SETTINGS (prefixes
    such as ``HOTPASS_MAX_`` are not names)."""
    listed = {name for name, _, _ in SETTINGS}
    found = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            text = node.value if isinstance(node, ast.Constant) else None
            if isinstance(text, str) and re.fullmatch(r"HOTPASS_[A-Z0-9_]*[A-Z0-9]", text):
                found.add(text)
    assert found, "the scan finds names"
    assert found <= listed, sorted(found - listed)
    assert ENVIRONMENT_ONLY.issubset(listed)


def test_the_command_line_reports_a_bad_settings_file(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from hotpass_assets.cli import cli

    path = tmp_path / "hotpass.env"
    path.write_text("HOTPASS_CALL_LIST_SIZE=5\nHOTPASS_TYPO=1\n")
    monkeypatch.setenv("HOTPASS_CONFIG", str(path))
    result = CliRunner().invoke(cli, ["--home", str(tmp_path / "home"), "doctor"])
    assert result.exit_code == 1, result.output
    assert f"{path}, line 2: HOTPASS_TYPO is not a Hotpass setting" in result.output

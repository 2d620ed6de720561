"""The optional settings file (``HOTPASS_CONFIG``): the same settings as the environment, in
one file.

Two formats, chosen by the file's suffix:

* ``.toml``: top-level keys named like the environment variables,
  ``HOTPASS_MATCH_THRESHOLD = 0.45``;
* anything else: ``NAME=value`` lines, as in ``hotpass.env`` (written by ``hotpass init``) and
  ``infra/production.env.example``; ``#`` starts a comment line, ``export`` and quotes are
  accepted.

The process environment wins over the file, and the file over the defaults. A name that is not
a setting, or a setting read by a library straight from the process environment (listed in
:data:`hotpass_assets.lib.workspace.ENVIRONMENT_ONLY`), is an error that names the file, the line
and the name: a value that would be ignored is never accepted silently.
"""

import tomllib
from collections.abc import Iterator, Mapping
from pathlib import Path

CONFIG_ENV = "HOTPASS_CONFIG"


class ConfigFileError(ValueError):
    """The settings file cannot be used; the message names the file, line and setting."""


def _env_lines(path: Path, text: str) -> Iterator[tuple[str, str, str]]:
    """``(where, name, value)`` of each ``NAME=value`` line."""
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        where = f"{path}, line {number}"
        line = line.removeprefix("export ").strip()
        if "=" not in line:
            raise ConfigFileError(f"{where}: expected NAME=value")
        name, value = (part.strip() for part in line.split("=", 1))
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        yield where, name, value


def _toml_items(path: Path, text: str) -> Iterator[tuple[str, str, str]]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigFileError(f"{path}: not valid TOML ({exc})") from None
    for name, value in data.items():
        where = f"{path}, setting {name}"
        if isinstance(value, bool):
            yield where, name, "1" if value else "0"
        elif isinstance(value, str | int | float):
            yield where, name, str(value)
        else:
            raise ConfigFileError(f"{where}: expected a text, number or true/false value")


def read_config_file(path: Path) -> dict[str, str]:
    """The settings of ``path`` as environment values (text)."""
    from hotpass_assets.lib.workspace import ENVIRONMENT_ONLY, SETTINGS

    known = {name for name, _, _ in SETTINGS}
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigFileError(
            f"{path}: cannot read the settings file named by {CONFIG_ENV} "
            f"({exc.strerror or type(exc).__name__})"
        ) from None
    items = _toml_items(path, text) if path.suffix == ".toml" else _env_lines(path, text)
    values: dict[str, str] = {}
    for where, name, value in items:
        if name not in known:
            raise ConfigFileError(f"{where}: {name} is not a Hotpass setting")
        if name in ENVIRONMENT_ONLY:
            raise ConfigFileError(
                f"{where}: {name} is read from the process environment only; set it there"
            )
        values[name] = value
    return values


def with_config_file(env: Mapping[str, str]) -> dict[str, str]:
    """``env`` completed by the settings file it names (``HOTPASS_CONFIG``), if any: a value
    set (non-empty) in ``env`` wins over the file's."""
    merged = dict(env)
    location = (env.get(CONFIG_ENV) or "").strip()
    if not location:
        return merged
    for name, value in read_config_file(Path(location).expanduser()).items():
        if not merged.get(name):
            merged[name] = value
    return merged

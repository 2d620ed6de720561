"""What every command shares: exit codes, settings, output (text, JSON, Rich) and progress.

Output rules: results go to stdout, errors to stderr as ``error: ...``. ``--json`` prints one JSON
document on stdout and nothing else there. Colours and progress bars appear only on a terminal
(Rich turns both off when stdout is not a TTY, and colours off when ``NO_COLOR`` is set).
"""

import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress as RichProgress
    from rich.progress import TaskID

    from hotpass_assets.settings import Settings

F = TypeVar("F", bound=Callable[..., Any])

#: The documented exit codes (see ``hotpass --help``).
EXIT_OK = 0
EXIT_ERROR = 1  # bad input, missing data, a failed run
EXIT_REFUSED = 2  # a blocking contract check failed, or the command line itself is wrong

EXIT_CODES_HELP = (
    "Exit codes: 0 success; 1 an error (bad input, missing data, a failed run; the message says "
    "which); 2 a blocking contract check failed (the message names the check, file and sheet) or "
    "the command line was invalid."
)


class CliError(click.ClickException):
    """An expected failure: printed as ``error: <message>`` with its exit code, no traceback."""

    exit_code = EXIT_ERROR

    def __init__(self, message: str, code: int = EXIT_ERROR) -> None:
        super().__init__(message)
        # click declares ``exit_code`` a class variable; each error here carries its own.
        self.exit_code = code  # type: ignore[misc]

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


def settings_for(ctx: click.Context, profile: str | None = None) -> "Settings":
    """Settings from the environment, with the global ``--home`` and a command's ``--profile``.

    Both are also exported to the environment, because the Dagster runs the pipeline starts read
    their settings from there.
    """
    from hotpass_assets.lib.config_file import ConfigFileError
    from hotpass_assets.settings import Settings

    root = ctx.find_root()
    home = (root.obj or {}).get("home")
    if home:
        os.environ["HOTPASS_HOME"] = str(Path(home).resolve())
    if profile:
        os.environ["HOTPASS_PROFILE"] = profile
    try:
        return Settings.from_env(dict(os.environ))
    except ConfigFileError as exc:
        raise CliError(str(exc)) from None


def verbose(ctx: click.Context) -> bool:
    return bool((ctx.find_root().obj or {}).get("verbose"))


def log_level(ctx: click.Context) -> str:
    """Dagster's console log: everything with ``--verbose``, else nothing (the command prints
    one line per drop and snapshot, with the failed check or error, instead of stack traces)."""
    return "DEBUG" if verbose(ctx) else "CRITICAL"


def console(stderr: bool = False) -> "Console":
    """A Rich console on stdout (or stderr); colour and live output only on a terminal."""
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def echo(text: str = "") -> None:
    click.echo(text)


def emit_json(document: Any) -> None:
    """Print one JSON document (``--json``): dates and paths as text."""
    click.echo(json.dumps(document, indent=2, default=str, ensure_ascii=False))


def json_option(func: F) -> F:
    return click.option(
        "--json",
        "as_json",
        is_flag=True,
        help="Print one JSON document on stdout instead of text (for scripts).",
    )(func)


def snapshot_option(func: F) -> F:
    return click.option(
        "--snapshot",
        metavar="DATE",
        default=None,
        help="Snapshot day (YYYY-MM-DD). Default: the latest snapshot.",
    )(func)


class Progress:
    """Step progress for long work, drawn only when stdout is a terminal (else silent)."""

    def __init__(self, description: str, out: "Console | None" = None) -> None:
        self.description = description
        self._out = out
        self._bar: RichProgress | None = None
        self._task: TaskID | None = None

    def __enter__(self) -> "Progress":
        out = self._out or console()
        if out.is_terminal:
            from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
            from rich.progress import Progress as RichProgress

            self._bar = RichProgress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=out,
                transient=True,
            )
            self._bar.__enter__()
            self._task = self._bar.add_task(self.description, total=None)
        return self

    def __call__(self, done: int, total: int, label: str = "") -> None:
        if self._bar is not None and self._task is not None:  # both set by __enter__
            text = f"{self.description}: {label}" if label else self.description
            self._bar.update(self._task, completed=done, total=total, description=text)

    def __exit__(self, *exc: Any) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)


@contextmanager
def quiet_libraries(ctx: click.Context) -> Iterator[None]:
    """Library notices (Dagster beta/preview APIs, deprecations, MLflow's set-up chatter and
    progress bars) are for developers; ``--verbose`` shows them."""
    import logging
    import warnings

    if verbose(ctx):
        yield
        return
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("MLFLOW_LOGGING_LEVEL", "WARNING")
    for name in ("mlflow", "alembic", "great_expectations"):
        logging.getLogger(name).setLevel(logging.WARNING)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield

"""The exit codes of every command, and the one place that turns an error into one.

0 success; 1 `--check` found something (`EXIT_FOUND`); 2 usage, rule, settings or I/O errors
(`EXIT_ERROR`): a path that does not exist, a file that could not be read or parsed, an upstream that
cannot be reached. `scan` and `fix`, `shim` and `report` all run their work inside
`errors_to_exit_codes()`, so an error raised on purpose (`MigrateError`) ends every command the same
way: one red line on stderr, never a traceback. This module sits below the commands (it imports only
click and `errors`), so the lazily loaded `shim` and `report` commands need not import `cli`.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click

from migrate.errors import MigrateError

EXIT_FOUND = 1
EXIT_ERROR = 2


@contextmanager
def errors_to_exit_codes() -> Iterator[None]:
    """A `MigrateError` inside the block is printed as `error: ...` on stderr and exits with `EXIT_ERROR`."""
    try:
        yield
    except MigrateError as exc:
        click.secho(f"error: {exc}", fg="red", err=True)
        sys.exit(EXIT_ERROR)

"""The project's own error types. Foreign errors are translated into these at the seam."""

from __future__ import annotations


class MigrateError(Exception):
    """Base of every error this tool raises on purpose; `exit_codes.errors_to_exit_codes` maps it to exit code 2."""


class RuleError(MigrateError):
    """One or more rule files are invalid; the message lists every problem with file and key."""


class SettingsError(MigrateError):
    """The scanned project's `[tool.llama-stack-migrate]` settings are invalid."""


class SourceError(MigrateError):
    """A file (or a part of it, such as a notebook cell) cannot be decoded or parsed."""


def internal_error(exc: Exception) -> str:
    """What a file's result says when a bug of ours stopped its scan or fix: the other files are still done (as
    ruff reports a panic on one file), and the user has what to report."""
    where = exc.__traceback__
    while where is not None and where.tb_next is not None:
        where = where.tb_next
    place = f" at {where.tb_frame.f_code.co_filename.rsplit('/', 1)[-1]}:{where.tb_lineno}" if where else ""
    return (
        f"internal error ({type(exc).__name__}{place}: {exc}): a bug in llama-stack-migrate; please report it "
        "with the file"
    )

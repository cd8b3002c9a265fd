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

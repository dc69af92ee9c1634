"""Errors shown to users.

A `KnownError` carries a message written for the person at the keyboard: what is wrong and where.
Anything else that escapes is a bug and is logged with context instead.
"""

from __future__ import annotations


class KnownError(Exception):
    """An error caused by input or environment, with a message fit to show as is."""


class NotFoundError(KnownError):
    """A named family, version, label, run or row does not exist."""


class ValidationError(KnownError):
    """Content that does not satisfy the domain's rules (bad field, bad range, bad reference)."""


class TemplateError(KnownError):
    """A template failed to parse or render.

    Attributes:
        template: the template's name (for example ``order-tracking@v2:user``).
        line: 1-based line in the template, when known.
        variable: the variable involved, when known.
        row: the dataset row id, when rendering for a row.
    """

    def __init__(
        self,
        message: str,
        *,
        template: str,
        line: int | None = None,
        variable: str | None = None,
        row: str | None = None,
    ) -> None:
        self.reason = message
        self.template = template
        self.line = line
        self.variable = variable
        self.row = row
        where = [f"template {template}"]
        if line is not None:
            where.append(f"line {line}")
        if variable is not None:
            where.append(f"variable '{variable}'")
        if row is not None:
            where.append(f"row {row}")
        super().__init__(f"{', '.join(where)}: {message}")


class FileFormatError(KnownError):
    """A file could not be read; names the file and, where it applies, line and column."""

    def __init__(
        self, message: str, *, path: str, line: int | None = None, column: int | None = None
    ) -> None:
        self.reason = message
        self.path = path
        self.line = line
        self.column = column
        where = path
        if line is not None:
            where += f":{line}"
            if column is not None:
                where += f":{column}"
        super().__init__(f"{where}: {message}")


class SchemaTooNewError(KnownError):
    """The database was written by a newer major schema than this program understands."""


class MissingSecretError(KnownError):
    """An API key is needed but not set; the message names the environment variable."""

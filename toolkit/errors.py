"""One error hierarchy. The library raises these; only the CLI prints and exits.

Exit codes (DESIGN.md): 1 the data or the database said no; 2 usage.
Each error carries the data a person needs to act (file, module, record,
field) and renders as one line.
"""
from __future__ import annotations


class ToolkitError(Exception):
    exit_code = 1

    def __init__(self, message: str, *, file: str | None = None, module: str | None = None,
                 record: int | None = None, record_id=None, field: str | None = None,
                 hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.file = file
        self.module = module
        self.record = record
        self.record_id = record_id
        self.field = field
        self.hint = hint

    def where(self) -> str:
        """``FILE: data.MODULE[INDEX] (id ID) field F`` — the parts that are known.

        INDEX is the record's 0-based position in the module's list, as in a
        JSON pointer (``/data/users/3``).
        """
        parts = []
        if self.file:
            parts.append(f"{self.file}:")
        if self.module:
            parts.append(f"data.{self.module}" + (f"[{self.record}]" if self.record is not None else ""))
        if self.record_id is not None:
            parts.append(f"(id {self.record_id})")
        if self.field:
            parts.append(f"field {self.field}")
        return " ".join(parts).rstrip(":")

    def __str__(self) -> str:
        where = self.where()
        text = f"{where}: {self.message}" if where else self.message
        if self.hint:
            text += f" ({self.hint})"
        return text


class UsageError(ToolkitError):
    """Bad option, unknown system or module, missing file."""

    exit_code = 2


class ConfigError(UsageError):
    """alembic.ini not found, unknown system section."""


class DatabaseError(ToolkitError):
    """The database cannot be reached, is not under Alembic, or is at an unpaired revision."""


class VersionError(ToolkitError):
    """Archive and database versions do not fit (newer archive, unknown version)."""


class ArchiveError(ToolkitError):
    """The archive file cannot be read or its content is invalid."""


class DataError(ToolkitError):
    """The data said no: a conflict, a dangling reference, a refused seed."""

"""Errors shared by all layers. Each names what was wrong and what was expected."""

from __future__ import annotations

from dataclasses import dataclass, field


class HazatlasError(Exception):
    """Base class of hazatlas errors that are shown to users as they are."""


class ReferenceDataError(HazatlasError):
    """A packaged reference table is missing or malformed."""


class NotFoundError(HazatlasError):
    """A record with the given identifier does not exist (or is not visible to the user)."""


class PermissionDeniedError(HazatlasError):
    """The user's role does not allow this action."""


class ConflictError(HazatlasError):
    """The action conflicts with the current state (e.g. a duplicate identifier)."""


@dataclass(frozen=True)
class Problem:
    """One problem in an input: where it is and what was expected.

    ``source`` is a file name (or "request", "parameter"), ``row`` the 1-based data row as a user
    counts it in a spreadsheet (header = row 1, so the first data row is 2) or ``None``,
    ``field`` the column or parameter name.
    """

    source: str
    row: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = self.source
        if self.row is not None:
            where += f", row {self.row}"
        if self.field:
            where += f", column '{self.field}'"
        return f"{where}: {self.message}"


@dataclass
class ValidationError(HazatlasError):
    """One or more problems in an input; nothing was written."""

    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} in input; nothing was changed"
        return head + ("\n" + "\n".join(f"  - {p}" for p in self.problems) if n else "")

"""Errors that actions raise; the API and the pages turn them into 4xx answers.

An action that raises has changed nothing: it runs in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class ActionError(Exception):
    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def as_dict(self) -> dict[str, object]:
        return {"detail": self.message}


class Invalid(ActionError):
    """Bad input: the message says what, ``fields`` says where."""

    status = 422

    def __init__(self, message: str, fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.fields = fields or {}

    def as_dict(self) -> dict[str, object]:
        return {"detail": self.message, "fields": self.fields}


class Forbidden(ActionError):
    status = 403


class NotFound(ActionError):
    status = 404


@dataclass(frozen=True)
class Unmet:
    """One condition a state change needs and does not have, with the rule behind it."""

    code: str
    article: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "article": self.article, "message": self.message}


@dataclass
class Refused(ActionError):
    """A transition the rules forbid; every unmet condition is listed (HTTP 409)."""

    message: str
    unmet: list[Unmet] = field(default_factory=list)
    status = 409

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def as_dict(self) -> dict[str, object]:
        return {"detail": self.message, "unmet": [u.as_dict() for u in self.unmet]}


class UsageError(Exception):
    """A command-line mistake: the sentence is printed and the command exits with status 2."""

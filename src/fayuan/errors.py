"""The one error type actions raise: what was wrong and what to do, in Chinese."""

from __future__ import annotations

from typing import Literal

Kind = Literal["invalid", "forbidden", "not_found", "conflict"]


class ActionError(Exception):
    """A refused action. `field` names the input at fault (None: the request as a whole);
    `kind` maps to the HTTP status (400, 403, 404, 409)."""

    def __init__(
        self,
        message: str,
        field: str | None = None,
        kind: Kind = "invalid",
        details: dict[str, object] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.kind = kind
        # More for the caller's program, beside the message (e.g. `differences`: the fields a
        # resent notification letter changed); the API adds them to the error body.
        self.details = details or {}

    def as_dict(self) -> dict[str, object]:
        return {"error": self.kind, "field": self.field, "message": self.message, **self.details}


class RecordedRefusal(ActionError):
    """A refusal whose record is kept on purpose: the action wrote why it refused (a proposal
    returned to the officer, a request that lapsed, the rules' finding that nobody can take the
    case) and `fayuan.locks.action` commits that, then raises this (409 unless `kind` says
    otherwise). Every other `ActionError` rolls back everything the action wrote."""

    def __init__(self, message: str, field: str | None = None, kind: Kind = "conflict") -> None:
        super().__init__(message, field, kind=kind)

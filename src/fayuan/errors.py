"""The one error type actions raise: what was wrong and what to do, in Chinese."""

from __future__ import annotations

from typing import Literal

Kind = Literal["invalid", "forbidden", "not_found", "conflict"]


class ActionError(Exception):
    """A refused action. `field` names the input at fault (None: the request as a whole);
    `kind` maps to the HTTP status (400, 403, 404, 409)."""

    def __init__(self, message: str, field: str | None = None, kind: Kind = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.kind = kind

    def as_dict(self) -> dict[str, object]:
        return {"error": self.kind, "field": self.field, "message": self.message}

"""The one exception type services raise for a refused request."""

from __future__ import annotations


class DomainError(Exception):
    """A request the domain refuses. `field` names the input at fault, when there is one;
    pages show `message`, the API answers 4xx with both."""

    def __init__(self, message: str, *, field: str | None = None, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code

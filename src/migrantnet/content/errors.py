"""Domain errors. The web layer maps each to an HTTP status in one place (`web/errors.py`)."""

from __future__ import annotations


class ContentError(Exception):
    """Base of the errors a caller can fix: bad input, missing things, conflicts."""


class InvalidInput(ContentError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class NotFound(ContentError):
    pass


class AlreadyExists(ContentError):
    pass


class NodeAlreadyInitialised(AlreadyExists):
    pass


class Forbidden(ContentError):
    pass

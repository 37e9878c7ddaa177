"""The one exception the parsers raise."""

from __future__ import annotations

__all__ = ["ParseError"]


class ParseError(ValueError):
    """A document cannot serve its purpose; ``path`` names the field at fault.

    Callers log ``path`` to tell a remote admin *what* to fix ("inbox", not
    "invalid actor"), so it is a plain field path such as ``"inbox"`` or
    ``"object.startTime"``.
    """

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message

    def __reduce__(self) -> tuple[type[ParseError], tuple[str, str]]:
        return (type(self), (self.path, self.message))

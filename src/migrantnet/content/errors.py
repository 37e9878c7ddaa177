"""Domain errors. The web layer maps each to an HTTP status in one place (`web/errors.py`).

`InvalidInput` carries its message as a catalogue id with `%(name)s` placeholders and their
values, not as a finished sentence: `str(exc)` and `.message` are English (logs, the CLI and
the JSON API), and `.shown()` says it in the interface language of the request at the time it
is called (`migrantnet.translations`), which is how the web forms show it beside a field.
Every message is marked with `N_` where it is raised, so the catalogues' test finds it.
"""

from __future__ import annotations

from migrantnet.translations import Term as Term  # content's modules mark their terms here
from migrantnet.translations import english, say


class ContentError(Exception):
    """Base of the errors a caller can fix: bad input, missing things, conflicts."""


class InvalidInput(ContentError):
    def __init__(self, field: str, message: str, /, **values: object) -> None:
        text = english(message, **values)
        super().__init__(f"{field}: {text}")
        self.field = field
        self.message = text
        self.template = message
        self.values = values

    def shown(self) -> str:
        """The message in the interface language in use (English outside a request)."""
        return say(self.template, **self.values)


def shown(exc: BaseException) -> str:
    """What a person is told of `exc` in the interface language, where it has its words:
    the domain's and the federation's errors say themselves (`.shown()`), others in English."""
    method = getattr(exc, "shown", None)
    if callable(method):
        return str(method())
    return str(getattr(exc, "message", None) or exc)


class NotFound(ContentError):
    pass


class AlreadyExists(ContentError):
    pass


class NodeAlreadyInitialised(AlreadyExists):
    pass


class Forbidden(ContentError):
    pass


class Gone(ContentError):
    """It was here and was deleted (410)."""


class TooLarge(ContentError):
    """A body or an upload over what this node accepts (413)."""


class UnsupportedType(ContentError):
    """A body of a type the route does not read (415)."""


class Unavailable(Exception):
    """Something the node needs (its database) cannot be reached: our trouble, not the caller's
    (503). `document` is the JSON to answer instead of an error message; `headers` go with the
    answer (`Retry-After`)."""

    def __init__(
        self,
        message: str,
        document: dict[str, object] | None = None,
        *,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.document = document
        self.headers = headers or {}

"""One check for every closed list of values an author picks from (visibility, statuses...)."""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

from migrantnet.content.errors import InvalidInput
from migrantnet.translations import N_

E = TypeVar("E", bound=StrEnum)


def check_choice(enum: type[E], value: str, field: str) -> E:
    """The member named by `value`, or `InvalidInput` on `field` listing the allowed values."""
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(member.value for member in enum)
        raise InvalidInput(
            field, N_("%(value)s is not one of %(allowed)s"), value=repr(value), allowed=allowed
        ) from None

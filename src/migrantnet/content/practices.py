"""Good practices, victories and defeats: shared so others can learn, linked to a struggle."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.errors import InvalidInput
from migrantnet.content.objects import KindSpec, edit_kind, publish_kind
from migrantnet.content.publishing import Federator
from migrantnet.content.texts import TextsInput
from migrantnet.models import Actor, ContentObject, Kind, Outcome, Practice, Visibility
from migrantnet.uris import Uris


@dataclass(frozen=True, slots=True)
class PracticeInput:
    texts: TextsInput
    outcome: str = Outcome.GOOD_PRACTICE
    struggle_ap_id: str | None = None
    visibility: str = Visibility.PUBLIC
    media_ids: list[str] = field(default_factory=list)  # uploads to attach


def check_outcome(value: str) -> Outcome:
    try:
        return Outcome(value)
    except ValueError:
        allowed = ", ".join(o.value for o in Outcome)
        raise InvalidInput("outcome", f"{value!r} is not one of {allowed}") from None


def _apply(row: Practice, data: PracticeInput) -> None:
    row.outcome = check_outcome(data.outcome)


PRACTICE = KindSpec(
    kind=Kind.PRACTICE, model=Practice, title_required=True, body_required=True, apply=_apply
)


async def publish_practice(
    session: AsyncSession, uris: Uris, federator: Federator, actor: Actor, data: PracticeInput
) -> ContentObject:
    return await publish_kind(PRACTICE, session, uris, federator, actor, data)


async def edit_practice(
    session: AsyncSession,
    federator: Federator,
    actor: Actor,
    obj: ContentObject,
    data: PracticeInput,
) -> ContentObject:
    return await edit_kind(PRACTICE, session, federator, actor, obj, data)

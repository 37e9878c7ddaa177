"""Good practices, victories and defeats: shared so others can learn, linked to a struggle."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.errors import InvalidInput
from migrantnet.content.media import attach_media
from migrantnet.content.objects import check_struggle_link, mark_edited, new_local_object
from migrantnet.content.publishing import Federator
from migrantnet.content.texts import TextsInput, apply_texts_input, prepare_texts
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


async def publish_practice(
    session: AsyncSession, uris: Uris, federator: Federator, actor: Actor, data: PracticeInput
) -> ContentObject:
    outcome = check_outcome(data.outcome)
    texts = prepare_texts(data.texts, title_required=True, body_required=True)
    obj = await new_local_object(
        session,
        uris,
        actor,
        kind=Kind.PRACTICE,
        texts=texts,
        visibility=data.visibility,
        media_ids=data.media_ids,
        struggle_ap_id=data.struggle_ap_id,
    )
    session.add(Practice(object_id=obj.id, outcome=outcome))
    await session.flush()
    await federator.object_created(session, obj, actor)
    return obj


async def edit_practice(
    session: AsyncSession,
    federator: Federator,
    actor: Actor,
    obj: ContentObject,
    data: PracticeInput,
) -> ContentObject:
    outcome = check_outcome(data.outcome)
    texts = prepare_texts(data.texts, title_required=True, body_required=True)
    row = await session.get(Practice, obj.id)
    assert row is not None
    row.outcome = outcome
    obj.struggle_ap_id = await check_struggle_link(session, data.struggle_ap_id)
    apply_texts_input(obj, texts)
    if data.media_ids:
        await attach_media(session, obj, actor, data.media_ids)
    mark_edited(obj)
    await session.flush()
    await federator.object_updated(session, obj, actor)
    return obj

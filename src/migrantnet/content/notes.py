"""Short updates (`Note`s), and editing and deleting any object of an association."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.errors import InvalidInput, NotFound
from migrantnet.content.markdown import render_markdown
from migrantnet.content.publishing import Federator
from migrantnet.models import Actor, ContentObject, Visibility
from migrantnet.uris import Uris, new_public_id

MAX_NOTE_LENGTH = 5000
LANGUAGE_MAX = 35


def check_language(language: str) -> str:
    """A BCP 47 tag of the simple kind (`fr`, `pt-BR`, `zh-Hant`); refuse anything else."""
    parts = language.split("-")
    if not (
        2 <= len(parts[0]) <= 3
        and parts[0].isalpha()
        and all(part.isalnum() and 1 <= len(part) <= 8 for part in parts[1:])
    ):
        raise InvalidInput("language", f"{language!r} is not a language code such as 'fr' or 'ar'")
    return parts[0].lower() + "".join(f"-{part}" for part in parts[1:])


def check_visibility(value: str) -> Visibility:
    try:
        return Visibility(value)
    except ValueError:
        allowed = ", ".join(v.value for v in Visibility)
        raise InvalidInput("visibility", f"{value!r} is not one of {allowed}") from None


async def publish_note(
    session: AsyncSession,
    uris: Uris,
    federator: Federator,
    actor: Actor,
    *,
    text: dict[str, str],
    visibility: str = Visibility.PUBLIC,
    primary_language: str | None = None,
    now: datetime | None = None,
) -> ContentObject:
    """Publish a note with its text in one or more languages (language -> Markdown)."""
    if not text or not any(value.strip() for value in text.values()):
        raise InvalidInput("text", "must not be empty")
    content: dict[str, str] = {}
    for language, value in text.items():
        if len(value) > MAX_NOTE_LENGTH:
            raise InvalidInput("text", f"at most {MAX_NOTE_LENGTH} characters")
        content[check_language(language)] = render_markdown(value)
    primary = check_language(primary_language) if primary_language else next(iter(content))
    if primary not in content:
        raise InvalidInput("primary_language", f"no text in {primary!r}")
    public_id = new_public_id()
    assert actor.slug is not None
    ap_id = uris.object(actor.slug, public_id)
    obj = ContentObject(
        ap_id=ap_id,
        type="Note",
        actor_id=actor.id,
        local=True,
        visibility=check_visibility(visibility),
        url=ap_id,
        primary_language=primary,
        content_map=content,
        published_at=now or datetime.now(UTC),
    )
    session.add(obj)
    await session.flush()
    await federator.object_created(session, obj, actor)
    return obj


async def get_local_object(session: AsyncSession, actor: Actor, ap_id: str) -> ContentObject:
    obj = await session.scalar(
        select(ContentObject).where(
            ContentObject.ap_id == ap_id,
            ContentObject.actor_id == actor.id,
            ContentObject.local.is_(True),
            ContentObject.deleted_at.is_(None),
        )
    )
    if obj is None:
        raise NotFound(f"no object {ap_id} of {actor.slug}")
    return obj


async def delete_object(
    session: AsyncSession, federator: Federator, actor: Actor, obj: ContentObject
) -> None:
    """Keep a tombstone (pages answer 410 Gone) and tell followers with a Delete."""
    obj.deleted_at = datetime.now(UTC)
    obj.content_map, obj.summary_map, obj.name_map = {}, {}, {}
    obj.attachments, obj.tags = [], []
    await session.flush()
    await federator.object_deleted(session, obj, actor)

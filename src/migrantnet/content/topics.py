"""Topics: an open list of short labels (regularisation, asylum, detention, ...)."""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.errors import InvalidInput
from migrantnet.models import Actor, ActorTopic
from migrantnet.translations import N_

SUGGESTED_TOPICS = (
    "regularisation",
    "asylum",
    "detention",
    "voting_rights",
    "domestic_work",
    "freedom_of_movement",
    "labour_rights",
    "housing",
    "health",
    "education",
    "racism",
    "borders",
)


def check_topics(values: list[str], field: str = "topics") -> list[str]:
    """Lower-case words joined by underscores, so they also work as hashtags."""
    result: list[str] = []
    for value in values:
        topic = "_".join(value.strip().lower().replace("-", " ").split())
        if not topic:
            continue
        if len(topic) > 64 or not all(ch.isalnum() or ch == "_" for ch in topic):
            raise InvalidInput(
                field, N_("%(value)s is not a topic (letters, digits, spaces)"), value=repr(value)
            )
        if topic not in result:
            result.append(topic)
    if len(result) > 20:
        raise InvalidInput(field, N_("at most 20 topics"))
    return result


async def set_actor_topics(session: AsyncSession, actor: Actor, topics: list[str]) -> bool:
    """An actor's topics (already checked), with the rows the directory filters on; True when
    they changed. The actor must have been flushed (it has an id)."""
    if list(actor.topics or []) == topics:
        return False
    actor.topics = topics
    await session.execute(delete(ActorTopic).where(ActorTopic.actor_id == actor.id))
    session.add_all(ActorTopic(actor_id=actor.id, topic=topic) for topic in topics)
    await session.flush()
    return True

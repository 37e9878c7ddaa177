"""Good practices, victories and defeats: shared so others can learn, linked to a struggle."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content import peer_values
from migrantnet.content.choices import check_choice
from migrantnet.content.objects import KindSpec, edit_kind, publish_kind
from migrantnet.content.publishing import ChangeNotifier
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
    return check_choice(Outcome, value, "outcome")


def _apply(row: Practice, data: PracticeInput) -> None:
    row.outcome = check_outcome(data.outcome)


def store_remote(row: Practice, values: dict[str, Any]) -> None:
    row.outcome = peer_values.member(Outcome, values.get("outcome"), Outcome.GOOD_PRACTICE)


PRACTICE = KindSpec(
    kind=Kind.PRACTICE,
    ap_type="Article",
    model=Practice,
    title_required=True,
    body_required=True,
    apply=_apply,
    store_remote=store_remote,
    long_form=True,
)


async def publish_practice(
    session: AsyncSession, uris: Uris, notifier: ChangeNotifier, actor: Actor, data: PracticeInput
) -> ContentObject:
    return await publish_kind(PRACTICE, session, uris, notifier, actor, data)


async def edit_practice(
    session: AsyncSession,
    notifier: ChangeNotifier,
    actor: Actor,
    obj: ContentObject,
    data: PracticeInput,
) -> ContentObject:
    return await edit_kind(PRACTICE, session, notifier, actor, obj, data)

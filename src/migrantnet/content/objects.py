"""Creating, editing and deleting local objects of any kind; kinds add their own fields."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content import search as _search  # noqa: F401  (indexes every flush)
from migrantnet.content.choices import check_choice
from migrantnet.content.errors import InvalidInput, NotFound
from migrantnet.content.groups import group_to_address
from migrantnet.content.media import attach_media
from migrantnet.content.publishing import ChangeNotifier
from migrantnet.content.reply_targets import check_same_target, make_reply, reply_target
from migrantnet.content.texts import (
    MAX_BODY,
    Texts,
    TextsInput,
    apply_texts_input,
    prepare_texts,
)
from migrantnet.models import Actor, ContentObject, Kind, Visibility
from migrantnet.translations import N_
from migrantnet.uris import Uris, new_public_id

T = TypeVar("T")
In = TypeVar("In", bound="KindInput")
Row = TypeVar("Row", bound="KindRow")


def check_visibility(value: str) -> Visibility:
    return check_choice(Visibility, value, "visibility")


async def check_struggle_link(session: AsyncSession, struggle_ap_id: str | None) -> str | None:
    """A link to a struggle must name a struggle we know (ours or a followed actor's)."""
    if not struggle_ap_id:
        return None
    kind = await session.scalar(
        select(ContentObject.kind).where(
            ContentObject.ap_id == struggle_ap_id, ContentObject.deleted_at.is_(None)
        )
    )
    if kind != Kind.STRUGGLE:
        raise InvalidInput(
            "struggle",
            N_("%(struggle)s is not a known struggle"),
            struggle=struggle_ap_id,
        )
    return struggle_ap_id


async def new_local_object(
    session: AsyncSession,
    uris: Uris,
    actor: Actor,
    *,
    kind: Kind,
    ap_type: str,
    texts: Texts,
    visibility: str = Visibility.PUBLIC,
    struggle_ap_id: str | None = None,
    media_ids: list[str] | None = None,
    now: datetime | None = None,
    noindex: bool = False,
) -> ContentObject:
    """Add the common row (flushed), with its uploaded files attached; the caller adds its
    kind's row, then calls the notifier, so the Create carries the attachments."""
    if actor.slug is None or not actor.local:
        raise InvalidInput("actor", N_("only a local association publishes here"))
    ap_id = uris.object(actor.slug, new_public_id())
    obj = ContentObject(
        ap_id=ap_id,
        type=ap_type,
        kind=kind,
        actor_id=actor.id,
        local=True,
        visibility=check_visibility(visibility),
        url=ap_id,
        struggle_ap_id=await check_struggle_link(session, struggle_ap_id),
        published_at=now or datetime.now(UTC),
        extra={},
        noindex=noindex,
    )
    apply_texts_input(obj, texts)
    session.add(obj)
    await session.flush()
    if media_ids:
        await attach_media(session, obj, actor, media_ids)
    return obj


async def get_local_object(
    session: AsyncSession, actor: Actor, ap_id: str, kind: Kind | None = None
) -> ContentObject:
    query = select(ContentObject).where(
        ContentObject.ap_id == ap_id,
        ContentObject.actor_id == actor.id,
        ContentObject.local.is_(True),
        ContentObject.deleted_at.is_(None),
    )
    if kind is not None:
        query = query.where(ContentObject.kind == kind)
    obj = await session.scalar(query)
    if obj is None:
        raise NotFound(f"no {kind or 'object'} {ap_id} of {actor.slug}")
    return obj


def mark_edited(obj: ContentObject, now: datetime | None = None) -> None:
    obj.updated_at = now or datetime.now(UTC)


class KindRow(Protocol):
    """A kind's own row: one per object, keyed by the object's id."""

    object_id: int


class KindInput(Protocol):
    """What every kind's input carries besides its own fields (read-only: inputs are frozen)."""

    @property
    def texts(self) -> TextsInput: ...

    @property
    def visibility(self) -> str: ...

    @property
    def media_ids(self) -> list[str]: ...

    @property
    def struggle_ap_id(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class KindSpec(Generic[In, Row]):
    """What the content layer knows of one kind; every kind publishes and edits through
    `publish_kind` and `edit_kind` with its spec (registered in `content/kinds.py`).

    `check` runs first (rules that must hold before the texts are looked at); `apply`
    checks the kind's own fields and writes them onto its row; `finish` runs once the texts
    and the row are both in place (an event writes its when-and-where summary);
    `store_remote` writes what a peer sent, shaped by the federation parser, onto the row.
    """

    kind: Kind
    ap_type: str  # the ActivityStreams type it is federated as (design §2)
    model: type[Row] | None  # its own table; None when the common row says it all (notes)
    title_required: bool
    body_required: bool
    body_limit: int = MAX_BODY
    apply: Callable[[Row, In], None] | None = None
    check: Callable[[In], object] | None = None
    finish: Callable[[ContentObject, Row, Texts, Actor], None] | None = None
    store_remote: Callable[[Row, Any], None] | None = None
    # The post its input answers, for kinds that can be replies (notes): `reply_targets`.
    in_reply_to: Callable[[In], str | None] | None = None
    cosigned: bool = False  # other associations co-sign it (declarations)
    # A long text with a title: sent as a Note, title and summary first, when its
    # association chooses so (`federate_as_note`), for servers that show Notes in full.
    long_form: bool = False


OPEN_FOLLOWERS = N_(
    "this association accepts every follower automatically, so anyone who asks to follow it,"
    " a stranger or an informer, receives its followers-only posts. Approve followers by hand"
    " in its settings, or confirm that these posts go to whoever follows it"
)


FOLLOWERS_CHOICE = (
    "Approving followers by hand means a followers-only post reaches only the people the"
    " association accepted. Accepting everyone automatically means anyone who asks to follow,"
    " a stranger or an informer, receives its followers-only posts"
)


def check_open_followers(actor: Actor, approve_by_hand: bool, confirmed: bool) -> None:
    """Turning approval of followers off is what `check_followers_only` warns about at each
    post: switching to auto-accept needs a confirmation that says what it means."""
    if actor.manually_approves_followers and not approve_by_hand and not confirmed:
        raise InvalidInput("approve_followers", OPEN_FOLLOWERS)


def check_followers_only(actor: Actor, visibility: str, confirmed: bool) -> None:
    """Followers-only promises privacy that auto-accepting does not give: publishing so needs
    followers approved by hand, or a confirmation that says what it means."""
    open_followers = not actor.manually_approves_followers
    if visibility == Visibility.FOLLOWERS and open_followers and not confirmed:
        raise InvalidInput("visibility", OPEN_FOLLOWERS)


def wants_noindex(data: object) -> bool:
    """Whether an input asks to keep its object out of search (`noindex`): the kinds that
    offer it (events, struggles) have the field; for the others it is always false."""
    return getattr(data, "noindex", False) is True


def _texts_of(spec: KindSpec[In, Row], data: In) -> Texts:
    return prepare_texts(
        data.texts,
        title_required=spec.title_required,
        body_required=spec.body_required,
        body_limit=spec.body_limit,
    )


async def publish_kind(
    spec: KindSpec[In, Row],
    session: AsyncSession,
    uris: Uris,
    notifier: ChangeNotifier,
    actor: Actor,
    data: In,
    *,
    now: datetime | None = None,
    followers_confirmed: bool = False,
    group_ap_id: str | None = None,
    in_reply_to: str | None = None,
) -> ContentObject:
    """Publish an object of any kind: everything is checked before anything is written,
    then the common row, the kind's row and the Create, all in the caller's transaction.
    `followers_confirmed`: see `check_followers_only`; `group_ap_id`: a group the association
    is a member of, which the object is addressed to (its `audience`); `in_reply_to`: the
    object it answers (a reply in a group's thread)."""
    check_followers_only(actor, check_visibility(data.visibility), followers_confirmed)
    group = await group_to_address(session, actor, group_ap_id) if group_ap_id else None
    if spec.check is not None:
        spec.check(data)
    answered = spec.in_reply_to(data) if spec.in_reply_to is not None else None
    target = await reply_target(session, answered) if answered else None
    texts = _texts_of(spec, data)
    row = None
    if spec.model is not None:
        row = spec.model()
        if spec.apply is not None:
            spec.apply(row, data)
    obj = await new_local_object(
        session,
        uris,
        actor,
        kind=spec.kind,
        ap_type=spec.ap_type,
        texts=texts,
        visibility=data.visibility,
        struggle_ap_id=data.struggle_ap_id,
        media_ids=data.media_ids,
        now=now,
        noindex=wants_noindex(data),
    )
    if group is not None:
        obj.extra = {**(obj.extra or {}), "audience": group.ap_id}
    if target is not None:
        await make_reply(session, obj, target)
    elif in_reply_to is not None:  # a reply in a group's thread (`content/group_threads.py`)
        obj.in_reply_to = in_reply_to
    if row is not None:
        row.object_id = obj.id
        session.add(row)
        if spec.finish is not None:
            spec.finish(obj, row, texts, actor)
        await session.flush()
    await notifier.object_created(session, obj, actor)
    return obj


async def edit_kind(
    spec: KindSpec[In, Row],
    session: AsyncSession,
    notifier: ChangeNotifier,
    actor: Actor,
    obj: ContentObject,
    data: In,
) -> ContentObject:
    """Replace an object's texts and fields (its visibility and the post it answers stay),
    then send the Update."""
    if spec.check is not None:
        spec.check(data)
    if spec.in_reply_to is not None:
        check_same_target(obj, spec.in_reply_to(data))
    texts = _texts_of(spec, data)
    row = None
    if spec.model is not None:
        row = await kind_row(session, spec.model, obj)
        if spec.apply is not None:
            spec.apply(row, data)
    obj.struggle_ap_id = await check_struggle_link(session, data.struggle_ap_id)
    obj.noindex = wants_noindex(data)
    apply_texts_input(obj, texts)
    if row is not None and spec.finish is not None:
        spec.finish(obj, row, texts, actor)
    if data.media_ids:
        await attach_media(session, obj, actor, data.media_ids)
    mark_edited(obj)
    await session.flush()
    await notifier.object_updated(session, obj, actor)
    return obj


async def kind_row(session: AsyncSession, model: type[T], obj: ContentObject) -> T:
    row = await session.get(model, obj.id)
    if row is None:
        raise NotFound(f"{obj.ap_id} has no {obj.kind} data")
    return row


async def delete_object(
    session: AsyncSession, notifier: ChangeNotifier, actor: Actor, obj: ContentObject
) -> None:
    """Keep a tombstone (pages answer 410 Gone) and tell followers with a Delete."""
    obj.deleted_at = datetime.now(UTC)
    obj.content_map, obj.summary_map, obj.name_map = {}, {}, {}
    # the group it was posted to stays: the group relays the Delete to its members
    group = (obj.extra or {}).get("audience")
    obj.attachments, obj.tags = [], []
    obj.extra = {"audience": group} if isinstance(group, str) else {}
    await session.flush()
    await notifier.object_deleted(session, obj, actor)

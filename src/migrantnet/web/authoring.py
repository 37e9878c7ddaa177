"""Writing for an association in the browser: compose, preview, publish, edit and delete.

Each kind's form is built from its API request body (`web.form_fields`), and a submitted
form is validated by that same model and published by the same content service as the API.
Buttons of one form do different things (`action`): add or remove a language, preview the
Markdown rendered by the server (no JavaScript needed), publish. A mistake comes back as the
form, with the message beside the field and everything typed kept.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData, UploadFile

from migrantnet.config import Settings
from migrantnet.content.details import load_details
from migrantnet.content.errors import InvalidInput, NotFound
from migrantnet.content.events import EventInput, describe_event_input
from migrantnet.content.groups import joined_groups
from migrantnet.content.media import store_upload, uploads_of
from migrantnet.content.media_cleaning import MediaLimits
from migrantnet.content.objects import delete_object, get_local_object
from migrantnet.content.storage import LocalStorage
from migrantnet.models import Actor, ContentObject, Kind, Media, Visibility
from migrantnet.translations import interface_language
from migrantnet.uris import Uris
from migrantnet.uris.interface import (
    ADMIN_CONTENT_PATH,
    ADMIN_DELETE_PATH,
    ADMIN_EDIT_PATH,
    ADMIN_NEW_PATH,
    fill,
)
from migrantnet.web.api.kinds import with_reply_target
from migrantnet.web.auth import DELETE_ROLES, PUBLISH_ROLES, require_role
from migrantnet.web.deps import SessionDep, SettingsDep, UrisDep
from migrantnet.web.drafts import (
    SUGGESTED_LANGUAGES,
    Draft,
    add_language,
    draft_from_form,
    draft_of,
    headline,
    kind_api,
    known_kind_api,
    language_name,
    new_draft,
    remove_language,
    text_direction,
)
from migrantnet.web.errors import form_status
from migrantnet.web.form_fields import (
    HINTS,
    LABELS,
    load_zone_names,
    option_label,
    service_field,
    validation_errors,
    zone_names,
)
from migrantnet.web.forms import read_form
from migrantnet.web.rendering import render, see_other
from migrantnet.web.reply_pages import answered_post
from migrantnet.web.sessions import SignedIn, SignedInDep, Visitor
from migrantnet.web.views.replies import AnsweredView

router = APIRouter(include_in_schema=False)


def _kind(kind: str) -> Kind:
    if kind_api(kind) is None:
        raise NotFound(f"no kind of content named {kind!r}")
    return Kind(kind)


def _language(request: Request) -> str:
    """The editor's interface language, for dates in words and language names."""
    return interface_language()


def _when_in_words(draft: Draft, language: str) -> tuple[tuple[str, str] | None, str | None]:
    """An event draft's time in words, or the reason it cannot be said yet."""
    spec = known_kind_api(Kind.EVENT)
    try:
        body = spec.body.model_validate(draft.body())
        data: EventInput = spec.to_input(body, Visibility.PUBLIC)
        return describe_event_input(data, language), None
    except ValidationError:
        return None, None
    except InvalidInput as exc:
        return None, exc.shown() if exc.field in ("timezone", "ends") else None


def _compose(
    request: Request,
    visitor: Visitor,
    actor: Actor,
    draft: Draft,
    *,
    action: str,
    obj: ContentObject | None = None,
    errors: dict[str, str] | None = None,
    preview: bool = False,
    media: list[Media] | None = None,
    parent: AnsweredView | None = None,
    groups: list[Actor] | None = None,
) -> Response:
    """`groups`: those the association joined, to post a new item to (never on an edit)."""
    language = _language(request)
    when = None
    if draft.kind == Kind.EVENT:
        when, _ = _when_in_words(draft, language)
    errors = errors or {}
    return render(
        request,
        visitor,
        "admin/compose.html",
        {
            "association": actor,
            "draft": draft,
            "action": action,
            "obj": obj,
            "errors": errors,
            "values": draft.values,
            "previews": draft.previews() if preview else {},
            "when": when,
            "parent": parent,
            "media": media or [],
            "groups": groups or [],
            "zones": zone_names() if draft.kind == Kind.EVENT else (),
            "language_names": {code: language_name(code, language) for code in draft.languages},
            "directions": {code: text_direction(code) for code in draft.languages},
            "suggested": [
                (code, language_name(code, language))
                for code in SUGGESTED_LANGUAGES
                if code not in draft.languages
            ],
            "visibilities": [v.value for v in Visibility],
            "labels": LABELS,
            "hints": HINTS,
            "option_label": option_label,
        },
        status_code=form_status(errors),
    )


async def _take_upload(
    session: AsyncSession, settings: Settings, actor: Actor, form: FormData, draft: Draft
) -> dict[str, str]:
    """Store the file of this submission, if any (committed, so it survives a form error)."""
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return {}
    data = await upload.read()
    if not data:
        return {}
    try:
        media = await store_upload(
            session,
            LocalStorage(settings.media_dir),
            actor,
            data=data,
            filename=upload.filename,
            declared_type=upload.content_type,
            alt_text=str(form.get("alt_text") or "") or None,
            limits=MediaLimits.from_settings(settings),
        )
    except InvalidInput as exc:
        return {"alt_text" if exc.field == "alt_text" else "file": exc.shown()}
    await session.commit()
    draft.media_ids.append(media.public_id)
    return {}


async def _submit(
    request: Request,
    visitor: Visitor,
    session: AsyncSession,
    settings: Settings,
    actor: Actor,
    kind: Kind,
    form: FormData,
    obj: ContentObject | None,
) -> tuple[Draft, dict[str, str], bool, ContentObject | None]:
    """Apply the pressed button: (draft, errors, preview?, the published object or None)."""
    draft = draft_from_form(kind, form)
    errors = await _take_upload(session, settings, actor, form, draft)
    action = str(form.get("action") or "publish")
    if action == "add_language":
        try:
            add_language(draft, str(form.get("new_language") or ""))
        except InvalidInput as exc:
            errors[exc.field] = exc.shown()
        return draft, errors, False, None
    if action.startswith("remove:"):
        remove_language(draft, action.removeprefix("remove:"))
        return draft, errors, False, None
    if action == "preview" or errors:
        return draft, errors, True, None
    spec = known_kind_api(kind)
    try:
        body = spec.body.model_validate(draft.body())
    except ValidationError as exc:
        return draft, validation_errors(exc), False, None
    notifier = request.app.state.notifier
    uris = request.app.state.uris
    try:
        if obj is None:
            # The answered post is fetched (and kept) before the savepoint: on SQLite a
            # transaction that has read across a fetch cannot write once another connection
            # committed meanwhile (an inbox row), and the form answered 503.
            body = await with_reply_target(session, request.app.state.federation, body)
        async with session.begin_nested():
            if obj is None:
                done = await spec.publish(
                    session,
                    uris,
                    notifier,
                    actor,
                    body,
                    draft.visibility,
                    followers_confirmed=form.get("confirm_followers_only") == "1",
                )
            else:
                done = await spec.edit(session, notifier, actor, obj, body)
    except InvalidInput as exc:
        return draft, {service_field(exc.field): exc.shown()}, False, None
    await session.commit()
    return draft, {}, False, done


@router.get(ADMIN_NEW_PATH)
async def compose(
    slug: str,
    kind: str,
    request: Request,
    visitor: SignedInDep,
    session: SessionDep,
    in_reply_to: str | None = None,
) -> Response:
    """The empty form of a kind; `?in_reply_to=` fills in the post a note answers (the
    Reply button of an object page, a looked-up post of another server)."""
    actor = await require_role(session, visitor.user, slug, PUBLISH_ROLES)
    await load_zone_names()
    draft = new_draft(_kind(kind), _language(request))
    if draft.kind == Kind.EVENT:
        draft.values.setdefault("timezone", actor.timezone or "UTC")
    if in_reply_to and any(f.name == "in_reply_to" for f in draft.fields):
        draft.values["in_reply_to"] = in_reply_to[:2048]
    return _compose(
        request,
        visitor,
        actor,
        draft,
        action=fill(ADMIN_NEW_PATH, slug=slug, kind=kind),
        parent=await answered_post(request, session, draft.values.get("in_reply_to")),
        groups=await joined_groups(session, actor),
    )


@router.post(ADMIN_NEW_PATH)
async def publish(
    slug: str,
    kind: str,
    request: Request,
    visitor: SignedInDep,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    form = await read_form(request, visitor)
    actor = await require_role(session, visitor.user, slug, PUBLISH_ROLES)
    await load_zone_names()
    draft, errors, preview, done = await _submit(
        request, visitor, session, settings, actor, _kind(kind), form, None
    )
    if done is not None:
        return see_other(
            fill(ADMIN_CONTENT_PATH, slug=slug)
            + f"?done=published&id={Uris.public_id_of(done.ap_id)}"
        )
    media = await uploads_of(session, actor, draft.media_ids)
    return _compose(
        request,
        visitor,
        actor,
        draft,
        action=fill(ADMIN_NEW_PATH, slug=slug, kind=kind),
        errors=errors,
        preview=preview,
        media=media,
        parent=await answered_post(request, session, draft.values.get("in_reply_to")),
        groups=await joined_groups(session, actor),
    )


async def _own_object(
    session: AsyncSession, uris: Any, visitor: SignedIn, slug: str, public_id: str, roles: Any
) -> tuple[Actor, ContentObject]:
    actor = await require_role(session, visitor.user, slug, roles)
    return actor, await get_local_object(session, actor, uris.object(slug, public_id))


@router.get(ADMIN_EDIT_PATH)
async def edit_form(
    slug: str,
    public_id: str,
    request: Request,
    visitor: SignedInDep,
    session: SessionDep,
    uris: UrisDep,
) -> Response:
    actor, obj = await _own_object(session, uris, visitor, slug, public_id, PUBLISH_ROLES)
    await load_zone_names()
    details = await load_details(session, obj, actor)
    draft = draft_of(details, uris)
    return _compose(
        request,
        visitor,
        actor,
        draft,
        action=fill(ADMIN_EDIT_PATH, slug=slug, public_id=public_id),
        obj=obj,
        media=details.media,
        parent=await answered_post(request, session, obj.in_reply_to),
    )


@router.post(ADMIN_EDIT_PATH)
async def edit(
    slug: str,
    public_id: str,
    request: Request,
    visitor: SignedInDep,
    session: SessionDep,
    settings: SettingsDep,
    uris: UrisDep,
) -> Response:
    form = await read_form(request, visitor)
    actor, obj = await _own_object(session, uris, visitor, slug, public_id, PUBLISH_ROLES)
    await load_zone_names()
    draft, errors, preview, done = await _submit(
        request, visitor, session, settings, actor, Kind(obj.kind), form, obj
    )
    if done is not None:
        return see_other(fill(ADMIN_CONTENT_PATH, slug=slug) + f"?done=edited&id={public_id}")
    return _compose(
        request,
        visitor,
        actor,
        draft,
        action=fill(ADMIN_EDIT_PATH, slug=slug, public_id=public_id),
        obj=obj,
        errors=errors,
        preview=preview,
        media=await uploads_of(session, actor, draft.media_ids),
        parent=await answered_post(request, session, obj.in_reply_to),
    )


@router.get(ADMIN_DELETE_PATH)
async def delete_form(
    slug: str,
    public_id: str,
    request: Request,
    visitor: SignedInDep,
    session: SessionDep,
    uris: UrisDep,
) -> Response:
    actor, obj = await _own_object(session, uris, visitor, slug, public_id, DELETE_ROLES)
    return render(
        request,
        visitor,
        "admin/delete.html",
        {"association": actor, "obj": obj, "title": headline(obj), "public_id": public_id},
    )


@router.post(ADMIN_DELETE_PATH)
async def delete(
    slug: str,
    public_id: str,
    request: Request,
    visitor: SignedInDep,
    session: SessionDep,
    uris: UrisDep,
) -> Response:
    await read_form(request, visitor)
    actor, obj = await _own_object(session, uris, visitor, slug, public_id, DELETE_ROLES)
    await delete_object(session, request.app.state.notifier, actor, obj)
    await session.commit()
    return see_other(fill(ADMIN_CONTENT_PATH, slug=slug) + "?done=deleted")

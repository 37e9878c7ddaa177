"""An association's settings, for its admins: name, presentation, avatar, time zone, and
the federation choices (approve followers by hand, federate as notes, show follows), and
whether search engines may index its pages (`discoverable`, sent to peers as `indexable`).

A change is sent to the followers as an Update of the actor, as `associations update` does.
Turning approval of followers off needs a confirmation (`content.objects.check_open_followers`):
followers-only posts then reach anyone who asks to follow.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import FormData, UploadFile

from migrantnet.config import Settings
from migrantnet.content.associations import update_association
from migrantnet.content.errors import InvalidInput
from migrantnet.content.events import check_timezone
from migrantnet.content.html import html_to_text
from migrantnet.content.markdown import render_markdown
from migrantnet.content.media import store_upload
from migrantnet.content.media_cleaning import MediaLimits
from migrantnet.content.objects import check_open_followers
from migrantnet.content.reply_moderation import set_reply_policy
from migrantnet.content.storage import LocalStorage
from migrantnet.models import Actor, Role
from migrantnet.translations import N_, gettext
from migrantnet.uris import Uris
from migrantnet.uris.interface import ADMIN_SETTINGS_PATH, fill
from migrantnet.web.auth import require_role
from migrantnet.web.deps import SessionDep, SettingsDep
from migrantnet.web.errors import form_status
from migrantnet.web.form_fields import load_zone_names, zone_names
from migrantnet.web.forms import read_form, text_field
from migrantnet.web.rendering import render, see_other
from migrantnet.web.sessions import SignedInDep, Visitor

router = APIRouter(include_in_schema=False)
MAX_SUMMARY = 2000
OPEN_FOLLOWERS = N_(
    "To accept every follower automatically, tick the confirmation below: followers-only posts "
    "would then reach anyone who asks to follow, a stranger or an informer too."
)


def _values(actor: Actor) -> dict[str, str]:
    return {
        "name": actor.name or "",
        "summary": html_to_text(actor.summary or ""),
        "timezone": actor.timezone or "",
        "country": actor.country or "",
        "topics": ", ".join(actor.topics or []),
    }


def _page(
    request: Request,
    visitor: Visitor,
    actor: Actor,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
    done: bool = False,
) -> Response:
    return render(
        request,
        visitor,
        "admin/settings.html",
        {
            "association": actor,
            "values": values,
            "errors": errors or {},
            "zones": zone_names(),
            "done": done,
        },
        status_code=form_status(errors),
    )


@router.get(ADMIN_SETTINGS_PATH)
async def settings_form(
    slug: str, request: Request, visitor: SignedInDep, session: SessionDep, done: str | None = None
) -> Response:
    actor = await require_role(session, visitor.user, slug, (Role.OWNER,))
    await load_zone_names()
    return _page(request, visitor, actor, _values(actor), done=done == "saved")


async def _avatar(
    session: SessionDep, settings: Settings, actor: Actor, form: FormData
) -> str | None:
    upload = form.get("avatar")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return None
    data = await upload.read()
    if not data:
        return None
    media = await store_upload(
        session,
        LocalStorage(settings.media_dir),
        actor,
        data=data,
        filename=upload.filename,
        declared_type=upload.content_type,
        alt_text=f"{actor.name} logo",
        limits=MediaLimits.from_settings(settings),
    )
    if not media.media_type.startswith("image/"):
        raise InvalidInput(
            "avatar", gettext("The avatar must be an image (JPEG, PNG, WebP or GIF).")
        )
    return Uris(settings.base_url).media(media.storage_key)


@router.post(ADMIN_SETTINGS_PATH)
async def save_settings(
    slug: str,
    request: Request,
    visitor: SignedInDep,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    form = await read_form(request, visitor)
    actor = await require_role(session, visitor.user, slug, (Role.OWNER,))
    await load_zone_names()
    values = {
        "name": text_field(form, "name"),
        "summary": text_field(form, "summary"),
        "timezone": text_field(form, "timezone").strip(),
        "country": text_field(form, "country").strip(),
        "topics": text_field(form, "topics"),
    }
    try:
        if len(values["summary"]) > MAX_SUMMARY:
            raise InvalidInput(
                "summary", gettext("At most %(count)s characters.", count=MAX_SUMMARY)
            )
        if values["timezone"]:
            check_timezone(values["timezone"])
        check_open_followers(actor, "approve_followers" in form, "confirm_open_followers" in form)
        async with session.begin_nested():
            icon = await _avatar(session, settings, actor, form)
            changed = await update_association(
                session,
                actor,
                name=values["name"],
                summary=render_markdown(values["summary"]) if values["summary"] else "",
                manually_approves_followers="approve_followers" in form,
                federate_as_note="federate_as_note" in form,
                show_follows="show_follows" in form,
                discoverable="discoverable" in form,
                country=values["country"],
                topics=values["topics"].split(","),
            )
            if icon is not None:
                actor.icon_url = icon
                changed = True
            actor.timezone = values["timezone"] or None
            set_reply_policy(actor, hold="hold_replies" in form)
    except InvalidInput as exc:
        field = {"file": "avatar", "alt_text": "avatar", "countries": "country"}.get(
            exc.field, exc.field
        )
        message = gettext(OPEN_FOLLOWERS) if field == "approve_followers" else exc.shown()
        actor = await require_role(session, visitor.user, slug, (Role.OWNER,))  # reloaded
        return _page(request, visitor, actor, values, {field: message})
    if changed:
        await request.app.state.notifier.actor_updated(session, actor)
    await session.commit()
    return see_other(fill(ADMIN_SETTINGS_PATH, slug=slug) + "?done=saved")

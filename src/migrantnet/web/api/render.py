"""What the API answers about stored rows: an object with its details, an uploaded file."""

from __future__ import annotations

from migrantnet.content.details import ObjectDetails
from migrantnet.models import (
    ContentObject,
    Media,
    Visibility,
)
from migrantnet.uris import Uris
from migrantnet.web.api.kinds import KIND_API
from migrantnet.web.api.schemas import MediaOut, ObjectOut, TextOut
from migrantnet.web.i18n import text_direction


def media_out(media: Media, uris: Uris) -> MediaOut:
    return MediaOut(
        id=media.public_id,
        url=uris.media(media.storage_key),
        preview_url=(uris.media(media.preview_key) if media.preview_key else None),
        media_type=media.media_type,
        size=media.size,
        width=media.width,
        height=media.height,
        alt_text=media.alt_text,
        removed_metadata=list(media.removed_metadata or []),
    )


def _texts_out(obj: ContentObject) -> tuple[list[str], dict[str, TextOut]]:
    sources: dict[str, str] = (obj.extra or {}).get("source", {}) or {}
    # The primary language first, then the others sorted: JSONB keeps no key order.
    found = {*obj.content_map, *obj.name_map, *obj.summary_map}
    primary = [obj.primary_language] if obj.primary_language in found else []
    languages = primary + sorted(found - set(primary))
    texts = {
        lang: TextOut(
            title=obj.name_map.get(lang),
            summary=obj.summary_map.get(lang),
            body=sources.get(lang),
            html=obj.content_map.get(lang),
            direction="rtl" if text_direction(lang) == "rtl" else "ltr",
        )
        for lang in languages
    }
    return languages, texts


def object_out(details: ObjectDetails, uris: Uris) -> ObjectOut:
    obj, actor = details.obj, details.actor
    languages, texts = _texts_out(obj)
    out = ObjectOut(
        id=obj.ap_id,
        public_id=Uris.public_id_of(obj.ap_id),
        kind=obj.kind,
        url=obj.url or obj.ap_id,
        association=actor.slug or "",
        visibility=Visibility(obj.visibility),
        published=obj.published_at,
        updated=obj.updated_at,
        primary_language=obj.primary_language,
        languages=languages,
        texts=texts,
        struggle_id=obj.struggle_ap_id,
        in_reply_to=obj.in_reply_to,
        media=[media_out(media, uris) for media in details.media],
    )
    api = KIND_API.get(obj.kind)
    if api is not None and api.out is not None and details.row is not None:
        setattr(out, obj.kind, api.out(details, details.row))
    return out

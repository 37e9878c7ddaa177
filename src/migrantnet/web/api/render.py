"""What the API answers about stored rows: an object with its details, an uploaded file."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from migrantnet.content.details import ObjectDetails
from migrantnet.content.storage import MEDIA_URL_PREFIX
from migrantnet.models import (
    ContentObject,
    Event,
    EventStatus,
    Kind,
    Media,
    Outcome,
    StruggleStatus,
    Visibility,
)
from migrantnet.uris import Uris
from migrantnet.web.api.schemas import (
    DeclarationOut,
    EventOut,
    LinkOut,
    MediaOut,
    ObjectOut,
    PlaceOut,
    PracticeOut,
    ResourceOut,
    StruggleOut,
    TextOut,
)
from migrantnet.web.i18n import text_direction


def media_out(media: Media, uris: Uris) -> MediaOut:
    # The files are served by `web/media.py` under MEDIA_URL_PREFIX, whatever the storage.
    return MediaOut(
        id=media.public_id,
        url=uris.absolute(MEDIA_URL_PREFIX + media.storage_key),
        preview_url=(
            uris.absolute(MEDIA_URL_PREFIX + media.preview_key) if media.preview_key else None
        ),
        media_type=media.media_type,
        size=media.size,
        width=media.width,
        height=media.height,
        alt_text=media.alt_text,
    )


def public_id_of(obj: ContentObject) -> str:
    return obj.ap_id.rstrip("/").rsplit("/", 1)[-1]


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


def _event_out(event: Event) -> EventOut:
    zone = ZoneInfo(event.timezone)
    place = PlaceOut(
        name=event.place_name,
        street=event.street,
        locality=event.locality,
        region=event.region,
        postal_code=event.postal_code,
        country=event.country,
        latitude=event.latitude,
        longitude=event.longitude,
    )
    return EventOut(
        starts=event.starts_at.astimezone(zone),
        ends=event.ends_at.astimezone(zone),
        timezone=event.timezone,
        status=EventStatus(event.status),
        place=place if any(place.model_dump().values()) else None,
        online_url=event.online_url,
        organizers=list(event.organizers),
    )


def object_out(details: ObjectDetails, uris: Uris) -> ObjectOut:
    obj, actor = details.obj, details.actor
    languages, texts = _texts_out(obj)
    out = ObjectOut(
        id=obj.ap_id,
        public_id=public_id_of(obj),
        kind=Kind(obj.kind),
        url=obj.url or obj.ap_id,
        association=actor.slug or "",
        visibility=Visibility(obj.visibility),
        published=obj.published_at,
        updated=obj.updated_at,
        primary_language=obj.primary_language,
        languages=languages,
        texts=texts,
        struggle_id=obj.struggle_ap_id,
        media=[media_out(media, uris) for media in details.media],
    )
    if details.event is not None:
        out.event = _event_out(details.event)
    if (struggle := details.struggle) is not None:
        out.struggle = StruggleOut(
            status=StruggleStatus(struggle.status),
            countries=list(struggle.countries),
            topics=list(struggle.topics),
            started_on=struggle.started_on,
        )
    if (declaration := details.declaration) is not None:
        out.declaration = DeclarationOut(
            adopted_on=declaration.adopted_on,
            adopted_at_place=declaration.adopted_at_place,
            signatories=[signer.ap_id for signer in details.signatories],
        )
    if (resource := details.resource) is not None:
        out.resource = ResourceOut(
            kind=resource.resource_kind,
            languages=list(resource.languages),
            topics=list(resource.topics),
            audience=resource.audience,
            links=[LinkOut(url=link["url"], name=link.get("name")) for link in resource.links],
        )
    if (practice := details.practice) is not None:
        out.practice = PracticeOut(outcome=Outcome(practice.outcome))
    return out

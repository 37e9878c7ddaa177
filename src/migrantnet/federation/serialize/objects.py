"""Content objects of ours as ActivityStreams objects."""

from __future__ import annotations

from typing import Any

from migrantnet.federation.context import OBJECT_CONTEXT, PUBLIC
from migrantnet.federation.serialize.time import iso
from migrantnet.models import Actor, ContentObject, Visibility


def addressing(visibility: str, followers_url: str | None) -> tuple[list[str], list[str]]:
    """Mastodon's addressing: public is to Public, unlisted cc Public, followers-only omits it."""
    followers = [followers_url] if followers_url else []
    if visibility == Visibility.PUBLIC:
        return [PUBLIC], followers
    if visibility == Visibility.UNLISTED:
        return followers, [PUBLIC]
    if visibility == Visibility.FOLLOWERS:
        return followers, []
    return [], []


def language_fields(
    doc: dict[str, Any], field: str, values: dict[str, str], primary: str | None
) -> None:
    """`field` in the primary language plus `fieldMap` with every language (BCP 47 keys)."""
    if not values:
        return
    main = values.get(primary or "") or next(iter(values.values()))
    doc[field] = main
    keyed = {lang: text for lang, text in values.items() if lang and lang != "und"}
    if keyed:
        doc[f"{field}Map"] = keyed


def object_to_ap(obj: ContentObject, actor: Actor) -> dict[str, Any]:
    to, cc = addressing(obj.visibility, actor.followers_url)
    doc: dict[str, Any] = {
        "@context": OBJECT_CONTEXT,
        "id": obj.ap_id,
        "type": obj.type,
        "attributedTo": actor.ap_id,
        "url": obj.url or obj.ap_id,
        "published": iso(obj.published_at),
        "to": to,
        "cc": cc,
        "sensitive": obj.sensitive,
        "tag": list(obj.tags),
        "attachment": list(obj.attachments),
        "replies": {"id": f"{obj.ap_id}/replies", "type": "Collection", "totalItems": 0},
    }
    if obj.updated_at:
        doc["updated"] = iso(obj.updated_at)
    if obj.in_reply_to:
        doc["inReplyTo"] = obj.in_reply_to
    language_fields(doc, "name", obj.name_map, obj.primary_language)
    language_fields(doc, "summary", obj.summary_map, obj.primary_language)
    language_fields(doc, "content", obj.content_map, obj.primary_language)
    doc.setdefault("content", "")
    return doc

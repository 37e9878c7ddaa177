"""Content objects of ours as ActivityStreams objects, one shape per kind (FEDERATION.md).

Every object reads well to a server that ignores our `mn:` terms: `name`, `summary`, `content`
and `url` are set, and the `summary` of a long-form kind is written for Mastodon, which shows an
Article, Page or Event as title + summary + link and drops `content`.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from migrantnet.content.details import ObjectDetails
from migrantnet.content.formatting import iso
from migrantnet.content.html import html_to_text
from migrantnet.content.kinds import kind_spec
from migrantnet.content.reply_targets import answered_author
from migrantnet.federation.context import OBJECT_CONTEXT, PUBLIC
from migrantnet.federation.serialize import kind_fields
from migrantnet.models import ContentObject, Kind, Media, Visibility
from migrantnet.uris import Uris

# Sent as a `Note` when the association chooses so (`federate_as_note`): events stay `Event`s,
# which agendas (Mobilizon, Gancio) need and Mastodon shows with their date and place.
SUMMARY_CLASS = "p-summary"  # microformats class: kept by sanitisers, marks the summary in a Note
EXCERPT_LENGTH = 280


@dataclass(frozen=True, slots=True)
class KindSerialiser:
    """What one kind adds to its object: its fields, and which of its values also show as
    hashtags (`topics`) or as the summary of last resort (`links`)."""

    fields: Callable[[ObjectDetails, Any], dict[str, Any]]
    topics: Callable[[Any], list[str]] | None = None
    links: Callable[[Any], list[dict[str, Any]]] | None = None


KIND_SERIALISERS: dict[str, KindSerialiser] = {}


def register_kind_serialiser(kind: str, serialiser: KindSerialiser) -> None:
    KIND_SERIALISERS[kind] = serialiser


def _long_form(kind: str) -> bool:
    spec = kind_spec(kind)
    return kind == Kind.ARTICLE or (spec is not None and spec.long_form)


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


def group_of(obj: ContentObject) -> str | None:
    """The group one of our objects was posted to (its `audience`), if any."""
    value = (obj.extra or {}).get("audience") if obj.local else None
    return value if isinstance(value, str) else None


def language_fields(
    doc: dict[str, Any], field: str, values: dict[str, str], primary: str | None
) -> None:
    """`field` in the primary language plus `fieldMap` with every language (BCP 47 keys),
    the primary first: Mastodon takes the first key of `contentMap` as the language."""
    if not values:
        return
    main = values.get(primary or "") or next(iter(values.values()))
    doc[field] = main
    ordered = sorted(values.items(), key=lambda item: item[0] != primary)
    keyed = {lang: text for lang, text in ordered if lang and lang != "und"}
    if keyed:
        doc[f"{field}Map"] = keyed


def object_to_ap(details: ObjectDetails, uris: Uris) -> dict[str, Any]:
    obj, actor = details.obj, details.actor
    kind = obj.kind
    as_note = actor.federate_as_note and _long_form(kind)
    to, cc = addressing(obj.visibility, actor.followers_url)
    mentioned = [t["href"] for t in obj.tags or [] if t.get("type") == "Mention" and t.get("href")]
    answered = answered_author(obj)
    if answered is not None and answered[0] not in mentioned:
        # a reply is addressed to the author it answers, as Mastodon does (thread, notice)
        mentioned.append(answered[0])
    if obj.visibility == Visibility.DIRECT:
        to = [*to, *mentioned]
    else:
        cc = [*cc, *[href for href in mentioned if href not in cc]]
    doc: dict[str, Any] = {
        "@context": OBJECT_CONTEXT,
        "id": obj.ap_id,
        # The type is the content layer's choice (`KindSpec.ap_type`), one per kind.
        "type": "Note" if as_note else obj.type,
        "kind": kind,
        "attributedTo": actor.ap_id,
        "url": obj.url or obj.ap_id,
        "published": iso(obj.published_at),
        "to": to,
        "cc": cc,
        "sensitive": obj.sensitive,
        "mediaType": "text/html",
    }
    if obj.updated_at:
        doc["updated"] = iso(obj.updated_at)
    group = group_of(obj)
    if group is not None:
        # posted to a group (FEP-1b12): the group relays it to its members
        doc["audience"] = group
        if group not in to and group not in doc["cc"]:
            doc["cc"] = [*doc["cc"], group]
    if obj.noindex:
        # A sensitive item (FEDERATION.md, "Sensitive items"): not to be indexed. Mastodon reads
        # `indexable` on actors only; Fedibird, kmyblue and Misskey forks read `searchableBy`.
        doc["indexable"] = False
        doc["searchableBy"] = [actor.ap_id]
    if obj.in_reply_to:
        doc["inReplyTo"] = obj.in_reply_to
    if obj.struggle_ap_id:
        doc["struggle"] = obj.struggle_ap_id
    summaries = dict(obj.summary_map)
    if kind != Kind.NOTE:
        summaries = _complete_summaries(details)
    language_fields(doc, "name", obj.name_map, obj.primary_language)
    if as_note:
        contents = _note_form(obj.name_map, summaries, obj.content_map)
    else:
        language_fields(doc, "summary", summaries, obj.primary_language)
        contents = obj.content_map
    language_fields(doc, "content", contents, obj.primary_language)
    doc.setdefault("content", "")
    serialiser = KIND_SERIALISERS.get(kind)
    if serialiser is not None and details.row is not None:
        doc.update(serialiser.fields(details, details.row))
    doc["tag"] = _tags(details, uris)
    doc["attachment"] = [*_media(details.media, uris), *doc.pop("attachment", [])]
    # No count here: replies arrive from elsewhere and this document is kept rendered.
    replies = uris.replies(obj.ap_id)
    doc["replies"] = {
        "id": replies,
        "type": "OrderedCollection",
        "first": Uris.collection_page(replies),
    }
    return doc


def _complete_summaries(details: ObjectDetails) -> dict[str, str]:
    """Where the author wrote no summary: the opening of the text, else a resource's links,
    else the title, so Mastodon (title + summary + link) never shows a bare title."""
    obj = details.obj
    result = dict(obj.summary_map)
    serialiser = KIND_SERIALISERS.get(obj.kind)
    row = details.row
    links = serialiser.links(row) if serialiser and serialiser.links and row is not None else []
    listed = " · ".join(
        f"{link['name']}: {link['url']}" if link.get("name") else link["url"] for link in links
    )
    for language in [*obj.content_map, *obj.name_map]:
        if result.get(language):
            continue
        text = excerpt_of(obj.content_map.get(language, "")) or listed
        text = text or obj.name_map.get(language, "")
        if text:
            result[language] = text
    return result


def excerpt_of(body_html: str, limit: int = EXCERPT_LENGTH) -> str:
    text = html_to_text(body_html).split("\n\n")[0].strip()
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] if " " in text[:limit] else text[:limit]
    return cut.rstrip(" ,;:.") + "…"


def _note_form(
    names: dict[str, str], summaries: dict[str, str], contents: dict[str, str]
) -> dict[str, str]:
    """Title, summary and body in one HTML text per language, for readers of `Note`s."""
    result: dict[str, str] = {}
    for language in [*contents, *[lang for lang in names if lang not in contents]]:
        parts = []
        if names.get(language):
            parts.append(f"<p><strong>{html.escape(names[language], quote=False)}</strong></p>")
        if summaries.get(language):
            text = html.escape(summaries[language], quote=False).replace("\n", "<br>")
            parts.append(f'<p><span class="{SUMMARY_CLASS}">{text}</span></p>')
        parts.append(contents.get(language, ""))
        result[language] = "".join(parts)
    return result


def _tags(details: ObjectDetails, uris: Uris) -> list[dict[str, Any]]:
    tags: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()

    def add(tag: dict[str, Any]) -> None:
        key = (tag["type"], str(tag.get("href") or tag["name"]).lower())
        if key not in seen:
            seen.add(key)
            tags.append(tag)

    answered = answered_author(details.obj)
    if answered is not None:
        add({"type": "Mention", "href": answered[0], "name": answered[1]})
    for stored in details.obj.tags or []:
        kind, name = stored.get("type"), stored.get("name")
        if kind == "Hashtag" and name:
            href = stored.get("href") or uris.tag(name.lstrip("#").lower())
            add({"type": "Hashtag", "href": href, "name": name})
        elif kind == "Mention" and name and stored.get("href"):
            # an unresolved mention is text only: peers need the actor id to notify anyone
            add({"type": "Mention", "href": stored["href"], "name": name})
    serialiser = KIND_SERIALISERS.get(details.obj.kind)
    row = details.row
    topics = serialiser.topics(row) if serialiser and serialiser.topics and row is not None else []
    for topic in topics:
        add({"type": "Hashtag", "href": uris.tag(topic), "name": f"#{topic}"})
    return tags


def _media(media: list[Media], uris: Uris) -> list[dict[str, Any]]:
    items = []
    for item in media:
        attachment: dict[str, Any] = {
            "type": "Image" if item.media_type.startswith("image/") else "Document",
            "mediaType": item.media_type,
            "url": uris.media(item.storage_key),
        }
        if item.alt_text:
            attachment["name"] = item.alt_text
        if item.width and item.height:
            attachment["width"] = item.width
            attachment["height"] = item.height
        items.append(attachment)
    return items


register_kind_serialiser(Kind.DECLARATION, KindSerialiser(kind_fields.declaration_fields))
register_kind_serialiser(
    Kind.STRUGGLE, KindSerialiser(kind_fields.struggle_fields, topics=lambda row: list(row.topics))
)
register_kind_serialiser(Kind.EVENT, KindSerialiser(kind_fields.event_row_fields))
register_kind_serialiser(
    Kind.RESOURCE,
    KindSerialiser(
        kind_fields.resource_fields,
        topics=lambda row: list(row.topics),
        links=lambda row: list(row.links),
    ),
)
register_kind_serialiser(Kind.PRACTICE, KindSerialiser(kind_fields.practice_fields))

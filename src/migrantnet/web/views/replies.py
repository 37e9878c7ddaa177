"""The thread under an object page: replies from the fediverse, nested as they answer.

The replies' HTML was sanitised when it arrived (federation/parse: one allow-list, no
scripts, styles or event handlers), so it is shown as stored. Each reply is in the reader's
language where it was written in several, with its direction; a content warning stays
folded until opened.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from migrantnet.content.reply_targets import comments_closed
from migrantnet.models import Actor, ContentObject
from migrantnet.web.hrefs import safe_href
from migrantnet.web.i18n import pick_language, text_direction
from migrantnet.web.views.parts import (
    ActorLink,
    Moment,
    actor_link,
    demote_headings,
    instant,
    text_excerpt,
)


@dataclass(frozen=True, slots=True)
class ReplyView:
    anchor: str
    url: str
    author: ActorLink
    warning: str | None  # the reply's `summary`: a content warning, shown before the text
    content_html: str
    language: str
    direction: str
    published: Moment
    replies: tuple[ReplyView, ...]


@dataclass(frozen=True, slots=True)
class ThreadView:
    count: int
    replies: tuple[ReplyView, ...]


def thread_view(
    rows: list[tuple[ContentObject, Actor]], root_ap_id: str, wanted: list[str]
) -> ThreadView:
    """`rows` as `content.replies.thread` gives them: level by level, oldest first."""
    children: dict[str, list[tuple[ContentObject, Actor]]] = defaultdict(list)
    for obj, actor in rows:
        if obj.in_reply_to is not None:
            children[obj.in_reply_to].append((obj, actor))

    def build(parent: str, seen: frozenset[str]) -> tuple[ReplyView, ...]:
        views = []
        for obj, actor in children.get(parent, []):
            if obj.ap_id in seen:  # a peer's cycle of replies
                continue
            views.append(_reply(obj, actor, wanted, build(obj.ap_id, seen | {obj.ap_id})))
        return tuple(views)

    return ThreadView(count=len(rows), replies=build(root_ap_id, frozenset({root_ap_id})))


def single_reply(obj: ContentObject, actor: Actor, wanted: list[str]) -> ReplyView:
    """One reply on its own (a moderator's queue), without the replies under it."""
    return _reply(obj, actor, wanted, ())


def nested_reply(
    obj: ContentObject, actor: Actor, wanted: list[str], replies: tuple[ReplyView, ...]
) -> ReplyView:
    """One reply with the replies under it (a group's thread, nested by its service)."""
    return _reply(obj, actor, wanted, replies)


def _reply(
    obj: ContentObject, actor: Actor, wanted: list[str], replies: tuple[ReplyView, ...]
) -> ReplyView:
    language = pick_language(obj.content_map, wanted, obj.primary_language)
    warning_language = pick_language(obj.summary_map, wanted, obj.primary_language)
    warning = obj.summary_map.get(warning_language) if warning_language else None
    return ReplyView(
        anchor=f"reply-{obj.id}",
        url=safe_href(obj.url or obj.ap_id),
        author=actor_link(actor),
        warning=warning or None,
        content_html=demote_headings(obj.content_map.get(language, "")) if language else "",
        language=language or "",
        direction=text_direction(language) if language else "auto",
        published=instant(obj.published_at),
        replies=replies,
    )


@dataclass(frozen=True, slots=True)
class AnsweredView:
    """The post a reply of ours answers, in short: above the compose form, on a preview."""

    url: str
    author: ActorLink
    title: str | None
    excerpt: str
    language: str
    direction: str
    published: Moment
    comments_closed: bool = False  # an event whose author takes no comments


def answered_view(obj: ContentObject, actor: Actor, wanted: list[str]) -> AnsweredView:
    language = pick_language(obj.content_map, wanted, obj.primary_language)
    title_language = pick_language(obj.name_map, wanted, obj.primary_language)
    text = obj.content_map.get(language, "") if language else ""
    return AnsweredView(
        url=safe_href(obj.url or obj.ap_id),
        author=actor_link(actor),
        title=obj.name_map.get(title_language) if title_language else None,
        excerpt=text_excerpt(text) or (obj.summary_map.get(language or "") or ""),
        language=language or title_language or "",
        direction=text_direction(language or title_language)
        if (language or title_language)
        else "auto",
        published=instant(obj.published_at),
        comments_closed=comments_closed(obj),
    )

"""A group's threads for its pages: the list (title, who started it, replies, newest
activity) and one thread with its replies nested as `content.group_thread_listing` gives
them. Texts are in the reader's language where they exist in several; the HTML was
sanitised when it arrived (or when our member wrote it). The same views serve a group of
ours (pages under `/@slug`) and one elsewhere (`/groups/name@host`): `ThreadLinks` says where
its pages are."""

from __future__ import annotations

from dataclasses import dataclass

from migrantnet.content.group_thread_listing import ReplyNode, ThreadSummary, ThreadTree
from migrantnet.models import Actor, ContentObject
from migrantnet.uris import Uris
from migrantnet.web.hrefs import safe_href
from migrantnet.web.i18n import pick_language, text_direction
from migrantnet.web.views.parts import ActorLink, Moment, actor_link, demote_headings, instant
from migrantnet.web.views.replies import ReplyView, nested_reply


@dataclass(frozen=True, slots=True)
class ThreadLinks:
    """Where a group's thread pages are: ours by slug, a remote group's by its handle."""

    key: str  # the slug of a group of ours, `name@host` of one elsewhere
    remote: bool = False

    def listing(self, before: str | None = None) -> str:
        if self.remote:
            return Uris.remote_group_threads_path(self.key, before)
        return Uris.group_threads_path(self.key, before)

    def thread(self, thread_id: int, reply_to: int | None = None) -> str:
        if self.remote:
            return Uris.remote_group_thread_path(self.key, thread_id, reply_to)
        return Uris.group_thread_path(self.key, thread_id, reply_to)

    def reply(self, thread_id: int) -> str:
        if self.remote:
            return Uris.remote_group_thread_reply_path(self.key, thread_id)
        return Uris.group_thread_reply_path(self.key, thread_id)


def links_of(group: Actor) -> ThreadLinks:
    if group.local:
        return ThreadLinks(group.slug or "")
    return ThreadLinks(group.handle, remote=True)


@dataclass(frozen=True, slots=True)
class ThreadItem:
    url: str
    title: str
    language: str
    direction: str
    author: ActorLink
    replies: int
    last_activity: Moment
    locked: bool
    hidden: bool


@dataclass(frozen=True, slots=True)
class ThreadPage:
    id: int
    title: str
    language: str
    direction: str
    author: ActorLink
    published: Moment
    content_html: str
    url: str
    locked: bool
    hidden: bool
    replies: tuple[ReplyView, ...]
    reply_ids: dict[int, str]  # row id -> ap_id of every message one may answer
    answer_urls: dict[str, str]  # a reply's anchor -> this page with the form answering it
    truncated: bool


def _title(root: ContentObject, wanted: list[str]) -> tuple[str, str]:
    language = pick_language(root.name_map, wanted, root.primary_language) or ""
    return root.name_map.get(language, ""), language


def thread_items(
    links: ThreadLinks, threads: list[ThreadSummary], wanted: list[str]
) -> list[ThreadItem]:
    items = []
    for summary in threads:
        title, language = _title(summary.root, wanted)
        items.append(
            ThreadItem(
                url=links.thread(summary.thread.id),
                title=title,
                language=language,
                direction=text_direction(language) if language else "auto",
                author=actor_link(summary.author),
                replies=summary.thread.reply_count,
                last_activity=instant(summary.thread.last_activity_at),
                locked=summary.thread.locked,
                hidden=summary.thread.hidden,
            )
        )
    return items


def _replies(
    nodes: list[ReplyNode], wanted: list[str], ids: dict[int, str]
) -> tuple[ReplyView, ...]:
    views = []
    for node in nodes:
        ids[node.obj.id] = node.obj.ap_id
        views.append(
            nested_reply(node.obj, node.author, wanted, _replies(node.children, wanted, ids))
        )
    return tuple(views)


def thread_page(links: ThreadLinks, tree: ThreadTree, wanted: list[str]) -> ThreadPage:
    root: ContentObject = tree.root
    author: Actor = tree.author
    title, language = _title(root, wanted)
    body_language = pick_language(root.content_map, wanted, root.primary_language)
    ids: dict[int, str] = {root.id: root.ap_id}
    replies = _replies(tree.replies, wanted, ids)
    return ThreadPage(
        id=tree.thread.id,
        title=title,
        language=language,
        direction=text_direction(language) if language else "auto",
        author=actor_link(author),
        published=instant(root.published_at),
        content_html=demote_headings(root.content_map.get(body_language, ""))
        if body_language
        else "",
        url=safe_href(root.url or root.ap_id),
        locked=tree.thread.locked,
        hidden=tree.thread.hidden,
        replies=replies,
        reply_ids=ids,
        answer_urls={f"reply-{row_id}": links.thread(tree.thread.id, row_id) for row_id in ids},
        truncated=tree.truncated,
    )

"""A post to answer, looked up by its address: ours, one we keep, or a peer's fetched now.

An editor (form, API or command line) gives the address of the post their note answers. A
post this node keeps is taken as it is; another server's is fetched through the safe client
(signed as the node, for servers under authorized fetch) and stored under its author like an
announced object, so the reply can answer it and be addressed to its author. The address may
be the post's page (Mastodon's `/@user/123`) rather than its id: the document fetched says
its id, which must be on the same host, by an author of that host, and public or unlisted.
"""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.errors import InvalidInput
from migrantnet.content.remote import find_object, store_remote_object
from migrantnet.content.reply_targets import FIELD, ReplyTarget, reply_target
from migrantnet.federation.actors import (
    ActorUnavailable,
    get_or_fetch_actor,
    host_of,
    node_signer,
)
from migrantnet.federation.fetch import FetchError
from migrantnet.federation.handlers.objects import to_remote_data
from migrantnet.federation.parse import ParseError
from migrantnet.federation.parse.content import ap_to_content
from migrantnet.federation.service import Federation
from migrantnet.logs import log_event
from migrantnet.translations import N_

logger = logging.getLogger("migrantnet.federation.reply_lookup")
MAX_URL = 2048


async def find_reply_target(session: AsyncSession, fed: Federation, address: str) -> ReplyTarget:
    """The post at `address`, fetched and stored if it is another server's and new to us;
    `InvalidInput` on `in_reply_to` when it cannot be answered (the message says why)."""
    url = address.strip()
    if not url.startswith(("https://", "http://")) or len(url) > MAX_URL:
        raise InvalidInput(FIELD, N_("give the address of a post, starting with https://"))
    known = await find_object(session, url)
    if known is not None or fed.uris.is_local(url):
        return await reply_target(session, url)
    try:
        doc = await fed.client.get_json(url, sign=await node_signer(session, fed))
        content = ap_to_content(doc)
    except (FetchError, ParseError) as exc:
        log_event(logger, "reply_target_unusable", reason=str(exc)[:200], domain=host_of(url))
        raise InvalidInput(FIELD, N_("could not read %(url)s: %(exc)s"), url=url, exc=exc) from None
    parsed = content.obj
    author_id = parsed.attributed_to
    if not author_id or host_of(parsed.ap_id) != host_of(url) or host_of(author_id) != host_of(url):
        raise InvalidInput(FIELD, N_("%(url)s is not a post of its own server"), url=url)
    if not parsed.is_public:
        raise InvalidInput(FIELD, N_("only a public or unlisted post can be answered"))
    if await find_object(session, parsed.ap_id) is None:
        try:
            author = await get_or_fetch_actor(session, fed, author_id)
        except ActorUnavailable as exc:
            raise InvalidInput(
                FIELD, N_("could not read %(url)s: %(exc)s"), url=url, exc=exc
            ) from None
        await store_remote_object(session, author, to_remote_data(content, author, fed.now()))
    return await reply_target(session, parsed.ap_id)

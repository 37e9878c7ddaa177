"""Local actors as ActivityStreams documents, and their WebFinger description."""

from __future__ import annotations

from typing import Any

from migrantnet.content.formatting import iso
from migrantnet.content.languages import country_name
from migrantnet.federation.context import ACTOR_CONTEXT, AP_CONTENT_TYPE
from migrantnet.models import Actor, ActorType
from migrantnet.uris import Uris


def actor_to_ap(actor: Actor, uris: Uris) -> dict[str, Any]:
    """What Mastodon, Mobilizon and Gancio read of an actor (research §1.2)."""
    doc: dict[str, Any] = {
        "@context": ACTOR_CONTEXT,
        "id": actor.ap_id,
        "type": actor.type,
        "preferredUsername": actor.username,
        "name": actor.name or actor.username,
        "summary": actor.summary or "",
        "url": actor.url or actor.ap_id,
        "inbox": actor.inbox_url,
        "outbox": actor.outbox_url,
        "followers": actor.followers_url,
        "endpoints": {"sharedInbox": actor.shared_inbox_url or uris.shared_inbox()},
        "publicKey": {
            "id": actor.public_key_id,
            "owner": actor.ap_id,
            "publicKeyPem": actor.public_key_pem,
        },
        "manuallyApprovesFollowers": actor.manually_approves_followers,
        "discoverable": actor.discoverable,
        "indexable": actor.discoverable,
        "published": iso(actor.published_at or actor.created_at),
    }
    if actor.following_url:
        doc["following"] = actor.following_url
    if actor.featured_url:
        doc["featured"] = actor.featured_url
    if actor.icon_url:
        doc["icon"] = {"type": "Image", "url": actor.icon_url}
    if actor.type == ActorType.APPLICATION:
        # Instance actors are bots that never approve follows by hand (FEP-2677).
        doc["manuallyApprovesFollowers"] = False
    if actor.also_known_as:
        doc["alsoKnownAs"] = list(actor.also_known_as)
    if actor.moved_to:
        doc["movedTo"] = actor.moved_to
    if actor.country:
        # A profile field, as Mastodon shows them, read back by `parse/actor_profile.py`.
        doc["attachment"] = [
            {"type": "PropertyValue", "name": "Country", "value": country_name(actor.country, "en")}
        ]
    if actor.topics:
        doc["tag"] = [
            {"type": "Hashtag", "name": f"#{topic}", "href": uris.tag(topic)}
            for topic in actor.topics
        ]
    return doc


def actor_to_webfinger(actor: Actor, uris: Uris, subject: str) -> dict[str, Any]:
    """A JRD with exactly one `self` link whose href is byte-identical to the actor id."""
    links: list[dict[str, Any]] = [
        {"rel": "self", "type": AP_CONTENT_TYPE, "href": actor.ap_id},
        {
            "rel": "http://webfinger.net/rel/profile-page",
            "type": "text/html",
            "href": actor.url or actor.ap_id,
        },
        {
            "rel": "http://ostatus.org/schema/1.0/subscribe",
            "template": uris.authorize_interaction_template(),
        },
    ]
    return {"subject": subject, "aliases": [actor.ap_id], "links": links}

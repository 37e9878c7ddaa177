"""Groups of other servers (FEP-1b12 and kin) as we read them: each corpus `Group` actor is
one an association can follow (an inbox to send the Follow to, followers, a key to check
the group's Announces), and a Lemmy community's `Announce{Create{Page}}` is read as a
group relaying a member's activity. The corpus holds no Friendica group; a Friendica
community page (`Organization`) is followable the same way."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from migrantnet.federation.handlers.groups import wrapped_activity
from migrantnet.federation.normalize import addresses, first_id
from migrantnet.federation.parse import parse_activity, parse_actor
from migrantnet.federation.parse.content import ap_to_content

Load = Callable[[str], Any]

GROUPS = {
    "lemmy/group-community.json": "https://enterprise.lemmy.ml/c/tenforward",
    "mobilizon/group.json": "https://mobilizon.fr/@contribateliers",
    "piefed/group.json": "https://piefed.social/c/historyruins",
    "lotide/group.json": "https://narwhal.city/communities/12",
    "hubzilla/group-forum.json": "https://completehostingguide.com/channel/testing",
    "guppe/group.json": "https://gup.pe/u/bernie2020",
}


@pytest.mark.parametrize("name", sorted(GROUPS))
def test_a_corpus_group_is_a_followable_group(load_corpus: Load, name: str) -> None:
    actor = parse_actor(load_corpus(name))
    assert actor.ap_id == GROUPS[name]
    assert actor.type == "Group"
    assert actor.inbox.startswith("https://")  # where our Follow goes
    assert actor.followers is not None
    assert actor.public_key_id is not None and actor.public_key_pem is not None


def test_a_friendica_community_page_is_followable(load_corpus: Load) -> None:
    actor = parse_actor(load_corpus("friendica/organization.json"))
    assert actor.type == "Organization"
    assert actor.inbox == "https://poliverso.org/inbox/informapirata"
    assert actor.shared_inbox == "https://poliverso.org/inbox"


def test_lemmy_announce_of_a_create_is_a_relayed_member_activity(load_corpus: Load) -> None:
    doc = load_corpus("lemmy/announce-create-page.json")
    activity = parse_activity(doc)
    assert activity.type == "Announce"
    assert activity.actor == "http://enterprise.lemmy.ml/c/main"
    assert wrapped_activity(activity.object) == "Create"
    assert activity.object is not None
    assert first_id(activity.object.get("object")) == "http://enterprise.lemmy.ml/post/7"
    # audience as a string, not a list
    page = ap_to_content(dict(activity.object["object"]))
    assert page.obj.audience == ("http://enterprise.lemmy.ml/u/main",)
    assert addresses(activity.object["object"]["audience"]) == list(page.obj.audience)


def test_lemmys_lock_reads_as_the_lock_of_its_post(load_corpus: Load) -> None:
    """Lemmy's `Lock`: the post's id as a bare `object`, the community as `audience`."""
    activity = parse_activity(load_corpus("lemmy/lock-page.json"))
    assert activity.type == "Lock"
    assert activity.object_id == "http://lemmy-alpha:8541/post/2"
    assert activity.object is None


def test_a_plain_announce_is_not_taken_for_a_relayed_activity(load_corpus: Load) -> None:
    doc = load_corpus("lemmy/announce-create-page.json")
    plain = {**doc, "object": doc["object"]["object"]["id"]}
    assert wrapped_activity(parse_activity(plain).object) is None
    page = {**doc, "object": doc["object"]["object"]}
    assert wrapped_activity(parse_activity(page).object) is None


def test_a_mobilizon_event_posted_in_a_group_names_the_group(load_corpus: Load) -> None:
    doc = load_corpus("mobilizon/create-event-group.json")
    event = ap_to_content(doc["object"])
    # Mobilizon makes the group the organiser (attributedTo) and addresses it (`to`): a
    # followed Mobilizon group's events are its own, in the agenda under its name
    assert event.obj.attributed_to == "http://mobilizon1.com/@group"
    assert event.organizers == ("http://mobilizon1.com/@group",)
    assert "http://mobilizon1.com/@group" in event.obj.to

"""WebFinger, collections and activity envelopes from the corpus."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from migrantnet.federation.normalize import PUBLIC
from migrantnet.federation.parse import (
    ParseError,
    WebFingerResult,
    parse_activity,
    parse_actor,
    parse_collection,
    parse_object,
    parse_webfinger,
)

Load = Callable[[str], Any]


def test_mastodon_webfinger_raw_http(load_corpus: Load) -> None:
    result = parse_webfinger(load_corpus("mastodon/http-webfinger.txt"))
    assert result == WebFingerResult(
        subject="acct:foo@ap.example.com",
        actor_url="https://ap.example.com/users/foo",
        profile_url="https://ap.example.com/@foo",
        subscribe_template="https://ap.example.com/authorize_follow?acct={uri}",
        aliases=("https://ap.example.com/@foo", "https://ap.example.com/users/foo"),
    )


def test_webfinger_noncanonical_alias_without_scheme(load_corpus: Load) -> None:
    result = parse_webfinger(load_corpus("mastodon/http-webfinger-noncanonical.txt"))
    assert result.subject == "acct:foo@ap2.example.com"
    assert result.actor_url == "https://ap.example.com/users/foo"
    assert "foo@ap.example.com" not in result.aliases
    assert result.aliases == ("https://ap.example.com/@foo", "https://ap.example.com/users/foo")


def test_webfinger_without_self_link(load_corpus: Load) -> None:
    # 2016 GNU social over CRLF headers, with \/-escaped JSON.
    result = parse_webfinger(load_corpus("gnusocial/http-webfinger-quitter.txt"))
    assert result.subject == "acct:gargron@quitter.no"
    assert result.actor_url is None
    assert result.profile_url == "https://quitter.no/gargron"
    assert result.subscribe_template == "https://quitter.no/main/ostatussub?profile={uri}"
    assert result.aliases[0] == "https://quitter.no/user/7477"


@pytest.mark.parametrize(
    ("name", "actor_url"),
    [
        ("gancio/webfinger.json", "https://demo.gancio.org/federation/u/gancio"),
        ("peertube/webfinger.json", "https://framatube.org/accounts/framasoft"),
        ("friendica/webfinger.json", "https://squeet.me/profile/lain"),
        ("pleroma/webfinger.json", "https://pleroma.soykaf.com/users/lain"),
        ("mastodon/webfinger-framapiaf.json", "https://social.tcit.fr/users/tcit"),
    ],
)
def test_webfinger_self_link(load_corpus: Load, name: str, actor_url: str) -> None:
    assert parse_webfinger(load_corpus(name)).actor_url == actor_url


def test_gancio_webfinger_has_no_aliases(load_corpus: Load) -> None:
    assert parse_webfinger(load_corpus("gancio/webfinger.json")).aliases == ()


def test_webfinger_ld_json_profile() -> None:
    jrd = {
        "links": [
            {"rel": "self", "type": "application/atom+xml", "href": "https://a.example/feed"},
            {
                "rel": "self",
                "type": 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"',
                "href": "https://a.example/actor",
            },
        ]
    }
    assert parse_webfinger(jrd).actor_url == "https://a.example/actor"


def test_collection_with_only_first(load_corpus: Load) -> None:
    collection = parse_collection(load_corpus("mastodon/followers-collection-closed.json"))
    assert collection.ap_id == "http://localhost:4001/users/masto_closed/followers"
    assert collection.total_items == 437
    assert collection.first == "http://localhost:4001/users/masto_closed/followers?page=1"
    assert collection.items == ()


def test_unordered_collection_with_empty_items(load_corpus: Load) -> None:
    collection = parse_collection(load_corpus("lemmy/group-followers.json"))
    assert collection.total_items == 3
    assert collection.items == ()
    assert collection.first is None


def test_inline_first_page(load_corpus: Load) -> None:
    replies = parse_collection(load_corpus("mastodon/note-1.json")["replies"])
    assert replies.items == ()
    # The inline page has no id; continuing means fetching its "next".
    assert replies.first == (
        "https://mastodon.madrid/users/felix/statuses/107224289116410645/replies"
        "?only_other_accounts=true&page=true"
    )


def test_page_with_inline_objects(load_corpus: Load) -> None:
    page = parse_collection(load_corpus("bookwyrm/replies-page.json"))
    (reply,) = page.items
    note = parse_object(reply)
    assert note.in_reply_to == "https://bookwyrm.com/user/TestUser/review/17"


def test_group_outbox_of_announces(load_corpus: Load) -> None:
    outbox = parse_collection(load_corpus("lemmy/group-outbox.json"))
    assert outbox.total_items == 2
    announces = [parse_activity(item) for item in outbox.items]
    assert [a.type for a in announces] == ["Announce", "Announce"]


def test_followers_page_of_ids(load_corpus: Load) -> None:
    page = parse_collection(load_corpus("mastodon/followers-collection-page.json"))
    assert page.items[0] == "https://testing.uguu.ltd/users/rin"
    assert len(page.items) == 12


def test_object_as_uri_or_embedded(load_corpus: Load) -> None:
    compact = parse_activity(load_corpus("mastodon/undo-like-compact-object.json"))
    assert compact.type == "Undo"
    assert compact.object is None
    assert compact.object_id == "http://mastodon.example.org/users/admin#likes/2"
    embedded = parse_activity(load_corpus("mastodon/undo-like.json"))
    assert embedded.object is not None
    assert embedded.object_id == "https://mastodon.madrid/users/felix#likes/212341"
    assert parse_activity(embedded.object).object_id == "https://ds9.lemmy.ml/post/147"


def test_flag_with_object_list_and_bare_to(load_corpus: Load) -> None:
    flag = parse_activity(load_corpus("mastodon/flag-report.json"))
    assert flag.type == "Flag"
    assert flag.object_id == "https://example.com/users/1"
    assert flag.to == ("https://example.com/users/1",)


def test_embedded_and_listed_actors(load_corpus: Load) -> None:
    follow = parse_activity(load_corpus("osada/follow-inline-actor.json"))
    assert follow.actor == "https://apfed.club/channel/indio"
    assert follow.object_id == "https://pleroma.site/users/kaniini"
    create = parse_activity(load_corpus("prismo/create-article-url-link.json"))
    assert create.actor == "https://prismo.news/@mxb"
    assert create.to == (PUBLIC,)


def test_group_announce_of_create(load_corpus: Load) -> None:
    announce = parse_activity(load_corpus("lemmy/announce-create-page.json"))
    assert announce.actor == "http://enterprise.lemmy.ml/c/main"
    assert announce.object is not None
    create = parse_activity(announce.object)
    assert create.type == "Create"
    assert create.actor == "http://enterprise.lemmy.ml/u/lemmy_beta"
    assert create.object is not None
    page = parse_object(create.object)
    assert page.name_map == {"und": "post 4"}


def test_delete_shapes(load_corpus: Load) -> None:
    account = parse_activity(load_corpus("mastodon/delete-actor-uri.json"))
    assert account.object_id == account.actor == "https://mastodon/users/Alice"
    stub = parse_activity(load_corpus("mastodon/delete-actor.json"))
    assert stub.object is not None and stub.object_id == stub.actor
    with pytest.raises(ParseError) as caught:
        parse_actor(stub.object)  # a {type, id} stub is no deliverable actor
    assert caught.value.path == "inbox"
    tombstone = parse_activity(load_corpus("mastodon/delete-note-tombstone.json"))
    assert tombstone.object is not None
    assert parse_object(tombstone.object).type == "Tombstone"


def test_target_and_fragment_ids(load_corpus: Load) -> None:
    block = parse_activity(load_corpus("lemmy/block-user.json"))
    assert block.target == "http://enterprise.lemmy.ml/c/main"
    edit = parse_activity(load_corpus("mastodon/update-note-edit.json"))
    assert edit.ap_id == "https://mastodon/users/john/statuses/9876#updates/1675500855"
    assert edit.object is not None
    assert parse_object(edit.object).updated is not None


@pytest.mark.parametrize(
    ("doc", "path"),
    [
        ({"actor": "https://a.example/u"}, "type"),
        ({"type": "Like", "object": "https://a.example/n"}, "actor"),
        ({"type": "Like", "actor": "{{ap_id}}"}, "actor"),
    ],
)
def test_activity_errors(doc: dict[str, Any], path: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_activity(doc)
    assert caught.value.path == path

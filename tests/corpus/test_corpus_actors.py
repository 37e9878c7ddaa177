"""Actor fields we depend on for delivery and signature checks, per server."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from migrantnet.federation.parse import ParseError, parse_activity, parse_actor

Load = Callable[[str], Any]


def test_mastodon_person(load_corpus: Load) -> None:
    actor = parse_actor(load_corpus("mastodon/person.json"))
    base = "https://masto.qa.urbanwildlife.biz"
    assert actor.ap_id == f"{base}/users/mastodon"
    assert actor.type == "Person"
    assert actor.username == "mastodon"
    assert actor.name == "Mastodon"
    assert actor.summary is None  # "" is no summary
    assert actor.url == f"{base}/@mastodon"
    assert actor.inbox == f"{base}/users/mastodon/inbox"
    assert actor.shared_inbox == f"{base}/inbox"
    assert actor.outbox == f"{base}/users/mastodon/outbox"
    assert actor.followers == f"{base}/users/mastodon/followers"
    assert actor.following == f"{base}/users/mastodon/following"
    assert actor.featured == f"{base}/users/mastodon/collections/featured"
    assert actor.public_key_id == f"{base}/users/mastodon#main-key"
    assert actor.public_key_pem is not None
    assert actor.public_key_pem.startswith("-----BEGIN PUBLIC KEY-----\n")
    assert actor.public_key_pem.rstrip().endswith("-----END PUBLIC KEY-----")
    assert actor.icon_url is not None and actor.icon_url.endswith("/2cf61ff96e94cb1d.png")
    assert actor.published == datetime(2022, 10, 3, tzinfo=UTC)
    assert actor.manually_approves_followers is False
    assert actor.discoverable is False
    assert actor.also_known_as == ()
    assert actor.moved_to is None


def test_discourse_shared_inbox_at_top_level(load_corpus: Load) -> None:
    actor = parse_actor(load_corpus("discourse/person.json"))
    assert actor.shared_inbox == "https://socialhub.activitypub.rocks/ap/users/inbox"
    assert actor.ap_id.endswith("/ap/actor/495843076e9e469fbd35ccf467ae9fb1")
    assert actor.url == "https://socialhub.activitypub.rocks/u/angus"


def test_misskey_shared_inbox_twice(load_corpus: Load) -> None:
    actor = parse_actor(load_corpus("misskey/person-aimu.json"))
    assert actor.shared_inbox == "https://misskey.io/inbox"
    assert actor.discoverable is True


def test_takahe_trailing_slashes_and_prefixed_key(load_corpus: Load) -> None:
    actor = parse_actor(load_corpus("takahe/person.json"))
    assert actor.ap_id == "https://fedi.vision/@vote@fedi.vision/"
    assert actor.inbox == "https://fedi.vision/@vote@fedi.vision/inbox/"
    assert actor.shared_inbox == "https://fedi.vision/inbox/"
    assert actor.followers == "https://fedi.vision/@vote@fedi.vision/followers/"
    assert actor.public_key_id == "https://fedi.vision/@vote@fedi.vision/#main-key"
    assert actor.discoverable is True  # sent as "toot:discoverable"
    assert actor.url == "https://fedi.vision/@vote/"


def test_kroeg_endpoints_string_is_not_a_shared_inbox(load_corpus: Load) -> None:
    actor = parse_actor(load_corpus("kroeg/person.json"))
    assert actor.ap_id == "https://puckipedia.com/"
    assert actor.shared_inbox is None
    assert actor.public_key_id == "https://puckipedia.com/#key"  # publicKey.type: []


def test_oeee_cafe_typed_endpoints(load_corpus: Load) -> None:
    actor = parse_actor(load_corpus("oeee-cafe/person.json"))
    assert actor.shared_inbox == "https://oeee.cafe/inbox"


def test_inbox_null_is_a_parse_error(load_corpus: Load) -> None:
    with pytest.raises(ParseError) as caught:
        parse_actor(load_corpus("mastodon/http-actor-noinbox.txt"))
    assert caught.value.path == "inbox"


def test_missing_id_is_a_parse_error() -> None:
    with pytest.raises(ParseError) as caught:
        parse_actor({"type": "Person", "inbox": "https://a.example/inbox"})
    assert caught.value.path == "id"


def test_raw_http_actor_with_empty_name(load_corpus: Load) -> None:
    actor = parse_actor(load_corpus("mastodon/http-actor.txt"))
    assert actor.ap_id == "https://ap.example.com/users/foo"
    assert actor.name is None
    assert actor.summary == "<p>test</p>"
    assert actor.shared_inbox == "https://ap.example.com/inbox"
    assert actor.public_key_id == "https://ap.example.com/users/foo#main-key"


def test_type_as_array(load_corpus: Load) -> None:
    actor = parse_actor(load_corpus("mastodon/http-actor-vcard-individual.txt"))
    assert actor.type == "Person"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("pleroma/person-princess-cat-blank-name.json", None),  # " "
        ("pleroma/person-mojibake-name.json", "에알"),  # double-encoded UTF-8
        ("hubzilla/group-forum.json", "Forum for Testing & Development"),  # &amp;
        ("kroeg/person.json", "HACKER TEEN PUCKIPEDIA 👩\u200d💻"),
        (
            "bridgy-fed/person.json",
            "J K 🇯🇵🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f",
        ),
    ],
)
def test_display_names(load_corpus: Load, name: str, expected: str | None) -> None:
    assert parse_actor(load_corpus(name)).name == expected


def test_embedded_actor_with_mojibake(load_corpus: Load) -> None:
    activity = parse_activity(load_corpus("kroeg/announce-inline-actor.json"))
    assert activity.actor == "https://puckipedia.com/"


def test_hubzilla_key_id_is_actor_id(load_corpus: Load) -> None:
    actor = parse_actor(load_corpus("hubzilla/group-forum.json"))
    assert actor.type == "Group"
    assert actor.public_key_id == actor.ap_id == "https://completehostingguide.com/channel/testing"


def test_bridgy_fed_key_id_not_a_url(load_corpus: Load) -> None:
    actor = parse_actor(load_corpus("bridgy-fed/person.json"))
    assert actor.public_key_id is None  # "jk.nipponalba.scot" is no key URL
    assert actor.public_key_pem is not None
    assert actor.public_key_pem.startswith("-----BEGIN PUBLIC KEY-----")
    assert actor.icon_url == "https://jk.nipponalba.scot/images/profile.jpg"
    assert actor.summary is None


def test_key_owned_by_another_actor_is_refused(load_corpus: Load) -> None:
    # The fixture's key names actor/2 as owner while the actor is actor/21.
    actor = parse_actor(load_corpus("gnusocial/group.json"))
    assert actor.ap_id == "https://instance.gnusocial.test/actor/21"
    assert actor.public_key_pem is None and actor.public_key_id is None


def test_no_public_key_and_invalid_also_known_as(load_corpus: Load) -> None:
    actor = parse_actor(load_corpus("microblogpub/person-invalid-alsoknownas.json"))
    assert actor.public_key_pem is None
    assert actor.also_known_as == ()  # "example@elsewhere.com" is not a URI


def test_also_known_as(load_corpus: Load) -> None:
    actor = parse_actor(load_corpus("hubzilla/person.json"))
    assert actor.also_known_as == (
        "https://completehostingguide.com/channel/scott",
        "https://wistex.biz/channel/scott",
    )


def test_icon_forms(load_corpus: Load) -> None:
    sizes = parse_actor(load_corpus("peertube/channel-group-2024.json"))
    assert sizes.icon_url == (
        "https://spectra.video/lazy-static/avatars/559b141a-96ec-4161-8889-1111b71abca0.png"
    )  # the 120px one, not the 48px one
    assert parse_actor(load_corpus("nodebb/person.json")).icon_url is None  # icon: null
    bare = load_corpus("mastodon/http-actor-noinbox.txt")
    bare["inbox"] = "https://ap.example.com/users/foo/inbox"
    assert parse_actor(bare).icon_url == "https://quitter.no/avatar/7477-300-20160211190340.png"


def test_nodebb_id_differs_from_url(load_corpus: Load) -> None:
    actor = parse_actor(load_corpus("nodebb/person.json"))
    assert actor.ap_id == "https://bb.devnull.land/uid/1"
    assert actor.url == "https://bb.devnull.land/user/julian"


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("mobilizon/group.json", "Group"),
        ("lemmy/group-community.json", "Group"),
        ("peertube/channel-group.json", "Group"),
        ("peertube/channel-group-2024.json", "Group"),
        ("guppe/group.json", "Group"),
        ("piefed/feed.json", "Feed"),
        ("mastodon/service-actor-bot.json", "Service"),
        ("lemmy/instance-application.json", "Application"),
        ("gancio/application-actor.json", "Application"),
        ("friendica/organization.json", "Organization"),
        ("wordpress/organization-wedistribute.json", "Organization"),
    ],
)
def test_actor_types(load_corpus: Load, name: str, kind: str) -> None:
    assert parse_actor(load_corpus(name)).type == kind


def test_mobilizon_group(load_corpus: Load) -> None:
    group = parse_actor(load_corpus("mobilizon/group.json"))
    assert group.ap_id == "https://mobilizon.fr/@contribateliers"
    assert group.inbox == "https://mobilizon.fr/@contribateliers/inbox"
    assert group.shared_inbox == "https://mobilizon.fr/inbox"
    assert group.public_key_pem is not None
    assert group.public_key_pem.startswith("-----BEGIN RSA PUBLIC KEY-----")
    assert group.summary == "<p>Des ateliers pour contribuer au libre sans rien y connaître.</p>"


def test_lemmy_group(load_corpus: Load) -> None:
    group = parse_actor(load_corpus("lemmy/group-community.json"))
    assert group.username == "tenforward"
    assert group.featured == "https://enterprise.lemmy.ml/c/tenforward//featured"  # as sent
    assert group.summary is not None and "<hr>" in group.summary
    assert group.shared_inbox == "https://enterprise.lemmy.ml/inbox"


def test_peertube_channel(load_corpus: Load) -> None:
    channel = parse_actor(load_corpus("peertube/channel-group.json"))
    assert channel.ap_id == "https://tilvids.com/video-channels/thelinuxexperiment_channel"
    assert channel.shared_inbox == "https://tilvids.com/inbox"


def test_templated_hosts_are_kept(load_corpus: Load) -> None:
    actor = parse_actor(load_corpus("mastodon/application-actor-templated.json"))
    assert actor.ap_id == "https://{{DOMAIN}}/actor"
    assert actor.manually_approves_followers is True


def test_update_person_embedded(load_corpus: Load) -> None:
    activity = parse_activity(load_corpus("mastodon/update-person.json"))
    assert activity.object is not None
    actor = parse_actor(activity.object)
    assert actor.ap_id == activity.actor == "http://mastodon.example.org/users/gargron"


def test_summary_without_visible_text_is_none(load_corpus: Load) -> None:
    actor = parse_actor(load_corpus("pleroma/person-info-pleroma-site.json"))
    assert actor.summary is None  # "<p></p>"


def test_moved_to() -> None:
    actor = parse_actor(
        {
            "id": "https://old.example/users/a",
            "type": "Person",
            "inbox": "https://old.example/users/a/inbox",
            "as:movedTo": {"type": "Person", "id": "https://new.example/users/a"},
            "alsoKnownAs": "https://new.example/users/a",
            "publicKey": [
                {"id": "https://evil.example/k", "owner": "https://evil.example/u",
                 "publicKeyPem": "-----BEGIN PUBLIC KEY-----\nAAA\n-----END PUBLIC KEY-----"},
                {"id": "https://old.example/users/a#main-key", "owner": "https://old.example/users/a",
                 "publicKeyPem": "-----BEGIN PUBLIC KEY-----\nBBB\n-----END PUBLIC KEY-----"},
            ],
            "endpoints": "https://old.example/endpoints",
            "icon": ["/avatars/a.png"],
        }
    )  # fmt: skip
    assert actor.moved_to == "https://new.example/users/a"
    assert actor.also_known_as == ("https://new.example/users/a",)
    assert actor.public_key_id == "https://old.example/users/a#main-key"
    assert actor.public_key_pem is not None and "BBB" in actor.public_key_pem
    assert actor.shared_inbox is None
    assert actor.icon_url == "https://old.example/avatars/a.png"
    assert actor.type == "Person"

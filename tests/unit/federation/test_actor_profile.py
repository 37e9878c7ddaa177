"""An actor's country and topics: what our actor documents say, read back, and what peers'
documents say (a Country field, Mobilizon's `location`, hashtags, a Topics field)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from migrantnet.content.peer_values import country_code
from migrantnet.federation.parse import parse_actor
from migrantnet.federation.parse.actor_profile import actor_country, actor_topics
from migrantnet.federation.serialize.actor import actor_to_ap
from migrantnet.models import Actor
from migrantnet.uris import Uris

URIS = Uris("https://node-a.test")
CORPUS = Path(__file__).resolve().parents[4] / "shared" / "fedi-corpus"


def ours(**values: object) -> Actor:
    ap_id = URIS.actor("red")
    return Actor(
        ap_id=ap_id,
        type="Organization",
        local=True,
        slug="red",
        username="red",
        domain=URIS.host,
        name="Red",
        inbox_url=URIS.inbox("red"),
        public_key_id=f"{ap_id}#main-key",
        public_key_pem="-----BEGIN PUBLIC KEY-----\nx\n-----END PUBLIC KEY-----\n",
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        **values,
    )


def test_our_country_and_topics_are_read_back() -> None:
    doc = actor_to_ap(ours(country="AR", topics=["asylum", "housing"]), URIS)
    assert doc["attachment"] == [{"type": "PropertyValue", "name": "Country", "value": "Argentina"}]
    assert doc["tag"][0] == {"type": "Hashtag", "name": "#asylum", "href": URIS.tag("asylum")}
    parsed = parse_actor(json.loads(json.dumps(doc)))
    assert country_code(parsed.country) == "AR"
    assert parsed.topics == ("asylum", "housing")


def test_without_them_the_document_says_nothing_of_them() -> None:
    doc = actor_to_ap(ours(country=None, topics=[]), URIS)
    assert "attachment" not in doc and "tag" not in doc


def test_peers_documents() -> None:
    mastodon_like = {
        "attachment": [
            {"type": "PropertyValue", "name": "Web", "value": "<a href='https://x'>x</a>"},
            {"type": "PropertyValue", "name": "País", "value": "<p>España</p>"},
            {"type": "PropertyValue", "name": "Temas", "value": "#asilo, vivienda"},
        ],
        "tag": [{"type": "Hashtag", "name": "#Regularisation"}, {"type": "Emoji", "name": ":x:"}],
    }
    assert country_code(actor_country(mastodon_like)) == "ES"
    assert actor_topics(mastodon_like) == ("Regularisation", "asilo", "vivienda")
    place = {"location": {"type": "Place", "address": {"addressCountry": "Italia"}}}
    assert country_code(actor_country(place)) == "IT"
    assert actor_country({"attachment": "nonsense", "location": [1, None]}) is None
    assert actor_topics({"tag": {"type": "Hashtag"}}) == ()


def test_a_mobilizon_group_without_a_country() -> None:
    group = json.loads((CORPUS / "mobilizon" / "group.json").read_text())
    assert actor_country(group) is None
    assert parse_actor(group).topics == ()

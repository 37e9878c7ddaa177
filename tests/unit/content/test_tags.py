from __future__ import annotations

from migrantnet.content.tags import find_tags


def test_hashtags_and_mentions_are_found_once_across_languages() -> None:
    tags = find_tags(
        {
            "fr": "Grève ! #Régularisation #régularisation avec @amina@social.example "
            "et @red@127.0.0.1:8001",
            "ar": "#تضامن مع @amina@social.example",
        }
    )
    assert tags == [
        {"type": "Hashtag", "name": "#régularisation"},
        {"type": "Hashtag", "name": "#تضامن"},
        {"type": "Mention", "name": "@amina@social.example"},
        {"type": "Mention", "name": "@red@127.0.0.1:8001"},
    ]


def test_urls_anchors_entities_code_and_emails_are_not_tags() -> None:
    text = (
        "See https://x.example/page#section, &#39; an entity, `#not_in_code`, "
        "write to someone@mail.example, issue #123"
    )
    assert find_tags({"en": text}) == []

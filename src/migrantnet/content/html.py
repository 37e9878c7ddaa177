"""The project's single HTML allow-list.

Every piece of HTML we show — remote posts, remote profiles, and later our own
Markdown output — goes through :func:`sanitize_html`, so there is exactly one
place that decides what markup a browser of ours will ever see.  Images are
deliberately not allowed: in ActivityPub they travel as attachments, and inline
``<img>`` in remote HTML is only a tracking or layout hazard.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import nh3

__all__ = ["ALLOWED_TAGS", "LINK_REL", "html_to_text", "is_blank_html", "sanitize_html"]

ALLOWED_TAGS: frozenset[str] = frozenset(
    {
        "p", "br", "a", "span", "strong", "em", "b", "i", "u", "s", "del",
        "blockquote", "code", "pre", "ul", "ol", "li",
        "h1", "h2", "h3", "h4", "h5", "h6", "hr",
    }
)  # fmt: skip

# Removed together with everything inside them, so no script text or CSS
# leaks into the visible output.
_DROP_WITH_CONTENT: frozenset[str] = frozenset(
    {"script", "style", "template", "noscript", "iframe", "object", "embed", "svg", "math"}
)

_ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href", "class"},
    "span": {"class"},
    "ol": {"start", "reversed"},
    "li": {"value"},
}

LINK_REL = "nofollow noopener noreferrer"
_URL_SCHEMES: frozenset[str] = frozenset({"http", "https", "mailto"})

# Class names that carry meaning in fediverse HTML (mentions, hashtags,
# Mastodon's shortened-link spans) or are microformats; anything else could be
# used to borrow our own CSS for spoofing, so it is dropped.
_KEPT_CLASSES: frozenset[str] = frozenset({"mention", "hashtag", "ellipsis", "invisible"})
_MICROFORMAT_PREFIXES: tuple[str, ...] = ("h-", "p-", "u-", "dt-", "e-")


def _keep_class(name: str) -> bool:
    return name in _KEPT_CLASSES or name.startswith(_MICROFORMAT_PREFIXES)


def _attribute_filter(base_url: str | None) -> Callable[[str, str, str], str | None]:
    """Filter classes, and resolve or drop relative links.

    ammonia has already refused disallowed schemes (``javascript:``) by the
    time this runs; what reaches us without a scheme is a relative URL.
    """
    base = base_url if base_url and _is_web_url(base_url) else None

    def filter_attribute(element: str, attribute: str, value: str) -> str | None:
        if attribute == "class":
            kept = [c for c in value.split() if _keep_class(c)]
            return " ".join(kept) if kept else None
        if attribute == "href" and not _has_scheme(value):
            if base is None:
                return None
            try:
                joined = urljoin(base, value.strip())
            except ValueError:
                return None
            return joined if _is_web_url(joined) else None
        return value

    return filter_attribute


def _has_scheme(value: str) -> bool:
    try:
        return bool(urlsplit(value.strip()).scheme)
    except ValueError:
        return False


def _is_web_url(value: str) -> bool:
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def sanitize_html(html: str, *, base_url: str | None = None) -> str:
    """Reduce ``html`` to the allow-list.

    Relative links are resolved against ``base_url`` when one is given (the
    document they came from); without it they are removed, because a relative
    link in federated HTML would silently point at *our* server.
    """
    if not html:
        return ""
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(_DROP_WITH_CONTENT),
        attributes={tag: set(attrs) for tag, attrs in _ATTRIBUTES.items()},
        attribute_filter=_attribute_filter(base_url),
        strip_comments=True,
        link_rel=LINK_REL,
        url_schemes=set(_URL_SCHEMES),
    ).strip()


_TAG = re.compile(r"<[^>]*>")


def is_blank_html(html: str) -> bool:
    """True when sanitised HTML shows no text at all (``<p></p>``, ``<br>``).

    Meant for output of :func:`sanitize_html`, whose markup is regular enough
    for a tag-stripping regex; much cheaper than :func:`html_to_text`.
    """
    return not _TAG.sub("", html).strip()


_BLOCK_PARAGRAPH = frozenset(
    {"p", "blockquote", "pre", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6",
     "table", "section", "article", "header", "footer", "figure", "dl"}
)  # fmt: skip
_BLOCK_LINE = frozenset({"br", "li", "div", "tr", "hr", "dt", "dd", "figcaption"})
_INVISIBLE = _DROP_WITH_CONTENT | {"head", "title"}

_PARA = "\x00P"  # internal markers, never present in decoded text
_LINE = "\x00L"


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0
        self._pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _INVISIBLE:
            self._skip += 1
        elif tag in _BLOCK_PARAGRAPH:
            self.parts.append(_PARA)
            if tag == "pre":
                self._pre += 1
        elif tag in _BLOCK_LINE:
            self.parts.append(_LINE)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_LINE:
            self.parts.append(_LINE)

    def handle_endtag(self, tag: str) -> None:
        if tag in _INVISIBLE:
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK_PARAGRAPH:
            self.parts.append(_PARA)
            if tag == "pre":
                self._pre = max(0, self._pre - 1)
        elif tag in ("li", "div", "tr", "dt", "dd", "figcaption"):
            self.parts.append(_LINE)

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._pre:
            self.parts.append(data)
        else:
            self.parts.append(re.sub(r"\s+", " ", data))


_BREAKS = re.compile(r"(?:[ \t]*\x00[PL][ \t]*)+")


def _join_breaks(match: re.Match[str]) -> str:
    return "\n\n" if _PARA in match.group(0) else "\n"


def html_to_text(html: str) -> str:
    """Plain text for summaries, search and notifications.

    Entities are decoded, scripts and styles vanish with their content, and
    block boundaries become line breaks (paragraph-like blocks a blank line) so
    that the text still reads as it was laid out.
    """
    if not html:
        return ""
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    text = _BREAKS.sub(_join_breaks, "".join(parser.parts))
    lines = [line.rstrip() for line in text.split("\n")]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()

"""Markdown written by our members, to HTML that passes the one sanitiser of the project."""

from __future__ import annotations

from markdown_it import MarkdownIt

from migrantnet.content.html import sanitize_html

# Raw HTML in Markdown is turned off: authors write Markdown, not markup.
_renderer = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


def render_markdown(text: str) -> str:
    return sanitize_html(_renderer.render(text)).strip()

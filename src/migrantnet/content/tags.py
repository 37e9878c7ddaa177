"""Hashtags and `@user@host` mentions written in a text, found once when it is saved.

Tags are kept on the object (`#name`, `@user@host`); the federation layer resolves mentions
to actor ids (WebFinger) before sending, and serialisers give hashtags their links.
"""

from __future__ import annotations

import re

# Not after a word character, `/`, `#` or `&` (so URLs, anchors and entities are not tags).
HASHTAG_RE = re.compile(r"(?<![\w/#&])#(\w{1,100})")
MENTION_RE = re.compile(
    r"(?<![\w/@])@([a-zA-Z0-9_][a-zA-Z0-9_.-]*)@([a-zA-Z0-9.-]+\.[a-zA-Z]{2,}|[a-zA-Z0-9.-]+:\d{1,5})"
)
CODE_RE = re.compile(r"`[^`]*`|```.*?```", re.DOTALL)


def _without_code(text: str) -> str:
    return CODE_RE.sub(" ", text)


def find_tags(sources: dict[str, str]) -> list[dict[str, str]]:
    """Hashtags (lower-cased, each once) then mentions (each once), across every language."""
    hashtags: list[str] = []
    mentions: list[str] = []
    for text in sources.values():
        plain = _without_code(text)
        for match in HASHTAG_RE.finditer(plain):
            name = match.group(1).lower()
            if not name.isdigit() and name not in hashtags:
                hashtags.append(name)
        for match in MENTION_RE.finditer(plain):
            handle = f"{match.group(1)}@{match.group(2).lower()}"
            if handle not in mentions:
                mentions.append(handle)
    return [{"type": "Hashtag", "name": f"#{name}"} for name in hashtags] + [
        {"type": "Mention", "name": f"@{handle}"} for handle in mentions
    ]

"""Nesting a thread's replies in memory: answers nest whatever their dates, a chain deeper
than `MAX_DEPTH` stops growing, a loop of `inReplyTo` or a missing parent answers the root."""

from __future__ import annotations

from migrantnet.content.group_thread_listing import MAX_DEPTH, ReplyNode, nest_replies
from migrantnet.models import Actor, ContentObject

ROOT = "https://a.test/objects/root"
AUTHOR = Actor(ap_id="https://b.test/users/bob")


def reply(name: str, parent: str) -> tuple[ContentObject, Actor]:
    return ContentObject(ap_id=f"https://b.test/{name}", in_reply_to=parent), AUTHOR


def shape(nodes: list[ReplyNode]) -> list[object]:
    return [[n.obj.ap_id.rsplit("/", 1)[-1], shape(n.children)] for n in nodes]


def depth(nodes: list[ReplyNode]) -> int:
    return max((1 + depth(n.children) for n in nodes), default=0)


def test_an_answer_listed_before_what_it_answers_still_nests_under_it() -> None:
    rows = [reply("c", "https://b.test/b"), reply("a", ROOT), reply("b", "https://b.test/a")]
    assert shape(nest_replies(rows)) == [["a", [["b", [["c", []]]]]]]


def test_a_long_chain_stops_at_the_deepest_level() -> None:
    rows = [reply("r0", ROOT)] + [
        reply(f"r{i}", f"https://b.test/r{i - 1}") for i in range(1, 3 * MAX_DEPTH)
    ]
    tree = nest_replies(rows)
    assert depth(tree) == MAX_DEPTH
    count = 0
    stack = list(tree)
    while stack:
        node = stack.pop()
        count += 1
        stack += node.children
    assert count == len(rows)  # nothing lost


def test_a_loop_and_an_unknown_parent_answer_the_root() -> None:
    rows = [
        reply("x", "https://b.test/y"),
        reply("y", "https://b.test/x"),
        reply("z", "https://b.test/gone"),
    ]
    assert shape(nest_replies(rows)) == [["x", []], ["y", []], ["z", []]]

"""The node recognises its own URLs however they are spelled (issue 9, item 3)."""

from __future__ import annotations

import pytest

from migrantnet.uris import Uris

NODE = Uris("https://node.example")
DEMO = Uris("http://127.0.0.1:8000")


@pytest.mark.parametrize(
    "url",
    [
        "https://node.example/inbox",
        "https://NODE.EXAMPLE/inbox",
        "https://node.example:443/inbox",
        "https://node.example./inbox",
        "http://node.example/inbox",
        "HTTPS://Node.Example/@demo",
        "https://someone@node.example/inbox",
        " https://node.example/inbox",
    ],
)
def test_spellings_of_our_domain_are_ours(url: str) -> None:
    assert NODE.is_local(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://node.example:8443/inbox",
        "https://node.example.evil.test/inbox",
        "https://evil.test/node.example/inbox",
        "https://evil.test/?u=https://node.example/",
        "ftp://node.example/inbox",
        "javascript:alert(1)",
        "https://[::1]/inbox",
        "https://node.example:99999/inbox",
        "",
        "not a url",
    ],
)
def test_other_origins_are_not_ours(url: str) -> None:
    assert not NODE.is_local(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost:8000/inbox",
        "http://LOCALHOST.:8000/inbox",
        "http://[::1]:8000/inbox",
        "http://[::ffff:127.0.0.1]:8000/inbox",
        "http://127.0.0.2:8000/inbox",
    ],
)
def test_every_loopback_name_is_ours_on_a_loopback_node(url: str) -> None:
    assert DEMO.is_local(url)


def test_another_port_on_loopback_is_another_node() -> None:
    assert not DEMO.is_local("http://localhost:8001/inbox")
    assert not DEMO.is_local("http://127.0.0.1/inbox")

from __future__ import annotations

import pytest

from migrantnet.web.forms import safe_next


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "https://evil.example",
        "//evil.example",
        "///evil.example",
        "/\\evil.example",
        "/ok\\..\\evil",
        "\\\\evil.example",
        "javascript:alert(1)",
        "/\r\n//evil.example",
        "/\t//evil.example",
        "evil.example",
    ],
)
def test_next_never_leaves_the_node(value: str | None) -> None:
    assert safe_next(value) == "/admin"


@pytest.mark.parametrize("value", ["/admin/x/members", "/account?done=1", "/@assoc"])
def test_next_keeps_local_paths(value: str) -> None:
    assert safe_next(value) == value

"""Nodes as real processes on loopback ports, each with its own database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from nodes import Node


@pytest.fixture
def make_node(tmp_path: Path) -> Iterator[Callable[..., Node]]:
    made: list[Node] = []

    def make(name: str, association: str, **extra_env: str) -> Node:
        node = Node(name, tmp_path, extra_env=dict(extra_env))
        node.init(association)
        made.append(node)
        return node

    yield make
    for node in made:
        node.close()

"""A long-running web process freezes the heap it built at start-up (`long_lived.py`); the
apps the tests build by the hundred do not."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from migrantnet.app import create_app
from migrantnet.config import Settings


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()


async def test_serve_freezes_what_it_built_once_started(settings: Settings, unfrozen: None) -> None:
    app = create_app(settings, run_worker=False, long_lived=True)
    assert gc.get_freeze_count() == 0
    async with app.router.lifespan_context(app):
        # The app, its routes and its database handles: out of the collector's generations.
        assert gc.get_freeze_count() > 10_000
    gc.collect()  # a later collection does not touch them
    assert gc.get_freeze_count() > 10_000


async def test_an_app_made_by_default_freezes_nothing(settings: Settings, unfrozen: None) -> None:
    app = create_app(settings, run_worker=False)
    async with app.router.lifespan_context(app):
        assert gc.get_freeze_count() == 0

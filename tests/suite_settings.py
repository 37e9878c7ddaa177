"""The suite's node settings, built in one place: the `settings` fixture uses them, and a test
module that needs other limits overrides the fixture with `suite_settings(..., **changes)`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from migrantnet.config import Settings, load_settings

TEST_DOMAIN = "node-a.test"


def suite_settings(tmp_path: Path, database_url: str, **changes: Any) -> Settings:
    return load_settings(
        environ={},
        data_dir=tmp_path / "data",
        database_url=database_url,
        domain=TEST_DOMAIN,
        https=False,
        allow_private_addresses=True,
        secret_key="test-secret",
        **changes,
    )

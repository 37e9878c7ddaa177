from __future__ import annotations

import os
from pathlib import Path

import pytest

from migrantnet.config import SettingsError, load_settings, write_config_file


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        (
            {"MIGRANTNET_DOMAIN": "https://node.example"},
            "MIGRANTNET_DOMAIN: 'https://node.example' has a scheme",
        ),
        (
            {"MIGRANTNET_DOMAIN": "node.example/path"},
            "MIGRANTNET_DOMAIN: 'node.example/path' has a path",
        ),
        (
            {"MIGRANTNET_DOMAIN": "bad host"},
            "MIGRANTNET_DOMAIN: 'bad host' is not a valid host name",
        ),
        (
            {"MIGRANTNET_DOMAIN": "node.example:99999"},
            "MIGRANTNET_DOMAIN: 'node.example:99999' has an invalid port",
        ),
        (
            {"MIGRANTNET_DATABASE_URL": "not a url"},
            "MIGRANTNET_DATABASE_URL: 'not a url' is not a database URL",
        ),
        (
            {"MIGRANTNET_DATABASE_URL": "mysql://x/y"},
            "MIGRANTNET_DATABASE_URL: 'mysql' is not supported",
        ),
        ({"MIGRANTNET_HTTPS": "perhaps"}, "MIGRANTNET_HTTPS: Input should be a valid boolean"),
        ({"MIGRANTNET_LOG_LEVEL": "LOUD"}, "MIGRANTNET_LOG_LEVEL: must be one of"),
        (
            {"MIGRANTNET_DELIVERY_CONCURRENCY": "0"},
            "MIGRANTNET_DELIVERY_CONCURRENCY: Input should be greater",
        ),
        (
            {"MIGRANTNET_DELIVERY_SIGNING_PROCESSES": "-1"},
            "MIGRANTNET_DELIVERY_SIGNING_PROCESSES: Input should be greater",
        ),
    ],
)
def test_a_wrong_setting_is_one_line_naming_it(
    tmp_path: Path, env: dict[str, str], expected: str
) -> None:
    with pytest.raises(SettingsError) as excinfo:
        load_settings(environ={"MIGRANTNET_DATA_DIR": str(tmp_path), **env})
    message = str(excinfo.value)
    assert message.startswith(expected)
    assert "\n" not in message


def test_defaults_give_a_sqlite_file_in_the_data_dir(tmp_path: Path) -> None:
    settings = load_settings(environ={"MIGRANTNET_DATA_DIR": str(tmp_path)})
    assert (
        settings.effective_database_url == f"sqlite+aiosqlite:///{tmp_path.resolve()}/migrantnet.db"
    )
    assert settings.https is True
    assert settings.allow_private_addresses is False
    assert settings.base_url == "https://localhost:8000"


def test_postgres_urls_get_the_async_driver(tmp_path: Path) -> None:
    settings = load_settings(
        environ={
            "MIGRANTNET_DATA_DIR": str(tmp_path),
            "MIGRANTNET_DATABASE_URL": "postgresql://u@h/db",
        }
    )
    assert settings.effective_database_url == "postgresql+psycopg://u@h/db"


def test_environment_beats_config_file_and_overrides_beat_both(tmp_path: Path) -> None:
    write_config_file(
        tmp_path / "migrantnet.env", {"domain": "from-file.example", "https": "false"}
    )
    env = {"MIGRANTNET_DATA_DIR": str(tmp_path), "MIGRANTNET_DOMAIN": "from-env.example"}
    settings = load_settings(environ=env)
    assert settings.domain == "from-env.example"
    assert settings.https is False  # only in the file
    assert load_settings(environ=env, domain="override.example").domain == "override.example"


def test_domain_is_normalised_and_keeps_its_port(tmp_path: Path) -> None:
    settings = load_settings(
        environ={"MIGRANTNET_DATA_DIR": str(tmp_path), "MIGRANTNET_DOMAIN": "Node.Example:8443"}
    )
    assert settings.domain == "node.example:8443"
    assert settings.base_url == "https://node.example:8443"


def test_one_signing_process_when_a_second_core_is_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for cores, expected in ((1, 0), (2, 1), (8, 1)):
        monkeypatch.setattr(os, "sched_getaffinity", lambda _pid, n=cores: set(range(n)))
        settings = load_settings(environ={"MIGRANTNET_DATA_DIR": str(tmp_path)})
        assert settings.delivery_signing_processes == expected
    explicit = load_settings(
        environ={"MIGRANTNET_DATA_DIR": str(tmp_path), "MIGRANTNET_DELIVERY_SIGNING_PROCESSES": "0"}
    )
    assert explicit.delivery_signing_processes == 0

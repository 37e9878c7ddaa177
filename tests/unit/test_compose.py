"""The production stack's compose file: Docker cannot run here, so check its structure."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_compose_has_app_worker_and_postgres_with_a_named_volume() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"app", "worker", "db"}
    assert services["db"]["image"] == "postgres:15"
    assert "pgdata:/var/lib/postgresql/data" in services["db"]["volumes"]
    assert "pgdata" in compose["volumes"]
    assert services["app"]["command"][:2] == ["migrantnet", "serve"]
    assert services["worker"]["command"] == ["migrantnet", "worker"]
    for name in ("app", "worker"):
        env = services[name]["environment"]
        assert env["MIGRANTNET_DATABASE_URL"].startswith("postgresql://")
        assert env["MIGRANTNET_HTTPS"] == "true"
        assert services[name]["depends_on"]["db"]["condition"] == "service_healthy"


def test_docker_compose_config_accepts_it_where_the_client_exists(tmp_path: Path) -> None:
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("no docker client on this machine")
    probe = subprocess.run([docker, "compose", "version"], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip("docker client without the compose plugin")
    result = subprocess.run(
        [docker, "compose", "-f", str(ROOT / "docker-compose.yml"), "config", "--quiet"],
        capture_output=True,
        text=True,
        env={
            "MIGRANTNET_DOMAIN": "node.example",
            "MIGRANTNET_SECRET_KEY": "x",
            "PATH": "/usr/bin:/bin",
        },
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr


def test_dockerfile_installs_the_package_and_serves() -> None:
    text = (ROOT / "Dockerfile").read_text()
    assert "pip install" in text
    assert '"migrantnet", "serve"' in text

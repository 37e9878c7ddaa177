"""`migrantnet doctor` on a real node: each check one line, a FAIL names its reason, exit 1."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from cli_node import INIT, run
from sqlalchemy import create_engine, text

from migrantnet.config import sync_database_url
from nodes import Node

CHECKS = ["settings", "secret key", "disk", "database", "migrations", "keys", "worker"]


def verdicts(output: str) -> dict[str, str]:
    """{check name: whole line}, asserting every line is one check."""
    found = {}
    for line in output.splitlines():
        status, _, rest = line.partition(" ")
        assert status in {"OK", "FAIL"}, line
        found[rest.strip().partition(":")[0]] = line
    return found


def test_a_healthy_node_passes_and_a_broken_key_or_full_disk_fails(
    tmp_path: Path, database_url: str
) -> None:
    assert run(tmp_path, database_url, *INIT).exit_code == 0
    healthy = run(tmp_path, database_url, "doctor", "--min-free-mb", "1")
    assert healthy.exit_code == 0, healthy.output
    lines = verdicts(healthy.output)
    assert list(lines) == CHECKS
    assert all(line.startswith("OK") for line in lines.values())
    assert "2 local actors, each key pair loads and matches" in lines["keys"]

    engine = create_engine(sync_database_url(database_url))
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE actors SET private_key_pem = 'not a key' WHERE slug = 'tunis_migrants'")
        )
    engine.dispose()
    broken = run(tmp_path, database_url, "doctor", "--min-free-mb", str(1024 * 1024 * 1024))
    assert broken.exit_code == 1
    lines = verdicts(broken.output)
    assert lines["keys"].startswith("FAIL keys: @tunis_migrants's private key does not load")
    assert lines["disk"].startswith("FAIL disk: ") and "less than 1048576.0 GiB" in lines["disk"]
    assert lines["migrations"].startswith("OK")


def test_outside_a_node_the_database_check_fails_and_nothing_is_created(tmp_path: Path) -> None:
    result = run(tmp_path / "data", f"sqlite:///{tmp_path / 'data' / 'migrantnet.db'}", "doctor")
    assert result.exit_code == 1
    lines = verdicts(result.output)
    assert lines["database"] == (
        f"FAIL database: no database at {tmp_path / 'data' / 'migrantnet.db'} "
        f"(run `migrantnet init`)"
    )
    assert lines["secret key"].startswith("FAIL secret key: MIGRANTNET_SECRET_KEY is not set")
    assert list(tmp_path.iterdir()) == []


def test_the_domain_answers_with_the_nodes_own_actor(tmp_path: Path) -> None:
    node = Node("doctor", tmp_path)
    try:
        node.init("red_migrante", "Red Migrante")
        node.start()
        up = node.cli("doctor", "--check-domain", "--min-free-mb", "1", check=False)
        assert up.returncode == 0, up.stdout + up.stderr
        assert f"OK   domain: {node.base_url}/" in up.stdout
        assert "answers with @red_migrante's actor and key" in up.stdout
        node.stop()
        down = node.cli("doctor", "--check-domain", "--min-free-mb", "1", check=False)
        assert down.returncode == 1
        assert f"FAIL domain: {node.base_url}/" in down.stdout
        assert "ConnectError" in down.stdout
    finally:
        node.close()


def test_a_worker_that_stopped_beating_is_reported(tmp_path: Path, database_url: str) -> None:
    assert run(tmp_path, database_url, *INIT).exit_code == 0
    engine = create_engine(sync_database_url(database_url))

    def beat(minutes_ago: float) -> None:
        at = (datetime.now(UTC) - timedelta(minutes=minutes_ago)).replace(tzinfo=None)
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM worker_heartbeats"))
            conn.execute(
                text("INSERT INTO worker_heartbeats VALUES ('host:12:ab', :at, :at)"), {"at": at}
            )

    try:
        fresh = verdicts(run(tmp_path, database_url, "doctor", "--min-free-mb", "1").output)
        assert fresh["worker"] == (
            "OK   worker: no worker has ever run on this database, no delivery overdue"
        )
        beat(minutes_ago=0.1)
        beating = verdicts(run(tmp_path, database_url, "doctor", "--min-free-mb", "1").output)
        assert beating["worker"].startswith("OK   worker: last heartbeat ")
        assert beating["worker"].endswith(" s ago, no delivery overdue")
        beat(minutes_ago=30)
        stopped = run(tmp_path, database_url, "doctor", "--min-free-mb", "1")
        assert stopped.exit_code == 1
        assert verdicts(stopped.output)["worker"] == (
            "FAIL worker: last heartbeat 30 min ago (more than 2 min): deliveries have "
            "stopped; start `migrantnet worker` (or `serve` with its worker)"
        )
    finally:
        engine.dispose()

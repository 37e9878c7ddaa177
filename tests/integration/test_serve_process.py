"""`migrantnet serve` as a real process: what the README's quick start relies on."""

from __future__ import annotations

from pathlib import Path

import httpx

from nodes import Node


def test_a_served_node_answers_health_and_home(tmp_path: Path) -> None:
    node = Node("solo", tmp_path)
    try:
        node.init("red_migrante", "Red Migrante")
        node.cli("seed-demo")
        node.start()
        health = httpx.get(f"{node.base_url}/healthz", timeout=5)
        assert health.json()["status"] == "ok"
        home = httpx.get(node.base_url, timeout=5)
        assert home.status_code == 200
        assert "Red Migrante" in home.text
        assert "جمعية المهاجرين في تونس" in home.text  # seeded, Arabic
        assert home.headers.get("server") is None
    finally:
        node.close()
    assert "event=node_started" in node.log()

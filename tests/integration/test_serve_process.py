"""`migrantnet serve` as a real process: what the README's quick start relies on."""

from __future__ import annotations

from pathlib import Path

import httpx

from nodes import Node


def test_a_served_node_answers_health_and_home(tmp_path: Path) -> None:
    node = Node("solo", tmp_path, forked=False)  # the installed command itself
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


def test_media_stream_as_stored_and_pages_come_gzipped(tmp_path: Path) -> None:
    """Through uvicorn, as a phone gets them: an upload (already compressed) streams with its
    length and ranges, untouched by gzip; JSON is compressed."""
    node = Node("media", tmp_path, forked=False)
    try:
        node.init("red_migrante", "Red Migrante")
        key = "ab/" + "0" * 32 + ".pdf"
        stored = node.data_dir / "media" / key
        stored.parent.mkdir(parents=True, exist_ok=True)
        document = b"%PDF-1.7\n" + bytes(range(256)) * 8192  # 2 MB, several chunks
        stored.write_bytes(document)
        node.start(worker=False)
        with httpx.Client(base_url=node.base_url, timeout=10) as client:
            with client.stream(
                "GET", f"/media/{key}", headers={"Accept-Encoding": "gzip"}
            ) as response:
                wire = b"".join(response.iter_raw())
            assert response.status_code == 200
            assert "content-encoding" not in response.headers
            assert int(response.headers["content-length"]) == len(document)
            assert wire == document
            part = client.get(
                f"/media/{key}", headers={"Accept-Encoding": "gzip", "Range": "bytes=9-1032"}
            )
            assert part.status_code == 206
            assert part.content == document[9:1033]
            assert "content-encoding" not in part.headers
            spec = client.get("/api/openapi.json", headers={"Accept-Encoding": "gzip"})
            assert spec.headers["content-encoding"] == "gzip"
            assert int(spec.headers["content-length"]) < len(spec.content) / 4
            assert spec.json()["info"]["title"] == "migrantnet"
    finally:
        node.close()

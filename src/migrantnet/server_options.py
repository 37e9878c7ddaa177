"""How `migrantnet serve` runs uvicorn, in one place, so the benchmarks' bare app uses the same.

- `loop="uvloop"`, `http="httptools"` (uvicorn[standard]): +58 % requests/s over the plain
  asyncio loop with h11 on this machine kind (research/perf-anchors.md A2), and uvloop sets
  TCP_NODELAY itself, so several processes behind one socket do not wait 40 ms per response.
- no access log (a log line per request costs more than serving a cached actor) and no
  `Server` header; proxy headers trusted, since a node runs behind a TLS proxy.
- one process per `serve`: scale out with more processes (see docs: several web processes
  and workers on PostgreSQL), not threads.

granian measured +24 % over uvicorn[standard] on a bare app with flatter tails, but it is
one more compiled dependency and a second server to support; uvicorn stays until the
node, not the server, is the limit (benchmarks/README.md).
"""

from __future__ import annotations

from typing import Any

SERVER_OPTIONS: dict[str, Any] = {
    "loop": "uvloop",
    "http": "httptools",
    "access_log": False,
    "log_config": None,
    "proxy_headers": True,
    "server_header": False,
}

"""Real node processes for tests: `migrantnet init` then `migrantnet serve` on a loopback port.

Each node has its own data directory and database (SQLite file or PostgreSQL schema) and is
driven only through its public interfaces: HTTP, and the `migrantnet` command.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from typer.testing import CliRunner

from dbs import new_database
from migrantnet.cli import app as cli_app
from node_forks import ForkedProcess, ForkServer, supported

_cli_runner = CliRunner()
# Set by the suite's conftest (`use_fork_server`); benchmarks leave it unset, so their nodes
# are started as processes of their own and their memory and CPU are a real node's.
_fork_server: ForkServer | None = None


def use_fork_server() -> ForkServer | None:
    """Start nodes forked from an imported zygote (`node_forks`) from now on, where possible."""
    global _fork_server
    if _fork_server is None and supported():
        _fork_server = ForkServer()
    return _fork_server


def _loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Node:
    name: str
    root: Path
    port: int = field(default_factory=free_port)
    extra_env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | ForkedProcess | None = None
    # False: `python -m migrantnet serve` itself, where the installed command is under test.
    forked: bool = True
    database_url: str = ""
    _cleanup: Callable[[], None] | None = None
    _token: str | None = None

    @property
    def domain(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return f"http://{self.domain}"

    @property
    def data_dir(self) -> Path:
        return self.root / self.name

    @property
    def log_path(self) -> Path:
        return self.root / f"{self.name}.log"

    def env(self) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith("MIGRANTNET_")}
        env.update(
            {
                "MIGRANTNET_DATA_DIR": str(self.data_dir),
                "MIGRANTNET_DATABASE_URL": self.database_url,
                "MIGRANTNET_DOMAIN": self.domain,
                "MIGRANTNET_HTTPS": "false",
                "MIGRANTNET_ALLOW_PRIVATE_ADDRESSES": "true",
                "MIGRANTNET_WORKER_POLL_SECONDS": "0.2",
                "MIGRANTNET_DELIVERY_BACKOFF_SCALE": "0.02",
                "MIGRANTNET_LOG_LEVEL": "INFO",
            }
        )
        env.update(self.extra_env)
        return env

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """`migrantnet ARGS` against this node, run in the test's process.

        The same command objects as the installed `migrantnet`, with the node's environment
        (and only it: other `MIGRANTNET_*` variables are hidden), but without a new Python
        process importing the whole app: that cost 1-3 s a command, and the federation tests
        run some sixty of them. `serve` runs as a real process (`start`), and the installed
        command is tested as one in tests/integration/test_outside_a_node.py.
        """
        environment = self.env()
        hidden: dict[str, str | None] = {
            key: None for key in os.environ if key.startswith("MIGRANTNET_")
        }
        root = logging.getLogger()
        handlers, level = root.handlers[:], root.level
        try:
            invoke = functools.partial(
                _cli_runner.invoke, cli_app, list(args), env={**hidden, **environment}
            )
            if _loop_running():  # a browser test: playwright's loop holds this thread
                with concurrent.futures.ThreadPoolExecutor(max_workers=1) as thread:
                    result = thread.submit(invoke).result()
            else:
                result = invoke()
        finally:  # the command points logging at its captured stderr; give the tests theirs back
            root.handlers[:] = handlers
            root.setLevel(level)
        stderr = result.stderr
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            stderr += "".join(traceback.format_exception(result.exception))
        completed = subprocess.CompletedProcess(
            ["migrantnet", *args], result.exit_code, result.stdout, stderr
        )
        if check and completed.returncode != 0:
            raise AssertionError(
                f"migrantnet {' '.join(args)} failed:\n{completed.stdout}\n{stderr}"
            )
        return completed

    def init(self, association: str, name: str | None = None) -> None:
        if not self.database_url:
            self.database_url, self._cleanup = new_database(self.root, self.name)
        self.cli(
            "init",
            "--association",
            association,
            "--name",
            name or association.replace("_", " ").title(),
            "--admin-email",
            self.admin_email,
            "--admin-password",
            "a long test password",
        )

    @property
    def admin_email(self) -> str:
        return f"admin@{self.name}.example"

    def auth(self) -> dict[str, str]:
        """Headers of the admin's API token (made once with `migrantnet tokens create`): the
        routes that name followers or follows answer only to a role on the association."""
        if self._token is None:
            created = self.cli("tokens", "create", "--email", self.admin_email, "--name", "tests")
            self._token = created.stdout.strip().splitlines()[-1]
        return {"Authorization": f"Bearer {self._token}"}

    def start(self, *, worker: bool = True) -> None:
        args = [
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--worker" if worker else "--no-worker",
        ]
        if self.forked and _fork_server is not None:
            self.process = _fork_server.start(args, env=self.env(), log=self.log_path)
        else:
            with self.log_path.open("ab") as log:
                self.process = subprocess.Popen(
                    [sys.executable, "-m", "migrantnet", *args],
                    env=self.env(),
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                )
        # Generous: on a loaded machine importing the app alone can take half a minute.
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"node {self.name} exited:\n{self.log_path.read_text()}")
            try:
                if httpx.get(f"{self.base_url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"node {self.name} did not start:\n{self.log_path.read_text()}")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)
        self.process = None

    def kill(self) -> None:
        """Stop abruptly, as a crash would."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=5)
            self.process = None

    def close(self) -> None:
        self.stop()
        if self._cleanup is not None:
            self._cleanup()
            self._cleanup = None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

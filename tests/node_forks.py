"""Node processes forked from one that has imported the app already, for the suite's speed.

Starting `python -m migrantnet serve` costs about 2 s of CPU importing the app before it
answers, and the suite starts some hundred and fifty nodes across its two passes, side by side
on two cores. Here one clean process (the *zygote*: single-threaded, nothing but the import
done) forks a new process for each node; the node is then a real process of its own, serving
real HTTP on its own port with its own environment and log, as `Node.start` made it before.

The test process makes itself a child subreaper, and the zygote forks twice: the node's
parent exits at once, so the node becomes a child of the test process, which can wait for it
and read its exit status like any `subprocess.Popen`. The installed command itself is still
started the usual way where that is what a test is about (`Node(forked=False)`,
tests/integration/test_serve_process.py, test_outside_a_node.py) and by the benchmarks,
whose memory and CPU figures must be those of a process of its own.
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

PR_SET_CHILD_SUBREAPER = 36

# Runs in the zygote: import everything a node imports, then fork on each request line.
ZYGOTE = r"""
import json, os, sys, threading
import migrantnet.app, migrantnet.cli  # the 2 s a node start no longer pays
if threading.active_count() != 1:
    raise SystemExit("the app's import started a thread: forking it would not be safe")
requests, replies = sys.stdin.buffer, sys.stdout.buffer
for line in requests:
    request = json.loads(line)
    pid_read, pid_write = os.pipe()
    middle = os.fork()
    if middle == 0:
        node = os.fork()
        if node:
            os.write(pid_write, b"%d" % node)
            os._exit(0)
        try:
            os.close(pid_read)
            os.close(pid_write)
            os.chdir(request["cwd"])
            os.environ.clear()
            os.environ.update(request["env"])
            log = os.open(request["log"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            null = os.open(os.devnull, os.O_RDONLY)
            os.dup2(null, 0)
            os.dup2(log, 1)
            os.dup2(log, 2)
            os.close(null)
            os.close(log)
            sys.argv = ["migrantnet", *request["args"]]
            code = 0
            try:
                migrantnet.cli.main()
            except SystemExit as exit:
                code = exit.code if isinstance(exit.code, int) else (0 if exit.code is None else 1)
        except BaseException:
            import traceback
            traceback.print_exc()
            code = 1
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)
    os.waitpid(middle, 0)  # gone: the node is the test process's child now
    os.close(pid_write)
    replies.write(os.read(pid_read, 32) + b"\n")
    replies.flush()
    os.close(pid_read)
"""


class ForkedProcess:
    """What `Node` uses of `subprocess.Popen`, for a node forked by the zygote."""

    def __init__(self, pid: int, args: list[str]) -> None:
        self.pid = pid
        self.args = args
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:  # reaped elsewhere: it has ended
                self.returncode = -1
                return self.returncode
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while (code := self.poll()) is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(self.args, timeout or 0)
            time.sleep(0.02)
        return code

    def send_signal(self, sig: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, sig)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class ForkServer:
    """The zygote of this test process, started on first use."""

    def __init__(self) -> None:
        self._zygote: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()  # nodes are started from threads too

    def _started(self) -> subprocess.Popen[bytes]:
        if self._zygote is None or self._zygote.poll() is not None:
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
                raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER) failed")
            self._zygote = subprocess.Popen(
                [sys.executable, "-c", ZYGOTE],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                env={key: value for key, value in os.environ.items() if "MIGRANTNET_" not in key},
            )
        return self._zygote

    def start(self, args: list[str], *, env: dict[str, str], log: Path) -> ForkedProcess:
        request = {"args": args, "env": env, "log": str(log), "cwd": os.getcwd()}
        with self._lock:
            zygote = self._started()
            assert zygote.stdin is not None and zygote.stdout is not None
            zygote.stdin.write(json.dumps(request).encode() + b"\n")
            zygote.stdin.flush()
            reply = zygote.stdout.readline()
        if not reply:
            raise RuntimeError(f"the node zygote ended (exit {zygote.wait()})")
        return ForkedProcess(int(reply), ["migrantnet", *args])

    def close(self) -> None:
        if self._zygote is not None:
            if self._zygote.stdin is not None:
                self._zygote.stdin.close()
            try:
                self._zygote.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._zygote.kill()
            self._zygote = None


def supported() -> bool:
    return sys.platform == "linux" and hasattr(os, "fork")

#!/usr/bin/env python3
"""Developer entry point, needing nothing but Python 3.11+.

    python3 dev.py demo   # a demo node with sample content at http://localhost:8000
    python3 dev.py test   # the whole test suite (extra arguments go to pytest)

Both create `.venv` and install the project into it the first time (and again whenever
pyproject.toml changes).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / "python"
DEMO_DATA = ROOT / "data" / "demo"
DEMO_PASSWORD = "demo-password-change-me"


def ensure_environment() -> None:
    if sys.version_info < (3, 11):
        sys.exit("migrantnet needs Python 3.11 or newer")
    stamp = VENV / ".installed"
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == wanted and PYTHON.exists():
        return
    if not PYTHON.exists():
        print("Creating .venv ...", flush=True)
        venv.create(VENV, with_pip=True)
    print("Installing migrantnet and its test tools into .venv ...", flush=True)
    subprocess.run(
        [
            str(PYTHON),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-e",
            f"{ROOT}[test]",
        ],
        check=True,
    )
    stamp.write_text(wanted)


def run(*args: str, env: dict[str, str] | None = None) -> int:
    return subprocess.run(list(args), env=env, cwd=ROOT).returncode


def demo() -> int:
    env = dict(os.environ)
    env.update(
        {
            "MIGRANTNET_DATA_DIR": str(DEMO_DATA),
            "MIGRANTNET_DOMAIN": "localhost:8000",
            "MIGRANTNET_HTTPS": "false",
            "MIGRANTNET_ALLOW_PRIVATE_ADDRESSES": "true",
        }
    )
    cli = str(BIN / "migrantnet")
    if not (DEMO_DATA / "migrantnet.env").exists():
        code = run(
            cli,
            "init",
            "--association",
            "demo",
            "--name",
            "Demo association",
            "--admin-email",
            "admin@localhost.example",
            "--admin-password",
            DEMO_PASSWORD,
            env=env,
        )
        if code:
            return code
        print(f"Admin: admin@localhost.example / {DEMO_PASSWORD}")
    if code := run(cli, "seed-demo", env=env):
        return code
    print("Demo node at http://localhost:8000 (Ctrl-C to stop)", flush=True)
    try:
        return run(cli, "serve", "--host", "127.0.0.1", "--port", "8000", env=env)
    except KeyboardInterrupt:
        return 0


def test(args: list[str]) -> int:
    return run(str(PYTHON), "-m", "pytest", *args)


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in {"demo", "test"}:
        print(__doc__)
        return 2
    ensure_environment()
    if sys.argv[1] == "demo":
        return demo()
    return test(sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())

"""Running the bot as a process of its own, as operators do: a clean environment, a free port,
waiting until it answers its health check."""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """An OS-assigned free port for a child process to bind."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def child_env(**extra: str) -> dict[str, str]:
    """This process's environment without any of the app's settings (nor the tests' database),
    with the repository importable, plus `extra`."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SLACK_", "MENTORING_", "DATABASE_URL", "PORT", "TEST_DATABASE_URL"))}
    env.update(PYTHONPATH=str(ROOT), **extra)
    return env


def wait_healthy(proc: subprocess.Popen, port: int, timeout: float = 60) -> None:
    """Until `GET /healthz` answers 200; fails with the child's output if it stops first."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as resp:
                assert resp.status == 200
                return
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                if proc.poll() is None:  # still starting: stop it, or reading its output waits forever
                    proc.kill()
                raise AssertionError(f"the bot did not come up: {proc.stdout.read() if proc.stdout else ''}") from None
            time.sleep(0.1)

"""The demo's child processes: each a `magazynier …` command with its output in a log file in the data directory.

Children run in their own session, so Ctrl-C in the terminal reaches only the demo, which then stops them in
the reverse order of starting (the worker before the emulators it talks to). On Linux each child is also told
to end when the demo dies, so a killed demo leaves nothing running either.
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

PR_SET_PDEATHSIG = 1


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def port_taken(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the web server binds: TIME_WAIT is free
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False


def _end_with_parent() -> None:  # runs in the child between fork and exec
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        except (OSError, AttributeError):
            pass


class ChildFailed(RuntimeError):
    pass


@dataclass
class Child:
    name: str
    process: subprocess.Popen
    log: Path

    def stopped(self) -> str:
        return f"{self.name} stopped (exit {self.process.returncode}):\n{self.tail()}"

    def tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


class Children:
    def __init__(self, log_dir: Path, env: dict[str, str]):
        self.log_dir = log_dir
        self.env = env
        self.children: list[Child] = []

    def start(self, name: str, *args: str) -> Child:
        log = self.log_dir / f"{name}.log"
        with log.open("ab") as out:
            process = subprocess.Popen([sys.executable, "-m", "magazynier.cli", *args], env=self.env,
                                       stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                       start_new_session=True, preexec_fn=_end_with_parent)  # noqa: PLW1509
        child = Child(name, process, log)
        self.children.append(child)
        return child

    def wait_http(self, child: Child, url: str, timeout: float = 60) -> None:
        """Until `url` answers (any status): the child is listening."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                httpx.get(url, timeout=2)
                return
            except httpx.HTTPError:
                if child.process.poll() is not None:
                    raise ChildFailed(child.stopped()) from None
                if time.monotonic() > deadline:
                    raise ChildFailed(f"{child.name} did not answer at {url} within {timeout:.0f} s:\n"
                                      f"{child.tail()}") from None
                time.sleep(0.2)

    def check(self) -> None:
        """Raise ChildFailed when any child has stopped."""
        for child in self.children:
            if child.process.poll() is not None:
                raise ChildFailed(child.stopped())

    def stop_all(self, timeout: float = 15) -> None:
        """SIGINT to each child, newest first, waiting for each; SIGKILL for any that does not end."""
        for child in reversed(self.children):
            if child.process.poll() is None:
                child.process.send_signal(signal.SIGINT)
                try:
                    child.process.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    child.process.kill()
                    child.process.wait()


INSTALLATION_SETTINGS = {"DATABASE_URL", "REDIS_URL", "MAGAZYNIER_QUEUE", "MAGAZYNIER_WRITERS_OFF",
                         "MAGAZYNIER_ALLOWED_HOSTS", "MAGAZYNIER_SECRET_KEY", "MAGAZYNIER_ENCRYPTION_KEYS"}


def child_env(data_dir: Path, public_url: str) -> dict[str, str]:
    """The demo's own environment for every child: its fresh data directory on SQLite with its own keys,
    whatever the shell says about an installation's database, queue, hosts or keys (the demo never touches a
    real installation)."""
    env = {k: v for k, v in os.environ.items() if k not in INSTALLATION_SETTINGS}
    env.update(MAGAZYNIER_DATA_DIR=str(data_dir), MAGAZYNIER_PUBLIC_URL=public_url, PYTHONUNBUFFERED="1",
               DJANGO_SETTINGS_MODULE="magazynier.settings")
    return env

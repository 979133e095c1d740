"""A real Jupyter server in a subprocess, on a loopback port, with a token.

Why a subprocess and not pytest-jupyter's in-process server: the hostile tests
measure what a user's server does (its peak memory, whether Jupyter's own routes
stay responsive, whether its children die with it), which only a separate
process shows. Every request goes to 127.0.0.1; loops are bounded by the callers.
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

from jupyter_prod_ext.procs import PARENT_PID_ENV

REPO = Path(__file__).resolve().parent.parent


@dataclass
class LiveServer:
    port: int
    token: str
    proc: subprocess.Popen[bytes]
    root: Path
    log: Path

    def request(
        self, method: str, path: str, body: object | bytes | None = None, timeout: float = 60.0
    ) -> tuple[int, Any, float]:
        """(status, parsed JSON body or raw text, seconds) of one request."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode("utf-8")
        headers = {"Authorization": f"token {self.token}", "Content-Type": "application/json"}
        started = time.monotonic()
        try:
            conn.request(method, path, body=data, headers=headers)
            res = conn.getresponse()
            raw = res.read()
        finally:
            conn.close()
        seconds = time.monotonic() - started
        text = raw.decode("utf-8", errors="replace")
        try:
            parsed: Any = json.loads(text) if text else None
        except ValueError:
            parsed = text
        return res.status, parsed, seconds

    def post(self, route: str, body: object | bytes, timeout: float = 60.0) -> tuple[int, Any, float]:
        return self.request("POST", f"/jupyter-prod/{route}", body, timeout)

    def rss_kib(self, field: str = "VmRSS") -> int:
        """The server process's resident memory (``VmHWM``: its peak so far)."""
        found = proc_status(self.proc.pid, field)
        if found is None:
            raise AssertionError(f"no {field} for the server process")
        return found

    def tree_pss_kib(self) -> int:
        """Memory of the server and every process it started (its check children, black, mypy).

        Proportional set sizes, not resident sizes: a child between fork and exec shares its
        parent's pages, which a sum of resident sizes would count twice.
        """
        return sum(_pss_kib(pid) for pid in [self.proc.pid, *descendants(self.proc.pid)])


def proc_status(pid: int, field: str) -> int | None:
    """A ``/proc/<pid>/status`` figure in KiB (None: the process is gone, or has no such figure)."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return None


def _pss_kib(pid: int) -> int:
    try:
        return int(psutil.Process(pid).memory_full_info().pss) // 1024
    except psutil.Error:
        return 0  # gone meanwhile


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie is dead too)."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def command(pid: int) -> str:
    """The process's command line ("" once it is gone)."""
    try:
        return " ".join(psutil.Process(pid).cmdline())
    except psutil.Error:
        return ""


def descendants(pid: int) -> list[int]:
    """Every living process started by ``pid``, its children's children too."""
    try:
        return [p.pid for p in psutil.Process(pid).children(recursive=True)]
    except psutil.Error:
        return []


def started_by(pid: int) -> list[int]:
    """The processes ``pid`` started: its descendants, and the mypy daemons that left its tree (dmypy
    detaches them) but name it as the process they serve."""
    daemons = []
    for proc in psutil.process_iter():
        try:
            if proc.environ().get(PARENT_PID_ENV) == str(pid):
                daemons.append(proc.pid)
        except psutil.Error:
            continue
    return sorted({*descendants(pid), *daemons})


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_env(home: Path) -> dict[str, str]:
    """An environment with a git identity and caches of its own (nothing of the user's)."""
    home.mkdir(parents=True, exist_ok=True)
    (home / ".gitconfig").write_text(
        "[user]\n\tname = Test User\n\temail = test@example.com\n[init]\n\tdefaultBranch = main\n", encoding="utf-8"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "JUPYTER_", "PYTEST"))}
    env.update(
        HOME=str(home),
        GIT_CONFIG_NOSYSTEM="1",
        XDG_CACHE_HOME=str(home / ".cache"),
        JUPYTER_CONFIG_DIR=str(home / ".jupyter"),
        JUPYTER_DATA_DIR=str(home / ".local" / "share" / "jupyter"),
        JUPYTER_RUNTIME_DIR=str(home / ".runtime"),
        PYTHONPATH=os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p),
    )
    return env


@contextmanager
def live_server(root: Path, home: Path, *extra_args: str, ready_timeout: float = 60.0) -> Iterator[LiveServer]:
    """Start ``jupyter server`` on 127.0.0.1 with a random token; stop it (and its group) afterwards."""
    port = _free_port()
    token = secrets.token_hex(16)
    log = home / "server.log"
    home.mkdir(parents=True, exist_ok=True)
    argv = [
        sys.executable, "-m", "jupyter_server",
        "--no-browser", "--allow-root", "--ip=127.0.0.1", f"--port={port}", "--port-retries=0",
        f"--ServerApp.root_dir={root}", f"--IdentityProvider.token={token}",
        "--ServerApp.jpserver_extensions={'jupyter_prod_ext': True}",
        *extra_args,
    ]  # fmt: skip
    with open(log, "wb") as out:
        proc = subprocess.Popen(argv, env=server_env(home), stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)  # fmt: skip
    server = LiveServer(port, token, proc, root, log)
    try:
        deadline = time.monotonic() + ready_timeout
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"the server exited at start:\n{log.read_text()[-3000:]}")
            try:
                if server.request("GET", "/jupyter-prod/version", timeout=5)[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"the server did not answer within {ready_timeout} s:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield server
    finally:
        stop(proc)


def stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL to the server's whole process group (its mypy/black workers too)."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait(timeout=10)

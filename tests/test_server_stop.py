"""A server stopped with SIGTERM exits within seconds, whatever our requests left running or idle.

A sweep server stopped after an hour of requests hung in its exit: Python waits for every thread that
is not a daemon, and anyio's worker threads are not; one stops only when the task that started it ends,
and a request in flight at SIGTERM never ends (the event loop stops). Our blocking work now runs on
daemon threads of our own, and the extension's stop hook cancels what they still run (a Clean Run's
kernel, black and mypy) and waits a bounded grace for it. A real ``jupyter server`` in a process of its
own, real requests of every kind, one Clean Run still running when the signal comes.
"""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

from .live_server import LiveServer, alive, command, live_server, started_by
from .nbutil import git_project, make_nb, write_nb

#: how long the stopped server may take to exit (the stop hook's grace is 5 s; Jupyter's own cleanup)
EXIT_WITHIN = 20.0
#: how long the children it started may outlive it
CHILDREN_WITHIN = 10.0


def _project(base: Path) -> Path:
    root = git_project(base, '[project]\nname = "demo"\nversion = "0.1"\n[tool.black]\nline-length = 100\n')
    write_nb(root / "a.ipynb", make_nb("import math", "def area(r):\n    return math.pi * r**2", "x: int = area(2)"))
    write_nb(root / "typed.ipynb", make_nb("def double(v: int) -> int:\n    return v * 2", "double('two')"))
    # a Clean Run that is still running when the server is stopped
    write_nb(root / "slow.ipynb", make_nb("import time\ntime.sleep(120)"))
    return root


def _requests_of_every_kind(srv: LiveServer, root: Path) -> None:
    """check (fast, all), the type check, format and promote: each answers as it should."""
    for checks in ("fast", "all"):
        status, body, _ = srv.post("check", {"path": "proj/a.ipynb", "checks": checks}, timeout=180)
        assert status == 200, body
    status, body, _ = srv.post("check", {"path": "proj/typed.ipynb", "checks": ["type-error"]}, timeout=180)
    assert status == 200 and [f["check"] for f in body["findings"]] == ["type-error"], body
    status, body, _ = srv.post("format", {"path": "proj/a.ipynb", "notebook": make_nb("x=1")}, timeout=120)
    assert status == 200, body
    promote = {"path": "proj/a.ipynb", "names": ["area"], "to": "src/demo/geo.py"}
    status, body, _ = srv.post("promote", promote, timeout=180)
    assert status == 200 and body["ok"], body
    assert (root / "src" / "demo" / "geo.py").is_file()


def _run_in_flight(srv: LiveServer) -> dict[str, Any]:
    """Start the Clean Run of ``slow.ipynb`` (its answer never comes) and wait until its kernel runs it."""
    answer: dict[str, Any] = {}

    def post() -> None:
        try:
            answer["run"] = srv.post("run", {"path": "proj/slow.ipynb"}, timeout=200)
        except OSError as exc:  # the stopped server closes the connection
            answer["run"] = exc

    threading.Thread(target=post, daemon=True).start()
    deadline = time.monotonic() + 120
    while True:
        status, progress, _ = srv.request("GET", "/jupyter-prod/run?path=proj/slow.ipynb")
        if status == 200 and progress["state"] == "running" and progress["cell"] is not None:
            return answer
        assert time.monotonic() < deadline, progress
        time.sleep(0.2)


def test_sigterm_stops_the_server_within_seconds_after_requests_of_every_kind(tmp_path: Path) -> None:
    root = _project(tmp_path / "root")
    with live_server(root.parent, tmp_path / "home") as srv:
        _requests_of_every_kind(srv, root)
        _run_in_flight(srv)
        children = started_by(srv.proc.pid)
        names = [command(pid) for pid in children]
        assert any("ipykernel" in c for c in names) and any("dmypy" in c for c in names), names

        started = time.monotonic()
        srv.proc.send_signal(signal.SIGTERM)
        try:
            code = srv.proc.wait(timeout=EXIT_WITHIN)
        except subprocess.TimeoutExpired:
            raise AssertionError(
                f"the server did not exit within {EXIT_WITHIN:g} s of SIGTERM:\n{srv.log.read_text()[-3000:]}"
            ) from None
        assert code == 0, srv.log.read_text()[-3000:]
        # and nothing it started lives on: the Clean Run's worker and kernel, black's worker, the mypy daemon
        deadline = time.monotonic() + CHILDREN_WITHIN
        while (left := [pid for pid in children if alive(pid)]) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not left, [command(pid) for pid in left]
        assert time.monotonic() - started < EXIT_WITHIN + CHILDREN_WITHIN

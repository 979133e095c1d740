"""The smaller hostile cases of issue 14, against a real server in a subprocess and real processes.

Deeply nested JSON on every route; timeouts a project sets absurdly high; a secret in a
magic line; absolute server paths in answers; a mypy daemon outliving a SIGKILLed server.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .hostile import daemon_pids, mypy_processes, nb_dict, slow_mypy_server_config
from .live_server import LiveServer, alive, command, descendants, live_server, server_env

TOKEN = "ghp_" + "M4g1cL1n3T0k3nAbCdEfGhIjKlMnOpQrStUv"
DEEP = b"[" * 100_000 + b"]" * 100_000


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    base = tmp_path_factory.mktemp("small")
    root = base / "root"
    root.mkdir()
    (root / "nb.ipynb").write_text(json.dumps(nb_dict("x = 1")), encoding="utf-8")
    with live_server(root, base / "home", "--JupyterProd.typecheck_backend=mypy") as srv:
        yield srv


def _one_line_refusal(status: int, body: object) -> str:
    assert isinstance(body, dict), body
    assert 400 <= status < 500, (status, body)
    error = body["error"]
    assert isinstance(error, str) and "\n" not in error and "Traceback" not in error, body
    return error


@pytest.mark.parametrize("route", ["check", "format", "promote", "commit", "run"])
def test_json_nested_100000_deep_is_a_400_on_every_route(server: LiveServer, route: str) -> None:
    wrapped = b'{"path": "nb.ipynb", "notebook": ' + DEEP + b"}"
    for body in (DEEP, wrapped):
        status, answer, _ = server.post(route, body)
        assert status == 400, (route, status, answer)
        assert "nested too deeply" in _one_line_refusal(status, answer)


def test_a_deeply_nested_notebook_file_is_one_line_on_read_routes(server: LiveServer) -> None:
    (server.root / "deep.ipynb").write_bytes(b'{"nbformat": 4, "metadata": ' + DEEP + b"}")
    status, answer, _ = server.request("GET", "/jupyter-prod/status?path=deep.ipynb")
    assert status == 200, answer  # the git state is shown; the notebook's problem is the check's to say
    status, answer, _ = server.post("check", {"path": "deep.ipynb"})
    assert "nested too deeply" in _one_line_refusal(status, answer)


def test_findings_never_echo_a_secret_in_a_magic_line(server: LiveServer, tmp_path: Path) -> None:
    (server.root / "magic.ipynb").write_text(json.dumps(nb_dict(f"%env GH={TOKEN}\nx = 1")), encoding="utf-8")
    status, answer, _ = server.post("check", {"path": "magic.ipynb"})
    assert status == 200, answer
    assert any(f["check"] == "ipython-magic" for f in answer["findings"]), answer
    assert TOKEN not in json.dumps(answer) and TOKEN[:12] not in json.dumps(answer)
    for fmt in ("text", "github", "json", "sarif"):
        res = subprocess.run(
            [sys.executable, "-m", "jupyter_prod_ext", "check", str(server.root / "magic.ipynb"), "--fast",
             "--no-cache", "--format", fmt],
            capture_output=True, text=True, timeout=120, env=server_env(tmp_path / "home"), cwd=tmp_path,
        )  # fmt: skip
        assert res.returncode in (0, 1), res.stderr
        assert "ipython-magic" in res.stdout + res.stderr
        assert TOKEN[:12] not in res.stdout + res.stderr, fmt


def test_an_absurd_project_timeout_is_clamped_not_an_overflow(server: LiveServer) -> None:
    proj = server.root / "slowcfg"
    proj.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=proj, check=True, timeout=30)
    (proj / "pyproject.toml").write_text("[tool.jupyter-prod]\ntypecheck-timeout = 1e9\n", encoding="utf-8")
    (proj / "nb.ipynb").write_text(json.dumps(nb_dict("y: int = 'a'")), encoding="utf-8")
    status, answer, _ = server.post("check", {"path": "slowcfg/nb.ipynb", "checks": ["type-error"]}, timeout=180)
    assert status == 200, answer
    assert any("Incompatible types" in f["message"] for f in answer["findings"]), answer
    (proj / "pyproject.toml").write_text("[tool.jupyter-prod]\ntypecheck-timeout = inf\n", encoding="utf-8")
    status, answer, _ = server.post("check", {"path": "slowcfg/nb.ipynb", "checks": ["type-error"]})
    assert "typecheck-timeout must be a positive number" in _one_line_refusal(status, answer)


def test_an_absurd_timeout_with_a_slow_mypy_answers_and_leaves_no_mypy_behind(tmp_path: Path) -> None:
    """The issue's case: typecheck-timeout = 1e9 and a mypy plugin that sleeps (1 s here), several checks.

    Clamped, every check answers; afterwards the only mypy left is the project's one warm daemon (none
    of the clients or one-shot runs), and it is gone once the server stops.
    """
    root = tmp_path / "root"
    proj = root / "slowcfg"
    proj.mkdir(parents=True)
    subprocess.run(["git", "init", "-q"], cwd=proj, check=True, timeout=30)
    (proj / "pyproject.toml").write_text("[tool.jupyter-prod]\ntypecheck-timeout = 1e9\n", encoding="utf-8")
    for name in ("a", "b"):
        (proj / f"{name}.ipynb").write_text(json.dumps(nb_dict(f"{name}: int = 'a'")), encoding="utf-8")
    home = tmp_path / "home"
    slow_mypy_server_config(tmp_path / "tools", home, 1)
    with live_server(root, home) as srv:
        answers: list[tuple[int, Any]] = []

        def check(name: str) -> None:
            status, body, _ = srv.post("check", {"path": f"slowcfg/{name}.ipynb", "checks": ["type-error"]}, timeout=180)
            answers.append((status, body))

        threads = [threading.Thread(target=check, args=(name,)) for name in ("a", "b", "a", "b")]
        for t in threads:
            t.start()
            time.sleep(0.3)
        for t in threads:
            t.join(timeout=180)
        assert len(answers) == 4 and {s for s, _ in answers} <= {200, 409}, answers
        assert any(s == 200 and "Incompatible types" in json.dumps(b) for s, b in answers), answers
        time.sleep(1.0)
        left = mypy_processes(tmp_path)
        daemons = daemon_pids(home)
        print(f"typecheck-timeout 1e9, slow plugin: answers {sorted(s for s, _ in answers)}; mypy processes left "
              f"{left} (the warm daemon {daemons})")  # fmt: skip
        assert set(left) <= set(daemons) and len(left) <= 1, (left, daemons)
    deadline = time.monotonic() + 15
    while mypy_processes(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert mypy_processes(tmp_path) == []


def test_no_absolute_server_path_in_a_mypy_failure(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (root / "nb.ipynb").write_text(json.dumps(nb_dict("x = 1")), encoding="utf-8")
    missing = tmp_path / "tools" / "no-such-mypy"
    args = ("--JupyterProd.typecheck_backend=mypy", f"--JupyterProd.mypy_command={missing}")
    with live_server(root, tmp_path / "home", *args) as srv:
        status, answer, _ = srv.post("check", {"path": "nb.ipynb", "checks": "all"}, timeout=120)
    assert status == 200, answer
    text = json.dumps(answer)
    assert "could not run" in text
    assert str(tmp_path) not in text and str(root) not in text, text


@pytest.mark.parametrize("isolate_mib", ["2", "0"], ids=["started-by-the-server", "started-by-a-check-child"])
def test_the_mypy_daemon_dies_with_a_sigkilled_server(tmp_path: Path, isolate_mib: str) -> None:
    """Also the daemon a large notebook's check child started: it watches the server, not the child."""
    root = tmp_path / "root"
    root.mkdir()
    (root / "nb.ipynb").write_text(json.dumps(nb_dict("y: int = 'a'")), encoding="utf-8")
    home = tmp_path / "home"
    args = ("--JupyterProd.typecheck_backend=daemon", f"--JupyterProd.isolate_notebook_mib={isolate_mib}")
    with live_server(root, home, *args) as srv:
        status, answer, _ = srv.post("check", {"path": "nb.ipynb", "checks": ["type-error"]}, timeout=180)
        assert status == 200 and any("Incompatible" in f["message"] for f in answer["findings"]), answer
        time.sleep(1.5)  # the daemon stays while the server lives (the watchdog polls every second)
        daemons = daemon_pids(home)
        assert daemons and all(alive(p) for p in daemons), daemons
        os.kill(srv.proc.pid, signal.SIGKILL)
        srv.proc.wait(timeout=10)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and any(alive(p) for p in daemons):
            time.sleep(0.2)
        assert not any(alive(p) for p in daemons), daemons


def test_a_check_child_stops_with_a_sigkilled_server(tmp_path: Path) -> None:
    """A large notebook's check runs in a child: a killed server must not leave it (and its mypy) working
    until its timeout. Seen when a test's server was killed mid-check: the child ran on for minutes."""
    root, home, tools = tmp_path / "root", tmp_path / "home", tmp_path / "tools"
    root.mkdir()
    (root / "nb.ipynb").write_text(json.dumps(nb_dict("y: int = 'a'")), encoding="utf-8")
    pids_file = slow_mypy_server_config(tools, home, 120, typecheck_backend="mypy", isolate_notebook_mib=0.0)
    with live_server(root, home) as srv:
        request = threading.Thread(
            target=lambda: srv.post("check", {"path": "nb.ipynb", "checks": ["type-error"]}, timeout=60), daemon=True
        )
        request.start()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (pids_file.exists() and pids_file.read_text().strip()):
            time.sleep(0.2)  # mypy is in the plugin's sleep: the child is busy
        children = [p for p in descendants(srv.proc.pid) if "jupyter_prod_ext.checks.isolated" in command(p)]
        mypys = [int(p) for p in pids_file.read_text().split()]
        assert children and mypys and all(alive(p) for p in children + mypys), (children, mypys)
        os.kill(srv.proc.pid, signal.SIGKILL)
        srv.proc.wait(timeout=10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(alive(p) for p in children + mypys):
            time.sleep(0.2)
        assert not any(alive(p) for p in children + mypys), (children, mypys)

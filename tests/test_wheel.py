"""The wheel as users get it: `pip install` into a fresh venv, no Node.js, then a real `jupyter lab`.

`scripts/test.sh` builds the wheel once and passes it in ``JUPYTER_PROD_WHEEL``; without it (a
developer running this file) the test builds one from the checkout with scripts/build-wheel.sh. The venv is new each time;
pip's own cache keeps the install quick. Select with ``-m wheel``.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import nbformat.v4 as v4
import pytest

pytestmark = pytest.mark.wheel

REPO = Path(__file__).resolve().parent.parent
#: what a user installs beside the extension (the `dev` extra's JupyterLab)
JUPYTERLAB = "jupyterlab>=4.6,<5"


def built_wheel() -> Path:
    """The wheel scripts/test.sh built, else one built now by the same script (frontend built by setup.sh)."""
    given = os.environ.get("JUPYTER_PROD_WHEEL")
    if given:
        return Path(given)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    build = subprocess.run(["bash", str(REPO / "scripts" / "build-wheel.sh")], env=env, capture_output=True,
                           text=True, timeout=600, check=False)  # fmt: skip
    assert build.returncode == 0, f"scripts/build-wheel.sh failed:\n{build.stderr}"
    return Path(build.stdout.split()[-1])


def node_free_path(tmp_path: Path, venv: Path) -> str:
    """The venv's bin and git, nothing else: what a machine without Node.js has."""
    tools = tmp_path / "tools"
    tools.mkdir()
    git = shutil.which("git")
    if git:
        (tools / "git").symlink_to(git)
    path = f"{venv / 'bin'}{os.pathsep}{tools}"
    assert shutil.which("node", path=path) is None and shutil.which("jlpm", path=path) is None
    return path


def user_env(tmp_path: Path, path: str) -> dict[str, str]:
    """A new user's environment: own HOME and Jupyter dirs, no PYTHONPATH into a checkout, pip's settings kept."""
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if k.startswith(("PIP_", "LANG", "LC_", "XDG_", "TMPDIR"))}
    env.setdefault("XDG_CACHE_HOME", str(Path.home() / ".cache"))  # pip's cache stays the machine's
    return {**env, "PATH": path, "HOME": str(home), "JUPYTER_CONFIG_DIR": str(home / ".jupyter"),
            "JUPYTER_DATA_DIR": str(home / "data"), "JUPYTER_RUNTIME_DIR": str(home / "runtime")}  # fmt: skip


def run(argv: list[str], env: dict[str, str], timeout: float = 120) -> str:
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    assert proc.returncode == 0, f"{argv} failed:\n{proc.stdout}\n{proc.stderr}"
    return re.sub(r"\x1b\[[0-9;]*m", "", proc.stdout + proc.stderr)  # without the colours


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def installed(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A fresh venv holding the wheel and JupyterLab, and the node-free environment to run it in."""
    wheel = built_wheel()
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    env = user_env(tmp_path, node_free_path(tmp_path, venv))
    run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check",
         str(wheel), JUPYTERLAB], env, timeout=900)  # fmt: skip
    return venv, env


def request(url: str, token: str, body: dict[str, object] | None = None) -> tuple[int, str]:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method="GET" if body is None else "POST",
                                 headers={"Authorization": f"token {token}"})  # fmt: skip
    try:
        with urllib.request.urlopen(req, timeout=30) as answer:  # noqa: S310 - our own local server
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


@pytest.fixture
def lab(installed: tuple[Path, dict[str, str]], tmp_path: Path) -> Iterator[tuple[str, str]]:
    """`jupyter lab` from the venv on a free port with token auth; its whole process group is killed after."""
    venv, env = installed
    root = tmp_path / "root"
    root.mkdir()
    nb = v4.new_notebook(cells=[v4.new_code_cell("print(undefined_thing)")])
    (root / "nb.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    token, port = secrets.token_hex(16), free_port()
    log = (tmp_path / "lab.log").open("w")
    proc = subprocess.Popen(
        [str(venv / "bin" / "jupyter"), "lab", "--no-browser", "--allow-root", "--ip=127.0.0.1", f"--port={port}",
         "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}"],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}/"
    try:
        wait_until_up(base, token, proc, tmp_path / "lab.log")
        yield base, token
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=20)
        log.close()


def wait_until_up(base: str, token: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 120
    while True:
        try:
            if request(base + "api/status", token)[0] == 200:
                return
        except OSError:  # not listening yet
            pass
        assert proc.poll() is None, f"jupyter lab exited:\n{log.read_text()}"
        assert time.monotonic() < deadline, f"jupyter lab did not answer within 120 s:\n{log.read_text()}"
        time.sleep(0.5)


def test_wheel_installs_and_serves_without_node(
    installed: tuple[Path, dict[str, str]], lab: tuple[str, str], tmp_path: Path
) -> None:
    venv, env = installed
    jupyter = str(venv / "bin" / "jupyter")
    labext = run([jupyter, "labextension", "list"], env)
    assert re.search(r"jupyter-prod-ext v\S+ enabled\s+OK", labext), labext
    serverext = run([jupyter, "server", "extension", "list"], env)
    assert re.search(r"jupyter_prod_ext \S+ OK", serverext) and "jupyter_prod_ext enabled" in serverext, serverext

    base, token = lab
    status, page = request(base + "lab", token)
    assert status == 200 and '"jupyter-prod-ext"' in page, "the lab page does not load the extension"
    status, text = request(base + "jupyter-prod/check", token, {"path": "nb.ipynb"})
    assert status == 200, text
    report = json.loads(text)
    assert report["path"] == "nb.ipynb" and report["summary"]["code_cells"] == 1
    assert [f["check"] for f in report["findings"] if f["severity"] == "error"] == ["undefined-name"]
    status, _ = request(base + "jupyter-prod/check", "wrong-token", {"path": "nb.ipynb"})
    assert status == 403

    cli_checks_the_demo(venv, env, tmp_path)
    uninstall_leaves_nothing(venv, env)


def cli_checks_the_demo(venv: Path, env: dict[str, str], tmp_path: Path) -> None:
    """The installed `jupyter-prod` helps and checks the README's demo notebook, in a copy of demo/."""
    assert "usage: jupyter-prod" in run([str(venv / "bin" / "jupyter-prod"), "--help"], env)
    project = tmp_path / "demo"
    shutil.copytree(REPO / "demo", project)
    env = {**env, "XDG_CACHE_HOME": str(Path(env["HOME"]) / ".cache")}  # the type checker's cache: the user's
    check = subprocess.run([str(venv / "bin" / "jupyter-prod"), "check", "churn_analysis.ipynb", "--format", "json",
                            "--no-cache"], cwd=project, env=env, capture_output=True, text=True, timeout=300,
                           check=False)  # fmt: skip
    assert check.returncode == 1, f"findings expected (exit 1):\n{check.stderr}"
    (report,) = json.loads(check.stdout)["notebooks"]
    errors = {f["check"] for f in report["findings"] if f["severity"] == "error"}
    assert "use-before-definition" in errors, report


def uninstall_leaves_nothing(venv: Path, env: dict[str, str]) -> None:
    """`pip uninstall` takes the package, its command, the labextension and the server config with it."""
    run([str(venv / "bin" / "python"), "-m", "pip", "uninstall", "-y", "-q", "jupyter_prod_ext"], env)
    left = [str(p.relative_to(venv)) for p in venv.rglob("*") if re.search(r"jupyter[-_]prod", p.name)]
    assert left == [], left
    assert "jupyter-prod-ext" not in run([str(venv / "bin" / "jupyter"), "labextension", "list"], env)
    assert "jupyter_prod_ext" not in run([str(venv / "bin" / "jupyter"), "server", "extension", "list"], env)

"""The routes on jupytext notebooks, in a real jupyter_server with jupytext's contents manager.

With jupytext installed, JupyterLab opens ``analysis.py`` as a notebook through jupytext's
contents manager: the panel then sends the path of the ``.py`` and the notebook JSON. These tests
do what JupyterLab does over the same REST API (``/api/contents``), then call our routes.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import jupytext
import nbformat
import pytest

from jupyter_prod_ext.jupytext_io import read_text_notebook
from jupyter_prod_ext.promote.rewrite import apply_edits

from .gitutil import git, server_git_identity  # noqa: F401 - autouse: the server's HOME knows who commits
from .test_jupytext_cli import ANALYSIS, _without_jupytext
from .wire_answers import call

SCRIPT = """\
# %% [markdown]
# # Areas

# %%
def area(w, h):
    return w * h


# %%
print(area(2, 3))
"""


@pytest.fixture
def jp_server_config(jp_server_config):  # type: ignore[no-untyped-def]
    """The suite's server, with jupytext's contents manager as JupyterLab has it when jupytext is installed."""
    server = dict(jp_server_config["ServerApp"], contents_manager_class="jupytext.AsyncTextFileContentsManager")
    return {**jp_server_config, "ServerApp": server}


async def open_as_notebook(jp_fetch: Any, path: str) -> dict[str, Any]:
    """What JupyterLab's "Open With > Notebook" asks the contents manager for."""
    resp = await jp_fetch("api", "contents", path, params={"type": "notebook", "content": "1"})
    model = json.loads(resp.body)
    assert model["type"] == "notebook"
    content: dict[str, Any] = model["content"]
    return content


async def save_notebook(jp_fetch: Any, path: str, content: dict[str, Any]) -> None:
    body = {"type": "notebook", "format": "json", "content": content}
    await jp_fetch("api", "contents", path, method="PUT", body=json.dumps(body))


def _paired(root: Path) -> None:
    nb = jupytext.reads(SCRIPT, fmt="py:percent")
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["jupytext"] = {"formats": "ipynb,py:percent"}
    jupytext.write(nb, root / "analysis.py", fmt="py:percent")
    nbformat.write(jupytext.read(root / "analysis.py"), root / "analysis.ipynb")


async def test_check_reads_a_script_from_disk_with_file_lines(jp_fetch: Any, jp_root_dir: Path) -> None:
    (jp_root_dir / "work").mkdir()
    (jp_root_dir / "work" / "analysis.py").write_text(ANALYSIS, encoding="utf-8")
    code, report = await call(jp_fetch, "jupyter-prod/check", {"path": "work/analysis.py"})
    assert code == 200, report
    found = {f["check"]: f for f in report["findings"]}
    assert (found["undefined-name"]["cell"], found["undefined-name"]["line"]) == (2, 3)
    assert found["undefined-name"]["file_line"] == 12


async def test_the_panel_checks_a_script_opened_as_a_notebook(jp_fetch: Any, jp_root_dir: Path) -> None:
    (jp_root_dir / "analysis.py").write_text(ANALYSIS, encoding="utf-8")
    content = await open_as_notebook(jp_fetch, "analysis.py")
    content["cells"][0]["source"] = content["cells"][0]["source"].replace("password = ", "pw = ")
    code, report = await call(jp_fetch, "jupyter-prod/check", {"path": "analysis.py", "notebook": content})
    assert code == 200, report
    checks = {f["check"] for f in report["findings"]}
    assert "undefined-name" in checks  # the editor's content is checked
    undefined = next(f for f in report["findings"] if f["check"] == "undefined-name")
    assert undefined["cell_id"] == content["cells"][2]["id"]


async def test_promote_commit_and_status_on_a_paired_script(jp_fetch: Any, jp_root_dir: Path) -> None:
    git(jp_root_dir, "init", "-q")
    _paired(jp_root_dir)
    content = await open_as_notebook(jp_fetch, "analysis.py")
    body = {"path": "analysis.py", "notebook": content, "names": ["area"], "to": "src/pkg/geo.py"}
    code, result = await call(jp_fetch, "jupyter-prod/promote", body)
    assert code == 200 and result["ok"], result
    assert (jp_root_dir / "src" / "pkg" / "geo.py").is_file()
    # the frontend applies the edits to the open notebook and saves it through the contents manager
    await save_notebook(jp_fetch, "analysis.py", apply_edits(content, result["notebook_edits"]))
    script = read_text_notebook(jp_root_dir / "analysis.py")
    assert script.fmt["format_name"] == "percent"
    assert [c.source for c in script.notebook.code_cells] == ["from pkg.geo import area", "print(area(2, 3))"]
    ipynb = nbformat.read(jp_root_dir / "analysis.ipynb", as_version=4)
    assert ipynb.metadata["jupyter_prod"]["modules"] == ["src/pkg/geo.py"]

    code, status = await call(jp_fetch, "jupyter-prod/status", path="analysis.py")
    assert code == 200, status
    # what a commit would take: the pair, the module and the new package's __init__
    assert [f["path"] for f in status["files"]] == [
        "analysis.py", "analysis.ipynb", "src/pkg/geo.py", "src/pkg/__init__.py"
    ]  # fmt: skip
    code, result = await call(jp_fetch, "jupyter-prod/commit", {"path": "analysis.py", "message": "Promote area"})
    assert code == 200, result
    assert sorted(result["files"]) == ["analysis.ipynb", "analysis.py", "src/pkg/__init__.py", "src/pkg/geo.py"]  # the new package's __init__ too
    assert sorted(git(jp_root_dir, "show", "--name-only", "--format=", "HEAD").split()) == sorted(result["files"])


async def test_promote_route_on_a_script_from_disk(jp_fetch: Any, jp_root_dir: Path) -> None:
    _paired(jp_root_dir)
    body = {"path": "analysis.py", "names": ["area"], "to": "src/pkg/geo.py", "dry_run": True}
    code, result = await call(jp_fetch, "jupyter-prod/promote", body)
    assert code == 200 and result["ok"], result
    assert "from pkg.geo import area" in result["notebook_diff"]


async def test_commit_route_refuses_a_pair_out_of_step(jp_fetch: Any, jp_root_dir: Path) -> None:
    git(jp_root_dir, "init", "-q")
    _paired(jp_root_dir)
    with open(jp_root_dir / "analysis.py", "a", encoding="utf-8") as fh:
        fh.write("total = area(1, 1)\n")
    code, body = await call(jp_fetch, "jupyter-prod/commit", {"path": "analysis.py", "message": "m"})
    assert code == 409 and body["kind"] == "conflict"
    assert "are a jupytext pair but differ in code" in body["error"] and "\n" not in body["error"]
    assert git(jp_root_dir, "status", "--porcelain").count("??") == 2  # nothing committed


def test_a_server_without_jupytext_answers_one_line_4xx(tmp_path: Path) -> None:
    """A real ``jupyter server`` process in an environment where jupytext cannot be imported."""
    root = tmp_path / "root"
    root.mkdir()
    (root / "analysis.py").write_text(ANALYSIS, encoding="utf-8")
    env = _without_jupytext(tmp_path)
    env["JUPYTER_CONFIG_DIR"] = str(tmp_path / "cfg")
    env["JUPYTER_RUNTIME_DIR"] = str(tmp_path / "runtime")
    token = "jupytext-test-token"
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyter_server", f"--ServerApp.root_dir={root}", f"--ServerApp.port={port}",
         "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}", "--ServerApp.open_browser=False",
         "--allow-root",
         "--ServerApp.jpserver_extensions={'jupyter_prod_ext': True}"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        status, answer = _post_when_up(port, token, {"path": "analysis.py"})
    finally:
        server.terminate()
        try:
            log = server.communicate(timeout=30)[1]
        except subprocess.TimeoutExpired:
            server.kill()
            log = server.communicate()[1]
    assert status == 422, log[-2000:]
    assert answer == {
        "error": "reading analysis.py needs jupytext: pip install jupytext",
        "kind": "notebook",
        "details": None,
    }


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _post_when_up(port: int, token: str, body: dict[str, Any]) -> tuple[int, Any]:
    url = f"http://127.0.0.1:{port}/jupyter-prod/check"
    deadline = time.monotonic() + 60
    while True:
        request = urllib.request.Request(
            url,
            data=json.dumps(body).encode(),
            method="POST",
            headers={"Authorization": f"token {token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as resp:  # noqa: S310 - loopback only
                return resp.status, json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())
        except (urllib.error.URLError, ConnectionError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


"""``/jupyter-prod/run`` through a real jupyter_server (pytest-jupyter) and real kernels."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import nbformat.v4 as v4
import pytest
from tornado.httpclient import HTTPClientError

from jupyter_prod_ext.server.run import RunHandler

from .nbutil import kernel_nb, write_nb


def code(source: str, text: str | None = None) -> Any:
    cell = v4.new_code_cell(source)
    if text is not None:
        cell.outputs = [v4.new_output("stream", name="stdout", text=text)]
    return cell


async def post(jp_fetch: Any, body: dict[str, Any]) -> dict[str, Any]:
    response = await jp_fetch(
        "jupyter-prod", "run", method="POST", body=json.dumps(body), request_timeout=120
    )
    data: dict[str, Any] = json.loads(response.body)
    return data


async def error_of(jp_fetch: Any, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    with pytest.raises(HTTPClientError) as err:
        await post(jp_fetch, body)
    assert err.value.response is not None
    return err.value.code, json.loads(err.value.response.body)


async def test_post_runs_the_editor_content(jp_fetch: Any, jp_root_dir: Path) -> None:
    folder = jp_root_dir / "sub"
    # on disk the notebook fails; the editor's unsaved content is what must run
    write_nb(folder / "nb.ipynb", kernel_nb(code("1 / 0")))
    before = sorted(p.name for p in folder.iterdir())
    editor = kernel_nb(code("import os\nprint(os.path.basename(os.getcwd()))", "sub\n"), code("x = 2"))
    report = await post(
        jp_fetch, {"path": "sub/nb.ipynb", "notebook": editor, "timeout": 60, "cell_timeout": 30}
    )
    assert report["path"] == "sub/nb.ipynb"
    assert report["findings"] == [] and report["score"] == 100
    assert report["run"]["reproduced"] is True and report["run"]["state"] == "done"
    assert report["run"]["cells_run"] == report["run"]["total"] == 2
    assert sorted(p.name for p in folder.iterdir()) == before
    progress = await jp_fetch("jupyter-prod", "run", params={"path": "sub/nb.ipynb"})
    assert json.loads(progress.body) == {"state": "done", "cell": None, "total": 2, "cells_run": 2}


async def test_the_projects_exact_outputs_setting_is_the_clean_runs(jp_fetch: Any, jp_root_dir: Path) -> None:
    """``exact-outputs = true`` in ``[tool.jupyter-prod]`` holds for the panel's Clean Run too: NumPy 1's
    ``0.5`` saved, NumPy 2's ``np.float64(0.5)`` shown is a change there, as with ``jupyter-prod run``."""
    shown = "class float64(float):\n    def __repr__(self):\n        return f'np.float64({float(self)!r})'\n\nprint(repr(float64(0.5)))"
    write_nb(jp_root_dir / "p" / "nb.ipynb", kernel_nb(code(shown, "0.5\n")))
    body = {"path": "p/nb.ipynb", "timeout": 60, "cell_timeout": 30}
    assert (await post(jp_fetch, body))["run"]["reproduced"] is True
    (jp_root_dir / "p" / "pyproject.toml").write_text("[tool.jupyter-prod]\nexact-outputs = true\n", encoding="utf-8")
    exact = await post(jp_fetch, body)
    assert exact["run"]["changed"] == [0]
    assert exact["findings"][0]["message"].splitlines()[1:] == ["-[stdout] 0.5", "+[stdout] np.float64(0.5)"]


async def test_post_errors(jp_fetch: Any, jp_root_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_nb(jp_root_dir / "r.ipynb", kernel_nb(code("1 + 1"), kernel="ir"))
    code_, body = await error_of(jp_fetch, {"path": "r.ipynb"})
    assert (code_, body["kind"]) == (503, "tool")
    assert body["error"].startswith("kernel 'ir' is not installed: install it or change the notebook's kernel")
    assert "(installed: " in body["error"] and "python3" in body["error"]

    monkeypatch.setenv("JUPYTER_PATH", str(Path(__file__).parent / "data" / "run"))  # kernels/missing_program
    write_nb(jp_root_dir / "gone.ipynb", kernel_nb(code("1 + 1"), kernel="missing_program"))
    code_, body = await error_of(jp_fetch, {"path": "gone.ipynb"})  # the environment's fault, as above
    assert (code_, body["kind"]) == (503, "tool")
    assert body["error"].startswith("kernel 'missing_program' cannot start: its program '/opt/jp-prod-absent-env/")

    code_, body = await error_of(jp_fetch, {"path": "x.ipynb", "notebook": {"cells": "nope"}})
    assert (code_, body["kind"]) == (422, "notebook") and "\n" not in body["error"]
    code_, body = await error_of(jp_fetch, {"path": "../outside.ipynb", "notebook": kernel_nb()})
    assert (code_, body["kind"]) == (403, "path")
    code_, body = await error_of(jp_fetch, {"path": "missing.ipynb"})
    assert (code_, body["kind"]) == (404, "not-found")
    code_, body = await error_of(jp_fetch, {"path": "r.ipynb", "timeout": -1})
    assert (code_, body["kind"]) == (400, "input")
    code_, body = await error_of(jp_fetch, {"path": "r.ipynb", "normalize": ["colours"]})
    assert (code_, body["kind"]) == (400, "input")

    idle = await jp_fetch("jupyter-prod", "run", params={"path": "r.ipynb"})
    assert json.loads(idle.body) == {"state": "idle", "cell": None, "total": 0, "cells_run": 0}
    nothing = await jp_fetch("jupyter-prod", "run", method="DELETE", params={"path": "r.ipynb"})
    assert json.loads(nothing.body)["cancelled"] is False


async def test_cancel_through_the_api(jp_fetch: Any, jp_root_dir: Path) -> None:
    write_nb(jp_root_dir / "loop.ipynb", kernel_nb(code("x = 1"), code("while True:\n    pass")))
    body = {"path": "loop.ipynb", "timeout": 120, "cell_timeout": 120}
    task = asyncio.ensure_future(post(jp_fetch, body))

    key = str((jp_root_dir / "loop.ipynb").resolve())
    deadline = time.monotonic() + 60
    progress: dict[str, Any] = {}
    while time.monotonic() < deadline:
        progress = json.loads((await jp_fetch("jupyter-prod", "run", params={"path": "loop.ipynb"})).body)
        if progress["state"] == "running" and progress["cell"] == 1:
            break
        await asyncio.sleep(0.1)
    assert progress == {"state": "running", "cell": 1, "total": 2, "cells_run": 1}
    handle = RunHandler.registry.handle(key)
    assert handle is not None
    pids = handle.snapshot()
    worker, kernel = pids["worker_pid"], pids["kernel_pid"]
    assert worker and kernel and Path(f"/proc/{kernel}").exists()

    # one run per notebook at a time
    code_, err = await error_of(jp_fetch, body)
    assert (code_, err["kind"]) == (409, "conflict") and "already in progress" in err["error"]

    cancel = await jp_fetch("jupyter-prod", "run", method="DELETE", params={"path": "loop.ipynb"})
    assert json.loads(cancel.body)["cancelled"] is True
    report = await asyncio.wait_for(task, 30)
    assert report["run"]["state"] == "cancelled" and report["run"]["reproduced"] is False
    assert report["findings"] == []
    for pid in (worker, kernel):
        assert not Path(f"/proc/{pid}").exists(), f"process {pid} outlived the cancelled run"
    after = json.loads((await jp_fetch("jupyter-prod", "run", params={"path": "loop.ipynb"})).body)
    assert after["state"] == "cancelled"


async def test_client_disconnect_cancels_the_run(jp_fetch: Any, jp_root_dir: Path) -> None:
    write_nb(jp_root_dir / "spin.ipynb", kernel_nb(code("while True:\n    pass")))
    with pytest.raises(HTTPClientError) as err:  # the client gives up (599 timeout) and closes the connection
        await jp_fetch(
            "jupyter-prod",
            "run",
            method="POST",
            body=json.dumps({"path": "spin.ipynb", "timeout": 120, "cell_timeout": 120}),
            request_timeout=4,
        )
    assert err.value.code == 599
    deadline = time.monotonic() + 30
    state = ""
    while time.monotonic() < deadline:
        answer = await jp_fetch("jupyter-prod", "run", params={"path": "spin.ipynb"})
        state = json.loads(answer.body)["state"]
        if state == "cancelled":
            break
        await asyncio.sleep(0.2)
    assert state == "cancelled"

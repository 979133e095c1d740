"""POST /jupyter-prod/check through a real jupyter_server (pytest-jupyter)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tornado.httpclient import AsyncHTTPClient, HTTPClientError

from jupyter_prod_ext.checks import CHECKS
from jupyter_prod_ext.delta import client_delta

from .nbutil import make_nb, write_nb
from .wire_answers import call


async def post(jp_fetch: Any, body: dict[str, Any] | str) -> tuple[int, dict[str, Any]]:
    return await call(jp_fetch, "jupyter-prod/check", body)


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))


async def test_checks_the_unsaved_content_not_the_disk(jp_fetch: Any, jp_root_dir: Path) -> None:
    write_nb(jp_root_dir / "work" / "a.ipynb", make_nb("x = 1", "print(x)", markdown_title="A"))
    code, report = await post(jp_fetch, {"path": "work/a.ipynb"})
    assert code == 200, report
    assert report["path"] == "work/a.ipynb" and report["summary"]["errors"] == 0
    assert set(report["summary"]["checks_run"]) == {s.id for s in CHECKS.values() if not s.slow}  # "fast" default
    # a fast answer names the slow checks it left out: the panel hides a waived type error without mypy
    assert report["summary"]["slow_checks"] == [s.id for s in CHECKS.values() if s.slow]
    assert {"type-error", "not-black-formatted"} <= set(report["summary"]["slow_checks"])
    edited = make_nb("x = 1", "print(y)", markdown_title="A")
    code, report = await post(jp_fetch, {"path": "work/a.ipynb", "notebook": edited})
    assert code == 200
    undefined = [f for f in report["findings"] if f["check"] == "undefined-name"]
    assert [(f["cell"], f["line"], f["cell_id"]) for f in undefined] == [(2, 1, edited["cells"][2]["id"])]
    assert set(report) == {"path", "score", "findings", "waived", "summary", "report_id"}
    keys = {"check", "severity", "cell", "cell_id", "line", "message", "hint", "fix", "family", "commit_gate"}
    assert set(undefined[0]) == keys
    assert undefined[0]["family"] == "dataflow"
    # the server says how each finding stops a commit; the panel shows it without deriving it again
    assert undefined[0]["commit_gate"] == "unless-allowed"
    assert all("commit_gate" not in f for f in report["findings"] if f["severity"] != "error")


async def test_checks_selection(jp_fetch: Any, jp_root_dir: Path, cache: None) -> None:
    write_nb(jp_root_dir / "b.ipynb", make_nb("import os\nx={'a':1}", markdown_title="B"))
    code, report = await post(jp_fetch, {"path": "b.ipynb", "checks": ["unused-import", "not-black-formatted"]})
    assert code == 200, report
    assert report["summary"]["checks_run"] == ["unused-import", "not-black-formatted"]
    assert {f["check"] for f in report["findings"]} == {"unused-import", "not-black-formatted"}
    fix = next(f["fix"] for f in report["findings"] if f["check"] == "not-black-formatted")
    assert fix["cells"] == {"1": "import os\n\nx = {\"a\": 1}"} or fix["cells"]["1"].endswith('x = {"a": 1}')
    code, report = await post(jp_fetch, {"path": "b.ipynb", "checks": "fast"})
    assert code == 200 and "not-black-formatted" not in report["summary"]["checks_run"]
    code, report = await post(jp_fetch, {"path": "b.ipynb", "checks": "all", "select": ["vcs", "secret"]})
    assert code == 200, report
    assert set(report["summary"]["checks_run"]) == {"secret", "not-in-git", "uncommitted-changes"}


@pytest.mark.parametrize(
    "body, status, kind",
    [
        ({"path": "../outside.ipynb"}, 403, "path"),
        ({"path": "/etc/passwd"}, 403, "path"),
        ({"path": "missing.ipynb"}, 404, "not-found"),
        ({"path": "c.ipynb", "checks": ["no-such-check"]}, 400, "input"),
        ({"path": "c.ipynb", "checks": 3}, 400, "input"),
        ({"path": "c.ipynb", "notebook": {"cells": []}}, 422, "notebook"),
        ({"path": "c.ipynb", "notebook": "not an object"}, 400, "input"),
    ],
)
async def test_errors(jp_fetch: Any, jp_root_dir: Path, body: dict[str, Any], status: int, kind: str) -> None:
    write_nb(jp_root_dir / "c.ipynb", make_nb("x = 1"))
    code, answer = await post(jp_fetch, body)
    assert (code, answer["kind"]) == (status, kind), answer
    assert "\n" not in answer["error"] and answer["error"]


async def test_invalid_notebook_json_on_disk_is_422_one_line(jp_fetch: Any, jp_root_dir: Path) -> None:
    (jp_root_dir / "broken.ipynb").write_text('{"cells": [', encoding="utf-8")
    code, answer = await post(jp_fetch, {"path": "broken.ipynb"})
    assert code == 422 and answer["kind"] == "notebook" and "\n" not in answer["error"]
    assert "broken.ipynb" in answer["error"] and "not valid JSON" in answer["error"]


async def test_non_python_notebook_is_422(jp_fetch: Any, jp_root_dir: Path) -> None:
    data = make_nb("x <- 1")
    data["metadata"]["kernelspec"] = {"name": "ir", "display_name": "R", "language": "R"}
    data["metadata"]["language_info"] = {"name": "R"}
    write_nb(jp_root_dir / "r.ipynb", data)
    code, answer = await post(jp_fetch, {"path": "r.ipynb"})
    assert code == 422 and "not a Python notebook" in answer["error"]
    # the panel tells it from an unreadable notebook by this reason: a note, not an error toast
    assert answer["details"] == {"reason": "not-python"}


async def test_unauthenticated_is_403(
    jp_fetch: Any, http_server_client: Any, jp_http_port: int, jp_base_url: str, jp_root_dir: Path
) -> None:
    # jp_fetch / http_server_client start the server; the raw client below sends no token
    write_nb(jp_root_dir / "d.ipynb", make_nb("x = 1"))
    url = f"http://localhost:{jp_http_port}{jp_base_url}jupyter-prod/check"
    client = AsyncHTTPClient()
    with pytest.raises(HTTPClientError) as info:
        await client.fetch(url, method="POST", body=json.dumps({"path": "d.ipynb"}), request_timeout=20)
    assert info.value.code == 403
    # and through jp_fetch with the token header dropped
    code, _ = await post_without_token(jp_fetch, {"path": "d.ipynb"})
    assert code == 403


async def post_without_token(jp_fetch: Any, body: dict[str, Any]) -> tuple[int, bytes]:
    try:
        response = await jp_fetch(
            "jupyter-prod", "check", method="POST", body=json.dumps(body), headers={"Authorization": ""}
        )
    except HTTPClientError as exc:
        return exc.code, exc.response.body if exc.response is not None else b""
    return response.code, response.body


async def test_missing_dependency_says_the_same_from_the_cli_and_the_server(
    jp_fetch: Any, jp_root_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The CLI named the notebook's folder and the server the server root's own name for the same
    nested notebook (and looked in different places): both now look from the notebook's folder up and
    name the declaring file as the notebook reaches it, never an absolute path."""
    from jupyter_prod_ext.cli.main import main

    rel = "analysis/deep/nb.ipynb"
    write_nb(jp_root_dir / rel, make_nb("import numpy\nimport pandas", markdown_title="Deep"))
    monkeypatch.chdir(jp_root_dir)

    async def both() -> tuple[list[str], list[str]]:
        code, report = await post(jp_fetch, {"path": rel, "checks": ["missing-dependency"]})
        assert code == 200, report
        main(["check", "--no-cache", "--select", "missing-dependency", "--format", "json", rel])
        (cli_report,) = json.loads(capsys.readouterr().out)["notebooks"]
        return [f["message"] for f in report["findings"]], [f["message"] for f in cli_report["findings"]]

    (jp_root_dir / "requirements.txt").write_text("numpy>=1.26\n", encoding="utf-8")
    server, cli = await both()
    assert server == cli == ["'pandas' is imported but 'pandas' is not declared in ../../requirements.txt."]

    (jp_root_dir / "analysis" / "requirements.txt").write_text("pandas\n", encoding="utf-8")
    server, cli = await both()  # the nearest declaration is the notebook's
    assert server == cli == ["'numpy' is imported but 'numpy' is not declared in ../requirements.txt."]

    (jp_root_dir / "requirements.txt").unlink()
    (jp_root_dir / "analysis" / "requirements.txt").unlink()
    (jp_root_dir / ".git").mkdir()  # a repository bounds the CLI's search as the server root bounds the server's
    server, cli = await both()
    assert server == cli and len(server) == 1
    assert "in the notebook's folder or a folder above it" in server[0] and str(jp_root_dir) not in server[0]


async def test_names_the_unknown_ids_of_select_and_ignore(jp_fetch: Any, jp_root_dir: Path) -> None:
    """A mistyped id in the panel's settings hides nothing: the answer names it, sent whole or as a delta."""
    nb = make_nb("import os", markdown_title="Typo")
    write_nb(jp_root_dir / "typo.ipynb", nb)
    body = {"path": "typo.ipynb", "notebook": nb, "ignore": ["unused-imports", "dataflow", "black"]}
    code, report = await post(jp_fetch, {**body, "select": ["secret", "run-error", "hygene"]})
    assert code == 200, report
    assert report["summary"]["unknown_checks"] == ["black", "hygene", "unused-imports"]
    # a family and a Clean Run's check are names the settings may give
    assert "unused-import" not in report["summary"]["checks_run"]
    code, report = await post(jp_fetch, {**body, "ignore": ["dataflow"]})
    assert code == 200 and "unknown_checks" not in report["summary"]
    delta = {k: v for k, v in body.items() if k != "notebook"}
    code, answer = await post(jp_fetch, {**delta, "delta": client_delta(nb, set())})
    assert code == 200 and answer["summary"]["unknown_checks"] == ["black", "unused-imports"]

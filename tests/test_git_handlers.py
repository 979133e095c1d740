"""``POST /jupyter-prod/commit`` and ``GET /jupyter-prod/status`` on a real server over real git."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import nbformat
import pytest
from tornado.httpclient import HTTPClientError

from jupyter_prod_ext.checks.registry import CHECKS

from .gitutil import git, head_commit, server_git_identity  # noqa: F401 - autouse: the server's HOME knows who commits
from .nbutil import save_nb
from .wire_answers import call


def write_nb(path: Path, source: str = "x = 1\nprint(x)", modules: list[str] | None = None) -> Path:
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(source)
    cell.execution_count = 1
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="1\n")]
    nb.cells = [cell]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return save_nb(path, nb, modules)


async def post(jp_fetch: Any, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    return await call(jp_fetch, "jupyter-prod/commit", body)


async def status(jp_fetch: Any, path: str) -> tuple[int, dict[str, Any]]:
    return await call(jp_fetch, "jupyter-prod/status", path=path)


@pytest.fixture
def project(jp_root_dir: Path) -> Path:
    """The server root is a repository holding a notebook and two promoted modules."""
    git(jp_root_dir, "init", "-q")
    (jp_root_dir / "README.md").write_text("r\n", encoding="utf-8")
    git(jp_root_dir, "add", "README.md")
    git(jp_root_dir, "commit", "-q", "-m", "initial")
    pkg = jp_root_dir / "src" / "pkg"
    pkg.mkdir(parents=True)
    (pkg / "a.py").write_text("A = 1\n", encoding="utf-8")
    (pkg / "b.py").write_text("B = 2\n", encoding="utf-8")
    write_nb(jp_root_dir / "notebooks" / "nb.ipynb", modules=["src/pkg/a.py", "src/pkg/b.py"])
    return jp_root_dir


async def test_commit_and_status(jp_fetch: Any, project: Path) -> None:
    (project / "other.txt").write_text("o\n", encoding="utf-8")
    git(project, "add", "other.txt")
    code, body = await post(jp_fetch, {"path": "notebooks/nb.ipynb", "message": "From the UI"})
    assert code == 200, body
    assert body["files"] == ["notebooks/nb.ipynb", "src/pkg/a.py", "src/pkg/b.py"]
    assert body["commit"] == head_commit(project)
    assert body["branch"] == "main" and body["code_only"] is True and body["hook_output"] == ""
    assert body["gate"]["blocked"] is False
    assert all(f["severity"] != "error" for f in body["gate"]["findings"])
    assert "without outputs" in body["message"]
    assert json.loads(git(project, "show", "HEAD:notebooks/nb.ipynb"))["cells"][0]["outputs"] == []
    assert "other.txt" not in git(project, "show", "--name-only", "--format=", "HEAD")

    code, st = await status(jp_fetch, "notebooks/nb.ipynb")
    assert code == 200, st
    assert st["repo"] == "." and st["branch"] == "main" and st["head"] == body["commit"]
    assert st["detached"] is False and st["operation"] is None
    assert st["files"] == [
        # code-only commit: the file keeps its outputs, but there is nothing left to commit
        {"path": "notebooks/nb.ipynb", "state": "clean"},
        {"path": "src/pkg/a.py", "state": "clean"},
        {"path": "src/pkg/b.py", "state": "clean"},
    ]
    assert [c["subject"] for c in st["log"]] == ["From the UI"]


async def test_explicit_paths_and_with_outputs(jp_fetch: Any, project: Path) -> None:
    code, body = await post(
        jp_fetch,
        {"path": "notebooks/nb.ipynb", "paths": ["notebooks/nb.ipynb", "src/pkg/b.py"], "message": "m",
         "code_only": False},
    )
    assert code == 200, body
    assert body["files"] == ["notebooks/nb.ipynb", "src/pkg/b.py"] and body["code_only"] is False
    assert git(project, "status", "--porcelain", "--", "notebooks") == ""


async def test_gate_findings_refused_then_allowed(jp_fetch: Any, project: Path) -> None:
    write_nb(project / "notebooks" / "nb.ipynb", "print(undefined_thing)")
    code, body = await post(jp_fetch, {"path": "notebooks/nb.ipynb", "message": "m"})
    assert code == 409 and body["kind"] == "refused"
    assert body["details"]["reason"] == "findings"
    assert any(f["check"] == "undefined-name" for f in body["details"]["findings"])
    assert {f["commit_gate"] for f in body["details"]["findings"]} == {"unless-allowed"}
    assert set(body["details"]) == {"reason", "findings", "output", "modified"}
    code, body = await post(jp_fetch, {"path": "notebooks/nb.ipynb", "message": "m", "allow_findings": True})
    assert code == 200, body
    assert any(f["check"] == "undefined-name" for f in body["gate"]["findings"])


async def test_secret_gate_through_the_checks_engine(jp_fetch: Any, project: Path) -> None:
    if "secret" not in CHECKS:
        pytest.skip("the checks engine registers no 'secret' check yet")
    write_nb(project / "notebooks" / "nb.ipynb", 'aws_key = "AKIAQ3EGRT7XK2LMNP4Z"\nprint(aws_key)')
    code, body = await post(jp_fetch, {"path": "notebooks/nb.ipynb", "message": "m", "allow_findings": True})
    assert code == 409 and body["details"]["reason"] == "secrets"
    assert {f["commit_gate"] for f in body["details"]["findings"]} == {"always"}


async def test_hook_failure_is_409_with_verbatim_output(jp_fetch: Any, project: Path) -> None:
    hook = project / ".git" / "hooks" / "pre-commit"
    hook.write_text('#!/bin/sh\necho "lint: 2 problems"\necho "  nb.ipynb:1 bad"\nexit 1\n', encoding="utf-8")
    hook.chmod(0o755)
    code, body = await post(jp_fetch, {"path": "notebooks/nb.ipynb", "message": "m"})
    assert code == 409 and body["kind"] == "refused"
    assert body["details"]["reason"] == "hook"
    assert body["details"]["output"] == "lint: 2 problems\n  nb.ipynb:1 bad\n"


async def test_no_repo_then_init(jp_fetch: Any, jp_root_dir: Path) -> None:
    write_nb(jp_root_dir / "sub" / "nb.ipynb", modules=["lib/mod.py"])
    (jp_root_dir / "lib").mkdir()
    (jp_root_dir / "lib" / "mod.py").write_text("x = 1\n", encoding="utf-8")
    code, body = await post(jp_fetch, {"path": "sub/nb.ipynb", "message": "m"})
    assert code == 404 and body["kind"] == "not-found" and body["details"] == {"reason": "no-repo"}
    code, st = await status(jp_fetch, "sub/nb.ipynb")
    assert code == 200 and st["repo"] is None and st["files"] == []
    code, body = await post(jp_fetch, {"path": "sub/nb.ipynb", "message": "m", "init": True})
    assert code == 200, body
    assert (jp_root_dir / ".git").is_dir()  # the server root: module paths are relative to it
    assert body["files"] == ["sub/nb.ipynb", "lib/mod.py"]


async def test_paths_are_confined(jp_fetch: Any, project: Path, tmp_path: Path) -> None:
    code, body = await post(jp_fetch, {"path": "../nb.ipynb", "message": "m"})
    assert code == 403 and body["kind"] == "path"
    code, body = await post(jp_fetch, {"path": "notebooks/nb.ipynb", "paths": ["/etc/passwd"], "message": "m"})
    assert code == 403 and body["kind"] == "path"
    code, body = await post(jp_fetch, {"path": "notebooks/missing.ipynb", "message": "m"})
    assert code == 404
    code, body = await status(jp_fetch, "../../x.ipynb")
    assert code == 403


async def test_bad_bodies(jp_fetch: Any, project: Path) -> None:
    code, body = await post(jp_fetch, {"path": "notebooks/nb.ipynb"})
    assert code == 400 and body["kind"] == "input"
    code, body = await post(jp_fetch, {"path": "notebooks/nb.ipynb", "message": "m", "paths": "src/pkg/a.py"})
    assert code == 400
    code, body = await post(jp_fetch, {"path": "notebooks/nb.ipynb", "message": "m", "code_only": "yes"})
    assert code == 400
    try:
        await jp_fetch("jupyter-prod", "status")
        raise AssertionError("expected 400")
    except HTTPClientError as exc:
        assert exc.code == 400


async def test_git_state_errors_are_409_git(jp_fetch: Any, project: Path, jp_home_dir: Path) -> None:
    git(project, "checkout", "-q", "--detach")
    code, body = await post(jp_fetch, {"path": "notebooks/nb.ipynb", "message": "m"})
    assert code == 409 and body["kind"] == "git" and "detached" in body["error"]
    code, st = await status(jp_fetch, "notebooks/nb.ipynb")
    assert st["detached"] is True and st["branch"] is None
    git(project, "checkout", "-q", "main")
    (jp_home_dir / ".gitconfig").unlink()
    git(project, "config", "user.useConfigOnly", "true")
    code, body = await post(jp_fetch, {"path": "notebooks/nb.ipynb", "message": "m"})
    assert code == 409 and body["kind"] == "git"
    assert 'git config --global user.name "Your Name"' in body["error"]


async def test_requires_authentication(jp_fetch: Any, project: Path) -> None:
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch(
            "jupyter-prod", "commit", method="POST", body=json.dumps({"path": "notebooks/nb.ipynb", "message": "m"}),
            headers={"Authorization": ""},
        )
    assert info.value.code in (401, 403)
    assert git(project, "log", "--format=%s").splitlines() == ["initial"]


async def test_commit_records_a_rename(jp_fetch: Any, project: Path) -> None:
    git(project, "add", "notebooks/nb.ipynb")
    git(project, "commit", "-q", "-m", "nb")
    (project / "notebooks" / "nb.ipynb").rename(project / "notebooks" / "renamed.ipynb")
    body = {"path": "notebooks/renamed.ipynb", "paths": ["notebooks/renamed.ipynb"], "message": "m"}
    # the preview (GET status) names the rename the commit will record, for the panel's earlier names too
    query = [("path", "notebooks/renamed.ipynb"), ("renamed_from", "notebooks/nb.ipynb")]
    preview = json.loads((await jp_fetch("jupyter-prod", "status", params=query)).body)
    assert preview["files"][0]["renamed_from"] == ["notebooks/nb.ipynb"]
    with pytest.raises(HTTPClientError) as refused:
        await jp_fetch("jupyter-prod", "status", params=[*query[:1], ("renamed_from", "../nb.ipynb")])
    assert refused.value.code == 403
    code, answer = await post(jp_fetch, {**body, "renamed_from": ["../nb.ipynb"]})
    assert code == 403 and answer["kind"] == "path"  # confined like every path of the request
    code, answer = await post(jp_fetch, {**body, "renamed_from": "notebooks/nb.ipynb"})
    assert code == 400 and answer["kind"] == "input"
    code, answer = await post(jp_fetch, {**body, "renamed_from": ["notebooks/nb.ipynb"]})
    assert code == 200, answer
    status, *names = git(project, "show", "-M", "--name-status", "--format=", "HEAD").split()
    assert status.startswith("R") and names == ["notebooks/nb.ipynb", "notebooks/renamed.ipynb"]
    # the old name's removal is committed; the file on disk keeps its outputs (code-only commit)
    assert git(project, "status", "--porcelain", "--", "notebooks") == " M notebooks/renamed.ipynb\n"


async def test_a_deleted_notebook_with_a_lone_surrogate_leaves_the_status_of_a_new_one_answering(
    jp_fetch: Any, project: Path
) -> None:
    """HEAD holds a notebook whose cell has ``"\\ud800"`` (valid JSON, no UTF-8): deleted, it is a rename
    candidate for every new notebook, and the status of a new one answered 500 while it was written as text."""
    old = project / "notebooks" / "old.ipynb"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("s = '\ud800'\nprint(s)")])
    old.write_text(json.dumps(nb, ensure_ascii=True), encoding="utf-8")
    git(project, "add", "notebooks/old.ipynb")
    git(project, "commit", "-q", "-m", "surrogate")
    old.unlink()
    write_nb(project / "notebooks" / "new.ipynb", source="y = 2\nprint(y)")

    code, st = await status(jp_fetch, "notebooks/new.ipynb")

    assert code == 200, st
    assert st["files"][0]["path"] == "notebooks/new.ipynb" and "renamed_from" not in st["files"][0]

"""Status engine against real git repositories."""

from __future__ import annotations

import json
import os
from pathlib import Path

import nbformat
import pytest

from jupyter_prod_ext.cli.main import main as cli_main
from jupyter_prod_ext.errors import NotFoundError, PathError
from jupyter_prod_ext.gitops.commit import commit_notebook
from jupyter_prod_ext.gitops.status import repo_status

from .gitutil import git
from .nbutil import save_nb

pytestmark = pytest.mark.usefixtures("git_home")


def write_nb(path: Path, source: str = "x = 1", modules: list[str] | None = None) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source)]
    return save_nb(path, nb, modules)


def states(status: dict[str, object]) -> dict[str, str]:
    return {f["path"]: f["state"] for f in status["files"]}  # type: ignore[attr-defined, index]


def test_no_repository(tmp_path: Path) -> None:
    nb = write_nb(tmp_path / "nb.ipynb")
    assert repo_status(nb) == {
        "repo": None, "project": ".", "branch": None, "head": None, "detached": False, "operation": None, "files": [], "log": [],
    }


def test_missing_notebook(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError):
        repo_status(tmp_path / "nope.ipynb")


def test_unborn_branch(repo: Path) -> None:
    nb = write_nb(repo / "nb.ipynb")
    st = repo_status(nb)
    assert st["repo"] == "." and st["branch"] == "main" and st["head"] is None and not st["detached"]
    assert st["files"] == [{"path": "nb.ipynb", "state": "untracked"}]
    assert st["log"] == []


def test_every_file_state(repo: Path) -> None:
    names = ["clean.py", "modified.py", "staged.py", "untracked.py", "ignored.py", "partly.py"]
    nb = write_nb(repo / "nb.ipynb", modules=names + ["missing.py"])
    (repo / ".gitignore").write_text("ignored.py\n", encoding="utf-8")
    for n in names:
        (repo / n).write_text("v1\n", encoding="utf-8")
    git(repo, "add", "nb.ipynb", ".gitignore", "clean.py", "modified.py", "staged.py", "partly.py")
    git(repo, "commit", "-q", "-m", "base")
    (repo / "modified.py").write_text("v2\n", encoding="utf-8")
    (repo / "staged.py").write_text("v2\n", encoding="utf-8")
    git(repo, "add", "staged.py")
    (repo / "partly.py").write_text("v2\n", encoding="utf-8")
    git(repo, "add", "partly.py")
    (repo / "partly.py").write_text("v3\n", encoding="utf-8")
    st = repo_status(nb)
    assert states(st) == {
        "nb.ipynb": "clean", "clean.py": "clean", "modified.py": "modified", "staged.py": "staged",
        "untracked.py": "untracked", "ignored.py": "ignored", "partly.py": "modified",
    }
    assert [f["path"] for f in st["files"]][0] == "nb.ipynb"  # the notebook first, then modules in order


def test_after_code_only_commit_and_log(repo: Path) -> None:
    nb = write_nb(repo / "nb.ipynb")
    data = json.loads(nb.read_text(encoding="utf-8"))
    data["cells"][0]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["1\n"]}]
    data["cells"][0]["execution_count"] = 1
    nb.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    first = commit_notebook(nb, "First: add nb — with ünïcode")
    git(repo, "commit", "-q", "--allow-empty", "-m", "unrelated")
    write_nb(nb, "x = 2")
    second = commit_notebook(nb, "Second")
    st = repo_status(nb)
    assert st["head"] == second["commit"] and st["branch"] == "main"
    assert states(st) == {"nb.ipynb": "clean"}
    assert [(c["commit"], c["subject"]) for c in st["log"]] == [
        (second["commit"], "Second"), (first["commit"], "First: add nb — with ünïcode")
    ]
    entry = st["log"][0]
    assert entry["short"] == second["short"] and entry["author"] == "Test User" and entry["date"][:2] == "20"


def test_log_limit(repo: Path) -> None:
    nb = write_nb(repo / "nb.ipynb")
    for i in range(12):
        write_nb(nb, f"x = {i}")
        commit_notebook(nb, f"c{i}")
    st = repo_status(nb)
    assert [c["subject"] for c in st["log"]] == [f"c{i}" for i in range(11, 1, -1)]


def test_detached_and_operation(repo: Path) -> None:
    nb = write_nb(repo / "nb.ipynb")
    commit_notebook(nb, "base")
    git(repo, "checkout", "-q", "--detach")
    st = repo_status(nb)
    assert st["detached"] and st["branch"] is None and st["head"]
    git(repo, "checkout", "-q", "main")
    git(repo, "checkout", "-q", "-b", "side")
    write_nb(nb, "x = 'side'")
    git(repo, "commit", "-q", "-am", "side")
    git(repo, "checkout", "-q", "main")
    write_nb(nb, "x = 'main'")
    git(repo, "commit", "-q", "-am", "main")
    git(repo, "merge", "side", check=False)
    st = repo_status(nb)
    assert st["operation"] == "merge"
    assert states(st) == {"nb.ipynb": "modified"}  # unmerged shows as modified
    git(repo, "merge", "--abort")
    git(repo, "rebase", "side", check=False)
    assert repo_status(nb)["operation"] == "rebase"


def test_spaces_non_ascii_and_display_root(repo: Path) -> None:
    nb = write_nb(repo / "my nbs" / "Análisis 日本.ipynb", modules=["src/módulo x.py"])
    (repo / "src").mkdir()
    (repo / "src" / "módulo x.py").write_text("A = 1\n", encoding="utf-8")
    st = repo_status(nb, display_root=repo.parent)
    assert st["repo"] == "repo"
    assert states(st) == {"repo/my nbs/Análisis 日本.ipynb": "untracked", "repo/src/módulo x.py": "untracked"}
    commit_notebook(nb, "x")
    assert states(repo_status(nb)) == {"my nbs/Análisis 日本.ipynb": "clean", "src/módulo x.py": "clean"}
    assert repo_status(nb)["log"][0]["subject"] == "x"


def test_confinement(repo: Path, tmp_path: Path) -> None:
    nb = write_nb(repo / "sub" / "nb.ipynb", modules=["outside/mod.py"])
    (repo / "outside").mkdir()
    (repo / "outside" / "mod.py").write_text("x\n", encoding="utf-8")
    st = repo_status(nb, confine_to=repo / "sub", display_root=repo / "sub")
    assert st["repo"] == ".."
    assert states(st) == {"nb.ipynb": "untracked"}  # the recorded module outside the root is not shown
    with pytest.raises(PathError):
        repo_status(nb, paths=[nb, repo / "outside" / "mod.py"], confine_to=repo / "sub")


def test_cli_status(repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    nb = write_nb(repo / "nb.ipynb")
    commit_notebook(nb, "base")
    monkeypatch.chdir(repo)
    assert cli_main(["status", "nb.ipynb"]) == 0
    out = capsys.readouterr().out
    assert "on branch main" in out and "clean      nb.ipynb" in out and "base" in out
    assert cli_main(["status", "nb.ipynb", "--format", "json"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["branch"] == "main" and body["files"] == [{"path": "nb.ipynb", "state": "clean"}]
    assert os.environ.get("GIT_INDEX_FILE") is None


def test_code_only_commit_leaves_the_notebook_clean_until_its_code_changes(repo: Path) -> None:
    """The file keeps its outputs, git holds the stripped copy: nothing to commit is 'clean'."""
    nb = write_nb(repo / "nb.ipynb", "y = 1")
    data = json.loads(nb.read_text(encoding="utf-8"))
    data["cells"][0]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["1\n"]}]
    data["cells"][0]["execution_count"] = 3
    nb.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    commit_notebook(nb, "code only")
    assert "nb.ipynb" in git(repo, "status", "--porcelain")  # git itself sees the outputs
    assert states(repo_status(nb)) == {"nb.ipynb": "clean"}
    data["cells"][0]["source"] = "y = 2"
    nb.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    assert states(repo_status(nb)) == {"nb.ipynb": "modified"}


def test_project_is_the_root_promote_resolves_module_paths_in(tmp_path: Path) -> None:
    """The UI finds a module's open editor by its exact path: project + POST promote's ``to``."""
    server = tmp_path / "server"
    (server / "proj" / "sub").mkdir(parents=True)
    git(server / "proj", "init", "-q")
    nb = write_nb(server / "proj" / "sub" / "nb.ipynb")
    assert repo_status(nb, confine_to=server, display_root=server)["project"] == "proj"
    # a repository above the server root: the project is the server root
    inner = server / "proj" / "sub"
    assert repo_status(nb, confine_to=inner, display_root=inner)["project"] == "."
    # no repository: the server root
    other = tmp_path / "other"
    other.mkdir()
    lone = write_nb(other / "lone.ipynb")
    assert repo_status(lone, confine_to=tmp_path, display_root=tmp_path)["project"] == "."

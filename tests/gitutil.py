"""Git in the tests: the one way to run it, and a known identity isolated from the machine's."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

import pytest

#: what would point git at another identity or repository than a test's
_GIT_ENV = ("EMAIL", "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL",
            "GIT_CONFIG_GLOBAL", "GIT_DIR", "GIT_INDEX_FILE", "GIT_WORK_TREE")  # fmt: skip


def git(cwd: Path, *args: str, check: bool = True, env: Mapping[str, str] | None = None) -> str:
    """git's output in ``cwd``, the tests' one way to run it; with ``check`` a failure is an AssertionError
    with git's own message. ``env``: variables set for this call on top of the process's."""
    res = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=False,
        env={**os.environ, **env} if env else None, timeout=60,
    )  # fmt: skip
    if check and res.returncode != 0:
        raise AssertionError(f"git {args} failed: {res.stderr}")
    return res.stdout


def head_commit(root: Path) -> str:
    """The commit id HEAD names in ``root``."""
    return git(root, "rev-parse", "HEAD").strip()


def git_identity(
    home: Path, monkeypatch: pytest.MonkeyPatch, name: str = "T", email: str = "t@example.com"
) -> None:
    """``home`` (the HOME git reads) with a known identity and ``main`` as the first branch; no system
    config, no identity or repository from the environment."""
    (home / ".gitconfig").write_text(
        f"[user]\n\tname = {name}\n\temail = {email}\n[init]\n\tdefaultBranch = main\n", encoding="utf-8"
    )
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for var in _GIT_ENV:
        monkeypatch.delenv(var, raising=False)


def isolated_git_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A new HOME with a known identity (see :func:`git_identity`)."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    git_identity(home, monkeypatch, "Test User", "test@example.com")
    return home


def first_commit(root: Path, *paths: str, message: str = "init") -> str:
    """``root`` made a repository whose one commit holds ``paths`` (default: everything in it); its id."""
    git(root, "init", "-q")
    git(root, "add", *(paths or ["-A"]))
    git(root, "commit", "-q", "-m", message)
    return head_commit(root)


def new_repo(tmp_path: Path, *, readme: bool = False) -> Path:
    """``tmp_path/repo``, a new repository on ``main``: nothing committed yet, or with ``readme`` one
    commit of a README.md (HEAD exists)."""
    root = tmp_path / "repo"
    root.mkdir()
    if not readme:
        git(root, "init", "-q")
        return root
    (root / "README.md").write_text("readme\n", encoding="utf-8")
    first_commit(root)
    return root


def committed_copy(notebook: Path, root: Path) -> Path:
    """A new repository at ``root`` whose one commit holds a copy of ``notebook`` (the vcs checks and
    commits need one); the copy's path."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(notebook, root / notebook.name)
    first_commit(root, notebook.name, message="notebook")
    return root / notebook.name


@pytest.fixture(autouse=True)
def server_git_identity(jp_home_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """pytest-jupyter points the server's HOME at ``jp_home_dir``: git there knows who commits. Autouse in
    the modules that import it."""
    git_identity(jp_home_dir, monkeypatch)

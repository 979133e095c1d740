"""Git test isolation shared by the git test modules."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest


def isolated_git_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A HOME with a known identity; no system config, no identity from the environment."""
    home = tmp_path / "home"
    home.mkdir()
    (home / ".gitconfig").write_text(
        "[user]\n\tname = Test User\n\temail = test@example.com\n[init]\n\tdefaultBranch = main\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for var in ("EMAIL", "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL",
                "GIT_CONFIG_GLOBAL", "GIT_DIR", "GIT_INDEX_FILE", "GIT_WORK_TREE"):
        monkeypatch.delenv(var, raising=False)
    return home


def committed_copy(notebook: Path, root: Path) -> Path:
    """A new repository at ``root`` whose one commit holds a copy of ``notebook`` (the vcs checks and
    commits need one); the copy's path."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(notebook, root / notebook.name)
    for argv in (["init", "-q"], ["add", notebook.name], ["commit", "-q", "-m", "notebook"]):
        subprocess.run(["git", *argv], cwd=root, check=True, capture_output=True, timeout=60)
    return root / notebook.name

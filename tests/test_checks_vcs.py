"""VCS checks against real git repositories in tmp_path."""

from __future__ import annotations

from pathlib import Path

import pytest

from jupyter_prod_ext.checks.api import check_notebook, check_path
from jupyter_prod_ext.notebook import notebook_from_dict

from .gitutil import git
from .nbutil import make_nb, write_nb

pytestmark = pytest.mark.usefixtures("git_home")

IDS = ["not-in-git", "uncommitted-changes"]


def checks(path: Path) -> list[tuple[str, str]]:
    return [(f["check"], f["message"]) for f in check_path(path, checks=IDS)["findings"]]


def test_no_repository(tmp_path: Path) -> None:
    nb = write_nb(tmp_path / "alone" / "nb.ipynb", make_nb("x = 1"))
    found = checks(nb)
    assert [c for c, _ in found] == ["not-in-git"] and "not in a git repository" in found[0][1]


def test_untracked_then_committed_then_modified(repo: Path) -> None:
    nb = write_nb(repo / "nb.ipynb", make_nb("x = 1"))
    found = checks(nb)
    assert [c for c, _ in found] == ["not-in-git"] and "not tracked" in found[0][1]
    git(repo, "add", "nb.ipynb")
    git(repo, "commit", "-q", "-m", "add")
    assert checks(nb) == []
    write_nb(nb, make_nb("x = 2"))
    assert [c for c, _ in checks(nb)] == ["uncommitted-changes"]


def test_file_with_spaces_in_subfolder(repo: Path) -> None:
    nb = write_nb(repo / "sub dir" / "my nb.ipynb", make_nb("x = 1"))
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "add")
    assert checks(nb) == []


def test_unsaved_content_without_file_is_skipped() -> None:
    report = check_notebook(notebook_from_dict(make_nb("x = 1")), checks=IDS)
    assert report["findings"] == [] and report["summary"]["checks_run"] == IDS


def test_untracked_hint_names_the_path_from_the_repository_top(repo: Path) -> None:
    """A terminal in JupyterLab opens at the server root: `git add` of the bare file name failed there."""
    nb = write_nb(repo / "sub dir" / "it's.ipynb", make_nb("x = 1"))
    [finding] = check_path(nb, checks=["not-in-git"])["findings"]
    assert "git add 'sub dir/it'\"'\"'s.ipynb'" in finding["hint"]
    git(repo, "add", "sub dir/it's.ipynb")  # the hint's command, from the top: the notebook is tracked
    assert check_path(nb, checks=["not-in-git"])["findings"] == []

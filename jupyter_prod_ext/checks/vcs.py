"""Version control: is the notebook file in git, and is what is on disk committed (slow checks)."""

from __future__ import annotations

import shlex
from collections.abc import Iterator
from pathlib import Path

from ..errors import ToolError
from ..gitops.runner import git
from .base import Context, Finding
from .registry import check

GIT_TIMEOUT = 10.0


def _git(cwd: Path, *args: str) -> tuple[int, str] | None:
    """(exit status, stdout) of one read-only git command, or None when git is missing or hangs.

    Through the package's one git runner: no prompt, no fsmonitor program, no hooks.
    """
    try:
        res = git(list(args), cwd, timeout=GIT_TIMEOUT, check=False, read_only=True)
    except ToolError:  # git missing, or killed at the timeout
        return None
    return res.returncode, res.out


@check("not-in-git", "vcs", "warning", "The notebook is not tracked by git (or not in a repository).", slow=True)
def not_in_git(ctx: Context) -> Iterator[Finding]:
    if ctx.file is None:
        return
    folder = ctx.file.parent
    if not folder.is_dir():
        return
    top = _git(folder, "rev-parse", "--show-toplevel")
    if top is None:
        return
    if top[0] != 0:
        yield ctx.finding(
            "not-in-git",
            "warning",
            None,
            None,
            "The notebook is not in a git repository, so its history is not kept.",
            "Run `git init` in the project folder (or use jupyter-prod's commit, which can create the repository).",
        )
        return
    tracked = _git(folder, "ls-files", "--error-unmatch", "--", ctx.file.name)
    if tracked is not None and tracked[0] != 0:
        yield ctx.finding(
            "not-in-git",
            "warning",
            None,
            None,
            "The notebook is in a git repository but not tracked.",
            f"Commit it (the Readiness panel's Commit section, or `git add {_top_relative(ctx.file, top[1])}` "
            "at the repository's top folder, then commit).",
        )


def _top_relative(file: Path, top: str) -> str:
    """The notebook's path from the repository's top folder, quoted for a shell: the hint's `git add` works
    from there (a terminal in JupyterLab opens at the server root, not in the notebook's folder)."""
    try:
        rel = file.resolve().relative_to(Path(top.strip()).resolve()).as_posix()
    except (OSError, ValueError):
        rel = file.name
    return shlex.quote(rel)


@check("uncommitted-changes", "vcs", "info", "The notebook file on disk differs from the last commit.", slow=True)
def uncommitted_changes(ctx: Context) -> Iterator[Finding]:
    if ctx.file is None or not ctx.file.parent.is_dir():
        return
    tracked = _git(ctx.file.parent, "ls-files", "--error-unmatch", "--", ctx.file.name)
    if tracked is None or tracked[0] != 0:
        return  # not-in-git covers it
    status = _git(ctx.file.parent, "status", "--porcelain", "--", ctx.file.name)
    if status is None or status[0] != 0 or not status[1].strip():
        return
    yield ctx.finding(
        "uncommitted-changes",
        "info",
        None,
        None,
        "The saved notebook has changes that are not committed.",
        "Commit them (code only) when the notebook is ready.",
    )

"""Which repository a notebook is in, and whether it is in a state to commit on.

Why a module of its own: the commit and the status both start here (find the
repository, read HEAD, name the operation in progress), and every message that
names a folder goes through :func:`shown_path`, so an answer never reveals where
the server's files are on its disk.

Detached HEAD is refused rather than committed on: a commit on a detached HEAD
is unreachable as soon as the user switches branch, and nothing in the UI
would tell them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import GitError, NotFoundError
from ..wire import GitOperation
from .runner import first_line, git

IDENTITY_HELP = (
    'git does not know who you are: run git config --global user.name "Your Name" '
    "and git config --global user.email you@example.com, then commit again."
)


class NoRepositoryError(NotFoundError):
    """The notebook is in no git repository (``details.reason`` is ``"no-repo"``)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.details: dict[str, object] = {"reason": "no-repo"}


@dataclass(frozen=True)
class Repo:
    top: Path
    git_dir: Path
    #: where hooks live (``core.hooksPath`` honoured)
    hooks: Path

    def rel(self, path: Path) -> str:
        """Repository-relative, ``/``-separated: the path as git names it."""
        return Path(os.path.relpath(path, self.top)).as_posix()


@dataclass(frozen=True)
class Head:
    ref: str | None  # "refs/heads/main"; None when detached
    commit: str | None  # None on an unborn branch
    tree: str | None = None

    @property
    def branch(self) -> str | None:
        if self.ref is None:
            return None
        return self.ref.removeprefix("refs/heads/")


def under(path: Path, root: Path) -> bool:
    """``path`` is ``root`` or inside it (both already real paths)."""
    return path == root or root in path.parents


def shown_path(path: Path, display_root: Path | None) -> str:
    """``path`` as an error message names it.

    Relative to ``display_root`` (the server root, when a server route calls) so an
    answer never reveals where the server's files are on its disk; outside it, the
    name only. Without a ``display_root`` (the CLI) the path as it is.
    """
    if display_root is None:
        return str(path)
    real = Path(os.path.realpath(path))
    root = Path(os.path.realpath(display_root))
    if real == root:
        return "the server root"
    if under(real, root):
        return Path(os.path.relpath(real, root)).as_posix()
    if under(root, real):
        return "a folder above the server root"
    return real.name


def existing_notebook(notebook: Path, display_root: Path | None) -> Path:
    """The notebook's real path; a one-line :class:`NotFoundError` when it is not a file."""
    real = Path(os.path.realpath(notebook))
    if not real.is_file():
        raise NotFoundError(f"No such notebook: '{shown_path(real, display_root)}'.")
    return real


def find_repo(start: Path) -> Repo | None:
    """The repository whose work tree holds ``start`` (a folder), or ``None``."""
    if not start.is_dir():
        raise NotFoundError(f"No such folder: '{start}'.")
    res = git(["rev-parse", "--show-toplevel", "--absolute-git-dir", "--git-path", "hooks"], start, check=False)
    if res.returncode != 0:
        if "not a git repository" in res.err:
            return None
        raise GitError(f"Cannot use the git repository at {start}: {first_line(res.err)}")
    lines = res.out.splitlines()
    if len(lines) < 3 or not lines[0]:
        raise GitError(f"{start} is inside a git directory or a bare repository: work in a checked-out folder.")
    top = Path(os.path.realpath(lines[0]))
    # --git-path answers relative to the cwd (``start``); hooks run from the top level
    hooks = Path(lines[2]) if Path(lines[2]).is_absolute() else Path(os.path.realpath(start / lines[2]))
    return Repo(top, Path(os.path.realpath(lines[1])), hooks)


def init_repository(folder: Path) -> Repo:
    """``git init`` in ``folder`` (created if needed); an existing repository is left as it is."""
    folder.mkdir(parents=True, exist_ok=True)
    existing = find_repo(folder)
    if existing is not None and existing.top == Path(os.path.realpath(folder)):
        return existing
    git(["init", "-q", str(folder)], folder)
    repo = find_repo(folder)
    if repo is None:  # pragma: no cover - git init succeeded but left no repository
        raise GitError(f"git init in {folder} did not create a repository.")
    return repo


def read_head(repo: Repo) -> Head:
    sym = git(["symbolic-ref", "-q", "HEAD"], repo.top, check=False)
    ref = sym.out.strip() if sym.returncode == 0 else None
    # one process for the commit and its tree; an unborn branch answers "HEAD^{commit} missing"
    res = git(["cat-file", "--batch"], repo.top, input=b"HEAD^{commit}\n")
    header, _, body = res.out.partition("\n")
    fields = header.split()
    if len(fields) == 3 and fields[1] == "commit" and body.startswith("tree "):
        return Head(ref, fields[0], body[5:].split("\n", 1)[0].strip())
    return Head(ref, None)


def operation_in_progress(git_dir: Path) -> GitOperation | None:
    """The multi-step operation the repository is in the middle of, if any."""
    if (git_dir / "rebase-merge").exists() or (git_dir / "rebase-apply").exists():
        return "rebase"
    if (git_dir / "MERGE_HEAD").exists():
        return "merge"
    if (git_dir / "CHERRY_PICK_HEAD").exists():
        return "cherry-pick"
    if (git_dir / "REVERT_HEAD").exists():
        return "revert"
    return None


_FINISH = {
    "merge": "finish it (resolve, then git commit) or abort it (git merge --abort)",
    "rebase": "finish it (git rebase --continue) or abort it (git rebase --abort)",
    "cherry-pick": "finish it (git cherry-pick --continue) or abort it (git cherry-pick --abort)",
    "revert": "finish it (git revert --continue) or abort it (git revert --abort)",
}


def check_state(repo: Repo, head: Head, display_root: Path | None = None) -> None:
    """Refuse a commit in the middle of a merge or rebase, on a detached HEAD, or off a branch."""
    top = shown_path(repo.top, display_root)
    op = operation_in_progress(repo.git_dir)
    if op is not None:
        raise GitError(f"A {op} is in progress in {top}: {_FINISH[op]}, then commit again.")
    if head.ref is None:
        short = (head.commit or "")[:7]
        raise GitError(
            f"HEAD is detached (at {short}) in {top}, so the commit would belong to no branch: "
            "switch to a branch (git switch <branch>, or git switch -c <new-branch>) and commit again."
        )
    if not head.ref.startswith("refs/heads/"):
        raise GitError(f"HEAD points at {head.ref}, not at a branch: switch to a branch and commit again.")


def check_identity(repo: Repo) -> None:
    """Refuse early, with the commands to run, when git does not know who commits."""
    # author and committer come from the same user.name/user.email; commit-tree catches the odd
    # environment that sets only one of them (same message)
    if git(["var", "GIT_COMMITTER_IDENT"], repo.top, check=False).returncode != 0:
        raise GitError(IDENTITY_HELP)

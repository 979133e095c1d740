"""Where a notebook and its modules stand in git: branch, state of each file, recent commits.

Read-only: ``GIT_OPTIONAL_LOCKS=0`` (set by the runner) keeps ``git status``
from taking ``index.lock``, so polling this never blocks a commit in a terminal.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from ..errors import PathError, ProdError
from ..jupytext_io import pair_of, paired_files
from ..paths import project_root
from ..wire import FileState as FileState
from ..wire import FileStatusDict as FileStatusDict
from ..wire import LogEntryDict as LogEntryDict
from ..wire import StatusDict as StatusDict
from .confinement import new_package_inits
from .entries import default_paths, notebook_entry
from .renames import commit_renames
from .repository import (
    Head,
    Repo,
    existing_notebook,
    find_repo,
    operation_in_progress,
    read_head,
    shown_path,
    under,
)
from .runner import git
from .strip import strip_notebook_text

#: Pathspecs are literal: a notebook called ``[draft] *.ipynb`` is one file, not a glob.
_LITERAL = {"GIT_LITERAL_PATHSPECS": "1"}


def _state(xy: str) -> FileState:
    if xy == "??":
        return "untracked"
    if xy == "!!":
        return "ignored"
    if xy[1] != " ":
        return "modified"
    return "staged"


def _only_outputs_differ(repo: Repo, rel: str) -> bool:
    """True when the notebook on disk, stripped, is what the index holds.

    After a code-only commit the file keeps its outputs while git holds the
    stripped version: git calls it modified, but there is nothing to commit.
    """
    try:
        text = (repo.top / rel).read_text(encoding="utf-8")
        stripped = strip_notebook_text(text)
    except (OSError, UnicodeDecodeError, ProdError):
        return False
    res = git(["cat-file", "blob", f":{rel}"], repo.top, check=False, read_only=True)
    return res.returncode == 0 and res.out == stripped


def file_states(repo: Repo, rels: Sequence[str]) -> dict[str, FileState]:
    """State of each repository-relative path (missing and untracked files are left out)."""
    if not rels:
        return {}
    res = git(
        ["status", "--porcelain=v1", "-z", "--ignored", "--untracked-files=all", "--", *rels],
        repo.top,
        env=_LITERAL,
        read_only=True,
    )
    listed: dict[str, FileState] = {}
    parts = res.out.split("\0")
    i = 0
    while i < len(parts):
        rec = parts[i]
        i += 1
        if len(rec) < 4:
            continue
        xy, path = rec[:2], rec[3:]
        if xy[0] in "RC":
            i += 1  # the rename/copy source follows as its own field
        state = _state(xy)
        if xy == " M" and path.endswith(".ipynb") and _only_outputs_differ(repo, path):
            state = "clean"
        listed[path] = state
    states: dict[str, FileState] = {}
    for rel in rels:
        if rel in listed:
            states[rel] = listed[rel]
        elif (repo.top / rel).exists():
            states[rel] = "clean"
    return states


def notebook_log(repo: Repo, rel: str, limit: int = 10) -> list[LogEntryDict]:
    res = git(
        ["log", f"-n{limit}", "-z", "--format=%H%x00%h%x00%s%x00%an%x00%aI", "--", rel],
        repo.top,
        env=_LITERAL,
        check=False,
        read_only=True,
    )
    if res.returncode != 0:
        return []
    fields = res.out.split("\0")
    out: list[LogEntryDict] = []
    for k in range(0, len(fields) - 4, 5):
        commit, short, subject, author, date = fields[k : k + 5]
        out.append({"commit": commit.strip("\n"), "short": short, "subject": subject, "author": author, "date": date})
    return out


def _default_files(notebook: Path, repo: Repo, confine_to: Path | None) -> list[Path]:
    """What a commit of the notebook would take by default: its pair, its modules and their new ``__init__.py``."""
    wanted = default_paths(notebook, repo.top)
    modules = wanted[1 + len(pair_of(notebook, repo.top)) :]  # default_paths lists the notebook and its pair first
    return wanted + new_package_inits(repo, modules, confine_to)


def _shown_files(
    notebook: Path, repo: Repo, paths: Sequence[Path] | None, confine_to: Path | None, display_root: Path | None
) -> list[Path]:
    """The files to report (real paths in the repository): the request's, confined, or the defaults that are."""
    confine_real = Path(os.path.realpath(confine_to)) if confine_to is not None else None
    wanted = list(paths) if paths is not None else _default_files(notebook, repo, confine_to)
    files: list[Path] = []
    for p in wanted:
        real = Path(os.path.realpath(p))
        if confine_real is not None and not under(real, confine_real):
            if paths is not None:
                raise PathError(f"'{shown_path(p, display_root)}' is outside the server root.")
            continue  # a recorded module outside the root is simply not shown
        if under(real, repo.top) and real != repo.top and real not in files:
            files.append(real)
    return files


def _project(notebook: Path, confine_to: Path | None, shown_root: Path) -> str:
    """The project root a promotion's module path is relative to (the same :func:`project_root` as POST promote's),
    as the answer shows paths: the UI finds a module's open editor by its exact path."""
    return Path(os.path.relpath(project_root(notebook, confine_to), os.path.realpath(shown_root))).as_posix()


def _renames(
    repo: Repo, head: Head, notebook: Path, files: list[Path], renamed_from: Sequence[Path], confine_to: Path | None
) -> dict[str, list[str]]:
    """The old names a commit of ``files`` would record as renamed, by the new file's repository path.

    The same question the commit asks (:func:`commit_renames`), of the notebook and the files of its
    pair among ``files``; nothing is written into the repository (the comparison's objects are the
    scratch folder's). A notebook that cannot be read now (mid-save) shows no rename.
    """
    if notebook not in files or head.commit is None:
        return {}
    try:
        own = notebook_entry(repo, notebook, True, None)
        pair = {Path(os.path.realpath(p)) for p in paired_files(notebook, own.data, own.fmt, ceiling=repo.top)}
        entries = [own] + [notebook_entry(repo, p, True, None) for p in files if p != notebook and p in pair]
        with tempfile.TemporaryDirectory(prefix="jupyter-prod-status-") as scratch:
            renames = commit_renames(repo, head, entries, notebook, renamed_from, confine_to, Path(scratch))
    except ProdError:
        return {}
    out: dict[str, list[str]] = {}
    for rename in renames:
        out.setdefault(rename.new, []).append(rename.old)
    return out


def _file_status(path: str, state: FileState, renamed_from: list[str]) -> FileStatusDict:
    entry: FileStatusDict = {"path": path, "state": state}
    if renamed_from:
        entry["renamed_from"] = renamed_from
    return entry


def repo_status(
    notebook: Path,
    *,
    paths: Sequence[Path] | None = None,
    renamed_from: Sequence[Path] = (),
    confine_to: Path | None = None,
    display_root: Path | None = None,
    log_limit: int = 10,
) -> StatusDict:
    """Git state of ``notebook`` and its modules (default: those promoted from it).

    Paths in the answer are relative to ``display_root`` (default the
    repository's top level); so is ``repo`` (``"."`` when they coincide).
    Without a repository the answer has ``repo: null`` rather than an error:
    "not in git yet" is a state the UI shows, not a failure. A file that a commit
    would record as a rename (``renamed_from``: the notebook's earlier names the
    panel saw, as for the commit; else git's own detection) names its old names.
    """
    notebook = existing_notebook(notebook, display_root)
    repo = find_repo(notebook.parent)
    if repo is None:
        return {
            "repo": None,
            "project": _project(notebook, confine_to, display_root or notebook.parent),
            "branch": None,
            "head": None,
            "detached": False,
            "operation": None,
            "files": [],
            "log": [],
        }
    files = _shown_files(notebook, repo, paths, confine_to, display_root)
    rels = [repo.rel(p) for p in files]
    states = file_states(repo, rels)
    head = read_head(repo)
    new_name = states.get(repo.rel(notebook)) in ("untracked", "staged")  # a rename's new name is not in HEAD
    renames = _renames(repo, head, notebook, files, renamed_from, confine_to) if new_name or renamed_from else {}
    shown_root = Path(os.path.realpath(display_root)) if display_root is not None else repo.top

    def show(path: Path) -> str:
        return Path(os.path.relpath(path, shown_root)).as_posix()

    return {
        "repo": show(repo.top),
        "project": _project(notebook, confine_to, shown_root),
        "branch": head.branch,
        "head": head.commit,
        "detached": head.ref is None,
        "operation": operation_in_progress(repo.git_dir),
        "files": [
            _file_status(show(p), states[r], [show(repo.top / old) for old in renames.get(r, [])])
            for p, r in zip(files, rels, strict=True)
            if r in states
        ],
        "log": notebook_log(repo, repo.rel(notebook), log_limit) if head.commit is not None else [],
    }

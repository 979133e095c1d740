"""A notebook's rename that git finds itself: the old name's removal goes into the commit of the new one.

Why a module of its own: the panel names the notebook's earlier paths (``renamed_from``) only for a
rename it saw, in the open tab during this page session. A notebook renamed while closed (the file
browser), in a terminal, or before the page was reloaded leaves git a tracked notebook gone from the
working tree and an untracked new one; committed alone, the new one is an added file and the old name's
deletion stays uncommitted. Here git's own rename detection (``diff-index -M``) says which deleted
notebook, if any, the committed notebook is a rename of, in a scratch index that holds HEAD, the
notebook's blob and the deletions: only a pair git makes (and no other deleted notebook as
good) counts, and nothing else the user deleted goes in. Only the notebook's own folder is searched (a rename in JupyterLab keeps the folder): git
pairs any two similar files, and notebooks made from one template are similar, so a deleted folder
of old experiments must not lend one of them to every new notebook committed elsewhere.
"""

from __future__ import annotations

import os
import posixpath
from pathlib import Path
from typing import NamedTuple

from ..errors import GitError
from .confinement import renamed_away
from .entries import Entry
from .index import index_info
from .repository import Head, Repo
from .runner import git

_LITERAL = {"GIT_LITERAL_PATHSPECS": "1"}


def detected_renames(repo: Repo, head: Head, entry: Entry, index_file: Path, confine_to: Path | None) -> list[str]:
    """The repository paths of the deleted notebooks git pairs with ``entry`` as its old name (at most one).

    Only when ``entry`` is a notebook HEAD does not hold (a rename's new name); the candidates are
    the ``.ipynb`` files of its folder HEAD tracks that are gone from disk, inside the server root
    (``confine_to``).
    ``index_file`` is a scratch index of our own (the user's index is never written).
    """
    if head.commit is None or not entry.rel.endswith(".ipynb") or _in_head(repo, entry.rel):
        return []
    gone = renamed_away(repo, [repo.top / rel for rel in _deleted_notebooks(repo, entry.rel)], confine_to)
    if not gone:
        return []
    return _paired_with(repo, head.commit, entry, gone, index_file)


def _in_head(repo: Repo, rel: str) -> bool:
    return bool(git(["ls-tree", "-z", "--name-only", "HEAD", "--", rel], repo.top, env=_LITERAL, read_only=True).out)


def _deleted_notebooks(repo: Repo, rel: str) -> list[str]:
    """The notebooks beside ``rel`` that HEAD holds and the working tree does not (deleted, staged or not)."""
    folder = posixpath.dirname(rel)
    res = git(["diff-index", "-z", "--name-only", "--no-renames", "--diff-filter=D", "HEAD", "--", folder or "."],
              repo.top, env=_LITERAL, read_only=True)  # fmt: skip
    return [
        old
        for old in res.out.split("\0")
        if old.endswith(".ipynb") and posixpath.dirname(old) == folder and not os.path.lexists(repo.top / old)
    ]


def _paired_with(repo: Repo, commit: str, entry: Entry, gone: list[str], index_file: Path) -> list[str]:
    """Which of ``gone`` is ``entry``'s old name: the one git pairs, when no other would be paired too.

    A rename git finds itself is a guess the user did not make, so it must be unambiguous: with the
    paired one left out, no other deleted notebook pairs (two deleted twins: which one was renamed is
    the user's to say). git's own 50% similarity is kept, as ``git add -A`` would record it: the
    commit strips outputs, so a renamed notebook HEAD holds with its outputs is only about half like
    the new one. When git cannot say (an error), the commit goes on without it: the new notebook is
    then an added file, as it was before detection existed."""
    env = {"GIT_INDEX_FILE": str(index_file)}
    try:
        git(["read-tree", commit], repo.top, env=env)  # HEAD's tree, read once for both questions
        _update_index(repo, env, index_info([entry], gone))
        paired = _pair(repo, commit, entry, gone, env)
        if paired and len(gone) > len(paired):
            # the paired one back as HEAD holds it: would another deleted notebook pair as well?
            _update_index(repo, env, b"".join(f"{p.mode} {p.blob}\t{p.old}".encode() + b"\0" for p in paired))
            if _pair(repo, commit, entry, gone, env):
                return []
    except GitError:
        return []
    return [p.old for p in paired]


class _Paired(NamedTuple):
    """A deleted notebook git pairs with the new one, with its mode and blob in HEAD (to put it back)."""

    old: str
    mode: str
    blob: str


def _update_index(repo: Repo, env: dict[str, str], info: bytes) -> None:
    git(["update-index", "-z", "--index-info"], repo.top, env=env, input=info)


def _pair(repo: Repo, commit: str, entry: Entry, gone: list[str], env: dict[str, str]) -> list[_Paired]:
    """The one of ``gone`` git's rename detection pairs with ``entry``, HEAD against the scratch index."""
    res = git(["diff-index", "-z", "--cached", "--raw", "--no-abbrev", "-M", "--diff-filter=R", commit],
              repo.top, env=env, read_only=True)  # fmt: skip
    fields = res.out.split("\0")
    # raw -z records: ":srcmode dstmode srcblob dstblob Rnnn", old path, new path
    records = zip(fields[0::3], fields[1::3], fields[2::3], strict=False)
    return [_Paired(old, meta.split()[0].lstrip(":"), meta.split()[2]) for meta, old, new in records
            if new == entry.rel and old in gone]  # fmt: skip

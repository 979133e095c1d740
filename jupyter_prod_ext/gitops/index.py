"""The commit's objects: blobs from the bytes read, a tree from a scratch index, the commit, the ref.

How: the commit is built from a *temporary* index (``git read-tree HEAD`` into a
scratch ``GIT_INDEX_FILE``, our blobs added with ``update-index --index-info``,
``write-tree``, ``commit-tree -p HEAD``) and published with ``update-ref HEAD
<new> <old>`` (compare-and-swap: a concurrent commit from a terminal makes ours
fail instead of being overwritten). Only then are the *real* index entries of
exactly those paths set to the committed blobs, so:

* whatever else the user had staged stays staged and out of this commit;
* a code-only notebook can be committed without its outputs while the file on
  disk keeps them (``git status`` then truthfully shows it as modified);
* nothing in the working tree is touched.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import ConflictError, GitError
from .entries import Entry
from .repository import IDENTITY_HELP, Head, Repo
from .runner import first_line, git, wait_for_index_lock


def hash_blobs(repo: Repo, entries: list[Entry]) -> None:
    """Write each entry's content (the bytes read and checked) as a blob, through stdin.

    ``--path`` applies the path's attributes (filters, eol) like ``git add``;
    git never reads the file itself, so a save in between cannot slip into the commit.
    """
    for e in entries:
        e.blob = git(["hash-object", "-w", "--stdin", f"--path={e.rel}"], repo.top, input=e.content).out.strip()


def index_info(entries: list[Entry], removed: list[str]) -> bytes:
    """``update-index -z --index-info`` input that points each entry's path at its blob and drops ``removed``.

    Mode 0 with the null object id removes a path (its width follows the repository's hash: SHA-1 or SHA-256).
    """
    null = "0" * (len(entries[0].blob) if entries else 40)
    lines = [f"{e.mode} {e.blob}\t{e.rel}" for e in entries] + [f"0 {null}\t{rel}" for rel in removed]
    return b"".join(line.encode() + b"\0" for line in lines)


@dataclass(frozen=True)
class ScratchIndex:
    """A ``GIT_INDEX_FILE`` of our own: HEAD's tree plus the committed blobs, never the user's index."""

    repo: Repo
    file: Path

    @property
    def env(self) -> dict[str, str]:
        return {"GIT_INDEX_FILE": str(self.file)}

    def write_tree(self) -> str:
        return git(["write-tree"], self.repo.top, env=self.env).out.strip()

    def build(self, head: Head, info: bytes, entries: list[Entry]) -> str:
        """HEAD's tree with the entries in it; refuses a commit that would change nothing."""
        if head.commit is not None:
            git(["read-tree", head.commit], self.repo.top, env=self.env)
        git(["update-index", "-z", "--index-info"], self.repo.top, env=self.env, input=info)
        tree = self.write_tree()
        if head.commit is not None and head.tree == tree:
            names = ", ".join(e.rel for e in entries)
            raise GitError(f"Nothing to commit: {names} {'is' if len(entries) == 1 else 'are'} unchanged since the last commit.")
        return tree

    def changed_since(self, tree: str) -> list[str]:
        """Paths a hook changed in this index since ``tree`` was written."""
        after = self.write_tree()
        if after == tree:
            return []
        diff = git(["diff-tree", "-r", "--name-only", "-z", tree, after], self.repo.top).out
        return [p for p in diff.split("\0") if p]


def commit_tree(repo: Repo, head: Head, tree: str, message_file: Path) -> str:
    """The commit object for ``tree`` on top of HEAD (no hooks run: see :mod:`.hooks`)."""
    args = ["commit-tree", tree]
    if head.commit is not None:
        args += ["-p", head.commit]
    res = git([*args, "-F", str(message_file)], repo.top, check=False)
    if res.returncode != 0:
        if "identity" in res.err or "tell me who you are" in res.err:
            raise GitError(IDENTITY_HELP)
        raise GitError(f"git commit-tree failed in {repo.top}: {first_line(res.err)}")
    return res.out.strip()


def publish(repo: Repo, head: Head, new: str, subject: str) -> None:
    """Move the branch to ``new`` only if it still points where it did when we read HEAD."""
    reflog = f"commit{' (initial)' if head.commit is None else ''}: {subject}"
    upd = git(["update-ref", "-m", reflog, "HEAD", new, head.commit or ""], repo.top, check=False)
    if upd.returncode != 0:
        raise ConflictError(
            f"The branch {head.branch} moved while committing (another commit happened); "
            f"nothing was lost: commit again. ({first_line(upd.err)})"
        )


def sync_real_index(repo: Repo, info: bytes, new: str, rels: list[str]) -> None:
    """Point the real index entries of the committed paths at the committed blobs.

    Only those entries change: other staged work stays staged. Without this,
    ``git status`` would show the commit as a staged revert of itself.
    """
    try:
        wait_for_index_lock(repo.git_dir)
        res = git(["update-index", "-z", "--index-info"], repo.top, input=info, check=False)
        problem = first_line(res.err) if res.returncode != 0 else None
    except ConflictError as exc:
        problem = exc.message
    if problem is not None:
        quoted = " ".join(f"'{r}'" for r in rels)
        raise GitError(
            f"Committed {new[:7]}, but the index could not be updated ({problem}); "
            f"run git reset -q -- {quoted} so git status shows the truth."
        )

"""The repository's commit hooks, run the way ``git commit --only`` runs them.

Why here: ``commit-tree`` runs no hooks, so ``pre-commit``,
``prepare-commit-msg``, ``commit-msg`` and ``post-commit`` are run by us (cwd the
top level, ``GIT_INDEX_FILE`` the scratch index). A hook that changes a committed
file (a formatter) refuses the commit rather than committing bytes nobody
checked; a hook that fails refuses it with its output.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import RefusedError
from .entries import Entry, modified_on_disk
from .gate import refusal_details
from .index import ScratchIndex
from .repository import Repo
from .runner import ProcessTimeout, git_env, run_process

#: Hooks that run before the commit object exists, in git's order (after each: changed files? failed?).
PRE_COMMIT_HOOKS = ("pre-commit", "prepare-commit-msg", "commit-msg")


def find_hook(hooks_dir: Path, name: str) -> Path | None:
    path = hooks_dir / name
    return path if path.is_file() and os.access(path, os.X_OK) else None


def run_hook(repo: Repo, hook: Path, args: list[str], index_file: Path | None, timeout: float) -> tuple[int, str]:
    """Exit code and merged output of one hook; a hook over ``timeout`` is stopped and refuses the commit."""
    extra = {"GIT_EDITOR": ":"}
    if index_file is not None:
        extra["GIT_INDEX_FILE"] = str(index_file)
    argv = [str(hook), *args]
    with open(hook, "rb") as fh:
        if fh.read(2) != b"#!":  # like git: a hook without a shebang line is a shell script
            argv = ["/bin/sh", *argv]
    try:
        res = run_process(
            argv,
            cwd=repo.top,
            env=git_env(extra),
            timeout=timeout,
            merge_stderr=True,
            what=f"the {hook.name} hook",
        )
    except ProcessTimeout as exc:
        raise RefusedError(
            f"The {hook.name} hook did not finish within {timeout:g} s and was stopped; nothing was committed.",
            refusal_details("hook", output=exc.output),
        ) from None
    return res.returncode, res.out


def _hook_args(name: str, message_file: Path) -> list[str]:
    if name == "prepare-commit-msg":
        return [str(message_file), "message"]
    if name == "commit-msg":
        return [str(message_file)]
    return []


def run_commit_hooks(
    repo: Repo, index: ScratchIndex, tree: str, entries: list[Entry], message_file: Path, timeout: float
) -> list[str]:
    """Run the hooks before the commit; their outputs, or a refusal that carries them."""
    outputs: list[str] = []
    for name in PRE_COMMIT_HOOKS:
        hook = find_hook(repo.hooks, name)
        if hook is None:
            continue
        rc, out = run_hook(repo, hook, _hook_args(name, message_file), index.file, timeout)
        outputs.append(out)
        _refuse_on_hook_result(name, rc, "".join(outputs), _hook_changes(index, tree, entries))
    return outputs


def _hook_changes(index: ScratchIndex, tree: str, entries: list[Entry]) -> list[str]:
    """Files a hook changed: on disk (a formatter) or in the index (a hook that stages)."""
    modified = modified_on_disk(entries)
    staged = index.changed_since(tree)
    return sorted(set(modified) | set(staged)) if staged else modified


def _refuse_on_hook_result(name: str, rc: int, output: str, modified: list[str]) -> None:
    if modified:
        raise RefusedError(
            f"The {name} hook changed {', '.join(modified)}; nothing was committed: "
            "a hook changed files; review and retry.",
            refusal_details("hook-modified", output=output, modified=modified),
        )
    if rc != 0:
        raise RefusedError(
            f"The {name} hook failed (exit {rc}); nothing was committed: fix what it reports and commit again.",
            refusal_details("hook", output=output),
        )


def run_post_commit(repo: Repo, timeout: float) -> str:
    """The post-commit hook's output: the commit exists, so a slow hook only loses its output."""
    post = find_hook(repo.hooks, "post-commit")
    if post is None:
        return ""
    try:
        return run_hook(repo, post, [], None, timeout)[1]
    except RefusedError as exc:
        details = exc.details if isinstance(exc.details, dict) else {}
        return str(details.get("output", ""))

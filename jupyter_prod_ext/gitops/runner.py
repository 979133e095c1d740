"""The one way this package runs git (and git hooks).

Why a module of its own: every git process must get the same treatment — an
argv list (never a shell), an environment that can never open a prompt, an
editor or a pager, a C locale so messages can be matched, and a timeout after
which the whole process group is killed. Work on one repository is serialised
by a lock per repository (the one lock helper, :mod:`jupyter_prod_ext.locks`) so
concurrent requests, and a CLI beside the server, queue instead of racing for
``.git/index.lock`` and the branch.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from ..errors import ConflictError, GitError
from ..locks import LockTimeout, exclusive
from ..procs import ProcessResult, ProcessTimeout, run_process

__all__ = ["ProcessResult", "ProcessTimeout", "git", "git_env", "repo_lock", "run_process", "wait_for_index_lock"]

#: Seconds any single git process may take.
GIT_TIMEOUT = 60.0
#: Seconds a hook may take (hooks run formatters and linters, sometimes slow ones).
HOOK_TIMEOUT = 300.0
#: Seconds we wait for another git process to release ``index.lock``.
INDEX_LOCK_WAIT = 5.0
#: Seconds a request waits for another request's work on the same repository.
REPO_LOCK_WAIT = 600.0

#: ``-c`` settings of every git process (see :func:`git`).
SAFE_CONFIG = ("-c", "core.quotepath=false", "-c", "core.fsmonitor=false")
#: ``-c`` settings added for queries that only read.
READ_ONLY_CONFIG = ("-c", f"core.hooksPath={os.devnull}")

#: Inherited variables that would point git at another repository or index.
_SCRUBBED = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_PREFIX")


def git_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of every git process: no prompt, no editor, no pager, C locale."""
    env = {k: v for k, v in os.environ.items() if k not in _SCRUBBED}
    env.update(
        {
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_EDITOR": "true",
            "GIT_SEQUENCE_EDITOR": "true",
            "GIT_PAGER": "cat",
            "PAGER": "cat",
            "LC_ALL": "C",
            "LANGUAGE": "C",
            "GIT_OPTIONAL_LOCKS": "0",
        }
    )
    if extra:
        env.update(extra)
    return env


def git(
    args: Sequence[str],
    cwd: Path,
    *,
    input: bytes | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = GIT_TIMEOUT,
    check: bool = True,
    read_only: bool = False,
) -> ProcessResult:
    """Run ``git <args>`` in ``cwd``; a non-zero exit raises :class:`GitError` when ``check``.

    ``core.quotepath=false`` keeps non-ASCII names readable in messages; every
    parsed output uses ``-z`` anyway. ``core.fsmonitor=false`` always: that setting
    names a program git runs on ``status`` and friends, and a repository's
    ``.git/config`` (a cloned or unpacked folder) must not make the server run
    code. ``read_only`` queries also point ``core.hooksPath`` at nothing, so no
    hook can run from a route that only reads.
    """
    argv = ["git", *SAFE_CONFIG, *(READ_ONLY_CONFIG if read_only else ()), *args]
    result = run_process(argv, cwd=cwd, env=git_env(env), input=input, timeout=timeout, what=f"git {args[0]}")
    if check and result.returncode != 0:
        raise GitError(f"git {args[0]} failed in {cwd}: {first_line(result.err or result.out)}")
    return result


def first_line(text: str) -> str:
    """The most telling line of git's stderr (``fatal:``/``error:`` first), for one-line messages."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in lines:
        if line.startswith(("fatal:", "error:")):
            return line
    return lines[0] if lines else "no output"


# --- one lock per repository -------------------------------------------------

#: The lock file in the git directory (git ignores files it does not know there).
REPO_LOCK_FILE = "jupyter-prod.lock"


@contextlib.contextmanager
def repo_lock(top: Path, git_dir: Path, *, wait: float = REPO_LOCK_WAIT) -> Iterator[None]:
    """Serialise our own work on one repository: across the server's threads and across processes.

    The one lock helper (:func:`jupyter_prod_ext.locks.exclusive`): a thread lock keyed by the
    real path of the top level, then a file lock in the git directory, so a ``jupyter-prod
    commit`` in a terminal and a commit from the server queue instead of racing between
    reading HEAD and moving the branch.
    """
    try:
        with exclusive(f"git:{os.path.realpath(top)}", git_dir / REPO_LOCK_FILE, wait):
            yield
    except LockTimeout:
        raise ConflictError(
            f"Another jupyter-prod git operation on the repository '{top.name}' is still running after "
            f"{wait:g} s; try again later."
        ) from None


def wait_for_index_lock(git_dir: Path, *, wait: float = INDEX_LOCK_WAIT, poll: float = 0.05) -> None:
    """Wait up to ``wait`` seconds for another git process to release ``index.lock``.

    git itself fails at once on a held lock; a short wait absorbs the common
    case of an IDE or a ``git status`` in a terminal holding it for a moment.
    """
    lock = git_dir / "index.lock"
    deadline = time.monotonic() + wait
    while lock.exists():
        if time.monotonic() >= deadline:
            raise ConflictError(
                f"Another git process holds the index lock {lock}: wait for it to finish and retry; "
                "if no git process is running, delete that file."
            )
        time.sleep(poll)
